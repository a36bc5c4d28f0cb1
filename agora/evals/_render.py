"""Rendering a `RoutingReport` as rich tables (internal; the CLI's only output path)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from agora.evals._team import TeamScore
    from agora.evals.routing import RoutingReport

__all__ = ["render"]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _modes(report: RoutingReport) -> Table:
    table = Table(title="Right-expert rate by routing mode", box=box.SIMPLE_HEAD)
    for name in ("tasks", "mode", "n", "right expert", "mean K", "covers all domains"):
        table.add_column(name, justify="left" if name in ("tasks", "mode") else "right")
    for s in report.modes:
        table.add_row(
            s.tasks, s.label, str(s.count), _pct(s.right), f"{s.mean_k:.2f}", _pct(s.covers)
        )
    return table


def _ambiguity(report: RoutingReport) -> Table:
    table = Table(title="Dynamic K grows with ambiguity", box=box.SIMPLE_HEAD)
    for name in ("mode", "mean K clear", "mean K ambiguous", "covers both (ambiguous)"):
        table.add_column(name, justify="left" if name == "mode" else "right")
    for clear in report.modes:
        if clear.tasks != "clear" or not clear.label.startswith("dynamic"):
            continue
        amb = report.mode(clear.label, "ambiguous")
        table.add_row(clear.label, f"{clear.mean_k:.2f}", f"{amb.mean_k:.2f}", _pct(amb.covers))
    return table


def _rounds(report: RoutingReport) -> Table:
    table = Table(
        title="Learned vs static routing, misleading profiles (held-out top-1)",
        box=box.SIMPLE_HEAD,
    )
    for name in ("round", "learned", "static", "learned on train (exploring)"):
        table.add_column(name, justify="right")
    for r in report.rounds:
        table.add_row(str(r.round), _pct(r.learned), _pct(r.static), _pct(r.train))
    return table


def _team(title: str, score: TeamScore) -> Table:
    table = Table(
        title=f"{title}: {score.count} tasks, right expert {_pct(score.right_expert)}, "
        f"right answer {_pct(score.right_answer)}, mean K {score.mean_k:.2f}",
        box=box.SIMPLE_HEAD,
    )
    for name in ("task", "chosen", "answer"):
        table.add_column(name, overflow="fold")
    for task, chosen, answer in score.samples:
        table.add_row(task, ", ".join(chosen), answer)
    return table


def render(report: RoutingReport, console: Console | None = None) -> None:
    """Print `report` as tables on `console` (default: standard output).

    Example:
        >>> import io
        >>> from agora.evals.routing import RoutingReport
        >>> console = Console(record=True, file=io.StringIO(), width=100)
        >>> render(RoutingReport(embedder="hash", seed=0), console)
        >>> "Learned vs static" in console.export_text()
        True
    """
    console = console or Console()
    console.print(f"[bold]agora routing eval[/] embedder={report.embedder} seed={report.seed}")
    console.print(_modes(report))
    console.print(_ambiguity(report))
    console.print(_rounds(report))
    if report.team is not None:
        console.print(_team("Team path (scripted experts)", report.team))
    if report.local is not None:
        console.print(_team("Local model path", report.local))

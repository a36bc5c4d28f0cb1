"""Rendering a `RoutingReport` as rich tables (internal; the CLI's only output path)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from agora.evals._synthetic import Interval
    from agora.evals._team import TeamRow
    from agora.evals.routing import RoutingReport

__all__ = ["render"]


def _pct(value: Interval | None) -> str:
    if value is None:
        return "-"
    return f"{100 * value.mean:.1f}% [{100 * value.low:.1f}, {100 * value.high:.1f}]"


def _num(value: Interval) -> str:
    return f"{value.mean:.2f} [{value.low:.2f}, {value.high:.2f}]"


def _signed(value: Interval) -> str:
    return f"{100 * value.mean:+.1f} [{100 * value.low:+.1f}, {100 * value.high:+.1f}]"


def _modes(report: RoutingReport) -> Table:
    table = Table(
        title="Right-expert rate by routing mode",
        caption="Router and BM25: one deterministic pass over the tasks; random expert: seeds "
        "pooled. Shares: Wilson 95%; mean K: bootstrap 95% over tasks.",
        box=box.SIMPLE_HEAD,
    )
    for name in ("method", "tasks", "mode", "n", "right expert", "mean K", "covers all domains"):
        table.add_column(name, justify="left" if name in ("method", "tasks", "mode") else "right")
    for s in report.modes:
        method = f"{s.method} (baseline)" if s.baseline else s.method
        table.add_row(
            method, s.tasks, s.label, str(s.count), _pct(s.right), _num(s.mean_k), _pct(s.covers)
        )
    return table


def _ambiguity(report: RoutingReport) -> Table:
    table = Table(title="Dynamic K grows with ambiguity (router)", box=box.SIMPLE_HEAD)
    for name in ("mode", "mean K clear", "mean K ambiguous", "covers both (ambiguous)"):
        table.add_column(name, justify="left" if name == "mode" else "right")
    for clear in report.modes:
        if clear.method != "router" or clear.tasks != "clear":
            continue
        if not clear.label.startswith("dynamic"):
            continue
        amb = report.mode(clear.label, "ambiguous")
        table.add_row(clear.label, _num(clear.mean_k), _num(amb.mean_k), _pct(amb.covers))
    return table


def _rounds(report: RoutingReport) -> Table:
    table = Table(
        title="Learned vs static routing, misleading profiles (held-out top-1)",
        caption=f"Learned and learned - static: Student-t 95% over {len(report.seeds)} seeds; "
        "static never records, so it is one rate: Wilson 95% over the test tasks.",
        box=box.SIMPLE_HEAD,
    )
    for name in ("round", "learned", "static (baseline)", "learned - static", "train (exploring)"):
        table.add_column(name, justify="right")
    for r in report.rounds:
        table.add_row(str(r.round), _pct(r.learned), _pct(r.static), _signed(r.gain), _pct(r.train))
    return table


def _teams(report: RoutingReport) -> Table:
    seeds = len(report.seeds)
    table = Table(
        title="Team path: tasks through a real Team",
        caption=f"Student-t 95% over {seeds} seeds (each seed its own task sample). Right "
        "answer: scripted experts only (the tasks have no reference answers for a model).",
        box=box.SIMPLE_HEAD,
    )
    for name in ("team", "tasks", "right expert", "a right expert answered", "right answer"):
        table.add_column(name, justify="left" if name == "team" else "right")
    table.add_column("mean K", justify="right")
    for t in report.teams:
        label = f"{t.label} (baseline)" if t.baseline else t.label
        table.add_row(
            label,
            f"{t.tasks} x {t.seeds}",
            _pct(t.right_expert),
            _pct(t.answered_right),
            _pct(t.right_answer),
            _num(t.mean_k),
        )
    return table


def _samples(row: TeamRow) -> Table:
    table = Table(title=f"{row.label}: first seed's answers", box=box.SIMPLE_HEAD)
    for name in ("task", "chosen", "answered by", "answer"):
        table.add_column(name, overflow="fold")
    for task, chosen, by, answer in row.samples:
        table.add_row(task, ", ".join(chosen), by, answer)
    return table


def render(report: RoutingReport, console: Console | None = None) -> None:
    """Print `report` as tables on `console` (default: standard output).

    Example:
        >>> import io
        >>> from agora.evals.routing import RoutingReport
        >>> console = Console(record=True, file=io.StringIO(), width=100)
        >>> render(RoutingReport(embedder="hash", seeds=[0]), console)
        >>> "Learned vs static" in console.export_text()
        True
    """
    console = console or Console(width=max(150, Console().width))
    seeds = ",".join(map(str, report.seeds))
    console.print(f"[bold]agora routing eval[/] embedder={report.embedder} seeds={seeds}")
    console.print(_modes(report))
    if report.modes:
        console.print(_ambiguity(report))
    console.print(_rounds(report))
    if report.teams:
        console.print(_teams(report))
    for row in report.teams:
        if report.model is not None and report.model in row.label:
            console.print(_samples(row))

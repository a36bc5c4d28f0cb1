"""Rendering an ablation `Report` as rich tables (internal; the CLI's only output path)."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from agora.evals.agentnet.report import Report
from agora.evals.bigbench.evaluate import Interval

__all__ = ["render"]


def _ci(
    value: Interval | None, *, signed: bool = False, scale: float = 100.0, digits: int = 1
) -> str:
    if value is None:
        return "-"
    spec = f"{'+' if signed else ''}.{digits}f"
    mean, low, high = (format(x * scale, spec) for x in (value.mean, value.low, value.high))
    return f"{mean} [{low}, {high}]"


def _rows(report: Report) -> Table:
    setup = report.setup
    who = f"model {setup['model']}" if setup.get("model") else "scripted agents (skill matrix)"
    table = Table(
        title=f"AgentNet ablation on BBH: {who}, {setup['agents']} agents, "
        f"{len(setup['seeds'])} seeds, {setup['rounds']} feedback rounds",
        caption="accuracy: % right on the test split after the last round; hops: hand-offs "
        "per task; Δ: paired difference to the first row, points; [95% CI over seeds]. "
        "AgentNet: the paper's BBH figure (GPT-4o-mini, 3 agents)." + _failures(report),
        box=box.SIMPLE_HEAD,
    )
    for name in ("row", "accuracy %", "hops", "Δ vs decentralized", "AgentNet %"):
        table.add_column(name, justify="left" if name == "row" else "right")
    for row in report.rows:
        table.add_row(
            row.label,
            _ci(row.accuracy),
            _ci(row.hops, scale=1.0, digits=2),
            _ci(row.delta, signed=True),
            "-" if row.paper is None else f"{100 * row.paper:.0f}",
        )
    return table


def _failures(report: Report) -> str:
    failed = sum(p.failures for runs in report.runs for run in runs.values() for p in run.test)
    return f" Test tasks whose model failed (counted wrong): {failed}." if failed else ""


def _curve(report: Report) -> Table:
    table = Table(
        title="Evolving vs frozen network: test accuracy % after each feedback round",
        caption="evolving: feedback after every train task (router records, edges reweight "
        "and prune); frozen: the same team with no feedback. AgentNet (Table 3): 76 frozen, "
        "86 evolving.",
        box=box.SIMPLE_HEAD,
    )
    names = ("round", "evolving", "frozen", "Δ evolving − frozen", "edges pruned (evolving)")
    for name in names:
        table.add_column(name, justify="right")
    for point in report.curve:
        table.add_row(
            str(point.round),
            _ci(point.evolving),
            _ci(point.frozen),
            _ci(point.delta, signed=True),
            _ci(point.pruned, scale=1.0),
        )
    return table


def render(report: Report, console: Console | None = None) -> None:
    """Print `report`'s two tables."""
    out = console or Console(width=140)
    out.print(_rows(report))
    if report.curve:
        out.print(_curve(report))

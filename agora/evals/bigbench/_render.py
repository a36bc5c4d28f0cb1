"""Rendering a BIG-bench routing `Report` as a rich table (internal; the CLI's output path)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from agora.evals.bigbench.evaluate import Interval, Report

__all__ = ["render", "table"]

COLUMNS = (
    "method",
    "top-1",
    "top-3",
    "dynamic K right",
    "mean K",
    "ECE",
    "ECE floor",
    "ECE pooled (floor)",
    "abstains, no expert",
    "abstains, in family",
)
#: The extra column of suites with two-family texts (``domains``).
COVERS = "dynamic K covers both (2-domain)"


def _pct(value: Interval) -> str:
    half = (value.high - value.low) / 2
    return f"{100 * value.mean:.1f} ± {100 * half:.1f}"


def _pooled(ece: float | None, floor: float | None) -> str:
    if ece is None:
        return "-"
    return f"{ece:.3f}" + ("" if floor is None else f" ({floor:.3f})")


def table(report: Report) -> Table:
    """The report's one table: a row per method, 95% intervals over seeds."""
    seeds = report.seeds
    title = (
        f"Routing on {report.suite}: {len(report.families)} families, {report.held_out} held "
        f"out per seed; embedder {report.embedder}; seeds {seeds[0]}-{seeds[-1]} "
        f"({len(seeds)}); % ± 95% CI half-width"
        + ("; DEV split carved from train" if report.dev else "")
    )
    out = Table(title=title, box=box.SIMPLE_HEAD)
    pairs = any(row.covers is not None for row in report.rows)
    for name in (*COLUMNS, COVERS) if pairs else COLUMNS:
        out.add_column(name, justify="left" if name == "method" else "right")
    for row in report.rows:
        half_k = (row.mean_k.high - row.mean_k.low) / 2
        label = f"{row.method} [dim]({row.kind})[/]"
        out.add_row(
            label,
            _pct(row.top1),
            _pct(row.top_k),
            _pct(row.dynamic),
            f"{row.mean_k.mean:.2f} ± {half_k:.2f}",
            f"{row.ece.mean:.3f} ± {(row.ece.high - row.ece.low) / 2:.3f}",
            "-" if row.ece_floor is None else f"{row.ece_floor.mean:.3f}",
            _pooled(row.ece_pooled, row.ece_pooled_floor),
            _pct(row.abstain),
            _pct(row.false_abstain),
            *([_pct(row.covers) if row.covers is not None else "-"] if pairs else []),
        )
    return out


def paired_table(report: Report) -> Table:
    """Router rows minus each baseline, top-1 in points, paired by seed."""
    bases = list(dict.fromkeys(p.baseline for p in report.paired))
    out = Table(
        title="top-1 minus each baseline, paired by seed: points ± 95% CI half-width "
        "(seeds ahead / level / behind)",
        box=box.SIMPLE_HEAD,
    )
    out.add_column("method", justify="left")
    for base in bases:
        out.add_column(base, justify="right")
    for method in dict.fromkeys(p.method for p in report.paired):
        cells = {p.baseline: p for p in report.paired if p.method == method}
        out.add_row(
            method,
            *(
                f"{100 * c.diff.mean:+.2f} ± {50 * (c.diff.high - c.diff.low):.2f} "
                f"({c.ahead}/{c.level}/{c.behind})"
                for c in (cells[b] for b in bases)
            ),
        )
    return out


def render(report: Report, console: Console | None = None) -> None:
    """Print `report` on `console` (default: standard output).

    Example:
        >>> import io
        >>> from agora.evals.bigbench.evaluate import Report
        >>> console = Console(record=True, file=io.StringIO(), width=160)
        >>> render(Report(suite="bbh", embedder="hash", seeds=[0], families=[], held_out=0,
        ...               per_family=40), console)
        >>> "Routing on bbh" in console.export_text()
        True
    """
    console = console or Console()
    console.print(table(report))
    if report.paired:
        console.print(paired_table(report))
    n = {row.method: (row.n_test, row.n_unseen) for row in report.rows}
    if n:
        test, unseen = next(iter(n.values()))
        console.print(
            f"{test} in-family and {unseen} no-expert test examples over all seeds "
            "(a model row scores a sample)."
        )

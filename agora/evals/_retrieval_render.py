"""Rendering a `RetrievalReport` as rich tables (internal; the eval's only output path)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table

from agora.evals.retrieval import METRICS

if TYPE_CHECKING:
    from agora.evals._retrieval_tune import Tuned
    from agora.evals.retrieval import RetrievalReport, Row

__all__ = ["render"]


def _cell(mean: float, low: float, high: float) -> str:
    return f"{mean:.3f} ±{(high - low) / 2:.3f}"


def _rows(title: str, rows: Sequence[Row]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD)
    for name in ("queries", "method", "R@1", "R@5", "R@10", "MRR@10", "p50 ms", "p95 ms"):
        table.add_column(name, justify="left" if name in ("queries", "method") else "right")
    kind = None
    for r in rows:
        if kind is not None and r.kind != kind:
            table.add_section()
        kind = r.kind
        table.add_row(
            r.kind, r.method, *(_cell(*r.metrics[m]) for m in METRICS),
            f"{r.p50_ms:.2f}", f"{r.p95_ms:.2f}",
        )  # fmt: skip
    return table


def _tuning(tuned: Tuned) -> Table:
    table = Table(
        title=f"Tuning on the dev half ({tuned.queries} queries; MRR@10)", box=box.SIMPLE_HEAD
    )
    for name in ("setting", "value", "dev MRR@10", "at the default"):
        table.add_column(name, justify="left" if name == "setting" else "right")
    default_share = next(iter(tuned.bm25_by_share))
    table.add_row(
        "common-word share (BM25)", str(tuned.share), f"{tuned.bm25_by_share[tuned.share]:.4f}",
        f"{tuned.bm25_by_share[default_share]:.4f} (share {default_share})",
    )  # fmt: skip
    for label, (k, weight) in tuned.fusion.items():
        table.add_row(
            f"hybrid ({label}): rrf_k, vector weight", f"{k}, {weight}",
            f"{tuned.dev_tuned[label]:.4f}", f"{tuned.dev_default[label]:.4f} (60, 1.0)",
        )  # fmt: skip
    table.add_row(
        "rrf_k at equal weights (every embedder)", str(tuned.shared_k),
        ", ".join(f"{e} {g[(tuned.shared_k, 1.0)]:.4f}" for e, g in tuned.grid.items()),
        "(60)",
    )  # fmt: skip
    return table


def _deltas(report: RetrievalReport) -> Table:
    table = Table(
        title="Tuned minus default, MRR@10 on every held-out query (paired; bootstrap 95%)",
        box=box.SIMPLE_HEAD,
    )
    for name in ("data", "queries", "tuned", "n", "delta MRR@10", "95% interval"):
        table.add_column(name, justify="right" if name in ("n", "delta MRR@10") else "left")
    for d in report.deltas:
        mean, low, high = d.mrr
        table.add_row(d.data, d.kind, d.tuned, str(d.queries), f"{mean:+.4f}",
                      f"[{low:+.4f}, {high:+.4f}]")  # fmt: skip
    return table


def render(report: RetrievalReport, console: Console | None = None) -> None:
    """Print `report` as tables on `console` (default: standard output).

    Example:
        >>> import io
        >>> from agora.evals.retrieval import run
        >>> from agora.evals.retrieval_data import Corpus
        >>> from agora.evals.spread_data import shipped_cases
        >>> console = Console(record=True, file=io.StringIO(), width=140)
        >>> render(run([Corpus.of(shipped_cases(0, 4), name="c")], seeds=1, cases=2), console)
        >>> "word overlap" in console.export_text()
        True
    """
    if console is None:
        console = Console()
        console = Console(width=max(console.width, 130))  # the tables need 130 columns
    setup = report.setup
    console.print(
        f"[bold]agora retrieval eval[/] seeds={setup['seeds']} "
        f"embedders={', '.join(f'{k}={v}' for k, v in setup['embedders'].items())}; "
        "mean ±95% t-interval over seeds; latency: whole call, query embedding included"
    )
    for data in setup["data"]:
        rows = [r for r in report.rows if r.data == data]
        per_seed = rows[0].queries if rows else 0
        console.print(_rows(
            f"{data}: {setup['documents'][data]} documents; {per_seed} cases per seed drawn "
            f"from {setup['held_out_cases'][data]} held-out", rows,
        ))  # fmt: skip
    if report.tuned is not None:
        console.print(_tuning(report.tuned))
        for data in setup["data"]:
            rows = [r for r in report.held_out if r.data == data]
            console.print(_rows(f"{data}, held-out: defaults vs tuned", rows))
        console.print(_deltas(report))

"""Routing on BIG-bench: does the router send each task's examples to that task's expert?

One expert per BIG-bench task (*family*); each expert's profile is the task's own
``description`` and ``keywords``, as BIG-bench's authors wrote them. The routed texts are the
tasks' example inputs, split by example into train and test; the families held out each seed
have no expert, and their examples measure abstention ("no expert fits"). In the same table:
BM25 over the descriptions, the nearest train example and the class centroid.

Fetch the data once (358 MB, verified against its pinned sha256), then run::

    python -m agora.evals.bigbench fetch
    python -m agora.evals.bigbench run --suite bbh --seeds 5 --json out.json --diagram rel.svg

Modules: `source` (fetch, verify, read the tarball), `suites` (which families), `methods`
(the router under test and the baselines), `llm` (``--model``: a model picks the expert),
`metrics` (top-K, dynamic K, ECE), `evaluate` (splits and intervals), `diagram` (SVG),
`cli`. The router is pluggable: pass ``router=`` to `run` or ``--router MODULE:FACTORY``.

Example:
    >>> report = run("domains", embedder="hash", seeds=[0], learn_rounds=0)
    >>> [row.method for row in report.rows]
    ['router', 'BM25 over descriptions', 'nearest train example', 'class centroid']
"""

from __future__ import annotations

from agora.evals.bigbench.cli import main
from agora.evals.bigbench.evaluate import Report, Row, make_split, run
from agora.evals.bigbench.methods import (
    BM25Method,
    CentroidMethod,
    Example,
    Method,
    NearestMethod,
    Ranking,
    RouterMethod,
)
from agora.evals.bigbench.source import Family, fetch, load_families

__all__ = [
    "BM25Method",
    "CentroidMethod",
    "Example",
    "Family",
    "Method",
    "NearestMethod",
    "Ranking",
    "Report",
    "RouterMethod",
    "Row",
    "fetch",
    "load_families",
    "main",
    "make_split",
    "run",
]

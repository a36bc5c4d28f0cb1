"""The retrieval eval's tuning sweep on the dev half: the common-word share, RRF k and weights.

Two steps, each scored by MRR@10 over every dev query (both kinds, every file, pooled):

1. the common-word share (`agora.memory.retrieval._bm25.COMMON_SHARE`) by BM25 alone, since it is a
   rule of the BM25 search; each value runs the real `SQLiteStore.search`;
2. per embedder, the fusion's ``rrf_k`` and the vector channel's weight (BM25's stays 1)
   with the chosen share; and the ``rrf_k`` at equal weights best on average over the
   embedders (a default cannot know the embedder, and the best weights differ by embedder).
   The two channel lists are taken once per query, by the same calls
   `Retriever.retrieve` makes, and fused by `reciprocal_rank_fusion` for every grid point
   (`Bench.fused`; a test checks it equals `Retriever.retrieve` at the defaults).

Ties keep the current default (listed first), so a value changes only when it scores
strictly higher on dev. The held-out half is never read here.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from agora.evals._retrieval_bench import Bench, common_share
from agora.evals.retrieval_data import Query
from agora.memory.retrieval import _bm25

__all__ = ["DEFAULT_K", "Tuned", "mrr_at_10", "tune"]

DEFAULT_K = 60
#: Common-word shares tried; the current default first (1.0 turns the rule off).
SHARES = tuple(dict.fromkeys((_bm25.COMMON_SHARE, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)))
#: RRF k values tried; the current default first.
KS = (DEFAULT_K, 0, 5, 10, 20, 30, 100)
#: Vector channel weights tried (BM25's is 1); the current default first.
WEIGHTS = (1.0, 0.25, 0.5, 0.75, 1.5, 2.0, 3.0, 4.0)


@dataclass(slots=True)
class Tuned:
    """What the sweep chose, and the dev MRR@10 of every value it tried."""

    queries: int
    share: float
    bm25_by_share: dict[float, float]
    fusion: dict[str, tuple[int, float]] = field(default_factory=dict)
    """Embedder label to its chosen (rrf_k, vector weight)."""
    dev_default: dict[str, float] = field(default_factory=dict)
    """Embedder label to the dev MRR@10 of hybrid at the current defaults."""
    dev_tuned: dict[str, float] = field(default_factory=dict)
    """Embedder label to the dev MRR@10 of hybrid at the chosen values."""
    grid: dict[str, dict[tuple[int, float], float]] = field(default_factory=dict)
    """Embedder label to the dev MRR@10 of every (rrf_k, vector weight) tried."""
    shared_k: int = DEFAULT_K
    """The rrf_k at equal weights with the best dev MRR@10 averaged over the embedders: the
    one fusion setting a default can change without knowing the embedder."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "dev_queries": self.queries,
            "common_share": self.share,
            "bm25_mrr_by_share": {str(s): v for s, v in self.bm25_by_share.items()},
            "fusion": {e: {"rrf_k": k, "vector_weight": w} for e, (k, w) in self.fusion.items()},
            "shared_rrf_k": self.shared_k,
            "dev_hybrid_mrr_default": self.dev_default,
            "dev_hybrid_mrr_tuned": self.dev_tuned,
            "dev_hybrid_mrr_grid": {
                e: {f"k={k},w={w}": v for (k, w), v in g.items()} for e, g in self.grid.items()
            },
        }


def mrr_at_10(ids: Sequence[str], relevant: str) -> float:
    """The reciprocal rank of `relevant` in the top 10 of `ids` (0 when absent).

    Example:
        >>> mrr_at_10(["a", "b"], "b"), mrr_at_10(["a"], "z")
        (0.5, 0.0)
    """
    top = list(ids[:10])
    return 1.0 / (top.index(relevant) + 1) if relevant in top else 0.0


def tune(
    benches: Sequence[tuple[Bench, Sequence[Query]]],
    *,
    progress: Callable[[str], None] = lambda _: None,
) -> Tuned:
    """Sweep the dev queries of each bench (see the module docstring) and choose."""
    queries = sum(len(qs) for _, qs in benches)
    lists: dict[float, list[tuple[list[str], str]]] = {s: [] for s in SHARES}
    for share in SHARES:
        with common_share(share):
            for bench, qs in benches:
                lists[share] += [(bench.bm25(q.text), q.relevant) for q in qs]
    by_share = {s: _mean(mrr_at_10(ids, rel) for ids, rel in lists[s]) for s in SHARES}
    share = max(SHARES, key=lambda s: (by_share[s], s == SHARES[0]))
    progress(
        f"tuning: {queries} dev queries, common share {share} (BM25 MRR {by_share[share]:.3f})"
    )
    tuned = Tuned(queries=queries, share=share, bm25_by_share=by_share)
    for label in benches[0][0].retrievers if benches else ():
        pairs = []
        for (bench, qs), offset in zip(benches, _offsets(benches), strict=True):
            retriever = bench.retrievers[label]
            for n, q in enumerate(qs):
                vector = bench.vector(retriever, retriever.embed_query(q.text))
                pairs.append((bench, lists[share][offset + n][0], vector, q.relevant))
        scores = {
            (k, w): _mean(
                mrr_at_10(b.fused(bm, vec, k=k, weights={"vector": w}), rel)
                for b, bm, vec, rel in pairs
            )
            for k in KS
            for w in WEIGHTS
        }
        best = max(scores, key=lambda kw: (scores[kw], kw == (KS[0], WEIGHTS[0])))
        tuned.fusion[label] = best
        tuned.grid[label] = scores
        tuned.dev_default[label] = scores[(KS[0], WEIGHTS[0])]
        tuned.dev_tuned[label] = scores[best]
        progress(
            f"tuning {label}: rrf_k {best[0]}, vector weight {best[1]} (dev MRR "
            f"{scores[best]:.3f}, default {tuned.dev_default[label]:.3f})"
        )
    if tuned.grid:
        grids = list(tuned.grid.values())
        tuned.shared_k = max(KS, key=lambda k: (_mean(g[(k, 1.0)] for g in grids), k == KS[0]))
        progress(f"tuning: rrf_k {tuned.shared_k} at equal weights, best over every embedder")
    return tuned


def _offsets(benches: Sequence[tuple[Bench, Sequence[Query]]]) -> list[int]:
    offsets, at = [], 0
    for _, qs in benches:
        offsets.append(at)
        at += len(qs)
    return offsets


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return float(statistics.fmean(items)) if items else 0.0

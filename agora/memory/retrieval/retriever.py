"""Hybrid retrieval: what an agent should know about a query, fitted to a prompt budget.

`Retriever.retrieve` runs, over any `Store`:

1. scope and time filter (a reader's `Scope`, ``valid_at``; default statuses),
2. BM25 (`Store.search`, FTS5 on SQLite) and embedding search (`VectorIndex`),
   fused by reciprocal rank (`reciprocal_rank_fusion`),
3. expansion around the hits: facts within 1-2 hops of their entities (``"hops"``), or
   personalized PageRank over the working set around them (``"pagerank"``),
4. rerank by ``fused score x confidence x trust x recency`` (trust: per agent, default 1),
5. greedy fit to a token budget (about 4 characters a token).

It returns a `Retrieval`: facts with provenance, and `Retrieval.to_prompt` for the prompt.

Example:
    >>> from agora.embeddings import HashEmbedder
    >>> from agora.memory import Entity, Fact, NetworkXStore
    >>> store = NetworkXStore()
    >>> paris, france, seine = (Entity.named(n) for n in ("Paris", "France", "Seine"))
    >>> _ = store.upsert_entities([paris, france, seine])
    >>> facts = [Fact.triple(paris, "capital_of", france, agent="a1", confidence=0.9),
    ...          Fact.triple(seine, "flows_through", paris, agent="a2", confidence=0.8)]
    >>> _ = store.add_facts(facts)
    >>> retriever = Retriever(store, embedder=HashEmbedder(dim=64), trust={"a2": 0.5})
    >>> retriever.index_facts(facts)
    2
    >>> found = retriever.retrieve("capital of France", token_budget=200)
    >>> [f.fact.text for f in found.facts]
    ['Paris capital_of France', 'Seine flows_through Paris']
    >>> print(found.to_prompt().splitlines()[1])
    - Paris capital_of France (confidence 0.90; by a1; scope agent:a1; ...)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from agora._checks import check_int, check_text
from agora.embeddings.base import Embedder
from agora.errors import UserError
from agora.memory import _args, _rules
from agora.memory.graph.views import personalized_pagerank, working_set
from agora.memory.records import FACT_STATUSES, Fact
from agora.memory.retrieval.ranking import (
    estimate_tokens,
    recency,
    reciprocal_rank_fusion,
    trust_of,
)
from agora.memory.retrieval.vector_index import VectorIndex
from agora.memory.scope import Scope
from agora.memory.store import Store, default_statuses

__all__ = ["Expansion", "Retrieval", "RetrievedFact", "Retriever"]

#: How retrieval grows the fused hits: not at all, along facts, or by personalized PageRank.
Expansion = Literal["none", "hops", "pagerank"]
_HEADER = "Memory (facts, best first, with provenance):"


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrievedFact:
    """One retrieved fact, its score and how it was found.

    Example:
        >>> f = Fact(subject="e", relation="r", literal="x", text="e r x", agents=("a",),
        ...          id="f1", valid_from=0.0)
        >>> RetrievedFact(fact=f, score=0.5, fused=1.0, sources=("bm25",)).line()
        '- e r x (confidence 0.50; by a; scope agent:a; valid from 1970-01-01; id f1)'
    """

    fact: Fact
    """The fact itself, provenance included (agents, episodes, scope, times)."""
    score: float
    """Final score: fused x confidence x trust x recency."""
    fused: float
    """Score before reranking (reciprocal rank fusion, or derived from it by expansion)."""
    sources: tuple[str, ...]
    """Where it came from: ``bm25``, ``vector`` and/or ``expansion``."""
    via: str | None = None
    """For an expansion: the id of the hit it was reached from."""

    def line(self) -> str:
        """The fact as one prompt line, with its provenance."""
        fact = self.fact
        when = _date(int(fact.valid_from // 86_400))
        status = "" if fact.status == "active" else f"; {fact.status}"
        return (
            f"- {fact.text or fact.relation} (confidence {fact.confidence:.2f}; by "
            f"{','.join(fact.agents)}; scope {fact.scope.key}; valid from {when}{status}; "
            f"id {fact.id})"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Retrieval:
    """What `Retriever.retrieve` found, fitted to the token budget.

    Example:
        >>> Retrieval(query="q").to_prompt()
        ''
    """

    query: str
    """The query text."""
    facts: tuple[RetrievedFact, ...] = ()
    """The facts that fit the budget, best first."""
    tokens: int = 0
    """Estimated prompt tokens of `to_prompt`."""
    dropped: int = 0
    """Ranked facts left out because the budget was spent."""
    candidates: dict[str, int] = field(default_factory=dict)
    """How many candidates each stage produced (``bm25``, ``vector``, ``expansion``)."""

    def to_prompt(self) -> str:
        """The facts as a text block for an agent's prompt (empty when nothing was found)."""
        if not self.facts:
            return ""
        return "\n".join([_HEADER, *(f.line() for f in self.facts)])


class Retriever:
    """Hybrid retrieval over a `Store` (see the module docstring for the stages).

    Args:
        store: where facts live; the source of truth for filters and provenance.
        embedder: embeds queries and facts; ``None`` leaves out the embedding channel.
        index: the embedding index; a fresh int8 `VectorIndex` of the embedder's dim if None.
        trust: per-agent trust in 0..1 (unknown agents: 1).
        half_life_s: recency half-life in seconds, from ``valid_from``; ``None`` disables it.
        expansion: how to grow the hits (see `Expansion`).
        hops: expansion depth, 1 or 2.
        candidates: hits taken from each channel.
        min_similarity: embedding hits below this cosine similarity are ignored.
        rrf_k: the ``k`` of reciprocal rank fusion.
        weights: weight of each channel in the fusion, by name (``"bm25"``, ``"vector"``;
            1 when absent).
        seeds: fused hits whose entities seed the expansion.
        expand_limit: facts taken per expanded entity (and PageRank facts kept).
        decay: expanded facts score ``decay ** depth`` times their seed's fused score.
        clock: the time source for recency.
    """

    def __init__(
        self,
        store: Store,
        *,
        embedder: Embedder | None = None,
        index: VectorIndex | None = None,
        trust: Mapping[str, float] | None = None,
        half_life_s: float | None = None,
        expansion: Expansion = "hops",
        hops: int = 1,
        candidates: int = 16,
        min_similarity: float = 0.0,
        rrf_k: int = 60,
        weights: Mapping[str, float] | None = None,
        seeds: int = 2,
        expand_limit: int = 8,
        decay: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _args.check_retriever(
            expansion=expansion, hops=hops, candidates=candidates, rrf_k=rrf_k, seeds=seeds,
            expand_limit=expand_limit, decay=decay, min_similarity=min_similarity,
            half_life_s=half_life_s, clock=clock,
        )  # fmt: skip
        _args.check_store(store, "Retriever")
        _args.check_embedder(embedder, "Retriever")
        if index is not None and not isinstance(index, VectorIndex):
            raise UserError(f"index must be a VectorIndex, got {type(index).__name__}")
        trust = None if trust is None else _args.check_unit_map(trust, "trust", error=UserError)
        weights = _args.check_weights(weights)
        if index is not None and embedder is not None and index.dim != embedder.dim:
            raise UserError(f"index dim {index.dim} differs from embedder dim {embedder.dim}")
        self.store, self.embedder = store, embedder
        if index is None and embedder is not None:
            index = VectorIndex(embedder.dim)
        self.index = index
        self.trust = dict(trust or {})
        self.half_life_s, self.expansion, self.hops = half_life_s, expansion, hops
        self.candidates, self.rrf_k, self.seeds = candidates, rrf_k, seeds
        self.weights = weights
        self.min_similarity = min_similarity
        self.expand_limit, self.decay, self.clock = expand_limit, decay, clock

    def index_facts(self, facts: Iterable[Fact], *, batch: int = 4096) -> int:
        """Embed `facts` (their text) into the index; return how many (0 without embedder)."""
        items, added = _rules.records(facts, Fact, "fact"), 0
        check_int(batch, "batch", low=1, error=UserError)
        if self.embedder is None or self.index is None:
            return 0
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            vectors = self.embedder.embed([f.text or f.relation for f in chunk])
            added += self.index.add([f.id for f in chunk], vectors)
        return added

    def rebuild_index(self) -> int:
        """Replace the index with one built from every fact in the store; return its size."""
        if self.index is None:
            return 0
        old = self.index
        self.index = VectorIndex(
            old.dim, quantization=old.quantization, train_at=old.train_at, probes=old.probes,
            seed=old.seed,
        )  # fmt: skip
        return self.index_facts(self.store.facts(statuses=FACT_STATUSES))

    def embed_query(self, query: str) -> npt.NDArray[np.float32] | None:
        """The query's embedding, or ``None`` without an embedder."""
        check_text(query, "query", error=UserError)
        return None if self.embedder is None else self.embedder.embed([query])[0]

    def retrieve(
        self,
        query: str,
        *,
        scope: Scope | None = None,
        valid_at: float | None = None,
        token_budget: int = 1000,
        query_vector: npt.ArrayLike | None = None,
    ) -> Retrieval:
        """The facts most relevant to `query` readable from `scope`, fitted to `token_budget`.

        Args:
            query: what the agent is deciding or answering.
            scope: the reader's scope (``None``: everything).
            valid_at: only facts valid at this time, history included (``None``: current).
            token_budget: most prompt tokens `Retrieval.to_prompt` may take.
            query_vector: the query's embedding, if already computed (see `embed_query`).

        Raises:
            UserError: an argument of the wrong type or out of range.
        """
        check_text(query, "query", error=UserError)
        _rules.check_filters(scope=scope, valid_at=valid_at)
        check_int(token_budget, "token_budget", low=0, error=UserError)
        if query_vector is not None and self.index is not None:
            query_vector = _args.check_vector(query_vector, self.index.dim, "query_vector")
        run = _Run(self, scope, valid_at)
        hits = self.store.search(query, scope=scope, valid_at=valid_at, limit=self.candidates)
        bm25 = [fact_id for fact_id, _ in hits]
        nearest = run.nearest(self._query_vector(query, query_vector))
        # One store lookup for the likely hits; vector_hits loads more only if filters drop some.
        run.load([*bm25, *(fact_id for fact_id, _ in nearest[: self.candidates])])
        vector = run.vector_hits(nearest)
        found = []
        for fact_id, score in reciprocal_rank_fusion(
            {"bm25": bm25, "vector": vector}, k=self.rrf_k, weights=self.weights
        ):
            fact = run.fact(fact_id)
            if fact is not None:
                sources = run.sources(fact_id, bm25, vector)
                found.append(RetrievedFact(fact=fact, score=score, fused=score, sources=sources))
        expanded = run.expand(found)
        counts = {"bm25": len(bm25), "vector": len(vector), "expansion": len(expanded)}
        return self._fit(query, self._rerank([*found, *expanded]), token_budget, counts)

    def _query_vector(
        self, query: str, given: npt.ArrayLike | None
    ) -> npt.NDArray[np.float32] | None:
        if self.index is None or len(self.index) == 0:
            return None
        return self.embed_query(query) if given is None else np.asarray(given, np.float32)

    def _rerank(self, found: list[RetrievedFact]) -> list[tuple[float, RetrievedFact]]:
        """`found` with final scores, best first (ties keep their order)."""
        now = self.clock()
        ranked = []
        for rank, item in enumerate(found):
            fact = item.fact
            factor = fact.confidence * trust_of(fact, self.trust)
            factor *= recency(fact, now=now, half_life_s=self.half_life_s)
            ranked.append((item.fused * factor, rank, item))
        ranked.sort(key=lambda entry: (-entry[0], entry[1]))
        return [(score, item) for score, _, item in ranked]

    def _fit(
        self,
        query: str,
        ranked: list[tuple[float, RetrievedFact]],
        budget: int,
        counts: dict[str, int],
    ) -> Retrieval:
        used, kept = estimate_tokens(_HEADER), []
        for score, item in ranked:
            cost = estimate_tokens(item.line()) + 1
            if used + cost <= budget:
                kept.append(_with_score(item, score))
                used += cost
        tokens = used if kept else 0
        return Retrieval(query=query, facts=tuple(kept), tokens=tokens,
                         dropped=len(ranked) - len(kept), candidates=counts)  # fmt: skip


@lru_cache(maxsize=4096)
def _date(day: int) -> str:
    """The UTC date of `day` (days since the epoch), as YYYY-MM-DD."""
    return time.strftime("%Y-%m-%d", time.gmtime(day * 86_400))


def _with_score(item: RetrievedFact, score: float) -> RetrievedFact:
    return RetrievedFact(
        fact=item.fact, score=score, fused=item.fused, sources=item.sources, via=item.via
    )


class _Run:
    """State of one `Retriever.retrieve` call: the filter and the facts loaded so far."""

    def __init__(self, retriever: Retriever, scope: Scope | None, valid_at: float | None):
        self.r, self.scope, self.valid_at = retriever, scope, valid_at
        self.readable = None if scope is None else {s.key for s in scope.readable()}
        self.statuses = default_statuses(valid_at)
        self.loaded: dict[str, Fact | None] = {}
        self.direct: set[str] = set()

    def keep(self, fact: Fact) -> bool:
        """Whether `fact` passes the scope, status and time filters."""
        if self.readable is not None and fact.scope.key not in self.readable:
            return False
        if fact.status not in self.statuses:
            return False
        return self.valid_at is None or fact.valid_at(self.valid_at)

    def fact(self, fact_id: str) -> Fact | None:
        """The fact if it passes the filters (loaded once), else ``None``."""
        if fact_id not in self.loaded:
            self.load([fact_id])
        return self.loaded[fact_id]

    def load(self, fact_ids: list[str]) -> None:
        """Load the facts of `fact_ids` not loaded yet, in one store lookup."""
        missing = [i for i in fact_ids if i not in self.loaded]
        if not missing:
            return
        found = self.r.store.get_facts(missing)
        for fact_id in missing:
            fact = found.get(fact_id)
            self.loaded[fact_id] = fact if fact is not None and self.keep(fact) else None

    def nearest(self, vector: npt.NDArray[np.float32] | None) -> list[tuple[str, float]]:
        """The index's nearest facts to `vector`, over-fetched for the filters."""
        if vector is None or self.r.index is None:
            return []
        return self.r.index.search(vector, k=4 * self.r.candidates)

    def vector_hits(self, nearest: list[tuple[str, float]]) -> list[str]:
        """Ids of the `nearest` facts passing the filters, at most `Retriever.candidates`."""
        want = self.r.candidates
        kept: list[str] = []
        for fact_id, similarity in nearest:
            if similarity < self.r.min_similarity:
                break
            if self.fact(fact_id) is not None:
                kept.append(fact_id)
                if len(kept) == want:
                    break
        return kept

    @staticmethod
    def sources(fact_id: str, bm25: list[str], vector: list[str]) -> tuple[str, ...]:
        """The channels that found `fact_id`."""
        return tuple(name for name, ids in (("bm25", bm25), ("vector", vector)) if fact_id in ids)

    def expand(self, found: list[RetrievedFact]) -> list[RetrievedFact]:
        """Facts around the top hits, scored from their seed (see `Expansion`)."""
        self.direct = {item.fact.id for item in found}
        seeds = found[: self.r.seeds]
        if not seeds or self.r.expansion == "none":
            return []
        if self.r.expansion == "pagerank":
            return self._pagerank(seeds)
        return self._hops(seeds)

    def _hops(self, seeds: list[RetrievedFact]) -> list[RetrievedFact]:
        out: dict[str, RetrievedFact] = {}
        for seed in seeds:
            frontier, seen = _entities(seed.fact), set(_entities(seed.fact))
            for depth in range(1, self.r.hops + 1):
                score, nxt = seed.fused * self.r.decay**depth, []
                for entity in frontier:
                    for fact in self.r.store.facts(
                        about=entity, scope=self.scope, valid_at=self.valid_at,
                        limit=self.r.expand_limit,
                    ):  # fmt: skip
                        self._offer(out, fact, score, seed)
                        nxt += [e for e in _entities(fact) if e not in seen]
                        seen.update(nxt)
                frontier = nxt[: self.r.expand_limit]
        return list(out.values())

    def _pagerank(self, seeds: list[RetrievedFact]) -> list[RetrievedFact]:
        around = list(dict.fromkeys(e for s in seeds for e in _entities(s.fact)))
        graph = working_set(
            self.r.store, scope=self.scope, around=around, hops=self.r.hops,
            valid_at=self.valid_at, limit=self.r.expand_limit * len(around),
        )  # fmt: skip
        rank = personalized_pagerank(graph, around)
        top = max(rank.values(), default=0.0) or 1.0
        edges = sorted(
            ((rank[u] + rank[v]) / (2 * top), key) for u, v, key in graph.edges(keys=True)
        )
        out: dict[str, RetrievedFact] = {}
        for weight, fact_id in reversed(edges[-self.r.expand_limit * len(seeds) :]):
            fact = self.fact(fact_id)
            if fact is not None:
                self._offer(out, fact, seeds[0].fused * self.r.decay * weight, seeds[0])
        return list(out.values())

    def _offer(
        self, out: dict[str, RetrievedFact], fact: Fact, score: float, seed: RetrievedFact
    ) -> None:
        if fact.id in self.direct:
            return
        if fact.id not in out or out[fact.id].fused < score:
            out[fact.id] = RetrievedFact(
                fact=fact, score=score, fused=score, sources=("expansion",), via=seed.fact.id
            )


def _entities(fact: Fact) -> list[str]:
    return [fact.subject] if fact.object_id is None else [fact.subject, fact.object_id]

"""The retrieval eval's methods over one corpus, each a timed query → ranked ids (internal).

One in-memory `SQLiteStore` holds the corpus (one fact per document, each its own entity:
the corpus is text, not a graph); one `Retriever` per embedder holds its `VectorIndex`.
The methods go through agora's public paths:

- ``word overlap`` (the baseline): documents ranked by how many distinct query words they
  hold (agora's tokenizer), ties in corpus order; no IDF, no index;
- ``BM25``: `SQLiteStore.search` (FTS5, with the scoring budget and the common-word rule);
- ``vector (E)``: `Retriever.embed_query` then `VectorIndex.search` (int8, exact at this size);
- ``hybrid (E)``: `Retriever.retrieve` (BM25 and vector fused by reciprocal rank, then the
  rerank; expansion off, since no document shares an entity with another).

Each call is timed whole with ``time.perf_counter``: the query embedding is inside the vector
and hybrid times. Building the store and embedding the corpus are not (see `Bench.build_s`).

`common_share` sets the common-word rule's share (`agora.memory.retrieval._bm25.COMMON_SHARE`) for a
block, so the tuning sweep can try other values on the real search path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from agora.embeddings import Embedder
from agora.memory import Entity, Fact, Retriever, SQLiteStore
from agora.memory.retrieval import _bm25 as bm25_rules
from agora.memory.retrieval import tokens
from agora.memory.retrieval.ranking import reciprocal_rank_fusion

__all__ = ["BASELINE", "Bench", "Ranked", "common_share"]

BASELINE = "word overlap"
#: Most results any method returns; the metrics read the top 10.
DEPTH = 16
_BUDGET = 10**7  # prompt tokens: large enough that the budget never drops a ranked fact


@dataclass(frozen=True, slots=True)
class Ranked:
    """One query's ranking by one method, and how long the call took."""

    ids: tuple[str, ...]
    seconds: float


@contextmanager
def common_share(share: float) -> Iterator[None]:
    """Within the block, BM25 search leaves out words held by more than `share` of documents.

    Example:
        >>> before = bm25_rules.COMMON_SHARE
        >>> with common_share(1.0):
        ...     bm25_rules.COMMON_SHARE
        1.0
        >>> bm25_rules.COMMON_SHARE == before
        True
    """
    old = bm25_rules.COMMON_SHARE
    bm25_rules.COMMON_SHARE = share
    try:
        yield
    finally:
        bm25_rules.COMMON_SHARE = old


class Bench:
    """A corpus loaded into agora's store and one index per embedder.

    Args:
        docs: document id to text.
        embedders: label to embedder, e.g. ``{"hash": HashEmbedder()}``.
    """

    def __init__(self, docs: Mapping[str, str], embedders: Mapping[str, Embedder]) -> None:
        start = time.perf_counter()
        self.store = SQLiteStore(":memory:")
        entities = [Entity.named(doc_id) for doc_id in docs]
        self.store.upsert_entities(entities)
        facts = [
            Fact(subject=entity.id, relation="states", literal=doc_id, text=text,
                 agents=("corpus",), valid_from=0.0, recorded_at=0.0, id=doc_id)
            for entity, (doc_id, text) in zip(entities, docs.items(), strict=True)
        ]  # fmt: skip
        self.store.add_facts(facts)
        self.retrievers = {
            label: Retriever(self.store, embedder=embedder, expansion="none")
            for label, embedder in embedders.items()
        }
        for retriever in self.retrievers.values():
            retriever.index_facts(facts)
        self._words = [(doc_id, frozenset(tokens(text))) for doc_id, text in docs.items()]
        self._methods: dict[str, tuple[Callable[[str], list[str]], float | None]] = {
            BASELINE: (self.overlap, None),
            "BM25": (self.bm25, None),
        }
        for label, retriever in self.retrievers.items():
            self._methods[f"vector ({label})"] = (_vector(retriever), None)
        for label, retriever in self.retrievers.items():
            self._methods[f"hybrid ({label})"] = (_hybrid(retriever), None)
        self.build_s = time.perf_counter() - start

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    @property
    def methods(self) -> list[str]:
        """The method names, baseline first."""
        return list(self._methods)

    def add_bm25(self, name: str, *, share: float) -> None:
        """A BM25 method `name` with another common-word share."""
        self._methods[name] = (self.bm25, share)

    def add_hybrid(
        self, name: str, *, of: str, share: float, rrf_k: int, weights: Mapping[str, float]
    ) -> None:
        """A hybrid method `name` on embedder `of`'s index with other fusion settings."""
        base = self.retrievers[of]
        retriever = Retriever(self.store, embedder=base.embedder, index=base.index,
                              expansion="none", rrf_k=rrf_k, weights=weights)  # fmt: skip
        self._methods[name] = (_hybrid(retriever), share)

    def rank(self, method: str, query: str) -> Ranked:
        """`query` ranked by `method` (one of `methods`), timed."""
        call, share = self._methods[method]
        with common_share(bm25_rules.COMMON_SHARE if share is None else share):
            start = time.perf_counter()
            ids = call(query)
            seconds = time.perf_counter() - start
        return Ranked(tuple(ids[:DEPTH]), seconds)

    def overlap(self, query: str) -> list[str]:
        """The baseline: documents by shared distinct words (at least one), then corpus order."""
        words = frozenset(tokens(query))
        scored = [(len(words & held), n, d) for n, (d, held) in enumerate(self._words)]
        return [d for shared, _, d in sorted((-s, n, d) for s, n, d in scored if s)][:DEPTH]

    def bm25(self, query: str) -> list[str]:
        """`SQLiteStore.search`, as many results as a `Retriever` takes from it."""
        return [fact_id for fact_id, _ in self.store.search(query, limit=DEPTH)]

    @staticmethod
    def vector(retriever: Retriever, vector: npt.NDArray[np.float32] | None) -> list[str]:
        """The index's nearest documents to `vector`, as the retriever's channel keeps them."""
        if vector is None or retriever.index is None:
            return []
        # As `Retriever.retrieve`: over-fetch fourfold, keep the first `candidates` (ties at
        # the cut fall as the larger search orders them).
        hits = retriever.index.search(vector, k=4 * retriever.candidates)
        kept = [fact_id for fact_id, sim in hits if sim >= retriever.min_similarity]
        return kept[: retriever.candidates]

    def fused(
        self, bm25: list[str], vector: list[str], *, k: int, weights: Mapping[str, float]
    ) -> list[str]:
        """The two channels fused as `Retriever.retrieve` fuses them, for the tuning sweep.

        Equal confidence, trust and recency make the retriever's rerank keep this order.
        """
        rankings = {"bm25": bm25, "vector": vector}
        return [i for i, _ in reciprocal_rank_fusion(rankings, k=k, weights=weights)][:DEPTH]


def _vector(retriever: Retriever) -> Callable[[str], list[str]]:
    return lambda query: Bench.vector(retriever, retriever.embed_query(query))


def _hybrid(retriever: Retriever) -> Callable[[str], list[str]]:
    return lambda query: [f.fact.id for f in retriever.retrieve(query, token_budget=_BUDGET).facts]

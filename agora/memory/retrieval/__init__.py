"""Retrieval over a `agora.memory.Store`.

BM25 and vector search fused by reciprocal rank, graph expansion and a token budget
(`Retriever`), the quantized `VectorIndex`, and the ranking helpers they share.

`tokens` is the word splitter both full-text indexes (SQLite FTS5 and the in-memory BM25)
agree on; evals that build their own lexical baselines use it so they tokenize as memory does.

Example:
    >>> from agora.memory.retrieval import reciprocal_rank_fusion, tokens
    >>> tokens("Paris, France's capital")
    ['paris', 'france', 's', 'capital']
    >>> reciprocal_rank_fusion({"bm25": ["a", "b"], "vector": ["b", "c"]})[0][0]
    'b'
"""

from __future__ import annotations

from agora.memory._rules import tokens
from agora.memory.retrieval.ranking import estimate_tokens, reciprocal_rank_fusion
from agora.memory.retrieval.retriever import Expansion, Retrieval, RetrievedFact, Retriever
from agora.memory.retrieval.vector_index import Quantization, VectorIndex

__all__ = [
    "Expansion",
    "Quantization",
    "Retrieval",
    "RetrievedFact",
    "Retriever",
    "VectorIndex",
    "estimate_tokens",
    "reciprocal_rank_fusion",
    "tokens",
]

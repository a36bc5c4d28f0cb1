"""Pure ranking steps of hybrid retrieval: reciprocal rank fusion, rerank factors, budgets.

Example:
    >>> fused = reciprocal_rank_fusion({"bm25": ["f1", "f2"], "vector": ["f2", "f3"]}, k=60)
    >>> [fact_id for fact_id, _ in fused]
    ['f2', 'f1', 'f3']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from agora.memory.records import Fact

__all__ = [
    "CHARS_PER_TOKEN",
    "estimate_tokens",
    "recency",
    "reciprocal_rank_fusion",
    "trust_of",
]

#: Approximate characters per token used for prompt budgets.
CHARS_PER_TOKEN = 4


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]],
    *,
    k: int = 60,
    weights: Mapping[str, float] | None = None,
) -> list[tuple[str, float]]:
    """Fuse ranked id lists: each id scores ``sum(w / (k + rank))`` (rank from 1), best first.

    ``w`` is the ranking's weight in `weights` (by its key; 1 when absent). Ties keep the
    order in which ids were first seen.

    Example:
        >>> reciprocal_rank_fusion({"a": ["x"], "b": ["x", "y"]}, k=0)
        [('x', 2.0), ('y', 0.5)]
        >>> reciprocal_rank_fusion({"a": ["x"], "b": ["y"]}, k=0, weights={"b": 2.0})
        [('y', 2.0), ('x', 1.0)]
    """
    weights = weights or {}
    scores: dict[str, float] = {}
    for name, ranked in rankings.items():
        weight = weights.get(name, 1.0)
        for rank, item in enumerate(ranked, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))


def recency(fact: Fact, *, now: float, half_life_s: float | None) -> float:
    """``0.5 ** (age / half_life_s)``, age from the fact's ``valid_from``; 1 without half-life.

    Example:
        >>> f = Fact(subject="e", relation="r", literal="x", agents=("a",), valid_from=0.0)
        >>> recency(f, now=10.0, half_life_s=10.0), recency(f, now=10.0, half_life_s=None)
        (0.5, 1.0)
    """
    if half_life_s is None or half_life_s <= 0:
        return 1.0
    age = max(0.0, now - fact.valid_from)
    return math.pow(0.5, age / half_life_s)


def trust_of(fact: Fact, trust: Mapping[str, float], default: float = 1.0) -> float:
    """The trust of the most trusted agent that asserted `fact` (`default` for unknown ones).

    Example:
        >>> f = Fact(subject="e", relation="r", literal="x", agents=("a", "b"))
        >>> trust_of(f, {"a": 0.2, "b": 0.7})
        0.7
    """
    return max(trust.get(agent, default) for agent in fact.agents)


def estimate_tokens(text: str) -> int:
    """Tokens `text` takes in a prompt, approximated as one per `CHARS_PER_TOKEN` characters.

    Example:
        >>> estimate_tokens("12345678"), estimate_tokens("123456789")
        (2, 3)
    """
    return -(-len(text) // CHARS_PER_TOKEN)

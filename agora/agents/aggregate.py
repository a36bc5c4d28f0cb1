"""Combining several experts' answers to the same task into one.

Three strategies (the fourth, a synthesizer agent that reads the answers and writes one, is
`Agent.synthesize`, run by the runtime):

* `majority_vote` — the answer most experts gave, after normalizing case, spacing and
  trailing punctuation; ties go to the expert the router ranked higher.
* `confidence_weighted` — each expert's vote counts its router probability times its own
  stated confidence (1 when it stated none).

Example:
    >>> votes = [Vote("a", "Paris", 0.5), Vote("b", "paris.", 0.3), Vote("c", "Lyon", 0.2)]
    >>> majority_vote(votes).text, majority_vote(votes).support
    ('Paris', 0.6666666666666666)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from agora.errors import UserError

__all__ = [
    "AGGREGATIONS",
    "Aggregate",
    "Aggregation",
    "Vote",
    "aggregate",
    "confidence_weighted",
    "majority_vote",
    "normalize_answer",
]

Aggregation = Literal["vote", "weighted", "synthesize"]
AGGREGATIONS: tuple[Aggregation, ...] = ("vote", "weighted", "synthesize")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Vote:
    """One expert's answer, with the router's probability and the expert's own confidence."""

    agent: str
    text: str
    weight: float = 1.0
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Aggregate:
    """The combined answer.

    Attributes:
        text: the winning answer, as its best-ranked supporter wrote it.
        support: the winner's share of the votes (or of the weight), in [0, 1].
        agreeing: the experts whose answers matched the winner.
    """

    text: str
    support: float
    agreeing: tuple[str, ...]


def normalize_answer(text: str) -> str:
    """The form answers are compared in: NFKC, casefolded, spaces collapsed, no end dot.

    Example:
        >>> normalize_answer("  The  Answer is PARIS. ")
        'the answer is paris'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", text).strip().rstrip(".!").strip()


def majority_vote(votes: Sequence[Vote]) -> Aggregate:
    """The answer most experts gave; ties go to the earlier (higher-ranked) expert."""
    return _tally(votes, lambda vote: 1.0)


def confidence_weighted(votes: Sequence[Vote]) -> Aggregate:
    """The answer with the most router-probability × stated-confidence behind it."""
    return _tally(
        votes, lambda v: v.weight * (1.0 if v.confidence is None else v.confidence) + 1e-9
    )


def aggregate(strategy: Aggregation, votes: Sequence[Vote]) -> Aggregate:
    """Apply `strategy` (``"vote"`` or ``"weighted"``) to `votes`.

    Raises:
        UserError: an unknown strategy, or ``"synthesize"`` (that one needs an agent).
    """
    if strategy == "vote":
        return majority_vote(votes)
    if strategy == "weighted":
        return confidence_weighted(votes)
    raise UserError(
        f"aggregation {strategy!r} cannot be computed from votes alone; "
        f"use one of 'vote', 'weighted' (or 'synthesize' inside a team)"
    )


def _tally(votes: Sequence[Vote], weigh: Callable[[Vote], float]) -> Aggregate:
    if not votes:
        raise UserError("cannot aggregate zero answers")
    totals: dict[str, float] = {}
    first: dict[str, Vote] = {}
    members: dict[str, list[str]] = {}
    for vote in votes:
        key = normalize_answer(vote.text)
        totals[key] = totals.get(key, 0.0) + weigh(vote)
        first.setdefault(key, vote)
        members.setdefault(key, []).append(vote.agent)
    best = max(totals, key=lambda key: totals[key])  # max keeps the first of equal totals
    return Aggregate(
        text=first[best].text.strip(),
        support=totals[best] / sum(totals.values()),
        agreeing=tuple(members[best]),
    )

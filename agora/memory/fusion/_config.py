"""Fusion settings and results, and the noisy-OR rule (re-exported by `agora.memory.fusion`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from agora._checks import check_choice, check_int, check_number, check_texts
from agora.errors import InvalidRecordError
from agora.memory.fusion.resolve import Match
from agora.memory.records import Fact

__all__ = ["Action", "FusionConfig", "FusionResult", "noisy_or"]

Action = Literal["added", "merged", "repeat", "private", "superseded", "history", "quarantined"]


def noisy_or(supports: Iterable[tuple[float, float]]) -> float:
    """Combined belief of independent supports given as ``(trust, confidence)`` pairs.

    Example:
        >>> noisy_or([(1.0, 0.5), (1.0, 0.5)]), noisy_or([])
        (0.75, 0.0)
    """
    miss = 1.0
    for trust, confidence in supports:
        miss *= 1.0 - min(1.0, max(0.0, trust)) * min(1.0, max(0.0, confidence))
    return min(1.0, max(0.0, 1.0 - miss))


@dataclass(frozen=True, slots=True, kw_only=True)
class FusionConfig:
    """Thresholds of fusion.

    Example:
        >>> FusionConfig().k, FusionConfig(functional={"born_in"}).is_functional("born_in")
        (2, True)
    """

    k: int = 2
    """Independent agents needed to promote a fact (and to win a dispute)."""
    functional: Collection[str] | None = None
    """Relations with one object per subject; ``None`` infers them (see `Fuser`)."""
    literal_relations: Collection[str] = ()
    """Relations whose object is a literal value, not an entity."""
    margin: float = 1.0
    """Lead in evidence, ``-ln(1 - confidence)``, that settles a dispute (noisy-OR adds
    evidence, so one more confident supporter adds about one unit)."""
    min_effectiveness: float = 0.35
    """KnFu: least effectiveness of a sender whose claims are fused."""
    min_history: int = 3
    """KnFu: decided claims an agent needs before its effectiveness can exclude it."""
    min_relevance: float = 0.1
    """KnFu: least cosine between a claim and the receiver's interest profile."""
    promote_to: Literal["team", "global"] = "team"
    """Where agreed facts go (``team`` falls back to ``global`` for agents without a team)."""
    min_trust: float = 0.75
    """Accepted view: least `Fuser.reliability` of an agent whose uncorroborated fact is
    accepted (an agent with 20% noisy claims scores about 0.8, one with 60% about 0.6);
    above 1 accepts no single-source fact, the k-agent view alone."""
    min_confidence: float = 0.4
    """Accepted view: least trust-weighted noisy-OR confidence of a single-source fact."""
    single_margin: float = 0.5
    """Accepted view: lead in evidence by which a single-source fact on a functional relation
    must beat every standing rival (also single-source) to be accepted."""

    def __post_init__(self) -> None:
        e = InvalidRecordError
        check_int(self.k, "k", low=1, error=e)
        check_int(self.min_history, "min_history", low=0, error=e)
        for name in ("margin", "min_trust", "min_confidence", "single_margin"):
            check_number(getattr(self, name), name, low=0.0, error=e)
        for name in ("min_effectiveness", "min_relevance"):
            check_number(getattr(self, name), name, low=-1.0, high=1.0, error=e)
        check_choice(self.promote_to, "promote_to", ("team", "global"), error=e)
        if self.functional is not None:
            check_texts(self.functional, "functional", error=e)
        check_texts(self.literal_relations, "literal_relations", error=e)

    def is_functional(self, relation: str) -> bool | None:
        """Whether `relation` is functional, or ``None`` when it must be inferred."""
        return None if self.functional is None else relation in self.functional


@dataclass(frozen=True, slots=True)
class FusionResult:
    """What `Fuser.fuse` did with one claim."""

    action: Action
    """``added`` (new fused fact), ``merged`` (new agent on a held fact), ``repeat`` (same
    agent again), ``superseded`` (replaced an older fact), ``history`` (older than the held
    fact: kept as superseded), ``private`` (kept in the sender's scope only), or
    ``quarantined`` (set aside unfused, hidden: `Fuser.set_aside`)."""
    fact: Fact
    """The fact as stored after the call."""
    subject: Match
    """How the subject name resolved."""
    object: Match | None = None
    """How the object name resolved (``None`` for a literal)."""

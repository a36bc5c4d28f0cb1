"""KnFu personalised fusion: per receiver, weight each source by how alike their topics are.

KnFu (effective knowledge fusion) fuses, for each receiving agent, only the knowledge of its
*semantic neighbours*: agents whose knowledge is distributed like its own. Here an agent's
knowledge profile is its **topic profile**, the distribution over topics of the claims it
asserted (`topic_profiles`). Topics come from the caller as a function claim → topic: a
field of the claim, the community of its subject (`agora.memory.build_communities`), a
nearest centroid of its embedding; anything hashable as a string.

For one receiver, `source_weights` turns profile distances into weights

    w_s = exp(-beta * d(p_receiver, p_s)) / Z

(a softmax over negative distance; the KnFu paper's sharpness is ``beta = 10``), drops the
sources whose weight falls below `floor` and renormalises the rest. ``d`` is the
Jensen–Shannon divergence in bits (``"js"``, default) or the total-variation distance
(``"tv"``); both lie in 0..1 and are 0 for equal profiles.

**No fusion.** The receiver's own evidence can enter the softmax as ``own`` extra candidates
at distance 0 (e.g. its claim count over a typical source's). When that evidence is large
and every source diverges, every source weight falls below the floor: nothing is fused and
the receiver keeps its own knowledge (`SourceWeights.fuses` is ``False``).

A receiver's fused view reuses `agora.memory.Fuser`: pass `SourceWeights.trust` as the
fuser's ``weights=``, which scales each kept source's trust (in noisy-OR and in the accepted
view) and keeps the claims of dropped sources private.

Example:
    >>> profiles = {
    ...     "me": {"chemistry": 0.9, "physics": 0.1},
    ...     "peer": {"chemistry": 0.8, "physics": 0.2},
    ...     "stranger": {"history": 1.0},
    ... }
    >>> plan = source_weights("me", profiles)
    >>> plan.kept, plan.dropped
    (('peer',), ('stranger',))
    >>> plan.trust()
    {'me': 1.0, 'peer': 1.0}
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from agora.errors import ConfigError, InvalidRecordError
from agora.protocols.payloads import KnowledgeClaim

__all__ = [
    "Metric",
    "Profile",
    "SourceWeights",
    "profile_distance",
    "source_weights",
    "topic_profile",
    "topic_profiles",
]

Metric = Literal["js", "tv"]
"""``js``: Jensen–Shannon divergence in bits; ``tv``: total-variation distance."""
Profile = Mapping[str, float]
"""A distribution over topics: topic → share (non-negative; normalised where used)."""


def topic_profile(topics: Iterable[str]) -> dict[str, float]:
    """The share of each topic among `topics` (one entry per claim), sorted by topic.

    Raises:
        InvalidRecordError: no topics at all.

    Example:
        >>> topic_profile(["art", "art", "math", "art"])
        {'art': 0.75, 'math': 0.25}
    """
    counts = Counter(topics)
    total = sum(counts.values())
    if total == 0:
        raise InvalidRecordError(
            "a topic profile needs at least one claim; give the agent a claim or a prior "
            "profile of the topics it cares about",
            field="profile",
        )
    return {topic: counts[topic] / total for topic in sorted(counts)}


def topic_profiles(
    assertions: Iterable[tuple[str, KnowledgeClaim]], topic: Callable[[KnowledgeClaim], str]
) -> dict[str, dict[str, float]]:
    """Each agent's `topic_profile` over the claims it asserted, given as (agent, claim).

    Example:
        >>> claims = [("a1", KnowledgeClaim(subject="Ada", relation="wrote", object="Notes")),
        ...           ("a2", KnowledgeClaim(subject="Bach", relation="wrote", object="Mass"))]
        >>> area = {"Ada": "math", "Bach": "music"}
        >>> topic_profiles(claims, lambda c: area[c.subject])
        {'a1': {'math': 1.0}, 'a2': {'music': 1.0}}
    """
    by_agent: defaultdict[str, list[str]] = defaultdict(list)
    for agent, claim in assertions:
        by_agent[agent].append(topic(claim))
    return {agent: topic_profile(topics) for agent, topics in by_agent.items()}


def _normalised(profile: Profile, name: str) -> dict[str, float]:
    values = list(profile.values())
    if any(not isinstance(v, int | float) or not math.isfinite(v) or v < 0 for v in values):
        raise InvalidRecordError(
            f"profile of {name!r} has a negative or non-finite share; give shares >= 0",
            field="profile",
        )
    total = float(sum(values))
    if total <= 0:
        raise InvalidRecordError(
            f"profile of {name!r} is empty; give it at least one topic with a positive share "
            "(see topic_profile)",
            field="profile",
        )
    return {topic: share / total for topic, share in profile.items()}


def profile_distance(p: Profile, q: Profile, *, metric: Metric = "js") -> float:
    """The distance between two topic profiles, in 0..1 (0: equal once normalised).

    Raises:
        ConfigError: an unknown `metric`.
        InvalidRecordError: an empty profile, or a negative share.

    Example:
        >>> round(profile_distance({"a": 1.0}, {"a": 1, "b": 1}), 3)
        0.311
        >>> profile_distance({"a": 1.0}, {"a": 1, "b": 1}, metric="tv")
        0.5
    """
    if metric not in get_args(Metric):
        raise ConfigError(f"unknown profile metric {metric!r}; use one of {get_args(Metric)}")
    p, q = _normalised(p, "p"), _normalised(q, "q")
    topics = sorted(p.keys() | q.keys())
    if metric == "tv":
        return min(1.0, 0.5 * sum(abs(p.get(t, 0.0) - q.get(t, 0.0)) for t in topics))
    divergence = 0.0
    for t in topics:
        a, b = p.get(t, 0.0), q.get(t, 0.0)
        mid = (a + b) / 2
        divergence += sum(x * math.log2(x / mid) for x in (a, b) if x > 0) / 2
    return min(1.0, max(0.0, divergence))


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceWeights:
    """One receiver's weight per source (see `source_weights`).

    Example:
        >>> plan = source_weights("me", {"me": {"x": 1}, "you": {"x": 1}})
        >>> plan.weights, plan.own, plan.fuses
        ({'you': 1.0}, 0.0, True)
    """

    receiver: str
    """Whose view the weights are for."""
    weights: dict[str, float]
    """Kept sources and their weights; with `own`, they sum to 1."""
    own: float
    """The receiver's weight on its own evidence: 0 with ``own=0``, 1 when no source is kept."""
    distance: dict[str, float]
    """Every source's profile distance to the receiver, kept or dropped."""
    dropped: tuple[str, ...]
    """Sources whose weight fell below the floor, sorted."""

    @property
    def kept(self) -> tuple[str, ...]:
        """Sources fused for this receiver, most alike first."""
        return tuple(sorted(self.weights, key=lambda s: (-self.weights[s], s)))

    @property
    def fuses(self) -> bool:
        """Whether any source is fused at all (``False``: the receiver keeps its own view)."""
        return bool(self.weights)

    def trust(self) -> dict[str, float]:
        """Trust multipliers for `Fuser`'s ``weights=``: receiver 1, kept sources w / max w.

        Example:
            >>> plan = SourceWeights(receiver="me", weights={"a": 0.6, "b": 0.3}, own=0.1,
            ...                      distance={"a": 0.0, "b": 0.1}, dropped=())
            >>> plan.trust()
            {'me': 1.0, 'a': 1.0, 'b': 0.5}
        """
        top = max(self.weights.values(), default=1.0)
        return {self.receiver: 1.0} | {s: self.weights[s] / top for s in self.kept}


def source_weights(
    receiver: str,
    profiles: Mapping[str, Profile],
    *,
    beta: float = 10.0,
    floor: float = 0.05,
    metric: Metric = "js",
    own: float = 0.0,
) -> SourceWeights:
    """Weights of every other agent in `profiles` as a source for `receiver`.

    Args:
        receiver: the receiving agent; `profiles` must hold its profile.
        profiles: topic profile per agent (e.g. from `topic_profiles`), the receiver's included.
        beta: sharpness, > 0; large values approach its nearest neighbour alone.
        floor: sources whose softmax weight is below it are dropped; 0 keeps all, 1 keeps a
            source only if it takes all the weight.
        metric: profile distance (see `profile_distance`).
        own: the receiver's own evidence, as that many extra candidates at distance 0; large
            values with diverging sources give no fusion.

    Raises:
        ConfigError: a bad `beta`, `floor`, `own` or `metric`, or a receiver without a profile.
        InvalidRecordError: an empty profile or a negative share.

    Example:
        >>> profiles = {"me": {"x": 1}, "near": {"x": 3, "y": 1}, "far": {"y": 1}}
        >>> plan = source_weights("me", profiles, floor=0.0)
        >>> plan.kept, round(sum(plan.weights.values()), 6)
        (('near', 'far'), 1.0)
        >>> source_weights("me", profiles, own=10.0).fuses  # enough evidence of its own
        False
    """
    if not isinstance(beta, int | float) or not 0 < beta < math.inf:
        raise ConfigError(f"beta must be a finite number > 0, got {beta!r}; KnFu uses 10")
    if not isinstance(floor, int | float) or not 0.0 <= floor <= 1.0:
        raise ConfigError(f"floor must be within 0..1, got {floor!r}; 0 keeps every source")
    if not isinstance(own, int | float) or not 0.0 <= own < math.inf:
        raise ConfigError(f"own must be a finite number >= 0, got {own!r}; 0 ignores it")
    if receiver not in profiles:
        raise ConfigError(
            f"no profile for receiver {receiver!r}; add one (e.g. topic_profile of the topics "
            "it cares about) to profiles"
        )
    mine = profiles[receiver]
    distance = {
        source: profile_distance(mine, profile, metric=metric)
        for source, profile in sorted(profiles.items())
        if source != receiver
    }
    # Shift by the nearest distance (0 when the receiver's own evidence is a candidate), so a
    # huge beta cannot underflow every exponential to 0.
    nearest = min(distance.values(), default=0.0) if own == 0 else 0.0
    mass = {s: math.exp(-beta * (d - nearest)) for s, d in distance.items()}
    own_mass = float(own)
    total = own_mass + sum(mass.values())
    kept = {s: m for s, m in mass.items() if m / total >= floor}
    total = own_mass + sum(kept.values())
    return SourceWeights(
        receiver=receiver,
        weights={s: m / total for s, m in kept.items()},
        own=own_mass / total if total else 1.0,
        distance=distance,
        dropped=tuple(s for s in distance if s not in kept),
    )

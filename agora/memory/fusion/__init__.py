"""Knowledge fusion: many agents' claims merged into one graph.

`Fuser` merges claims, with entity resolution (`EntityResolver`, `name_key`, `shingle_jaccard`)
and KnFu's personalised source weights (`source_weights`, `topic_profiles`).

Example:
    >>> from agora.memory.fusion import name_key, shingle_jaccard
    >>> name_key("  Ada-Lovelace ") == name_key("ada lovelace")
    True
    >>> shingle_jaccard("Babbage", "babbage")
    1.0
"""

from __future__ import annotations

from agora.memory.fusion.fuser import Fuser, FusionConfig, FusionResult, noisy_or
from agora.memory.fusion.knfu import (
    Profile,
    SourceWeights,
    profile_distance,
    source_weights,
    topic_profile,
    topic_profiles,
)
from agora.memory.fusion.resolve import EntityResolver, Match, name_key, shingle_jaccard

__all__ = [
    "EntityResolver",
    "Fuser",
    "FusionConfig",
    "FusionResult",
    "Match",
    "Profile",
    "SourceWeights",
    "name_key",
    "noisy_or",
    "profile_distance",
    "shingle_jaccard",
    "source_weights",
    "topic_profile",
    "topic_profiles",
]

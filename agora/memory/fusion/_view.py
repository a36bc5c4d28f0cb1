"""The accepted view of a `Fuser`: which fused facts count as active knowledge.

Promotion (to team or global scope, in the store) needs `FusionConfig.k` independent agents.
Acceptance is a read-only judgement over the whole fused batch, computed when asked, so that
the sender trust it uses is learnt from every claim seen so far (a second pass over the
batch, never over ground truth). A fact is accepted when it is

- **corroborated**: at least k agents, and on a functional relation it leads every rival
  (by `FusionConfig.margin` in evidence, or by having more agents than any rival); or
- **single-source but trusted**: fewer than k agents, yet (a) some asserting agent's
  reliability (`Fuser.reliability`) is at least `FusionConfig.min_trust`, (b) nothing
  contradicts it (see below) and (c) its trust-weighted noisy-OR confidence is at least
  `FusionConfig.min_confidence`.

A single-source fact is contradicted when it is quarantined; when its subject and object are
linked by a different, corroborated relation (a likely mislabelled relation: Graphusion's
relation conflict); on a non-functional relation, when the subject already has a
corroborated object for it (a likely substituted object; there is no other test there);
on a functional relation, when a standing rival (one not itself contradicted) is within
`FusionConfig.single_margin` of it in evidence.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agora.memory.fusion.fuser import Fuser, Key

__all__ = ["accepted_keys"]


def _evidence(confidence: float) -> float:
    return -math.log(max(1e-9, 1.0 - confidence))


def accepted_keys(fuser: Fuser) -> list[Key]:
    """Keys of the held facts `fuser` accepts as active knowledge, sorted."""
    cfg, k = fuser.config, fuser.config.k
    held = {key: h for key, h in fuser._held.items() if h.status != "superseded"}
    agents: Mapping[Key, int] = {key: len(h.supports) for key, h in held.items()}
    trust = {a: fuser.reliability(a) for h in held.values() for a in h.supports}
    confidence: Callable[[Key], float] = fuser.confidence
    linked: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    by_pair: defaultdict[tuple[str, str], list[Key]] = defaultdict(list)
    for key, h in held.items():
        by_pair[key[:2]].append(key)
        if agents[key] >= k and h.status != "quarantined":
            linked[(key[0], key[2])].add(key[1])

    def mislabelled(key: Key) -> bool:
        return agents[key] < k and bool(linked[(key[0], key[2])] - {key[1]})

    def trusted(key: Key) -> bool:
        best = max(trust[a] for a in held[key].supports)
        return best >= cfg.min_trust and confidence(key) >= cfg.min_confidence

    out: list[Key] = []
    for pair, keys in sorted(by_pair.items()):
        standing = [x for x in keys if held[x].status != "quarantined" and not mislabelled(x)]
        if not standing:
            continue
        if not fuser._functional(pair[1]):
            corroborated = any(agents[x] >= k for x in standing)
            for x in standing:
                if held[x].status != "active":
                    continue
                if agents[x] >= k or (not corroborated and trusted(x)):
                    out.append(x)
            continue
        ranked = sorted(standing, key=lambda x: (confidence(x), x), reverse=True)
        best = ranked[0]
        lead = math.inf
        if len(ranked) > 1:
            lead = _evidence(confidence(best)) - _evidence(confidence(ranked[1]))
        if agents[best] >= k:
            most = max((agents[x] for x in ranked[1:]), default=0)
            if lead >= cfg.margin or (lead > 0 and agents[best] > most):
                out.append(best)
        elif lead >= cfg.single_margin and trusted(best):
            out.append(best)
    return sorted(out)

"""The methods of the real-facts fusion eval, applied to one world's assertions.

`plain_scores` scores every method on all of a world's facts; `skewed_scores` scores them
on each receiver's home topics (with KnFu's personalised view added) and averages over the
receivers. `agora_views` runs `agora.memory.Fuser` through its public API only.

Example:
    >>> from agora.evals.fusion_world import TrueFact, make_world
    >>> facts = [TrueFact("Paris", "{} is in", "France")]
    >>> world = make_world(facts, agents=3, coverage=1.0, noise=0.0)
    >>> scores = plain_scores(world, world.assertions)
    >>> len(scores), all(s.f1 == 1.0 for s in scores.values())
    (6, True)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from agora.embeddings import HashEmbedder
from agora.evals.fusion_baselines import Score, Triple, majority_vote, naive_union, score
from agora.evals.fusion_baselines import two_agree_rule as two_agree
from agora.evals.fusion_world import Assertion, World, topic_of
from agora.memory import Fuser, FusionConfig, SQLiteStore, source_weights, topic_profiles
from agora.protocols.payloads import KnowledgeClaim

__all__ = ["agora_views", "baselines", "plain_scores", "skewed_scores"]


def _claim(a: Assertion) -> KnowledgeClaim:
    return KnowledgeClaim(
        subject=a.subject, relation=a.relation, object=a.object, confidence=a.confidence
    )


def agora_views(
    assertions: Sequence[Assertion],
    relations: set[str],
    *,
    trust: dict[str, float] | None = None,
    weights: dict[str, float] | None = None,
) -> dict[str, set[Triple]]:
    """The fuser's promoted and accepted views as named triples, fusing `assertions` in order."""
    spelled: defaultdict[str, Counter[str]] = defaultdict(Counter)
    with SQLiteStore(":memory:") as store:
        config = FusionConfig(functional=relations)
        fuser = Fuser(store, config, embedder=HashEmbedder(), trust=trust, weights=weights)
        for a in assertions:
            result = fuser.fuse(_claim(a), agent=a.agent, team="eval", valid_from=0.0)
            spelled[result.subject.entity.id][a.subject] += 1
            if result.object is not None:
                spelled[result.object.entity.id][a.object] += 1

        def name(entity_id: str | None) -> str:
            entity = store.get_entity(entity_id or "")
            return "" if entity is None else entity.name

        def popular(entity_id: str | None) -> str:
            counts = spelled.get(entity_id or "")
            return min(counts, key=lambda s: (-counts[s], s)) if counts else name(entity_id)

        accepted = fuser.accepted()
        return {
            "agora promoted": {
                (name(f.subject), f.relation, name(f.object_id)) for f in fuser.fused()
            },
            "agora accepted": {(name(f.subject), f.relation, name(f.object_id)) for f in accepted},
            "agora accepted, most-said spelling": {
                (popular(f.subject), f.relation, popular(f.object_id)) for f in accepted
            },
        }


def baselines(assertions: Sequence[Assertion]) -> dict[str, set[Triple]]:
    """The three baselines' triples (`agora.evals.fusion_baselines`), by method name."""
    said = [(a.agent, a.subject, a.relation, a.object) for a in assertions]
    return {
        "naive union": naive_union(said),
        "majority vote": majority_vote(said),
        "two-agree rule": two_agree(said),
    }


def plain_scores(world: World, assertions: Sequence[Assertion]) -> dict[str, Score]:
    """Every method scored against all of `world`'s facts."""
    truth = [f.triple for f in world.facts]
    relations = {f.relation for f in world.facts}
    found = baselines(assertions) | agora_views(assertions, relations)
    return {method: score(triples, truth) for method, triples in found.items()}


def _mean_scores(scores: Sequence[dict[str, Score]]) -> dict[str, Score]:
    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    return {
        method: Score(
            round(mean([s[method].triples for s in scores])),
            mean([s[method].precision for s in scores]),
            mean([s[method].recall for s in scores]),
            mean([s[method].f1 for s in scores]),
        )
        for method in scores[0]
    }


def skewed_scores(
    world: World, assertions: Sequence[Assertion], receivers: int, *, knfu: bool = False
) -> dict[str, Score] | None:
    """Every method scored on each receiver's home topics, averaged over receivers.

    The receivers are the first `receivers` agents; each trusts its own claims fully. With
    `knfu`, the receiver's personalised view (``KnFu personalised``) is scored too.
    """
    relations = {f.relation for f in world.facts}
    base = baselines(assertions)
    claims = [(a.agent, _claim(a)) for a in assertions]
    profiles = topic_profiles(claims, topic=lambda c: topic_of(c.relation))
    out: list[dict[str, Score]] = []
    for receiver in list(world.home)[:receivers]:
        if receiver not in profiles:
            continue
        home = set(world.home[receiver])
        truth = [f.triple for f in world.facts if world.topic[f.relation] in home]
        uniform = agora_views(assertions, relations, trust={receiver: 1.0})
        found = base | {k: v for k, v in uniform.items() if k != "agora promoted"}
        if knfu:
            weights = source_weights(receiver, profiles).trust()
            personal = agora_views(assertions, relations, trust={receiver: 1.0}, weights=weights)
            found["KnFu personalised"] = personal["agora accepted"]
        out.append(
            {
                method: score([t for t in triples if topic_of(t[1]) in home], truth)
                for method, triples in found.items()
            }
        )
    return _mean_scores(out) if out else None

"""Fusion rules over every backend (the `store` fixture), plus property tests."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agora.embeddings import HashEmbedder
from agora.errors import InvalidRecordError
from agora.memory import NetworkXStore, Store
from agora.memory.fusion.fuser import Fuser, FusionConfig, noisy_or
from agora.protocols.payloads import KnowledgeClaim


def claim(s: str, r: str, o: str, c: float = 0.9) -> KnowledgeClaim:
    return KnowledgeClaim(subject=s, relation=r, object=o, confidence=c)


def make(store: Store, **config: object) -> Fuser:
    cfg = FusionConfig(functional={"born_in"}, **config)  # type: ignore[arg-type]
    return Fuser(store, cfg, embedder=HashEmbedder())


def test_entity_variants_resolve_to_one_entity(store: Store) -> None:
    fuser = make(store)
    first = fuser.fuse(claim("Ada Lovelace", "born_in", "London"), agent="a1", valid_from=0.0)
    for name, how in (
        ("ada  lovelace.", "exact"),
        ("Lovelace, Ada", "exact"),
        ("Ada Lovelcae", "fuzzy"),
    ):
        result = fuser.fuse(claim(name, "born_in", "London"), agent="a2", valid_from=0.0)
        assert result.subject.entity.id == first.subject.entity.id
        assert result.subject.how == how


def test_duplicates_merge_with_noisy_or_and_provenance(store: Store) -> None:
    fuser = make(store, k=3)
    fuser.trust_fixed.update(a1=1.0, a2=1.0)
    fuser.fuse(claim("Ada", "born_in", "London", 0.5), agent="a1", team="t", valid_from=0.0)
    merged = fuser.fuse(
        claim("Ada", "born_in", "London", 0.5), agent="a2", team="t", valid_from=0.0
    )
    assert merged.action == "merged" and merged.fact.agents == ("a1", "a2")
    assert merged.fact.confidence == pytest.approx(0.75)
    repeat = fuser.fuse(claim("Ada", "born_in", "London"), agent="a2", team="t", valid_from=0.0)
    assert repeat.action == "repeat"
    assert len(store.history(merged.fact.subject)) == 2  # the earlier version is history


def test_contradiction_disputes_both_sides(store: Store) -> None:
    fuser = make(store)
    fuser.fuse(claim("Ada", "born_in", "London"), agent="a1", valid_from=0.0)
    other = fuser.fuse(claim("Ada", "born_in", "Paris"), agent="a2", valid_from=0.0)
    statuses = {f.status for f in store.facts(about=other.fact.subject)}
    assert statuses == {"disputed"}


def test_non_functional_relations_do_not_conflict(store: Store) -> None:
    fuser = make(store)
    fuser.fuse(claim("Ada", "knows", "Babbage"), agent="a1", valid_from=0.0)
    result = fuser.fuse(claim("Ada", "knows", "Somerville"), agent="a2", valid_from=0.0)
    assert result.fact.status == "active"


def test_newer_fact_supersedes_and_keeps_history(store: Store) -> None:
    fuser = make(store)
    old = fuser.fuse(claim("Ada", "born_in", "London"), agent="a1", valid_from=1.0).fact
    new = fuser.fuse(claim("Ada", "born_in", "Paris"), agent="a2", valid_from=5.0)
    assert new.action == "superseded" and new.fact.status == "active"
    assert [f.id for f in store.facts(about=old.subject, valid_at=2.0)] == [old.id]
    older = fuser.fuse(claim("Ada", "born_in", "Rome"), agent="a3", valid_from=0.0)
    assert older.action == "history" and older.fact.status == "superseded"


def test_promotion_needs_k_independent_agents(store: Store) -> None:
    fuser = make(store, k=2)
    one = fuser.fuse(claim("Ada", "knows", "Babbage"), agent="a1", team="t1", valid_from=0.0)
    assert one.fact.scope.level == "agent"
    fuser.fuse(claim("Ada", "knows", "Babbage"), agent="a1", team="t1", valid_from=0.0)
    two = fuser.fuse(claim("Ada", "knows", "Babbage"), agent="a2", team="t1", valid_from=0.0)
    assert two.fact.scope.key == "team:t1" and two.fact.promoted_by == "a2"


def test_dispute_resolves_and_ineffective_agent_is_gated(store: Store) -> None:
    fuser = make(store, min_history=2)
    for i, city in enumerate(["Paris", "Rome", "Oslo"]):
        subject = ["Alice", "Bertrand", "Cecilia"][i]
        fuser.fuse(claim(subject, "born_in", city), agent="liar", valid_from=0.0)
        for agent in ("a1", "a2", "a3"):
            fuser.fuse(claim(subject, "born_in", "London"), agent=agent, valid_from=0.0)
    assert fuser.effectiveness("liar") < 0.35 < fuser.effectiveness("a1")
    assert len(store.facts(statuses=["quarantined"])) >= 2
    gated = fuser.fuse(claim("Dorothea", "born_in", "Lima"), agent="liar", valid_from=0.0)
    assert gated.action == "private" and gated.fact.scope.key == "agent:liar"
    assert gated.fact not in fuser.fused(min_agents=1)


def test_relevance_gate_keeps_off_topic_claims_private(store: Store) -> None:
    fuser = make(store)
    embedder = HashEmbedder()
    interest = embedder.embed(["Ada born_in London"])[0]
    on = fuser.fuse(claim("Ada", "born_in", "London"), agent="a1", interest=interest)
    off = fuser.fuse(claim("Zebra", "eats", "Grass"), agent="a1", interest=interest)
    assert (on.action, off.action) == ("added", "private")


@pytest.mark.parametrize(
    "kwargs",
    [{"agent": "bad agent!"}, {"agent": "a1", "valid_from": float("nan")}],
)
def test_bad_input_raises_and_leaves_store_unchanged(
    store: Store, kwargs: dict[str, object]
) -> None:
    fuser = make(store)
    with pytest.raises(InvalidRecordError):
        fuser.fuse(claim("Ada", "born_in", "London"), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError):
        fuser.fuse("Ada born in London", agent="a1")  # type: ignore[arg-type]
    assert store.stats().facts == 0 and store.stats().entities == 0


def test_bad_config_raises() -> None:
    with pytest.raises(InvalidRecordError):
        FusionConfig(k=0)
    with pytest.raises(InvalidRecordError):
        FusionConfig(min_trust=-0.1)


def test_accepted_view_admits_trusted_uncontradicted_single_source(store: Store) -> None:
    fuser = make(store)
    for subject in ("Ada", "Bob", "Cy", "Di", "Ed", "Flo", "Gus"):  # a1, a2 agree: reliable
        for agent in ("a1", "a2"):
            fuser.fuse(claim(subject, "knows", "Eve"), agent=agent, team="t", valid_from=0.0)
    alone = fuser.fuse(claim("Dee", "knows", "Fay"), agent="a1", team="t", valid_from=0.0)
    assert fuser.reliability("a1") == pytest.approx(0.8)
    assert alone.fact.id not in {f.id for f in fuser.fused()}  # not promoted
    assert alone.fact.id in {f.id for f in fuser.accepted()}
    assert store.get_fact(alone.fact.id).scope.level == "agent"  # type: ignore[union-attr]


def test_accepted_view_rejects_contradicted_single_source(store: Store) -> None:
    fuser = make(store)
    fuser.trust_fixed.update(a1=0.9, a2=0.9, a3=0.9)
    for agent in ("a1", "a2"):
        fuser.fuse(claim("Ada", "knows", "Eve"), agent=agent, valid_from=0.0)
    relabel = fuser.fuse(claim("Ada", "born_in", "Eve"), agent="a3", valid_from=0.0)
    swap = fuser.fuse(claim("Ada", "knows", "Zed"), agent="a3", valid_from=0.0)
    fuser.fuse(claim("Bo", "born_in", "Rome", 0.8), agent="a1", valid_from=0.0)
    rival = fuser.fuse(claim("Bo", "born_in", "Oslo", 0.8), agent="a2", valid_from=0.0)
    accepted = {f.id for f in fuser.accepted()}
    for result in (relabel, swap, rival):  # relation conflict, substitution, tied dispute
        assert result.fact.id not in accepted
    assert len(accepted) == 1
    strict = Fuser(store, FusionConfig(functional={"born_in"}, min_trust=1.5))
    assert strict.accepted() == []


unit = st.floats(0.0, 1.0)


@given(st.lists(st.tuples(unit, unit), max_size=8), st.tuples(unit, unit))
def test_noisy_or_in_unit_interval_and_monotone(
    supports: list[tuple[float, float]], extra: tuple[float, float]
) -> None:
    base = noisy_or(supports)
    assert 0.0 <= base <= 1.0
    assert noisy_or([*supports, extra]) >= base - 1e-12


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a1", "a2", "a3", "a4"]), st.sampled_from(["London", "Paris"]), unit
        ),
        min_size=1,
        max_size=10,
    )
)
def test_fusion_never_loses_provenance(steps: list[tuple[str, str, float]]) -> None:
    store = NetworkXStore()
    fuser = Fuser(
        store,
        FusionConfig(functional={"born_in"}),
        trust={a: 0.8 for a in ("a1", "a2", "a3", "a4")},
    )
    asserted: dict[str, set[str]] = {}
    last = 0.0
    for agent, city, conf in steps:
        result = fuser.fuse(claim("Ada", "born_in", city, conf), agent=agent, valid_from=0.0)
        asserted.setdefault(city, set()).add(agent)
        assert 0.0 <= result.fact.confidence <= 1.0
        if city == "London":
            assert result.fact.confidence >= last - 1e-12
            last = result.fact.confidence
    current = {
        f.literal or store.get_entity(f.object_id or "").name: set(f.agents)  # type: ignore[union-attr]
        for f in store.facts(statuses=["active", "disputed", "quarantined"])
    }
    assert current == asserted


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_kept_counts_match_a_recount_of_everything_held(seed: int, k: int) -> None:
    """The fuser keeps trust records and functional-relation counts as facts change (instead
    of rescanning all it holds per claim): after every claim they equal a full recount."""
    rng = random.Random(seed)
    agents = ["a1", "a2", "a3", "a4", "a5"]
    fuser = Fuser(NetworkXStore(), FusionConfig(k=k))  # relations inferred, not configured
    quarantined = 0
    for _ in range(240):
        who, relation = (
            rng.choice(["Ada", "Alan", "Grace", "Kurt"]),
            rng.choice(["born_in", "lives_in"]),
        )
        place = rng.choice(["London", "Paris", "Rome"])
        start = rng.choice([0.0, 0.0, 0.0, 1.0, 2.0])
        fuser.fuse(claim(who, relation, place), agent=rng.choice(agents), valid_from=start)
        for name in agents:
            held = [fuser._held[key] for key in fuser._by_agent.get(name, ())]
            good = sum(h.status == "active" and len(h.supports) > 1 for h in held)
            bad = sum(h.status == "quarantined" for h in held)
            assert fuser._record(name) == (good, bad)
            quarantined += bad
        for rel in ("born_in", "lives_in"):
            multi = sum(
                r == rel and sum(len(fuser._held[key].supports) >= k for key in keys) > 1
                for (_, r), keys in fuser._by_pair.items()
            )
            assert fuser._functional(rel) == (multi < 2)
    assert quarantined or k == 1  # the sequence reached the quarantine bookkeeping

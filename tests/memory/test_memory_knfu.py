"""KnFu personalised fusion: topic profiles, source weights, and a receiver's weighted Fuser."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agora.errors import ConfigError, InvalidRecordError
from agora.memory import (
    Fuser,
    FusionConfig,
    NetworkXStore,
    Store,
    profile_distance,
    source_weights,
    topic_profile,
    topic_profiles,
)
from agora.protocols.payloads import KnowledgeClaim

PROFILES = {
    "me": {"chem": 0.8, "phys": 0.2},
    "twin": {"chem": 0.8, "phys": 0.2},
    "near": {"chem": 0.6, "phys": 0.3, "bio": 0.1},
    "far": {"hist": 0.9, "art": 0.1},
}

profile = st.dictionaries(st.sampled_from("abcdef"), st.floats(0.01, 10.0), min_size=1, max_size=6)


def claim(s: str, r: str, o: str, c: float = 0.9) -> KnowledgeClaim:
    return KnowledgeClaim(subject=s, relation=r, object=o, confidence=c)


# profiles and distances ---------------------------------------------------------------------
def test_topic_profiles_are_shares_of_each_agents_claims() -> None:
    area = {"Ada": "math", "Bach": "music"}
    said = [("a1", claim("Ada", "wrote", "Notes"))] * 3 + [("a1", claim("Bach", "wrote", "x"))]
    said.append(("a2", claim("Bach", "wrote", "Mass")))
    assert topic_profiles(said, lambda c: area[c.subject]) == {
        "a1": {"math": 0.75, "music": 0.25},
        "a2": {"music": 1.0},
    }


@pytest.mark.parametrize("metric", ["js", "tv"])
def test_distance_is_zero_for_equal_and_one_for_disjoint_profiles(metric: str) -> None:
    assert profile_distance({"a": 2, "b": 2}, {"a": 0.5, "b": 0.5}, metric=metric) == 0.0  # type: ignore[arg-type]
    assert profile_distance({"a": 1}, {"b": 1}, metric=metric) == pytest.approx(1.0)  # type: ignore[arg-type]


@given(profile, profile)
def test_distance_is_symmetric_and_bounded(p: dict[str, float], q: dict[str, float]) -> None:
    for metric in ("js", "tv"):
        d = profile_distance(p, q, metric=metric)  # type: ignore[arg-type]
        assert 0.0 <= d <= 1.0
        assert d == pytest.approx(profile_distance(q, p, metric=metric))  # type: ignore[arg-type]


# weights ------------------------------------------------------------------------------------
@settings(max_examples=50)
@given(
    st.dictionaries(st.sampled_from("pqrstu"), profile, min_size=2),
    st.floats(0.0, 3.0),
    st.sampled_from([0.0, 0.05, 0.5, 1.0]),
)
def test_weights_and_own_share_sum_to_one(
    profiles: dict[str, dict[str, float]], own: float, floor: float
) -> None:
    receiver = sorted(profiles)[0]
    plan = source_weights(receiver, profiles, floor=floor, own=own)
    assert sum(plan.weights.values()) + plan.own == pytest.approx(1.0)
    assert set(plan.weights) | set(plan.dropped) == set(profiles) - {receiver}
    assert all(0.0 <= w <= 1.0 for w in plan.weights.values())


def test_a_more_similar_profile_gets_more_weight() -> None:
    plan = source_weights("me", PROFILES, floor=0.0)
    assert plan.weights["twin"] > plan.weights["near"] > plan.weights["far"]
    assert plan.kept == ("twin", "near", "far")
    assert plan.weights["twin"] / plan.weights["near"] == pytest.approx(
        math.exp(10 * (plan.distance["near"] - plan.distance["twin"]))
    )


def test_floor_drops_sources_and_renormalises() -> None:
    plan = source_weights("me", PROFILES, floor=0.05)
    assert plan.dropped == ("far",) and "far" not in plan.weights
    assert sum(plan.weights.values()) == pytest.approx(1.0)
    assert source_weights("me", PROFILES, floor=0.0).dropped == ()
    assert source_weights("me", PROFILES, floor=1.0).weights == {}  # no source takes it all


def test_large_beta_approaches_the_nearest_neighbour() -> None:
    profiles = {k: v for k, v in PROFILES.items() if k != "twin"}
    soft = source_weights("me", profiles, beta=1.0, floor=0.0)
    sharp = source_weights("me", profiles, beta=1e6, floor=0.0)
    assert soft.weights["near"] < 0.9
    assert sharp.weights["near"] == pytest.approx(1.0) and sharp.weights["far"] == 0.0
    tie = source_weights("me", PROFILES | {"twin2": PROFILES["twin"]}, beta=1e6, floor=0.0)
    assert tie.weights["twin"] == tie.weights["twin2"] == pytest.approx(0.5)
    assert tie.weights["near"] == 0.0


def test_no_fusion_when_own_evidence_is_large_and_sources_diverge() -> None:
    assert source_weights("me", PROFILES, own=1.0).fuses
    diverging = {"me": PROFILES["me"], "far": PROFILES["far"], "near": {"bio": 1.0}}
    plan = source_weights("me", diverging, own=20.0)
    assert not plan.fuses and plan.own == pytest.approx(1.0)
    assert plan.trust() == {"me": 1.0}
    assert source_weights("me", diverging, own=0.0).fuses  # without own evidence: nearest


def test_trust_is_relative_to_the_nearest_kept_source() -> None:
    trust = source_weights("me", PROFILES, floor=0.0).trust()
    assert trust["me"] == trust["twin"] == 1.0
    assert 0.0 < trust["far"] < trust["near"] < 1.0


# bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"beta": 0.0}, ConfigError),
        ({"beta": -1.0}, ConfigError),
        ({"beta": math.inf}, ConfigError),
        ({"beta": math.nan}, ConfigError),
        ({"floor": -0.1}, ConfigError),
        ({"floor": 1.5}, ConfigError),
        ({"own": -1.0}, ConfigError),
        ({"metric": "cosine"}, ConfigError),
    ],
)
def test_bad_options_raise_and_leave_profiles_alone(
    options: dict[str, object], error: type[Exception]
) -> None:
    before = copy.deepcopy(PROFILES)
    with pytest.raises(error, match="got|use one of"):
        source_weights("me", PROFILES, **options)  # type: ignore[arg-type]
    assert before == PROFILES


@pytest.mark.parametrize("bad", [{}, {"a": 0.0}, {"a": -1.0, "b": 2.0}, {"a": math.nan}])
def test_bad_profiles_raise_invalid_record(bad: dict[str, float]) -> None:
    with pytest.raises(InvalidRecordError, match="profile") as info:
        source_weights("me", {"me": {"a": 1.0}, "bad": bad})
    assert info.value.field == "profile"
    with pytest.raises(InvalidRecordError, match="at least one claim"):
        topic_profile([])


def test_unknown_receiver_says_to_add_a_profile() -> None:
    with pytest.raises(ConfigError, match="add one"):
        source_weights("nobody", PROFILES)


# a receiver's Fuser -------------------------------------------------------------------------
def test_weighted_fuser_keeps_dropped_sources_private(store: Store) -> None:
    fuser = Fuser(store, FusionConfig(functional={"born_in"}), weights={"me": 1.0, "peer": 1.0})
    assert fuser.fuse(claim("Ada", "born_in", "London"), agent="far", valid_from=0.0).action == (
        "private"
    )
    fuser.fuse(claim("Ada", "born_in", "Paris"), agent="me", valid_from=0.0)
    merged = fuser.fuse(claim("Ada", "born_in", "Paris"), agent="peer", valid_from=0.0)
    assert merged.action == "merged" and merged.fact.status == "active"  # no dispute with far
    assert [f.agents for f in fuser.accepted()] == [("me", "peer")]


def test_weights_scale_trust_in_noisy_or_and_acceptance() -> None:
    fuser = Fuser(NetworkXStore(), trust={"me": 1.0, "peer": 0.9}, weights={"me": 1, "peer": 0.5})
    assert fuser.trust("peer") == pytest.approx(0.45)
    assert fuser.reliability("peer") == pytest.approx(0.45)
    fuser.fuse(claim("Ada", "knows", "Bob", 0.5), agent="me", valid_from=0.0)
    merged = fuser.fuse(claim("Ada", "knows", "Bob", 0.5), agent="peer", valid_from=0.0)
    assert merged.fact.confidence == pytest.approx(1 - 0.5 * (1 - 0.45 * 0.5))
    fuser.fuse(claim("Cy", "knows", "Dee"), agent="peer", valid_from=0.0)
    assert {f.subject for f in fuser.accepted()} == {merged.fact.subject}  # peer's alone: no
    fuser.weights = {"me": 1.0, "peer": 1.0}
    assert len(fuser.accepted()) == 2


@pytest.mark.parametrize("bad", [{"peer": 1.5}, {"peer": -0.1}, {"peer": math.nan}])
def test_bad_fuser_weights_raise_before_anything_is_written(bad: dict[str, float]) -> None:
    store = NetworkXStore()
    with pytest.raises(ConfigError, match="within 0..1"):
        Fuser(store, weights=bad)
    assert store.stats().facts == 0


def test_fuser_copies_its_weights() -> None:
    weights = {"me": 1.0}
    fuser = Fuser(NetworkXStore(), weights=weights)
    weights["peer"] = 1.0
    assert fuser.weight("peer") == 0.0

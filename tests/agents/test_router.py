"""The Router: ranking, modes, learning, load, membership, and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from agora import ConfigError, UserError
from agora.agents.routing import Route, Router
from agora.embeddings import HashEmbedder

EXPERTS = {
    "geo": "geography: capitals, countries, rivers and mountains",
    "chem": "chemistry: elements, molecules, acids and reactions",
    "math": "arithmetic: sums, products, fractions and numbers",
    "law": "law: contracts, courts, statutes and judges",
}


def make_router(**kwargs: object) -> Router:
    router = Router(HashEmbedder(), **kwargs)  # type: ignore[arg-type]
    for name, text in EXPERTS.items():
        router.register(name, text)
    return router


@pytest.mark.parametrize(
    ("task", "expert"),
    [
        ("Which river crosses the capital of Egypt?", "geo"),
        ("Which acids react with metals in a reaction?", "chem"),
        ("What is the sum of these fractions?", "math"),
        ("Can a judge void a contract?", "law"),
    ],
)
def test_top1_picks_the_matching_expert(task: str, expert: str) -> None:
    route = make_router().route(task)
    assert route.primary == expert
    assert route.k == 1
    assert [name for name, _ in route.ranked][0] == expert
    assert sum(p for _, p in route.ranked) == pytest.approx(1.0)


def test_topk_and_dynamic_modes() -> None:
    router = make_router()
    assert router.route("capitals and rivers", mode="topk", k=3).k == 3
    assert router.route("capitals and rivers", mode="topk", k=9).k == 4  # capped by candidates
    sharp = router.route("capitals, countries and rivers", mode="dynamic", p=0.5)
    vague = router.route("capitals, rivers, acids and reactions", mode="dynamic", p=0.9)
    assert sharp.k == 1
    assert vague.k >= 2
    assert router.route("anything", mode="dynamic", p=1.0).k <= router.k_max


def test_candidates_and_exclude_restrict_the_choice() -> None:
    router = make_router()
    route = router.route("Which river crosses Cairo?", ["chem", "law"])
    assert {name for name, _ in route.ranked} == {"chem", "law"}
    route = router.route("Which river crosses Cairo?", exclude={"geo"})
    assert "geo" not in {name for name, _ in route.ranked}
    with pytest.raises(UserError, match="not registered"):
        router.route("x", ["nobody"])
    with pytest.raises(UserError, match="no candidate"):
        router.route("x", ["geo"], exclude={"geo"})


def test_failures_lower_reliability_and_move_the_choice() -> None:
    router = make_router(reliability_weight=2.0)
    task = "Which river crosses the capital of Egypt?"
    first = router.route(task)
    assert first.primary == "geo"
    for _ in range(8):
        router.record(router.route(task), "geo", False, task=task)
    assert first.topic == -1  # routing opened no topic; the first record did
    assert router.reliability("geo", router.topic_of(task)) < 0.2
    assert router.route(task).primary != "geo"


def test_success_drifts_the_profile_and_fills_the_memory() -> None:
    router = make_router(drift=0.5)
    task = "What is the boiling point of the sea?"
    route = router.route(task)
    before = float(router._profiles[router._rows["geo"]] @ router.embed(task))
    router.record(route, "geo", 1.0, task=task)
    after = float(router._profiles[router._rows["geo"]] @ router.embed(task))
    assert after > before
    assert router.route(task).primary == "geo"  # its memory now holds the task


def test_load_spreads_ties() -> None:
    router = Router(HashEmbedder(), load_weight=1.0)
    router.register("a", "bread baking")
    router.register("b", "bread baking")
    router.begin("a")
    assert router.route("bread").primary == "b"
    router.end("a")
    router.end("a")  # never below zero
    router.begin("b")
    assert router.route("bread").primary == "a"


def test_register_unregister_keeps_rows_consistent() -> None:
    router = make_router()
    assert router.route("Which acids react?", ["chem", "law"]).primary == "chem"  # cached rows
    router.unregister("geo")
    router.unregister("geo")  # idempotent
    assert "geo" not in router and len(router) == 3
    assert router.route("Which acids react?").primary == "chem"
    assert router.route("Which acids react?", ["chem", "law"]).primary == "chem"  # rows moved
    for i in range(40):  # grows past the initial capacity
        router.register(f"x{i}", f"topic number {i}")
    assert len(router) == 43
    assert router.route("topic number 17").primary == "x17"
    assert router.expertise("law") == EXPERTS["law"]


def test_routing_changes_no_state() -> None:
    router = make_router()
    router.route("foo")
    router.route("bar baz", explore=True)
    assert len(router._topics) == 0
    route = router.route("capitals")
    router.record(route, "geo", 1.0, task="capitals")
    router.record(route, "chem", 0.0, task="capitals")  # same task: the same topic
    assert len(router._topics) == 1 and router.topic_of("capitals") == 0


def test_exploration_is_seeded() -> None:
    picks = [
        [make_router(explore=True, seed=7).route("fractions of capitals").primary for _ in range(3)]
        for _ in range(2)
    ]
    assert picks[0] == picks[1]


def test_route_round_trips_through_a_dict() -> None:
    route = make_router().route("capitals", mode="topk", k=2)
    assert Route.from_dict(route.to_dict()) == route
    assert route.probability("nobody") == 0.0


def test_task_may_be_a_vector() -> None:
    router = make_router()
    vector = router.embed("Which acids react with metals?")
    assert router.route(np.asarray(vector)).primary == "chem"


@pytest.mark.parametrize(
    "kwargs",
    [{"mode": "best"}, {"k": 0}, {"p": 1.5}, {"temperature": 0}, {"drift": 2}, {"k_max": True}],
)
def test_bad_settings_raise_config_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        Router(HashEmbedder(), **kwargs)  # type: ignore[arg-type]


def test_bad_input_raises_user_error_and_changes_nothing() -> None:
    router = make_router()
    route = router.route("capitals")
    with pytest.raises(UserError):
        router.record(route, "geo", 1.5)
    assert router.reliability("geo", route.topic) == 0.5
    with pytest.raises(UserError):
        router.register("", "x")
    with pytest.raises(UserError):
        router.register("y", None)  # type: ignore[arg-type]
    assert len(router) == 4


def test_large_routers_narrow_by_projection_without_changing_the_choice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import agora.agents.routing._index as router_index

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(400)]
    texts = [" ".join(rng.choice(words, size=6)) for _ in range(600)]
    queries = [" ".join(rng.choice(words, size=4)) for _ in range(40)]

    def build() -> Router:
        router = Router(HashEmbedder(dim=384))
        for i, text in enumerate(texts):
            router.register(f"a{i}", text)
        return router

    exact = [build().route(q).primary for q in queries]
    monkeypatch.setattr(router_index, "COARSE_FROM", 100)
    narrowed = build()
    assert [narrowed.route(q).primary for q in queries] == exact
    assert narrowed._coarse.basis is not None
    narrowed.unregister("a0")  # rows move; the projection follows
    narrowed.register("late", texts[0])
    assert narrowed.route(texts[0]).primary == "late"


def test_per_call_explore_and_foreign_routes() -> None:
    router = Router(HashEmbedder(), explore=True, seed=1, temperature=1.0)
    router.register("a", "cooking recipes")
    router.register("b", "baking bread recipes")
    for _ in range(3):
        router.record(router.route("bread"), "a", 1.0, task="bread")
    assert len({router.route("bread", explore=False).ranked for _ in range(10)}) == 1
    other = make_router()
    foreign = Route(experts=("geo",), ranked=(("geo", 1.0),), topic=7, mode="top1")
    other.record(foreign, "geo", 1.0, task="capitals")  # a topic this router never opened
    assert other.reliability("geo", other.topic_of("capitals")) > 0.5


def test_candidate_rows_cache_and_exclusion_stay_exact() -> None:
    router = Router(HashEmbedder())
    for name in "abcdef":
        router.register(name, f"topic {name}")
    pool = list("abcdef")
    first = router.route("topic c", pool, exclude={"a", "zzz"}, mode="topk", k=6)
    again = router.route("topic c", pool, exclude={"a", "zzz"}, mode="topk", k=6)
    assert first == again and first.primary == "c"
    assert {name for name, _ in first.ranked} == set("bcdef")
    with pytest.raises(UserError, match="no candidate"):
        router.route("topic c", [], exclude={"a"})
    with pytest.raises(UserError, match="no candidate"):
        router.route("topic c", ["a"], exclude={"a"})

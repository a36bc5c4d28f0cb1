"""The Router's learning beyond reliability: solved-task means, calibration, abstention."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agora import ConfigError
from agora.agents.routing import Router
from agora.agents.routing._learn import Centroid
from agora.embeddings import HashEmbedder
from agora.evals.bigbench.metrics import ece
from agora.testing import TableEmbedder


def test_the_solved_task_mean_outweighs_a_few_outliers() -> None:
    rng = np.random.default_rng(0)
    table: dict[str, Any] = {"A": [1, 0, 0, 0], "B": [0, 1, 0, 0]}
    table["query"] = [0.8, 0.1, 0.55, 0]
    table |= {f"a{i}": [1, 0, 0, 0] + rng.normal(0, 0.15, 4) for i in range(30)}
    table |= {f"b{i}": [0, 1, 0, 0] + rng.normal(0, 0.15, 4) for i in range(30)}
    table |= {f"odd{i}": [0.7, 0, 0.7, 0] + rng.normal(0, 0.02, 4) for i in range(3)}
    embedder = TableEmbedder(table)
    router = Router(embedder, drift=0.0, calibrate=False)  # type: ignore[arg-type]
    router.register("A", "A")
    router.register("B", "B")
    solved = [("A", f"a{i}") for i in range(30)] + [("B", f"b{i}") for i in range(30)]
    for agent, task in [*solved, *(("B", f"odd{i}") for i in range(3))]:
        router.record(router.route(task), agent, True, task=task)
    assert router.route("query").primary == "A"
    # The old memory (mean of the top 3 remembered similarities) is fooled by B's outliers.
    query = embedder.embed(["query"])[0]
    top3 = {
        agent: np.sort(embedder.embed([t for a, t in solved + extra if a == agent]) @ query)[-3:]
        for agent, extra in [("A", []), ("B", [("B", f"odd{i}") for i in range(3)])]
    }
    assert top3["B"].mean() > top3["A"].mean()


def test_the_profile_counts_less_as_solved_tasks_accumulate() -> None:
    table = {"A": [1.0, 0.0], "t": [0.0, 1.0]} | {f"t{i}": [0.0, 1.0] for i in range(12)}
    router = Router(TableEmbedder(table), drift=0.0, prior=4.0, calibrate=False)  # type: ignore[arg-type]
    router.register("A", "A")
    fits = []
    for i in range(12):  # twelve different tasks that all look like "t"
        router.record(router.route(f"t{i}"), "A", True, task=f"t{i}")
        fits.append(router.route("t").best_fit())
    assert fits[0] == pytest.approx(1 / 5, abs=1e-3)  # n / (n + prior) with n = 1
    assert fits[-1] == pytest.approx(12 / 16, abs=1e-3)
    assert fits == sorted(fits)


def test_a_task_solved_again_is_left_out_whole() -> None:
    memory = Centroid(8, 2)
    task = np.asarray([0.0, 1.0], np.float32)
    for _ in range(3):
        memory.add(task, "t")
    memory.add(np.asarray([1.0, 0.0], np.float32), "u")
    profile = np.asarray([1.0, 0.0], np.float32)
    fit = float(memory.blend(profile, 4.0) @ task)  # (0 * 4 + 3) / 8
    assert fit == pytest.approx(3 / 8)
    assert memory.left_out(fit, "t", 4.0) == pytest.approx(0.0)  # all three copies out
    without = memory.blend_without(profile, task, "t", 4.0)
    assert without is not None and float(without @ task) == pytest.approx(0.0, abs=1e-6)
    assert memory.left_out(fit, "never", 4.0) == fit


def test_leave_one_out_stops_once_the_mean_turns_exponential() -> None:
    memory = Centroid(4, 2)
    task = np.asarray([0.0, 1.0], np.float32)
    for _ in range(3):
        memory.add(task, "t")
    assert memory.left_out(0.5, "t", 4.0) != 0.5
    for i in range(10):  # past `size`: "t" fades from the mean, so no whole copy is left
        memory.add(np.asarray([1.0, 0.0], np.float32), f"u{i}")
    assert memory.left_out(0.5, "t", 4.0) == 0.5
    assert memory.blend_without(task, task, "t", 4.0) is None


def _noisy_outcomes(router: Router, rounds: int, seed: int) -> tuple[list[float], list[bool]]:
    """Route mixed-up tasks: the router's evidence is right only about 70% of the time."""
    rng = np.random.default_rng(seed)
    confidences, correct = [], []
    for i in range(rounds):
        truth = "geo" if rng.random() < 0.5 else "chem"
        other = "chem" if truth == "geo" else "geo"
        lead = truth if rng.random() < 0.7 else other
        words = {"geo": "capitals rivers", "chem": "acids molecules"}
        task = f"{words[lead]} question {i}"
        route = router.route(task, explore=False)
        confidences.append(route.ranked[0][1])
        correct.append(route.primary == truth)
        router.record(route, route.primary, route.primary == truth, task=task)
    return confidences, correct


def test_calibration_lowers_expected_calibration_error() -> None:
    errors = {}
    for calibrate in (False, True):
        router = Router(HashEmbedder(), calibrate=calibrate, drift=0.0, prior=1e6)
        router.register("geo", "capitals rivers")
        router.register("chem", "acids molecules")
        _noisy_outcomes(router, 200, seed=0)  # train
        errors[calibrate] = ece(*_noisy_outcomes(router, 200, seed=1))
    assert errors[True] < errors[False] - 0.05


def test_abstain_fires_on_an_unrelated_task() -> None:
    router = Router(HashEmbedder(), min_fit=0.01)
    router.register("geo", "geography: capitals, countries, rivers")
    router.register("chem", "chemistry: elements, molecules, acids")
    for i in range(40):
        for name, text in [("geo", "capitals rivers countries"), ("chem", "acids molecules")]:
            task = f"{text} {i}"
            router.record(router.route(task), name, True, task=task)
    assert router.min_fit > 0.01  # learned from the successes' fits
    assert router.route("rivers and capitals of countries").abstain is False
    unrelated = router.route("zebra saxophone umbrella")
    assert unrelated.abstain is True
    assert unrelated.experts  # it still answers; the caller decides
    assert unrelated.to_dict()["abstain"] is True


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("prior", -1.0),
        ("repel", 2.0),
        ("abstain_quantile", 0.9),
        ("calibrate", "yes"),
        ("calibrate_every", 0),
        ("normalize", "yes"),
    ],
)
def test_learning_options_are_checked(argument: str, value: object) -> None:
    with pytest.raises(ConfigError, match=argument):
        Router(HashEmbedder(), **{argument: value})  # type: ignore[arg-type]


def test_normalize_scores_the_cosine_so_spread_out_experience_is_not_outscored() -> None:
    table: dict[str, Any] = {"A": [1, 0, 0], "B": [0, 1, 0], "query": [0.8, 0.6, 0]}
    table |= {f"a{i}": [1, 0.9 if i % 2 else -0.9, 0] for i in range(10)}  # spread around A
    table |= {f"b{i}": [0, 1, 0] for i in range(10)}  # all alike
    primaries = {}
    for normalize in (False, True):
        router = Router(
            TableEmbedder(table),  # type: ignore[arg-type]
            drift=0.0,
            prior=0.01,
            calibrate=False,
            normalize=normalize,
        )
        router.register("A", "A")
        router.register("B", "B")
        for i in range(10):
            for agent in "AB":
                task = f"{agent.lower()}{i}"
                router.record(router.route(task), agent, True, task=task)
        primaries[normalize] = router.route("query").primary
        if normalize:
            assert router.route("query").best_fit() == pytest.approx(0.8, abs=0.01)
    assert primaries == {False: "B", True: "A"}


def test_teach_folds_examples_into_memory_without_touching_reliability() -> None:
    router = Router(HashEmbedder(), calibrate=False)
    for name in ("crafts", "sports"):
        router.register(name, "general questions and help")
    task = "which yarn suits a cable knit sweater"
    before = router.route(task)
    router.teach("crafts", ["knit a cable sweater with wool yarn", "choose yarn for knitting"])
    after = router.route(task)
    assert after.primary == "crafts"
    assert after.probability("crafts") > before.probability("crafts")
    assert router.reliability("crafts", after.topic) == 0.5  # no outcome was recorded
    assert len(router._topics) == 0  # and no topic opened
    router.teach("crafts", [])  # nothing to learn: no change
    assert router.route(task).ranked == after.ranked


@pytest.mark.parametrize(
    ("name", "tasks", "match"),
    [
        ("ghost", ["a task"], "not registered"),
        ("crafts", "knit a scarf", "list or tuple"),
        ("crafts", ["knit", ""], "taught to 'crafts'"),
        ("crafts", ["knit", 3], "taught to 'crafts'"),
    ],
)
def test_teach_refuses_bad_input_and_learns_nothing(name: str, tasks: Any, match: str) -> None:
    from agora.errors import UserError

    router = Router(HashEmbedder(), calibrate=False)
    router.register("crafts", "crafts")
    router.register("sports", "sports")
    before = router.route("knit a scarf").ranked
    with pytest.raises(UserError, match=match):
        router.teach(name, tasks)
    assert router.route("knit a scarf").ranked == before


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("temperature", 0.0, r"temperature must be a number >= 1e-06 \(finite\), got 0.0"),
        ("temperature", float("nan"), "temperature must be a number"),
        ("reliability_weight", float("inf"), "reliability_weight must be a number >= 0.0"),
        ("lexical_weight", float("inf"), "lexical_weight must be a number"),
        ("p", 1.5, r"p must be a number in \[0.0, 1.0\]"),
        ("reliability_weight", "0.3", "reliability_weight must be a number"),
        ("min_share", True, "min_share must be a number"),
        ("k", 0, "k must be an int >= 1"),
        ("k_max", 2.5, "k_max must be an int >= 1"),
        ("mode", "best", "mode must be one of"),
        ("dynamic_rule", "greedy", "dynamic_rule must be one of"),
        ("explore", "no", "explore"),
        ("shortlist", 0, "shortlist must be an int >= 1"),
        ("memory_size", 8, "memory_size is fixed once the router is built"),
    ],
)
def test_settings_changed_after_construction_are_checked(
    setting: str, value: object, message: str
) -> None:
    router = Router(HashEmbedder())
    router.register("geo", "capitals rivers countries")
    before = getattr(router, setting)
    with pytest.raises(ConfigError, match=message):
        setattr(router, setting, value)
    assert getattr(router, setting) == before  # the old value is kept
    assert router.route("rivers of Peru").primary == "geo"


def test_valid_settings_can_change_and_are_stored_as_numbers() -> None:
    router = Router(HashEmbedder())
    router.temperature = np.float32(0.25)  # type: ignore[assignment]
    assert type(router.temperature) is float and router.temperature == 0.25
    router.k = np.int64(2)  # type: ignore[assignment]
    assert type(router.k) is int and router.k == 2
    router.dynamic_rule = "decompose"
    router.explore = True
    router.max_topics = 4  # not fixed: topics are grown as they open
    assert (router.dynamic_rule, router.explore, router.max_topics) == ("decompose", True, 4)


def test_learn_lexical_cannot_be_turned_on_without_calibration() -> None:
    router = Router(HashEmbedder(), calibrate=False)
    with pytest.raises(ConfigError, match="needs calibrate=True"):
        router.learn_lexical = True
    assert router.learn_lexical is False
    calibrated = Router(HashEmbedder())
    calibrated.learn_lexical = True
    assert calibrated.learn_lexical is True


def test_a_shortlist_widened_after_construction_records_the_judged_agents_score() -> None:
    def build(shortlist: int) -> Router:
        router = Router(HashEmbedder(), shortlist=shortlist, calibrate_every=1)
        for i in range(6):
            router.register(f"e{i}", f"topic{i} words{i} shared")
        return router

    widened, full = build(2), build(6)
    widened.shortlist = 6  # as the routing-speed benchmark widens it for its baseline
    task = "topic5 words5 shared"
    route = widened.route(task)
    assert len(route.ranked) == 6 and route.ranked == full.route(task).ranked
    worst = route.ranked[-1][0]
    widened.record(route, worst, False, task=task)
    full.record(full.route(task), worst, False, task=task)
    # The outcome kept is the judged agent's score, as a router built that wide keeps it
    # (without the fix it was the third-ranked agent's: the calibrator is 3 scores wide).
    kept = [r._calibrator for r in (widened, full)]
    assert kept[0] is not None and kept[1] is not None and kept[0].width == 3
    scores = [c._scores[0, c._agent[0]] for c in kept]  # type: ignore[union-attr]
    assert scores[0] == pytest.approx(scores[1], abs=1e-6)


def test_abstain_quantile_changed_later_is_the_one_learned() -> None:
    def learned(quantile: float) -> float:
        router = Router(HashEmbedder(), calibrate_every=4, abstain_quantile=0.05)
        router.register("geo", "capitals rivers countries")
        router.abstain_quantile = quantile
        for i, text in enumerate(["rivers", "capitals rivers", "countries capitals rivers", "x"]):
            task = f"{text} {i}"
            router.record(router.route(task), "geo", True, task=task)
        return router.min_fit

    assert learned(0.0) == 0.15  # 0: the given min_fit is kept
    assert learned(0.5) > learned(0.01)


def test_a_learned_min_fit_outside_the_cosine_range_is_clamped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agora.agents.routing._learn import Calibrator

    monkeypatch.setattr(Calibrator, "min_fit", lambda self, quantile: 1.2)
    router = Router(HashEmbedder(), calibrate_every=1)
    router.register("geo", "capitals rivers countries")
    router.record(router.route("rivers"), "geo", True, task="rivers")  # no ConfigError
    assert router.min_fit == 1.0


def test_min_fit_is_learned_from_the_best_fit_the_abstain_check_compares() -> None:
    # "near" fits the task best (cosine 0.8) but the one that solves it is "far" (0.6),
    # as when a task is forwarded on to the expert that solves it.
    table = {"near": [0.8, 0.6, 0], "far": [0.6, 0, 0.8], "task": [1, 0, 0]}
    router = Router(
        TableEmbedder(table),  # type: ignore[arg-type]
        drift=0.0,
        calibrate_every=1,
        abstain_quantile=0.05,
        min_fit=0.1,
    )
    router.register("near", "near")
    router.register("far", "far")
    route = router.route("task")
    assert dict(route.fit) == {"near": 0.8, "far": 0.6}
    router.record(route, "far", True, task="task")
    # The abstain check compares the route's best fit (0.8) with min_fit: learned from that,
    # not from the solver's own fit (0.6), which would abstain less than the quantile says.
    assert router.min_fit == pytest.approx(0.8, abs=1e-4)

"""Dynamic K by decomposition: the NNLS solver, the selection rule and `Router`'s option."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from agora import ConfigError, UserError
from agora.agents.routing import Router
from agora.agents.routing._mix import decomposed, nnls
from agora.embeddings import HashEmbedder

EXPERTS = {
    "geo": "geography: capitals, countries, rivers and mountains",
    "chem": "chemistry: elements, molecules, acids and reactions",
    "math": "arithmetic: sums, products, fractions and numbers",
    "law": "law: contracts, courts, statutes and judges",
}


def make_router(**kwargs: object) -> Router:
    router = Router(HashEmbedder(), mode="dynamic", **kwargs)  # type: ignore[arg-type]
    for name, text in EXPERTS.items():
        router.register(name, text)
    return router


def brute_force(a: np.ndarray, b: np.ndarray) -> float:
    """The least residual of ``a w = b`` over ``w >= 0``, trying every support."""
    best = float(b @ b)
    for size in range(1, a.shape[1] + 1):
        for support in itertools.combinations(range(a.shape[1]), size):
            w = np.linalg.lstsq(a[:, support], b, rcond=None)[0]
            if (w >= 0).all():
                best = min(best, float(np.sum((a[:, support] @ w - b) ** 2)))
    return best


def test_nnls_is_optimal_and_non_negative() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        m, d = int(rng.integers(1, 6)), int(rng.integers(2, 20))
        a = rng.normal(size=(d, m)) + rng.normal() * 0.5
        b = rng.normal(size=d)
        w = nnls(a.T @ a, a.T @ b)
        assert (w >= 0).all()
        assert float(np.sum((a @ w - b) ** 2)) <= brute_force(a, b) + 1e-8


def test_nnls_survives_twin_columns() -> None:
    a = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    b = np.array([2.0, 1.0, 3.0])
    w = nnls(a.T @ a, a.T @ b)
    assert np.isfinite(w).all() and (w >= 0).all()
    assert a @ w == pytest.approx(b, abs=1e-6)


def test_decomposed_takes_the_fields_a_task_is_made_of() -> None:
    agents = np.eye(4)
    centre = np.zeros(4)
    mixed = np.array([0.6, 0.5, 0.05, 0.0])
    assert decomposed(agents, mixed, centre, min_share=0.2, k_max=4) == [0, 1]
    pure = np.array([0.9, 0.1, 0.05, 0.0])
    assert decomposed(agents, pure, centre, min_share=0.2, k_max=4) == [0]
    spread = np.array([0.5, 0.5, 0.5, 0.5])
    assert decomposed(agents, spread, centre, min_share=0.2, k_max=2) == [0, 1]
    assert decomposed(agents, spread, centre, min_share=0.0, k_max=4) == [0, 1, 2, 3]
    # Only positive weights count, even at min_share 0; rank 1 may be skipped.
    assert decomposed(agents, np.array([0.5, 0.0, 0.4, 0.0]), centre, min_share=0.0, k_max=4) == [
        0,
        2,
    ]
    # Pointing away from every agent: the best-ranked one only.
    assert decomposed(agents, -np.ones(4), centre, min_share=0.2, k_max=4) == [0]


def test_decomposed_centres_away_what_every_agent_shares() -> None:
    shared = np.array([0.0, 0.0, 0.0, 1.0])
    agents = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0]]) + shared
    task = np.array([0.9, 0.05, 0.05, 0.0]) + 3 * shared
    centre = agents.mean(axis=0)
    assert decomposed(agents, task, centre, min_share=0.2, k_max=3) == [0]
    # Uncentred, the shared direction spreads weight over every agent.
    assert len(decomposed(agents, task, np.zeros(4), min_share=0.2, k_max=3)) > 1


def test_decompose_takes_both_experts_of_a_two_field_task() -> None:
    cumulative = make_router(temperature=0.01, p=0.7)
    decompose = make_router(temperature=0.01, p=0.7, dynamic_rule="decompose")
    chem, geo, math = (decompose.embed(EXPERTS[n]) for n in ("chem", "geo", "math"))
    mixed = 0.75 * chem + 0.45 * geo
    mixed /= np.linalg.norm(mixed)
    assert cumulative.route(mixed).experts == ("chem",)  # the softmax is sure of one expert
    route = decompose.route(mixed)
    assert route.experts == ("chem", "geo")
    assert route.mode == "dynamic"
    single = geo + 0.1 * math
    assert decompose.route(single / np.linalg.norm(single)).experts == ("geo",)
    assert decompose.route(mixed, exclude={"geo"}).experts == ("chem",)


def test_decompose_respects_mode_exclude_and_k_max() -> None:
    router = make_router(dynamic_rule="decompose", min_share=0.0, k_max=2)
    task = "capitals, acids, sums and courts"
    assert router.route(task).k <= 2
    assert router.route(task, mode="top1").k == 1
    assert router.route(task, mode="topk", k=3).k == 3
    assert "geo" not in router.route(task, exclude={"geo"}).experts


def test_centre_follows_registration_learning_and_removal() -> None:
    router = make_router(dynamic_rule="decompose", normalize=True, repel=0.5)

    def check() -> None:
        n = len(router)
        exact = router._profiles[:n].astype(np.float64).sum(axis=0)
        assert router._sum == pytest.approx(exact, abs=1e-5)

    check()
    route = router.route("Which river crosses Cairo?")
    router.record(route, "geo", True, task="Which river crosses Cairo?")
    router.record(route, "law", False, task="Which river crosses Cairo?")
    router.teach("chem", ["What is an acid?"])
    check()
    router.register("geo", "geography again")  # re-registering replaces the profile
    router.unregister("chem")
    check()
    router.register("music", "music: scales, chords and rhythm")
    check()


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"dynamic_rule": "mixture"}, "dynamic_rule"),
        ({"dynamic_rule": None}, "dynamic_rule"),
        ({"min_share": 1.5}, "min_share"),
        ({"min_share": -0.1}, "min_share"),
        ({"min_share": True}, "min_share"),
        ({"min_share": "0.2"}, "min_share"),
    ],
)
def test_bad_decompose_settings_name_the_argument(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(ConfigError, match=name) as caught:
        Router(HashEmbedder(), **kwargs)  # type: ignore[arg-type]
    assert isinstance(caught.value, UserError)


def test_decompose_takes_both_of_a_two_agent_router() -> None:
    # With as many agents as the rule weighs, centring on their mean would make their
    # vectors opposite and leave one direction: the rule then does not centre.
    router = Router(HashEmbedder(), mode="dynamic", dynamic_rule="decompose", temperature=0.01)
    router.register("geo", EXPERTS["geo"])
    router.register("chem", EXPERTS["chem"])
    mixed = router.embed(EXPERTS["geo"]) + router.embed(EXPERTS["chem"])
    assert set(router.route(mixed / np.linalg.norm(mixed)).experts) == {"geo", "chem"}
    assert router.route(router.embed(EXPERTS["geo"])).experts == ("geo",)

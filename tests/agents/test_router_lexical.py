"""The Router's lexical evidence: BM25 over each agent's expertise and solved tasks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from agora import ConfigError
from agora.agents.routing import Router
from agora.agents.routing._lexical import Lexicon, words
from agora.testing import TableEmbedder


def test_scores_are_scaled_and_a_left_out_task_scores_as_if_never_added() -> None:
    lexicon = Lexicon(limit=4)
    lexicon.set("geo", "capitals and rivers")
    lexicon.set("chem", "acids and molecules")
    query = words("rivers of acids near capitals")
    before = lexicon.scores(query, ["geo", "chem"])
    assert ((before >= 0) & (before < 1)).all() and before[0] > before[1] > 0
    lexicon.add("chem", "rivers of acids near capitals")
    after = lexicon.scores(query, ["geo", "chem"])
    assert after[1] > after[0]
    left_out = lexicon.scores(query, ["geo", "chem"], left_out="rivers of acids near capitals")
    assert left_out[1] == pytest.approx(before[1], rel=0.2)  # df moved a little, counts did not
    assert left_out[1] < after[1]
    assert lexicon.scores(words("unknown words"), ["geo"]).tolist() == [0.0]
    lexicon.remove("chem")
    assert lexicon.scores(query, ["chem"]).tolist() == [0.0]


def test_lexicon_folds_each_solved_text_once_up_to_its_limit() -> None:
    lexicon = Lexicon(limit=1)
    lexicon.set("a", "alpha")
    lexicon.add("a", "beta gamma")
    once = lexicon.scores(["beta"], ["a"])
    lexicon.add("a", "beta gamma")  # the same text again: no change
    lexicon.add("a", "beta delta")  # past the limit: ignored
    assert lexicon.scores(["beta"], ["a"]).tolist() == once.tolist()
    assert lexicon.holds("a", "beta gamma") and not lexicon.holds("a", "beta delta")


def test_lexical_evidence_breaks_what_the_embedding_cannot() -> None:
    table = {"beta expert": [0, 1], "alpha zebra": [1, 0], "zebra question": [1, 1]}
    probabilities = {}
    for weight in (0.0, 0.5):
        router = Router(
            TableEmbedder(table),  # type: ignore[arg-type]
            lexical_weight=weight,
            mode="dynamic",
            calibrate=False,
        )
        router.register("B", "beta expert")
        router.register("A", "alpha zebra")
        route = router.route("zebra question")
        probabilities[weight] = route.probability("A")
        assert route.best_fit() == pytest.approx(2**-0.5, abs=1e-3)  # fit stays the embedding's
        if weight:
            assert route.primary == "A"
            assert router.route(np.asarray(table["zebra question"], np.float32)).probability(
                "A"
            ) == pytest.approx(0.5)  # a vector has no words
    assert probabilities[0.0] == pytest.approx(0.5)
    assert probabilities[0.5] > 0.5


def test_lexical_weight_is_checked() -> None:
    with pytest.raises(ConfigError, match="lexical_weight"):
        Router(TableEmbedder({"a": [1.0]}), lexical_weight=-1.0)  # type: ignore[arg-type]


def test_relative_lexical_evidence_gives_the_best_shortlisted_agent_a_full_share() -> None:
    table = {
        "beta expert": [0, 1],
        "alpha zebra with many other words": [1, 0],
        "zebra question about a long list of things": [1, 1],
    }
    probabilities = {}
    for relative in (False, True):
        router = Router(
            TableEmbedder(table),  # type: ignore[arg-type]
            lexical_weight=0.5,
            lexical_relative=relative,
            calibrate=False,
        )
        router.register("B", "beta expert")
        router.register("A", "alpha zebra with many other words")
        probabilities[relative] = router.route(
            "zebra question about a long list of things"
        ).probability("A")
    # One shared word of eight: a small share of the most the query can score, but the
    # whole of the best agent's score.
    assert 0.5 < probabilities[False] < probabilities[True]
    temperature = 0.05
    assert probabilities[True] == pytest.approx(1 / (1 + np.exp(-0.5 / temperature)), rel=1e-3)


def _outcomes(router: Router, lexical_helps: bool) -> None:
    """Tasks on which the lexical evidence points to the agent that solves them, or away."""
    for i in range(64):
        word = "kiwi" if i % 2 else "plum"
        task = f"{word} {i}"
        route = router.route(task)
        solver = ("K" if word == "kiwi" else "P") if lexical_helps else "X"
        for name, _ in route.ranked:
            router.record(route, name, name == solver, task=task)


class ConstantEmbedder:
    """Every text is the same vector: only lexical evidence separates agents."""

    dim = 2

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return np.tile(np.asarray([[1.0, 0.0]], np.float32), (len(texts), 1))


@pytest.mark.parametrize("lexical_helps", [True, False])
def test_learned_lexical_weight_follows_whether_the_words_predict_success(
    lexical_helps: bool,
) -> None:
    router = Router(
        ConstantEmbedder(),  # type: ignore[arg-type]
        lexical_weight=0.1,
        learn_lexical=True,
        lexical_relative=True,
        reliability_weight=0.0,
        drift=0.0,
        calibrate_every=16,
        memory_size=1,  # X's document keeps one solved task: the words keep pointing away
    )
    router.register("K", "kiwi kiwi fruit")
    router.register("P", "plum plum fruit")
    router.register("X", "fruit")
    _outcomes(router, lexical_helps)
    route = router.route("kiwi 99")
    if lexical_helps:  # the words name the solver: they count (weight against temperature)
        assert router.lexical_weight > 0 and route.probability("K") > 0.9
    else:
        assert router.lexical_weight == 0.0  # the words mislead: they stop counting


def test_learned_lexical_weight_needs_calibration_and_is_checked() -> None:
    with pytest.raises(ConfigError, match="learn_lexical=True needs calibrate=True"):
        Router(ConstantEmbedder(), learn_lexical=True, calibrate=False)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="learn_lexical"):
        Router(ConstantEmbedder(), learn_lexical="yes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="lexical_relative"):
        Router(ConstantEmbedder(), lexical_relative=1)  # type: ignore[arg-type]

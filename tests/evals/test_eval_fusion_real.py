"""The real-facts fusion eval: data loading, noise, baselines, agora's views, CLI and --model."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from agora.errors import ConfigError
from agora.evals.fusion_baselines import majority_vote, naive_union, norm, two_agree_rule
from agora.evals.fusion_extract import sentence
from agora.evals.fusion_noise import qualifier_variants, typo
from agora.evals.fusion_real import SETTINGS, main, run
from agora.evals.fusion_world import KINDS, TrueFact, load_facts, make_world
from agora.models.base import Message
from agora.testing import FunctionModel, ScriptedModel

COUNTRIES = ["France", "Italy", "Spain", "Kenya", "Peru", "Japan", "Chile", "Norway"]
SPORTS = ["basketball", "baseball", "soccer", "hockey"]
# Names far apart in spelling, so that no baseline merges two of them.
NAMES = [
    "Abbott",
    "Quill",
    "Brennan",
    "Castillo",
    "Dumont",
    "Esposito",
    "Fairbanks",
    "Gallagher",
    "Hollister",
    "Ibsen",
    "Jorgensen",
    "Kowalski",
    "Lindqvist",
    "Montague",
    "Novak",
    "Okonkwo",
    "Pemberton",
    "Quintero",
    "Rasmussen",
    "Takahashi",
    "Underwood",
    "Villanueva",
    "Whitaker",
    "Yamamoto",
]


def _counterfact(path: Path, count: int = 24) -> Path:
    """A tiny file in the CounterFact layout: people's sports and places' countries."""
    records = []
    for i in range(count):
        if i % 2:
            subject, prompt = f"Edward B. {NAMES[i]}", "{} professionally plays the sport"
            truth, target = SPORTS[i % 4], SPORTS[(i + 1) % 4]
        else:
            subject, prompt = f"University of {NAMES[i]}", "{} is located in"
            truth, target = COUNTRIES[i % 8], COUNTRIES[(i + 3) % 8]
        records.append(
            {
                "case_id": str(i),
                "prompt": prompt.format(subject),
                "subject": subject,
                "ground_truth": truth,
                "target_new": target,
                "rephrase_prompt": "",
                "locality_prompt": "",
                "locality_ground_truth": "",
                "fake_evidence": "",
            }
        )
    path.write_text(json.dumps(records))
    return path


def _zsre(path: Path) -> Path:
    records = [
        {
            "subject": f"{NAMES[i]} Works",
            "src": f"What is the product made by {NAMES[i]} Works?",
            "answers": [["uniform", "aircraft", "cheese"][i % 3]],
            "alt": "piano",
            "rephrase": "",
            "loc": "nq question: x",
            "loc_ans": "y",
            "fake_evidence": "",
        }
        for i in range(6)
    ]
    path.write_text(json.dumps(records))
    return path


@pytest.fixture
def facts(tmp_path: Path) -> list[TrueFact]:
    return load_facts([_counterfact(tmp_path / "cf.json"), _zsre(tmp_path / "zsre.json")])


def test_facts_come_from_the_data_with_their_targets(facts: list[TrueFact]) -> None:
    assert len(facts) == 30
    sport = next(f for f in facts if f.subject == "Edward B. Quill")
    assert sport.triple == ("Edward B. Quill", "{} professionally plays the sport", "baseball")
    assert sport.targets == ("soccer",)
    product = next(f for f in facts if f.subject == "Abbott Works")
    assert product.relation == "What is the product made by {}?" and product.object == "uniform"


def test_a_fact_read_from_two_files_keeps_both_targets(tmp_path: Path) -> None:
    one = _counterfact(tmp_path / "a.json")
    other = json.loads(one.read_text())
    for record in other:
        record["target_new"] = "street hustler"
    (tmp_path / "b.json").write_text(json.dumps(other))
    merged = load_facts([one, tmp_path / "b.json"])
    assert len(merged) == 24 and all(len(f.targets) == 2 for f in merged)


def test_with_zero_noise_every_method_is_perfect(facts: list[TrueFact]) -> None:
    report = run(facts, seeds=[0, 1], settings=["mixed"], coverage=1.0, noise=0.0)
    for row in report.settings[0].rows:
        assert (row.precision.mean, row.recall.mean, row.f1.mean) == (1.0, 1.0, 1.0), row.method
    assert report.settings[0].noisy_share == 0.0


def test_counterfactual_targets_lower_naive_union_precision(facts: list[TrueFact]) -> None:
    world = make_world(facts, 0, noise=0.4, kinds=["counterfactual"])
    union = naive_union((a.agent, a.subject, a.relation, a.object) for a in world.assertions)
    truth = {f.triple for f in world.facts}
    targets = {(f.subject, f.relation, t) for f in world.facts for t in f.targets}
    wrong = union - truth
    assert wrong and wrong <= targets  # every error is one of the data's own targets
    report = run(facts, seeds=[0, 1, 2], settings=["counterfactual"], noise=0.4)
    assert report.row("counterfactual", "naive union").precision.mean < 0.9


def test_reliabilities_are_drawn_not_two_fixed_rates(facts: list[TrueFact]) -> None:
    world = make_world(facts, 3, agents=12, noise=0.3)
    assert len({round(r, 3) for r in world.reliability.values()}) == 12
    assert 0.5 < sum(world.reliability.values()) / 12 < 0.9


def test_typos_edit_and_qualifiers_drop_or_swap() -> None:
    rng = random.Random(0)
    assert all(norm(typo(rng, "Philadelphia")) != "philadelphia" for _ in range(200))
    assert qualifier_variants("University of Bern") == ["Bern"]
    assert "Robinson David" in qualifier_variants("David Robinson")
    assert qualifier_variants("1987") == []


def test_noise_of_each_kind_is_what_it_says(facts: list[TrueFact]) -> None:
    by_fact = {(f.relation, f.subject): f for f in facts}
    for kind in KINDS:
        world = make_world(facts, 1, noise=0.5, kinds=[kind])
        noisy = [a for a in world.assertions if a.noise is not None]
        assert noisy and {a.noise for a in noisy} == {kind}
        for a in noisy:
            fact = by_fact.get((a.relation, a.subject))
            if kind == "counterfactual":
                assert fact is not None and a.object in fact.targets
            elif kind == "object":
                assert fact is not None and a.object != fact.object


def test_baselines_follow_their_rules() -> None:
    said = [
        ("a1", "Paris", "in", "France"),
        ("a2", "Paris", "in", "Frnace"),
        ("a3", "Paris", "in", "Italy"),
        ("a4", "Rome", "in", "Italy"),
    ]
    for city, country in (("Oslo", "Norway"), ("Lima", "Peru"), ("Bern", "Switzerland")):
        said += [("a1", city, "in", country), ("a4", city, "in", country)]
    assert ("Paris", "in", "France") not in majority_vote(said)  # 1-1-1 split, no majority
    rule = two_agree_rule(said)
    assert ("Paris", "in", "France") in rule  # typo merged into the most-said spelling
    assert ("Rome", "in", "Italy") in rule  # others confirm 3 of a4's 4 triples: trusted
    assert ("Paris", "in", "Italy") not in rule  # a3 is never confirmed


def test_skewed_setting_scores_receivers_with_knfu(facts: list[TrueFact]) -> None:
    plain = run(facts, seeds=[0], settings=["skewed"], receivers=2)
    assert "KnFu personalised" not in [r.method for r in plain.settings[0].rows]
    report = run(facts, seeds=[0], settings=["skewed"], receivers=2, knfu=True)
    methods = [r.method for r in report.settings[0].rows]
    assert "agora accepted" in methods and "KnFu personalised" in methods


def test_cli_writes_json_with_intervals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, out = _counterfact(tmp_path / "cf.json"), tmp_path / "out.json"
    argv = ["--data", str(data), "--seeds", "2", "--settings", "mixed,typo", "--json", str(out)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "two-agree rule" in captured.out and "fusion-real: mixed seed 1" in captured.err
    report = json.loads(out.read_text())
    assert report["setup"]["seeds"] == 2 and report["setup"]["facts_pool"] == 24
    table = report["settings"][0]
    assert table["setting"] == "mixed" and set(table["kinds"]) == set(KINDS)
    row = table["rows"][0]
    assert set(row) == {"method", "triples", "precision", "recall", "f1", "accepted_gain"}
    assert set(row["f1"]) == {"mean", "low", "high"}
    assert row["f1"]["low"] <= row["f1"]["mean"] <= row["f1"]["high"]
    rows = {r["method"]: r for r in table["rows"]}
    assert rows["agora accepted"]["accepted_gain"] is None
    gain = rows["agora accepted"]["f1"]["mean"] - rows["naive union"]["f1"]["mean"]
    assert rows["naive union"]["accepted_gain"]["mean"] == pytest.approx(gain)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--data", "/no/such/file.json"], "--data /no/such/file.json"),
        ([], "--data"),
        (["--noise", "2"], "--noise"),
        (["--settings", "mixed,bogus"], "--settings"),
        (["--agents", "1"], "--agents"),
    ],
)
def test_bad_arguments_name_the_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    if "--data" not in argv and argv:
        argv = ["--data", str(_counterfact(tmp_path / "cf.json")), *argv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("ConfigError:") and named in err


def test_load_facts_raises_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_facts([tmp_path / "missing.json"])
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ConfigError, match="not a list"):
        load_facts([tmp_path / "bad.json"])


def _faithful(facts: Sequence[TrueFact], **world: Any) -> FunctionModel:
    """A model that extracts exactly what each agent of `make_world(facts, **world)` said."""
    said = {sentence(a): a for a in make_world(facts, **world).assertions}

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        text = messages[-1].content.split("Text:\n", 1)[1].split("\n\nClaims as JSON:")[0]
        a = said[text]
        claim = {"subject": a.subject, "relation": "rel", "object": a.object, "confidence": 0.8}
        return json.dumps({"claims": [claim]})

    return FunctionModel(reply)


def test_model_agents_extract_what_direct_agents_assert(facts: list[TrueFact]) -> None:
    direct = run(facts, seeds=[0], settings=["mixed"], sample=10)
    model = _faithful(facts, seed=0, kinds=SETTINGS["mixed"], sample=10)
    extracted = run(facts, seeds=[0], settings=["mixed"], sample=10, model=model)
    assert model.calls == direct.settings[0].assertions > 0
    assert extracted.settings[0].rows == direct.settings[0].rows


def test_a_model_that_extracts_nothing_loses_every_assertion(facts: list[TrueFact]) -> None:
    model = ScriptedModel([{"claims": []}], cycle=True)
    report = run(facts, seeds=[0], settings=["object"], sample=5, model=model)
    table = report.settings[0]
    assert table.assertions == 0 and len(model.calls) > 0
    assert all(row.recall.mean == 0.0 for row in table.rows)


@pytest.mark.slow
def test_embedded_model_agents_run_a_small_sample(tmp_path: Path) -> None:
    """A few assertions extracted by the real 135M model: the path runs end to end."""
    from agora.models import model_from_spec

    facts = load_facts([_counterfact(tmp_path / "cf.json", count=4)])
    report = run(facts, seeds=[0], settings=["mixed"], agents=3, model=model_from_spec("local"))
    table = report.settings[0]
    assert {row.method for row in table.rows} >= {"naive union", "agora accepted"}
    assert table.assertions > 0  # the 135M model extracts most of them (grounded names)

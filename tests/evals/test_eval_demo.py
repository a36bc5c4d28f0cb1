"""The demo eval: its scoring, its data, and a run on a scripted model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from agora.evals import demo
from agora.evals.demo import KINDS, Question, load_questions, main, run, score, wilson
from agora.models.base import Message
from agora.testing import FunctionModel


def test_test_and_dev_questions_are_apart_and_cover_every_kind() -> None:
    test, dev = load_questions("test"), load_questions("dev")
    assert {q.kind for q in test} == set(KINDS)
    assert not {q.text for q in test} & {q.text for q in dev}
    assert all(q.expect for q in test if q.kind != "writing")
    readme = {q.text for q in test}
    assert {"What is the capital of France?", "What is 12 * 7?"} <= readme


def test_drawn_capitals_come_from_the_held_out_quarter_and_vary_by_seed() -> None:
    a, b = demo.drawn_questions(0, 10), demo.drawn_questions(1, 10)
    assert len(a) == 10 and a != b
    assert demo.drawn_questions(0, 10) == a  # seeded
    import hashlib

    for q in a:
        country = q.text.removeprefix("What is the capital of ").rstrip("?")
        assert hashlib.sha256(country.encode()).hexdigest()[0] in "0123"


@pytest.mark.parametrize(
    ("kind", "expect", "answer", "right"),
    [
        ("arithmetic", ("84",), "84", True),
        ("arithmetic", ("84",), "0.84", False),  # a number counts whole
        ("arithmetic", ("-5",), "It is -5.", True),
        ("geography", ("30814175",), "Peru has a population of 30,814,175.", True),
        ("geography", ("Paris",), "The capital of France is paris.", True),
        ("writing", (), "answer", False),
        ("writing", (), "Write a haiku about rain.", False),  # the task echoed
        ("writing", (), "Soft rain on the roof tonight, again.", True),
    ],
)
def test_scoring(kind: str, expect: tuple[str, ...], answer: str, right: bool) -> None:
    question = Question("q", "Write a haiku about rain.", kind, expect)
    assert score(question, KINDS[kind][0], answer).right is right


def test_wilson_interval_brackets_the_share() -> None:
    low, high = wilson(10, 10)
    assert high == 1.0 and 0.6 < low < 0.8
    assert wilson(0, 0) == (0.0, 1.0)


def test_a_run_on_a_scripted_team_fills_every_row() -> None:
    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        if schema is None:
            return "A short reply that has more than five words."
        action = next(v["properties"]["action"]["const"] for v in _variants(schema))
        if action == "call:atlas":
            args = _arguments(schema)
            return json.dumps({"action": action, "arguments": args})
        if action == "call:calculate":
            return json.dumps({"action": action, "arguments": _arguments(schema)})
        return json.dumps({"action": "answer", "answer": "?"})

    report = run(FunctionModel(reply), seeds=[0, 1], drawn=2, baseline=True)
    rows = {(r.label, r.kind): r for r in report.rows}
    assert rows[("demo team", "writing")].routed_share == 1.0
    assert rows[("demo team", "arithmetic")].count == 2 * 10
    assert rows[("one agent (baseline)", "geography")].routed_share == 0.0
    assert set(report.to_dict()) >= {"rows", "outcomes", "generation_tok_s", "failures"}


def _variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    defs = schema.get("$defs", {})
    if "properties" in schema:
        return [schema]
    return [defs[ref["$ref"].split("/")[-1]] for ref in schema.get("oneOf", [])] or list(
        defs.values()
    )


def _arguments(schema: dict[str, Any]) -> dict[str, Any]:
    variant = _variants(schema)[0]
    ref = variant["properties"]["arguments"]["$ref"].split("/")[-1]
    props = schema["$defs"][ref]["properties"]
    return {
        name: prop.get("const", (prop.get("enum") or ["Peru"])[0]) for name, prop in props.items()
    }


def test_bad_arguments_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seeds", "0"]) == 1
    assert capsys.readouterr().err.startswith("UserError:")


@pytest.mark.slow
def test_the_demo_answers_right_on_the_embedded_model() -> None:
    """One seed of the eval on the real 135M model (the README's figures use 20)."""
    from agora.models import model_from_spec

    picked = {"readme-capital", "readme-product", "geo-kenya", "ari-paren", "wri-sea"}
    questions = [q for q in load_questions("test") if q.id in picked]
    report = run(model_from_spec("local"), seeds=[0], drawn=2, questions=questions)
    rows = {r.kind: r for r in report.rows}
    assert rows["writing"].routed_share == 1.0
    assert rows["geography"].right_share == 1.0 and rows["arithmetic"].right_share == 1.0
    assert report.generation_tok_s > 0

"""The README's code and every example run as written."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from agora.testing import FunctionModel, ScriptedModel

ROOT = Path(__file__).resolve().parents[1]


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quickstart_on_a_scripted_model(capsys: pytest.CaptureFixture[str]) -> None:
    model = ScriptedModel(
        [
            '{"action": "forward", "to": "geographer", "reason": "capitals"}',
            '{"action": "answer", "answer": "Paris"}',
        ]
    )
    assert load("quickstart").main("Capital of France?", model) == "Paris"
    out = capsys.readouterr().out
    assert "answer (geographer): Paris" in out
    assert "triage -> geographer" in out


def test_every_example_says_how_to_run_it() -> None:
    for path in (ROOT / "examples").glob("*.py"):
        assert "Run:" in (path.read_text().split('"""')[1]), path.name


@pytest.mark.slow
def test_readme_quick_start_runs_on_the_local_model(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"## Quick start\n\n```python\n(.*?)```", readme, re.S)
    assert code is not None
    exec(compile(code.group(1), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert " from " in out and "task" in out


def test_typed_messages_example() -> None:
    lines = load("typed_messages").main()
    assert lines[0].startswith("round trip ok: True")
    assert "rejected (payload.text)" in lines[1]
    assert "unknown message kind 'teleport'" in lines[2]
    assert "unknown task" in lines[3]


def test_tools_and_splits_on_a_scripted_model(capsys: pytest.CaptureFixture[str]) -> None:
    split = {
        "action": "split",
        "parts": [
            {"to": "statistician", "task": "Population of Paris?"},
            {"to": "writer", "task": "Why is Paris called the City of Light?"},
        ],
    }
    tool_call = {"action": "call:population", "arguments": {"city": "Paris"}}
    replies = {
        "lead": iter(
            [json.dumps(split), "About 2.1 million people; it pioneered street lighting."]
        ),
        "statistician": iter([json.dumps(tool_call), '{"action": "answer", "answer": "2102650"}']),
        "writer": iter(['{"action": "answer", "answer": "It pioneered street lighting."}']),
    }

    def reply(messages, schema) -> str:
        who = messages[0].content.split(",")[0].removeprefix("You are ")
        return next(replies[who])

    answer = load("tools_and_splits").main("Paris?", FunctionModel(reply))
    assert answer.startswith("About 2.1 million")
    out = capsys.readouterr().out
    assert "lead -> statistician, writer" in out


def test_research_assistant_routes_and_consults(tmp_path: Path) -> None:
    import sys

    from agora.embeddings import default_embedder

    def reply(messages, schema):  # type: ignore[no-untyped-def]
        me = messages[0].content.split()[2].rstrip(",")
        if schema is None:
            return f"{me} combined the experts"
        return json.dumps({"action": "answer", "answer": f"{me} answers"})

    module = load("research_assistant")
    sys.modules.setdefault("research_assistant", module)
    questions = [*module.QUESTIONS, "Review the statistics and the code of my gene study."]
    results = module.main(
        questions,
        FunctionModel(reply),
        embedder=default_embedder(),
        checkpoint=str(tmp_path / "runs.sqlite"),
    )
    chosen = [r.routes[0].chosen for r in results]
    assert chosen[0][0] == "statistician"
    assert chosen[1][0] == "coder"
    assert all(r.answer for r in results)
    assert max(len(c) for c in chosen) >= 2  # a cross-field question consulted several
    assert any(r.answered_by == "desk" for r in results)


def test_guardians_example_quarantines_rolls_back_and_flags_the_hand_off() -> None:
    lines = load("guardians").main()
    assert lines[2].startswith("mal: 'Sydney' -> quarantine")
    assert "contradiction: contradicts 'Australia capital Canberra'" in lines[2]
    assert "rolled back 1 more fact(s)" in lines[5]
    assert lines[6] == "visible: ['Australia capital Canberra']"
    assert "Sydney population 40 million" in lines[7]
    assert lines[8].startswith("team answer: Canberra")
    assert any(line.startswith("alert [warning]: flag 'mal'") for line in lines)
    assert any("[guardian credibility 0.4" in line for line in lines if "ben reads" in line)


def test_crossteam_example_prunes_merges_and_ends_on_a_passing_answer() -> None:
    lines = load("crossteam").main()
    assert (
        lines[0]
        == "insight team0: runs; passes 2 of 3 examples; is_leap(1900) gave True, expected False"
    )
    assert any(line.startswith("insight team2: does not run: SyntaxError") for line in lines)
    assert "pruned: team1, team4" in lines
    merges = [line for line in lines if line.startswith("merge depth")]
    assert merges == [
        "merge depth 0 at temperature 1: team0 + team2",
        "merge depth 1 at temperature 0.5: merger + team3",
    ]
    assert "answer (2 layers): runs; passes 3 of 3 examples" in lines


def test_planning_example_plays_alone_and_as_a_pair(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("crafter", reason="the planning example needs crafter (the evals extra)")
    ticks = load("planning").main(seed=1, cap=600)
    assert set(ticks) == {"1 agent(s)", "2 agent(s)"} and all(t <= 600 for t in ticks.values())
    out = capsys.readouterr().out
    assert "collect_diamond@" in out and "goal nodes" in out and "share_discovery" in out

"""The ``agora`` command: version, help, schema, the demo (scripted and real) and its tool."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from rich.console import Console

import agora.cli.main as cli
from agora import Agent, ModelOutputError, Team, ToolError, __version__
from agora.agents.tools import Tool
from agora.cli.calculator import EXPRESSION_PATTERN, MAX_EXPONENT, calculate
from agora.cli.demo import DEMO_TASK, build_demo_team, run_demo
from agora.cli.main import main
from agora.cli.render import LiveView, PlainView
from agora.models.base import Message
from agora.protocols.schema import PAYLOAD_TYPES, all_schemas
from agora.testing import FunctionModel, ScriptedModel, free_port


def _reply(**data: Any) -> str:
    return json.dumps(data)


def scripted_team_model(replies: dict[str, list[str]]) -> FunctionModel:
    """A model that answers each agent from its own queue, keyed by the agent's system prompt."""
    queues = {name: list(steps) for name, steps in replies.items()}

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        system = messages[0].content
        for name, queue in queues.items():
            if system.startswith(f"You are {name},"):
                return queue.pop(0)
        raise AssertionError(f"no script for {system!r}")

    return FunctionModel(reply, name="scripted-team")


FRANCE = "The capital of France is Paris."


def france_model() -> FunctionModel:
    """The geographer calls its atlas tool, whose result is its answer."""
    call = _reply(action="call:atlas", arguments={"country": "France", "fact": "capital"})
    return scripted_team_model({"geographer": [call]})


def recording_console(**kwargs: Any) -> Console:
    return Console(record=True, file=io.StringIO(), width=120, **kwargs)


# --- version, help -------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"agora {__version__}\n"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--help"], ["demo", "schema", "examples:"]),
        (["demo", "--help"], ["--no-tui", "--model SPEC", "--max-hops N", "local:/", DEMO_TASK]),
        (["schema", "--help"], ["--list", "agora schema answer"]),
    ],
)
def test_help(capsys: pytest.CaptureFixture[str], argv: list[str], expected: list[str]) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    for text in expected:
        assert text in out


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "usage: agora" in capsys.readouterr().out


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--max-hops", "0"]) == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_python_dash_m_agora() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "agora", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"agora {__version__}"


# --- schema ------------------------------------------------------------------------------


def test_schema_prints_every_kind_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == all_schemas()
    assert set(PAYLOAD_TYPES) | {"envelope"} == set(printed)


def test_schema_one_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "answer"]) == 0
    assert json.loads(capsys.readouterr().out) == all_schemas()["answer"]


def test_schema_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--list"]) == 0
    assert capsys.readouterr().out.split() == sorted(all_schemas())


def test_schema_unknown_kind_is_a_typed_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "nope"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("UserError: unknown message kind 'nope'; known kinds: alert,")
    assert "envelope" in captured.err


# --- demo through main -------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["gpt-4", "local:/nonexistent/model.gguf", "http://h:1/v1"])
def test_bad_model_spec_is_a_config_error(capsys: pytest.CaptureFixture[str], spec: str) -> None:
    assert main(["demo", "--no-tui", "--model", spec]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("ConfigError: ")
    assert "Traceback" not in captured.err


def test_demo_against_a_closed_port_says_nothing_listens_in_red(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich colours stderr although it is captured
    assert main(["demo", "--no-tui", "--model", f"http://127.0.0.1:{port}/v1#x", "2 + 2?"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("\x1b[1;31mModelUnavailableError: x @ 127.0.0.1:")  # bold red
    assert f"cannot connect to http://127.0.0.1:{port}/v1: nothing is listening there" in err
    assert f"--port {port}`, or fix the URL in the model spec" in err
    assert "attempt(s) failed" not in err and "Traceback" not in err


def _use_model(monkeypatch: pytest.MonkeyPatch, model: FunctionModel) -> list[str]:
    specs: list[str] = []

    def fake_spec(spec: str) -> FunctionModel:
        specs.append(spec)
        return model

    monkeypatch.setattr(cli, "model_from_spec", fake_spec)
    return specs


def test_main_demo_plain(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = _use_model(monkeypatch, france_model())
    # stdout is not a terminal under pytest, so the plain view is chosen even without --no-tui
    assert main(["demo", "--model", "openai:x"]) == 0
    assert specs == ["openai:x"]
    out = capsys.readouterr().out
    assert f"[deliver] user -> triage  task: {DEMO_TASK}" in out
    assert f"\nanswer: {FRANCE}\n" in out


def test_main_demo_model_error_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use_model(monkeypatch, FunctionModel(lambda messages, schema: "not json"))
    assert main(["demo", "--no-tui", "2 + 2?"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ModelOutputError: function did not produce a valid ")


def test_main_demo_budget_error_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use_model(monkeypatch, france_model())
    assert main(["demo", "--no-tui", "--max-hops", "2"]) == 1
    assert capsys.readouterr().err.startswith("BudgetExceeded: team budget for hops exceeded")


def test_main_interrupt_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use_model(monkeypatch, france_model())

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_demo", interrupted)
    assert main(["demo"]) == 130
    assert capsys.readouterr().err.strip() == "interrupted"


# --- the demo runner and its views -------------------------------------------------------


def test_run_demo_plain_output() -> None:
    console = recording_console()
    result = run_demo(DEMO_TASK, model=france_model(), console=console, tui=False)
    assert (result.answer, result.answered_by, result.hops) == (FRANCE, "geographer", 3)
    lines = console.export_text().splitlines()
    assert lines[0].startswith("[team]    triage (entry)  general -> geographer")
    assert "[model]   scripted-team, shared by all 4 agents" in lines
    assert not any(line.startswith("[load]") for line in lines)  # nothing to load
    assert "[deliver] user -> triage  task: What is the capital of France?" in lines
    assert any(line.startswith("[decide]  triage forward → geographer (router: ") for line in lines)
    assert "[deliver] triage -> geographer  forward: What is the capital of France?" in lines
    assert "[tool]    geographer atlas({'country': 'France', 'fact': 'capital'}) = " + FRANCE in (
        lines
    )
    assert any(line.startswith(f"[decide]  geographer answer: {FRANCE}") for line in lines)
    assert lines[-3:-1] == [f"answer: {FRANCE}", "answered by: geographer"]
    assert lines[-1].startswith("tokens: ") and lines[-1].endswith(" s")
    assert "hops: 3" in lines[-1]


@pytest.mark.parametrize("terminal", [True, False])
def test_run_demo_live_view(terminal: bool) -> None:
    console = recording_console(force_terminal=terminal)
    result = run_demo(DEMO_TASK, model=france_model(), console=console, tui=True)
    assert result.answer == FRANCE
    text = console.export_text()
    for expected in [
        "agora demo",
        "What is the capital of France?",
        "scripted-team · shared by all 4 agents",
        "mathematician",
        "[tools: calculate]",
        "triage → geographer",
        "(router: ",
        "→ geographer",
        "answer → user",
        "answered by geographer",
        "3 hops",
        "tokens/s",
    ]:
        assert expected in text


def test_live_view_shows_a_failed_run() -> None:
    console = recording_console()
    model = FunctionModel(lambda messages, schema: "{}")
    with pytest.raises(ModelOutputError):
        run_demo("2 + 2?", model=model, console=console, tui=True)
    assert "stopped: ModelOutputError" in console.export_text()


def test_views_show_tool_calls() -> None:
    def make_model() -> FunctionModel:
        return scripted_team_model(
            {
                "mathematician": [
                    _reply(action="call:calculate", arguments={"expression": "17 * 23"}),
                ],  # the tool's result is the answer: no second call
            }
        )

    plain = recording_console()
    assert run_demo("17 * 23?", model=make_model(), console=plain, tui=False).answer == "391"
    assert "[tool]    mathematician calculate({'expression': '17 * 23'}) = 391" in (
        plain.export_text()
    )
    live = recording_console()
    assert run_demo("17 * 23?", model=make_model(), console=live, tui=True).answer == "391"
    assert "mathematician: calculate({'expression': '17 * 23'}) = 391" in live.export_text()


def test_views_work_for_any_team() -> None:
    for view_type in (PlainView, LiveView):
        solo = Agent("solo", ScriptedModel([_reply(action="answer", answer="4")]))
        team = Team([solo])
        console = recording_console()
        with view_type(console, team, "2 + 2?") as view:
            team.run_sync("2 + 2?", on_event=view.on_event)
        assert "4" in console.export_text()


def test_demo_team_shares_one_model() -> None:
    model = france_model()
    team = build_demo_team(model, max_hops=5)
    assert list(team.agents) == ["triage", "geographer", "mathematician", "writer"]
    assert all(agent.model is model for agent in team.agents.values())
    assert team.entry == "triage"
    assert team.neighbours("triage") == ("geographer", "mathematician", "writer")
    assert team.neighbours("mathematician") == team.neighbours("writer") == ()
    assert team.budget.hops == 5
    assert [tool.name for tool in team.agents["mathematician"].tools] == ["calculate"]
    assert [tool.name for tool in team.agents["geographer"].tools] == ["atlas"]
    for name in ("geographer", "mathematician"):
        agent = team.agents[name]
        assert (agent.tool_choice, agent.tool_use_behavior) == ("required", "stop_on_first_tool")
    assert all(agent.max_answer_chars <= 240 for agent in team.agents.values())


# --- calculate ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("17 * 23", "391"),
        ("12 * (3 + 4)", "84"),
        ("7 / 2", "3.5"),
        ("10 / 2", "5"),
        ("7 // 2", "3"),
        ("7 % 3", "1"),
        ("2 ** 10", "1024"),
        ("2 ** -1", "0.5"),
        ("-2 ** 2", "-4"),
        ("(-2) ** 2", "4"),
        ("-(3 - 5)", "2"),
        ("+4", "4"),
        ("0.1 + 0.2", "0.30000000000000004"),
        (" 1_000 + 1 ", "1001"),
        (f"2 ** {MAX_EXPONENT}", str(2**MAX_EXPONENT)),
    ],
)
def test_calculate(expression: str, expected: str) -> None:
    assert calculate(expression) == expected


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("__import__('os')", "a function call"),
        ("__import__('os').system('true')", "a function call"),
        ("x + 1", "a name"),
        ("().__class__", "an attribute"),
        ("(1).real", "an attribute"),
        ("[1][0]", "indexing"),
        ("1 < 2", "a comparison"),
        ("1 and 2", "a boolean operator"),
        ("lambda: 1", "a lambda"),
        ("'a' * 3", "only numbers"),
        ("True + 1", "only numbers"),
        ("1j", "only numbers"),
        ("~1", "'UnaryOp'"),
        ("1 << 2", "'BinOp'"),
        ("9 ** 9 ** 9", "too large"),
        ("2 ** 100000", "too large"),
        ("10 ** 999 * 10 ** 999", "1,000 digits"),
        ("999 ** 999", "1,000 digits"),
        ("10.0 ** 400", "too large"),
        ("1e308 * 10", "overflows"),
        ("(-8) ** 0.5", "not a real number"),
        ("1 / 0", "division by zero"),
        ("5 % 0", "division by zero"),
        ("", "empty"),
        ("1 +", "not valid arithmetic"),
        ("1" * 201, "over 200 characters"),
    ],
)
def test_calculate_rejects(expression: str, reason: str) -> None:
    with pytest.raises(ValueError) as info:
        calculate(expression)
    assert reason in str(info.value)


def test_calculate_as_a_tool_reports_errors_a_model_can_act_on() -> None:
    tool = Tool.from_function(calculate)
    assert tool.name == "calculate"
    assert "arithmetic" in tool.description
    assert asyncio.run(tool.call({"expression": "6 * 7"})) == "42"
    with pytest.raises(ToolError, match="(?s)invalid arguments.*should match pattern"):
        asyncio.run(tool.call({"expression": "__import__('os')"}))  # letters: not arithmetic
    with pytest.raises(ToolError, match="division by zero"):
        asyncio.run(tool.call({"expression": "1 / 0"}))
    schema = tool.args_model.model_json_schema()["properties"]["expression"]
    assert schema["pattern"] == EXPRESSION_PATTERN  # in llama.cpp's grammar: digits, operators


# --- the real embedded model -------------------------------------------------------------


@pytest.mark.slow
def test_demo_on_the_embedded_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--no-tui"]) == 0
    out = capsys.readouterr().out
    answers = [line for line in out.splitlines() if line.startswith("answer: ")]
    assert answers == ["answer: The capital of France is Paris."]
    assert "[deliver] user -> triage" in out
    assert "[tool]    geographer atlas({'country': 'France', 'fact': 'capital'})" in out
    assert "tokens/s: " in out


def test_the_plain_view_says_when_no_neighbour_fits() -> None:
    from agora import Router
    from agora.embeddings import HashEmbedder

    console = recording_console()
    router = Router(HashEmbedder(), min_fit=0.99)
    run_demo(DEMO_TASK, model=france_model(), console=console, tui=False, router=router)
    lines = console.export_text().splitlines()
    (line,) = [x for x in lines if x.startswith("[no fit]")]
    assert line.startswith("[no fit]  triage: no neighbour fits this task well (best: ")
    assert line.endswith("below 0.99)")

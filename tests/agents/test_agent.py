"""Agents, their decision types and tools, on scripted models."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import ValidationError

from agora import Agent, ConfigError, Tool, ToolError
from agora.agents import DecisionOptions, ForwardDecision, SplitDecision, decision_type
from agora.testing import ScriptedModel


def test_decision_type_limits_targets_and_lengths() -> None:
    t = decision_type(DecisionOptions(neighbours=("math", "geo"), max_answer_chars=10))
    assert t.model_validate_json('{"action": "forward", "to": "geo", "reason": ""}')
    with pytest.raises(ValidationError):
        t.model_validate_json('{"action": "forward", "to": "nobody", "reason": ""}')
    with pytest.raises(ValidationError):
        t.model_validate_json('{"action": "answer", "answer": "far too long an answer"}')
    schema = t.model_json_schema()
    assert {"Answer", "Forward", "Split"} <= set(schema["$defs"])


def test_decision_type_without_neighbours_only_answers() -> None:
    t = decision_type(DecisionOptions())
    assert "Forward" not in json.dumps(t.model_json_schema())
    assert decision_type(DecisionOptions()) is t  # cached


def test_split_needs_two_neighbours_and_is_optional() -> None:
    one = decision_type(DecisionOptions(neighbours=("a",)))
    assert "Split" not in json.dumps(one.model_json_schema())
    no_split = decision_type(DecisionOptions(neighbours=("a", "b"), allow_split=False))
    assert "Split" not in json.dumps(no_split.model_json_schema())


def test_split_parts_to_one_agent_become_a_forward() -> None:
    reply = {"action": "split", "parts": [{"to": "a", "task": "x"}, {"to": "a", "task": "y"}]}
    agent = Agent("me", ScriptedModel([json.dumps(reply)]))
    decided = agent.decide_sync("task", neighbours={"a": "", "b": ""})
    assert isinstance(decided.decision, ForwardDecision)
    assert decided.decision.to == "a"


def test_split_parts_to_the_same_agent_are_merged() -> None:
    parts = [{"to": "a", "task": "x"}, {"to": "b", "task": "y"}, {"to": "a", "task": "z"}]
    agent = Agent("me", ScriptedModel([json.dumps({"action": "split", "parts": parts})]))
    decided = agent.decide_sync("task", neighbours={"a": "", "b": ""})
    assert isinstance(decided.decision, SplitDecision)
    assert [(p.to, p.task) for p in decided.decision.parts] == [("a", "x z"), ("b", "y")]


def test_prompt_shows_neighbours_and_expertise() -> None:
    model = ScriptedModel(['{"action": "answer", "answer": "ok"}'])
    agent = Agent("me", model, expertise="routing", instructions="Be brief.")
    agent.decide_sync("2+2?", neighbours={"math": "arithmetic"})
    system, user = model.calls[0]
    assert "expert in routing" in system.content and "Be brief." in system.content
    assert "- math: arithmetic" in user.content and "Task: 2+2?" in user.content


def test_tool_schema_comes_from_the_signature() -> None:
    def lookup(city: str, year: int = 2020) -> dict[str, int]:
        """Population of a city.

        Longer description that is not shown.
        """
        return {"population": 1}

    tool = Tool.from_function(lookup)
    assert tool.description == "Population of a city."
    schema = tool.args_model.model_json_schema()
    assert schema["required"] == ["city"]
    assert schema["properties"]["year"]["default"] == 2020
    assert asyncio.run(tool.call({"city": "Paris"})) == '{"population": 1}'


def test_tool_errors_are_typed_and_explain() -> None:
    def boom(x: int) -> int:
        """Always fails."""
        raise RuntimeError("kaput")

    tool = Tool.from_function(boom)
    with pytest.raises(ToolError, match="invalid arguments"):
        asyncio.run(tool.call({"x": "not a number"}))
    with pytest.raises(ToolError, match="kaput"):
        asyncio.run(tool.call({"x": 1}))


def test_async_tools_are_awaited() -> None:
    async def echo(text: str) -> str:
        """Echo."""
        return text

    assert asyncio.run(Tool.from_function(echo).call({"text": "hi"})) == "hi"


def test_failing_tool_result_goes_back_to_the_model() -> None:
    def boom(x: int) -> int:
        """Always fails."""
        raise ValueError("no")

    model = ScriptedModel(
        [
            json.dumps({"action": "call:boom", "arguments": {"x": 1}}),
            '{"action": "answer", "answer": "gave up"}',
        ]
    )
    decided = Agent("me", model, tools=[boom]).decide_sync("go")
    assert decided.decision.answer == "gave up"  # type: ignore[union-attr]
    assert decided.tool_calls[0][1].startswith("error: tool 'boom' failed")


def test_tool_calls_are_bounded() -> None:
    def ping() -> str:
        """Ping."""
        return "pong"

    call = json.dumps({"action": "call:ping", "arguments": {}})
    model = ScriptedModel([call, call, '{"action": "answer", "answer": "done"}'])
    decided = Agent("me", model, tools=[ping], max_tool_calls=2).decide_sync("go")
    assert len(decided.tool_calls) == 2
    assert "call:ping" not in json.dumps(model.calls[-1][-1].content)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Tool.from_function(lambda x: x),  # no annotation, and '<lambda>' is no name
        lambda: Agent("a", ScriptedModel([]), tools=[42]),
        lambda: Agent("a", ScriptedModel([]), max_answer_chars=0),
        lambda: Agent("a", "no-such-spec"),
        lambda: Agent("a", "local:/no/such/file.gguf"),
    ],
)
def test_bad_agent_configuration(make) -> None:
    with pytest.raises(ConfigError):
        make()


def test_duplicate_tool_names_are_rejected() -> None:
    def ping() -> str:
        """Ping."""
        return "pong"

    with pytest.raises(ConfigError, match="same name"):
        Agent("a", ScriptedModel([]), tools=[ping, ping])


def test_a_tool_context_parameter_is_passed_by_agora_not_the_model() -> None:
    from agora import Team, ToolContext

    seen: list[ToolContext] = []

    def note(ctx: ToolContext, text: str) -> str:
        """Write a note."""
        seen.append(ctx)
        return "noted"

    tool = Tool.from_function(note)
    assert tool.context_param == "ctx"
    assert sorted(tool.args_model.model_fields) == ["text"]  # the model never sees ctx
    call = json.dumps({"action": "call:note", "arguments": {"text": "hi"}})
    model = ScriptedModel([call, call, '{"action": "answer", "answer": "done"}'])
    result = Team([Agent("scribe", model, tools=[note])]).run_sync("go", run_id="run-7")
    assert result.answer == "done"
    step = result.trace[0].id + ">scribe"  # the delivery of the task to the scribe
    assert [c.idempotency_key for c in seen] == [f"run-7/{step}/0", f"run-7/{step}/1"]
    assert {(c.run_id, c.agent, c.step) for c in seen} == {("run-7", "scribe", step)}


def test_a_tool_context_outside_a_run_has_its_own_run_id() -> None:
    from agora import ToolContext

    seen: list[ToolContext] = []

    def note(ctx: ToolContext) -> str:
        """Write a note."""
        seen.append(ctx)
        return "noted"

    call = json.dumps({"action": "call:note", "arguments": {}})
    model = ScriptedModel([call, '{"action": "answer", "answer": "done"}'])
    Agent("scribe", model, tools=[note]).decide_sync("go")
    Agent(
        "scribe", ScriptedModel([call, '{"action": "answer", "answer": "x"}']), tools=[note]
    ).decide_sync("go")
    assert len({c.run_id for c in seen}) == 2 and all(c.run_id for c in seen)


def test_two_tool_context_parameters_are_refused() -> None:
    from agora import ToolContext

    def twice(a: ToolContext, b: ToolContext) -> str:
        """Two contexts."""
        return ""

    with pytest.raises(ConfigError, match="two ToolContext"):
        Tool.from_function(twice)

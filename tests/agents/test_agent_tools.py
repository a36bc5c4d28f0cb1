"""Required tool calls, a tool's result as the answer, and arguments narrowed to the task."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, create_model

from agora import Agent, ConfigError, Tool
from agora.testing import ScriptedModel


def double(n: int) -> int:
    """Double a non-negative number."""
    if n < 0:
        raise ValueError("n must be >= 0")
    return 2 * n


def call(n: Any) -> str:
    return json.dumps({"action": "call:double", "arguments": {"n": n}})


def test_required_tool_choice_offers_only_tool_calls_until_one_succeeds() -> None:
    answer = json.dumps({"action": "answer", "answer": "eight, I think"})
    model = ScriptedModel([call(-1), call(4), answer])
    agent = Agent("calc", model, tools=[double], tool_choice="required")
    decided = agent.decide_sync("double 4")
    assert decided.decision.answer == "eight, I think"  # type: ignore[union-attr]
    schemas = [json.dumps(s) for s in model.schemas]
    assert '"answer"' not in schemas[0] and '"answer"' not in schemas[1]  # tools only
    assert '"answer"' in schemas[2]  # after a success the model may answer
    assert decided.tool_calls[0][1].startswith("error:") and decided.tool_calls[1][1] == "8"


def test_stop_on_first_tool_answers_with_the_result() -> None:
    model = ScriptedModel([call(21)])
    agent = Agent(
        "calc",
        model,
        tools=[double],
        tool_choice="required",
        tool_use_behavior="stop_on_first_tool",
    )
    decided = agent.decide_sync("double 21")
    assert decided.decision.answer == "42"  # type: ignore[union-attr]
    assert len(model.calls) == 1  # no second model call
    assert decided.usage.requests == 1


def test_stop_on_first_tool_retries_after_a_failed_call() -> None:
    model = ScriptedModel([call(-1), call(2)])
    agent = Agent("calc", model, tools=[double], tool_use_behavior="stop_on_first_tool")
    assert agent.decide_sync("double 2").decision.answer == "4"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tool_choice": "always"},
        {"tool_use_behavior": "stop"},
        {"tool_choice": "required", "tools": []},
    ],
)
def test_bad_tool_options_are_config_errors(kwargs: dict[str, Any]) -> None:
    kwargs.setdefault("tools", [double])
    with pytest.raises(ConfigError):
        Agent("calc", ScriptedModel([]), **kwargs)


def test_narrow_offers_only_the_arguments_the_task_allows() -> None:
    seen: list[str] = []

    def narrow(task: str) -> type[BaseModel] | None:
        seen.append(task)
        if "four" not in task:
            return None
        choices: Any = Literal[4]
        return create_model("double_args", __config__=ConfigDict(extra="forbid"), n=(choices, ...))

    tool = Tool.from_function(double, narrow=narrow)
    assert tool.for_task("double it") is tool
    narrowed = tool.for_task("double four")
    assert narrowed.args_model.model_json_schema()["properties"]["n"]["const"] == 4
    model = ScriptedModel([call(5), call(4)])  # 5 is not allowed for this task
    agent = Agent("calc", model, tools=[tool], tool_use_behavior="stop_on_first_tool")
    assert agent.decide_sync("double four").decision.answer == "8"  # type: ignore[union-attr]
    assert "not valid" in model.calls[1][-1].content  # type: ignore[attr-defined]  # repaired

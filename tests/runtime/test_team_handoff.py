"""Hand-offs that carry work: a forward's contribution reaches every later agent of the chain."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agora import Agent, Forward, Team
from agora.models.base import Message
from agora.testing import FunctionModel

NAMES = ("drafter", "editor", "critic", "finisher")


def chain_reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
    """Each agent appends its mark to the work it was handed; the last one answers with it."""
    me = messages[0].content.split()[2].rstrip(",")
    prompt = messages[-1].content
    handed = [line.split(": ", 1)[1] for line in prompt.splitlines() if line.startswith("- ")]
    work = [w for w in handed if "+" in w or w.startswith("draft")]
    so_far = work[-1] if work else ""
    mine = "draft" if not so_far else f"{so_far}+{me}"
    forward = (schema or {}).get("$defs", {}).get("Forward")
    if forward is None:
        return json.dumps({"action": "answer", "answer": mine})
    to = forward["properties"]["to"]
    target = to["enum"][0] if "enum" in to else to["const"]
    return json.dumps({"action": "forward", "to": target, "reason": "next", "contribution": mine})


def chain_team(checkpoint: Path | None = None) -> tuple[Team, list[list[Message]]]:
    prompts: list[list[Message]] = []

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        prompts.append(list(messages))
        return chain_reply(messages, schema)

    agents = [Agent(name, FunctionModel(reply)) for name in NAMES]
    edges = list(zip(NAMES, NAMES[1:], strict=False))
    return Team(agents, edges, checkpoint=checkpoint), prompts


def test_each_agent_builds_on_the_previous_ones_output() -> None:
    team, prompts = chain_team()
    result = team.run_sync("Write a slogan")
    assert result.answer == "draft+editor+critic+finisher"
    assert len(prompts) == 4  # one model call per agent
    forwards = [env.payload for env in result.trace if isinstance(env.payload, Forward)]
    assert [f.contribution for f in forwards] == ["draft", "draft+editor", "draft+editor+critic"]
    last = prompts[-1][-1].content
    assert "Work handed to you (build on it):" in last
    assert "- drafter: draft\n- editor: draft+editor\n- critic: draft+editor+critic" in last
    assert "Work handed to you" not in prompts[0][-1].content  # the first agent got none


def test_a_forward_without_contribution_hands_on_nothing_new() -> None:
    calls: list[str] = []

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        calls.append(messages[-1].content)
        if len(calls) == 1:
            return json.dumps({"action": "forward", "to": "b", "reason": "yours"})
        return json.dumps({"action": "answer", "answer": "ok"})

    team = Team([Agent("a", FunctionModel(reply)), Agent("b", FunctionModel(reply))])
    assert team.run_sync("go").answer == "ok"
    assert "Work handed to you" not in calls[1]


def test_contributions_survive_a_resume(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    team, _ = chain_team(db)
    done = team.run_sync("Write a slogan", run_id="r1")
    again, prompts = chain_team(db)
    resumed = again.resume_sync("r1")  # finished: rebuilt from the journal, no model call
    assert resumed.answer == done.answer == "draft+editor+critic+finisher"
    assert prompts == []


def test_the_forward_schema_offers_an_optional_bounded_contribution() -> None:
    from agora.agents import DecisionOptions, decision_type

    schema = decision_type(DecisionOptions(neighbours=("b",), max_answer_chars=50))
    forward = schema.model_json_schema()["$defs"]["Forward"]
    assert forward["properties"]["contribution"]["maxLength"] == 50
    assert "contribution" not in forward["required"]
    plain = schema.model_validate_json('{"action": "forward", "to": "b", "reason": ""}')
    assert plain.root.contribution == ""

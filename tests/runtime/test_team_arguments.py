"""Bad arguments to Team, Team.run and Network raise agora errors and change nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agora import Agent, ConfigError, Network, Team, UserError
from agora.testing import ScriptedModel


def make_team(**kwargs: Any) -> Team:
    answer = '{"action": "answer", "answer": "x"}'
    return Team([Agent("hub", ScriptedModel([answer])), Agent("geo", ScriptedModel([]))], **kwargs)


def layout(team: Team) -> tuple[Any, ...]:
    return (tuple(team.agents), sorted(team.network.graph.edges), team.entry)


@pytest.mark.parametrize("name", ["my team", "t1\n", "", 7, "x" * 65])
def test_the_team_name_must_be_a_scope_name(name: Any) -> None:
    with pytest.raises(ConfigError, match="name"):
        make_team(name=name)


@pytest.mark.parametrize(
    ("task", "kwargs"),
    [
        ("x", {"context": 5}),
        ("x", {"context": "\ud800"}),
        ("x\udfff", {}),
        (b"x", {}),
        ("x", {"run_id": "\ud800"}),
        ("x", {"run_id": 5}),
        ("x", {"on_event": "print"}),
    ],
)
def test_run_checks_its_arguments_before_anything_runs(task: Any, kwargs: dict[str, Any]) -> None:
    team = make_team()
    with pytest.raises(UserError):
        team.run_sync(task, **kwargs)
    assert team.member("hub").model.calls == []  # type: ignore[attr-defined]


def test_a_bad_on_event_leaves_no_checkpoint_behind(tmp_path: Path) -> None:
    team = make_team(checkpoint=tmp_path / "runs.sqlite")
    with pytest.raises(UserError):
        team.run_sync("x", on_event=42)
    with pytest.raises(UserError):
        team.resume_sync("\ud800")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.remove_agent(["geo"]),
        lambda t: t.member(None),
        lambda t: t.neighbours({"hub"}),
        lambda t: t.connect("hub", ["geo"]),
        lambda t: t.connect("geo", "hub", weight=float("nan")),
        lambda t: t.add_agent(Agent("new", ScriptedModel([])), inbound="hub"),
        lambda t: t.add_agent(Agent("new", ScriptedModel([])), outbound=[None]),
        lambda t: t.network.disconnect("hub", ["geo"]),
        lambda t: t.network.weight({}, "geo"),
        lambda t: t.network.reinforce([("hub", "geo"), ("hub",)], 1.0),
        lambda t: t.network.reinforce("hub", 1.0),
        lambda t: t.network.restore(["hub"], "geo"),
        lambda t: t.network.add_agent(["x"]),
    ],
)
def test_membership_calls_check_their_arguments_and_change_nothing(call: Any) -> None:
    team = make_team()
    before = layout(team), team.network.weight("hub", "geo")
    with pytest.raises(ConfigError):
        call(team)
    assert (layout(team), team.network.weight("hub", "geo")) == before


@pytest.mark.parametrize("names", ["abc", 5, [["a"]], ["a", ""]])
def test_network_names_are_a_list_of_strings(names: Any) -> None:
    with pytest.raises(ConfigError):
        Network(names)

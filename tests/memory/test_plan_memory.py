"""PlanMemory: DAMCS's step episodes -> goal nodes -> long-term goals, written through a Store."""

from __future__ import annotations

import pytest

from agora import UserError
from agora.memory import NetworkXStore, PlanMemory


def test_a_new_goal_node_opens_when_the_goal_or_the_inventory_changes() -> None:
    memory = PlanMemory("a0")
    memory.set_long_term("collect diamond")
    memory.record(step=1, goal="collect wood", inventory={}, action="move_left")
    memory.record(step=2, goal="collect wood", inventory={}, action="do")
    memory.record(step=3, goal="collect wood", inventory={"wood": 1}, action="do")
    memory.record(step=4, goal="place table", inventory={"wood": 1}, action="noop")
    texts = [(g.text, g.inventory, g.status) for g in memory.goals]
    assert texts == [
        ("collect wood", (), "done"),  # continued in the next node: the inventory changed
        ("collect wood", (("wood", 1),), "abandoned"),  # the goal changed without finish()
        ("place table", (("wood", 1),), "open"),
    ]
    assert [len(g.steps) for g in memory.goals] == [2, 1, 1]
    assert all(g.parent == memory.long_term.id for g in memory.goals)  # type: ignore[union-attr]
    assert memory.goals[1].previous == memory.goals[0].id  # goal -> next goal


def test_finish_marks_a_goal_accomplished_and_the_summary_shares_it() -> None:
    memory = PlanMemory("a0", check=lambda goal, inv: ("2 more wood",) if goal == "x" else ())
    memory.set_long_term("collect diamond")
    memory.record(step=1, goal="x", inventory={}, action="do")
    memory.finish()
    memory.record(step=2, goal="y", inventory={}, action="do")
    summary = memory.summary()
    assert summary.accomplished == ("x",) and summary.goal == "y" and summary.efforts == 1
    assert memory.goals[0].unmet == ("2 more wood",) and memory.goals[1].unmet == ()
    assert "done: x" in summary.text() and "long-term: collect diamond" in summary.text()


def test_records_go_to_the_store_in_the_agents_own_scope() -> None:
    store = NetworkXStore()
    memory = PlanMemory("a0", team="t", store=store)
    ltg = memory.set_long_term("collect diamond")
    episode = memory.record(step=1, goal="collect wood", inventory={}, action="do")
    stored = store.get_episode(episode)
    assert stored is not None and stored.kind == "step" and stored.scope.key == "agent:t/a0"
    goal = store.get_goal(memory.goals[0].id)
    assert goal is not None and goal.parent == ltg.id and goal.status == "open"
    assert memory.steps_of(memory.goals[0].id) == [episode]
    assert memory.set_long_term("collect diamond") is ltg  # unchanged: no new node
    assert memory.set_long_term("survive").previous == ltg.id  # LTG -> next LTG


def test_bad_calls_are_user_errors_naming_the_argument() -> None:
    memory = PlanMemory("a0")
    with pytest.raises(UserError, match="goal"):
        memory.record(step=1, goal="", inventory={}, action="do")
    with pytest.raises(UserError, match="step"):
        memory.record(step=-1, goal="g", inventory={}, action="do")
    with pytest.raises(UserError, match="no goal node"):
        memory.steps_of("nope")
    with pytest.raises(UserError, match="store"):
        PlanMemory("a0", store="not a store")  # type: ignore[arg-type]

"""Team runs on scripted models: routing, splits, budgets, events, bad input."""

from __future__ import annotations

import asyncio
import json

import pytest

from agora import (
    Agent,
    Answer,
    Budget,
    BudgetExceeded,
    ConfigError,
    Forward,
    ModelOutputError,
    Split,
    Task,
    Team,
    UserError,
    events,
)
from agora.models.base import Message
from agora.testing import FunctionModel, ScriptedModel


def answer(text: str) -> str:
    return json.dumps({"action": "answer", "answer": text})


def forward(to: str, reason: str = "") -> str:
    return json.dumps({"action": "forward", "to": to, "reason": reason})


def split(*parts: tuple[str, str]) -> str:
    return json.dumps({"action": "split", "parts": [{"to": t, "task": x} for t, x in parts]})


def test_single_agent_answers() -> None:
    solo = Agent("solo", ScriptedModel([answer("4")]))
    result = Team([solo]).run_sync("What is 2 + 2?")
    assert result.answer == "4"
    assert result.answered_by == "solo"
    assert [env.kind for env in result.trace] == ["task", "answer"]
    assert result.trace[-1].recipients == ["user"]
    assert result.usage["solo"].requests == 1


def test_forward_chain_answer_returns_to_caller() -> None:
    a = Agent("a", ScriptedModel([forward("b", "b knows")]))
    b = Agent("b", ScriptedModel([forward("c")]))
    c = Agent("c", ScriptedModel([answer("done")]))
    team = Team([a, b, c], edges=[("a", "b"), ("b", "c")])
    result = team.run_sync("do it")
    assert result.answer == "done"
    kinds = [(env.sender, env.kind, env.recipients) for env in result.trace]
    assert kinds == [
        ("user", "task", ["a"]),
        ("a", "forward", ["b"]),
        ("b", "forward", ["c"]),
        ("c", "answer", ["user"]),
    ]
    assert result.trace[2].path == ["a", "b"]
    assert isinstance(result.trace[1].payload, Forward)
    assert result.trace[1].payload.reason == "b knows"


def test_split_runs_parts_in_parallel_and_synthesizes() -> None:
    started: list[str] = []
    release = asyncio.Event()

    async def slow_answer(name: str, text: str) -> str:
        started.append(name)
        if len(started) == 2:
            release.set()
        await asyncio.wait_for(release.wait(), timeout=5)  # both parts must be running at once
        return answer(text)

    geo = Agent("geo", FunctionModel(lambda m, s: slow_answer("geo", "Paris")))
    math = Agent("math", FunctionModel(lambda m, s: slow_answer("math", "4")))
    lead = Agent("lead", ScriptedModel([split(("geo", "capital?"), ("math", "2+2?")), "Paris; 4"]))
    result = Team([lead, geo, math]).run_sync("Capital of France, and 2+2?")
    assert result.answer == "Paris; 4"
    assert result.answered_by == "lead"
    assert sorted(started) == ["geo", "math"]
    split_env = result.trace[1]
    assert isinstance(split_env.payload, Split)
    assert sorted(split_env.recipients) == ["geo", "math"]
    # The synthesis prompt shows the splitter both answers.
    synthesis = lead.model.calls[-1]  # type: ignore[attr-defined]
    assert "Paris" in synthesis[-1].content and "4" in synthesis[-1].content


def test_nested_split_inside_forward() -> None:
    a = Agent("a", ScriptedModel([forward("b")]))
    b = Agent("b", ScriptedModel([split(("c", "part 1"), ("d", "part 2")), "both parts"]))
    c = Agent("c", ScriptedModel([answer("one")]))
    d = Agent("d", ScriptedModel([answer("two")]))
    team = Team([a, b, c, d], edges=[("a", "b"), ("b", "c"), ("b", "d")])
    result = team.run_sync("task")
    assert result.answer == "both parts"
    assert result.answered_by == "b"
    assert result.trace[-1].recipients == ["user"]


def test_task_never_revisits_an_agent() -> None:
    seen: list[tuple[str, ...]] = []

    def router(name: str):  # forwards to the first neighbour it is offered, else answers
        def reply(messages: list[Message], schema: dict | None) -> str:
            enum = _targets(schema)
            seen.append((name, *enum))
            return forward(enum[0]) if enum else answer(f"{name} answers")

        return reply

    names = ["a", "b", "c"]
    agents = [Agent(n, FunctionModel(router(n))) for n in names]
    team = Team(
        agents,
        edges=[(x, y) for x in names for y in names if x != y],
        budget=Budget(max_forwards=10),
    )
    result = team.run_sync("loop?")
    assert result.answered_by == "c"
    assert seen == [("a", "b", "c"), ("b", "c"), ("c",)]


def _targets(schema: dict | None) -> list[str]:
    for definition in (schema or {}).get("$defs", {}).values():
        if definition.get("title") == "Forward":
            to = definition["properties"]["to"]
            return list(to["enum"]) if "enum" in to else [to["const"]]
    return []


def test_max_forwards_forces_an_answer() -> None:
    offered: list[list[str]] = []

    def reply(messages: list[Message], schema: dict | None) -> str:
        enum = _targets(schema)
        offered.append(enum)
        return forward(enum[0]) if enum else answer("forced")

    agents = [Agent(n, FunctionModel(reply)) for n in "abcde"]
    team = Team(
        agents,
        edges=[(x, y) for x, y in zip("abcd", "bcde", strict=True)],
        budget=Budget(max_forwards=2),
    )
    result = team.run_sync("go")
    assert result.answer == "forced"
    assert result.answered_by == "c"
    assert offered[-1] == []


def test_hop_budget_stops_runaway_runs() -> None:
    agents = [Agent(n, ScriptedModel([forward(m)])) for n, m in zip("abcd", "bcde", strict=True)]
    agents.append(Agent("e", ScriptedModel([answer("late")])))
    team = Team(
        agents, edges=list(zip("abcd", "bcde", strict=True)), budget=Budget(hops=3, max_forwards=9)
    )
    with pytest.raises(BudgetExceeded) as info:
        team.run_sync("go")
    assert info.value.resource == "hops"
    assert "Budget(hops=" in str(info.value)


def test_token_budget() -> None:
    a = Agent("a", ScriptedModel([forward("b")]))
    b = Agent("b", ScriptedModel([answer("x " * 50)]))
    team = Team([a, b], budget=Budget(tokens=60))
    with pytest.raises(BudgetExceeded) as info:
        team.run_sync("go")
    assert info.value.resource == "tokens"


def test_wall_time_budget() -> None:
    async def slow(messages: list[Message], schema: dict | None) -> str:
        await asyncio.sleep(5)
        return answer("too late")

    team = Team([Agent("a", FunctionModel(slow))], budget=Budget(wall_time_s=0.2))
    with pytest.raises(BudgetExceeded) as info:
        team.run_sync("go")
    assert info.value.resource == "wall_time_s"


def test_invalid_decision_is_repaired_once_then_typed_error() -> None:
    # With a neighbour to forward to, the holder's reply is a structured decision.
    repaired = Agent("a", ScriptedModel(['{"action": "fly"}', answer("ok")]))
    assert Team([repaired, Agent("b", ScriptedModel([]))]).run_sync("go").answer == "ok"
    feedback = repaired.model.calls[1][-1].content  # type: ignore[attr-defined]
    assert "not valid" in feedback

    broken = Agent("a", ScriptedModel(["nonsense", "still nonsense"]))
    with pytest.raises(ModelOutputError) as info:
        Team([broken, Agent("b", ScriptedModel([]))]).run_sync("go")
    assert info.value.raw == "still nonsense"


def test_an_agent_that_can_only_answer_answers_in_plain_text() -> None:
    solo = Agent("solo", ScriptedModel(["Four, since 2 + 2 = 4."]))
    assert Team([solo]).run_sync("What is 2 + 2?").answer == "Four, since 2 + 2 = 4."
    assert solo.model.calls[0][-1].content == "What is 2 + 2?"  # type: ignore[attr-defined]
    wrapped = Agent("solo", ScriptedModel([answer("4")]))  # JSON anyway: read as the answer
    assert Team([wrapped]).run_sync("What is 2 + 2?").answer == "4"
    empty = Agent("solo", ScriptedModel(["   "]))
    with pytest.raises(ModelOutputError, match="empty answer"):
        Team([empty]).run_sync("What is 2 + 2?")


def test_forward_to_a_non_neighbour_is_rejected_by_the_schema() -> None:
    a = Agent("a", ScriptedModel([forward("c"), forward("c")]))
    team = Team(
        [a, Agent("b", ScriptedModel([])), Agent("c", ScriptedModel([]))], edges=[("a", "b")]
    )
    with pytest.raises(ModelOutputError):
        team.run_sync("go")


async def test_stream_yields_events_in_order() -> None:
    a = Agent("a", ScriptedModel([forward("b")]))
    b = Agent("b", ScriptedModel([answer("fine")]))
    seen = [event async for event in Team([a, b]).stream("go")]
    kinds = [type(e).__name__ for e in seen]
    assert kinds[0] == "Delivered"
    assert kinds[-1] == "Finished"
    decided = [e for e in seen if isinstance(e, events.Decided)]
    assert [(d.agent, d.action) for d in decided] == [("a", "forward"), ("b", "answer")]
    finished = seen[-1]
    assert isinstance(finished, events.Finished)
    assert finished.result.answer == "fine"


async def test_stream_reraises_run_errors() -> None:
    team = Team([Agent("a", ScriptedModel(["bad", "bad"])), Agent("b", ScriptedModel([]))])
    with pytest.raises(ModelOutputError):
        async for _ in team.stream("go"):
            pass


def test_tool_calls_feed_back_into_the_decision() -> None:
    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    model = ScriptedModel(
        [json.dumps({"action": "call:multiply", "arguments": {"a": 6, "b": 7}}), answer("42")]
    )
    seen: list[events.Event] = []
    result = Team([Agent("calc", model, tools=[multiply])]).run_sync("6*7?", on_event=seen.append)
    assert result.answer == "42"
    assert "Result of multiply" in model.calls[1][-1].content
    assert "42" in model.calls[1][-1].content
    assert any(isinstance(e, events.ToolUsed) and e.result == "42" for e in seen)


def test_trace_envelopes_are_valid_and_share_the_conversation() -> None:
    a = Agent("a", ScriptedModel([forward("b")]))
    b = Agent("b", ScriptedModel([answer("fine")]))
    result = Team([a, b]).run_sync("go")
    assert {env.conversation_id for env in result.trace} == {result.conversation_id}
    assert isinstance(result.trace[0].payload, Task)
    assert isinstance(result.trace[-1].payload, Answer)
    assert result.trace[-1].parent_id == result.trace[1].id
    assert [env.budget.hops for env in result.trace] == [32, 31, 30]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Team([]), "at least one agent"),
        (lambda: Team([Agent("a", ScriptedModel([])), Agent("a", ScriptedModel([]))]), "unique"),
        (lambda: Team([Agent("a", ScriptedModel([]))], entry="zz"), "not a member"),
        (lambda: Team([Agent("a", ScriptedModel([]))], edges=[("a", "zz")]), "unknown agent"),
        (lambda: Team([Agent("a", ScriptedModel([]))], edges=[("a", "a")]), "self-loop"),
        (lambda: Agent("bad name!", ScriptedModel([])), "must be 1-64"),
        (lambda: Agent("user", ScriptedModel([])), "reserved"),
        (lambda: Budget(hops=0), "hops"),
    ],
)
def test_bad_configuration_gives_config_error(make, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make()


@pytest.mark.parametrize("task", ["", "   ", "x" * 40_000])
def test_bad_task_gives_user_error(task: str) -> None:
    with pytest.raises(UserError):
        Team([Agent("a", ScriptedModel([answer("x")]))]).run_sync(task)


async def test_run_sync_inside_a_loop_explains_itself() -> None:
    team = Team([Agent("a", ScriptedModel([answer("x")]))])
    with pytest.raises(UserError, match="await"):
        team.run_sync("go")


def test_forwarded_split_part_answers_the_splitter() -> None:
    a = Agent("a", ScriptedModel([split(("b", "part 1"), ("d", "part 2")), "combined"]))
    b = Agent("b", ScriptedModel([forward("c")]))
    c = Agent("c", ScriptedModel([answer("one")]))
    d = Agent("d", ScriptedModel([answer("two")]))
    team = Team([a, b, c, d], edges=[("a", "b"), ("a", "d"), ("b", "c")])
    result = team.run_sync("task")
    assert result.answer == "combined"
    synthesis = a.model.calls[-1][-1].content  # type: ignore[attr-defined]
    assert "- b: one" in synthesis and "- d: two" in synthesis


def test_failed_runs_keep_their_trace() -> None:
    a = Agent("a", ScriptedModel([forward("b")]))
    b = Agent("b", ScriptedModel(["bad", "bad"]))
    c = Agent("c", ScriptedModel([]))
    with pytest.raises(ModelOutputError) as info:
        Team([a, b, c], edges=[("a", "b"), ("b", "c")]).run_sync("go")
    partial = info.value.partial
    assert [env.kind for env in partial.trace] == ["task", "forward"]
    assert partial.answer == "" and partial.usage["a"].requests == 1


def test_a_model_timeout_is_not_a_wall_time_budget() -> None:
    async def times_out(messages: list[Message], schema: dict | None) -> str:
        raise TimeoutError("model's own timeout")

    with pytest.raises(TimeoutError):
        Team([Agent("a", FunctionModel(times_out))], budget=Budget(wall_time_s=None)).run_sync("go")


def test_a_decision_outside_the_neighbours_is_a_delivery_error() -> None:
    from agora import DeliveryError
    from agora.agents import ForwardDecision
    from agora.agents.agent import Decided

    class Rogue(Agent):
        async def decide(self, task, **kwargs):  # type: ignore[override]
            return Decided(ForwardDecision(action="forward", to="a", reason="loop"))

    team = Team([Rogue("a", ScriptedModel([])), Agent("b", ScriptedModel([]))])
    with pytest.raises(DeliveryError, match="never revisits"):
        team.run_sync("go")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Budget(hops="3"),  # type: ignore[arg-type]
        lambda: Budget(hops=1),
        lambda: Budget(wall_time_s=float("nan")),
        lambda: Budget(max_forwards=None),  # type: ignore[arg-type]
        lambda: Team(Agent("a", ScriptedModel([]))),  # type: ignore[arg-type]
        lambda: Team([Agent("a", ScriptedModel([]))], budget="x"),  # type: ignore[arg-type]
        lambda: Team([Agent("a", ScriptedModel([]))], edges=[("a",)]),
        lambda: Agent("a", ScriptedModel([]), max_answer_chars="5"),  # type: ignore[arg-type]
        lambda: Agent("a", ScriptedModel([]), max_answer_chars=40_000),
    ],
)
def test_odd_arguments_are_config_errors(make) -> None:
    with pytest.raises(ConfigError):
        make()

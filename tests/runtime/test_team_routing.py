"""Teams with a router: routed forwards, multi-expert consults, learning, evolution while
running, durable runs (resume, cancel), and their errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from agora import Agent, Budget, BudgetExceeded, ConfigError, Router, Team, UserError
from agora.embeddings import HashEmbedder
from agora.models.base import Message
from agora.protocols.payloads import Split
from agora.runtime.journal import Journal
from agora.testing import FunctionModel, ScriptedModel

EXPERTS = {
    "geo": "geography: capitals, countries, rivers and mountains",
    "chem": "chemistry: elements, molecules, acids and reactions",
    "math": "arithmetic: sums, products, fractions and numbers",
}


def answering(text: str, calls: list[str] | None = None) -> FunctionModel:
    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        if calls is not None:
            calls.append(messages[0].content.split()[2].rstrip(","))
        if "Answers from your helpers:" in messages[-1].content:
            return f"synthesis of {messages[-1].content.count('- ')} answers"
        if schema is None:  # an expert with no neighbour answers in plain text
            return text
        return json.dumps({"action": "answer", "answer": text})

    return FunctionModel(reply)


def routed_team(entry_model: Any = None, **router_kwargs: Any) -> Team:
    entry = Agent(
        "entry",
        entry_model or ScriptedModel([]),
        "",
        policy="router",
        aggregate=router_kwargs.pop("aggregate", "vote"),
    )
    experts = [Agent(name, answering(f"{name} says"), text) for name, text in EXPERTS.items()]
    router = Router(HashEmbedder(), **router_kwargs)
    return Team([entry, *experts], router=router)


def test_router_policy_forwards_without_a_model_call() -> None:
    team = routed_team()
    result = team.run_sync("Which river crosses the capital of Egypt?")
    assert (result.answer, result.answered_by, result.hops) == ("geo says", "geo", 3)
    assert "entry" not in result.usage  # the routing itself made no model call
    (record,) = result.routes
    assert (record.holder, record.chosen, record.consult) == ("entry", ("geo",), False)
    assert result.trace[1].payload.reason.startswith("router: ")


def test_dynamic_k_consults_several_experts_in_parallel_and_votes() -> None:
    team = routed_team(mode="dynamic", p=0.999, k_max=3)
    result = team.run_sync("capitals, acids and sums")
    split = result.trace[1].payload
    assert isinstance(split, Split) and split.mode == "experts" and split.aggregate == "vote"
    assert len(split.parts) == 3
    assert all(part.text == "capitals, acids and sums" for part in split.parts)
    assert sum(part.weight or 0 for part in split.parts) == pytest.approx(1.0, abs=1e-3)
    assert result.answered_by == "entry"
    assert result.answer.endswith("says")
    assert result.routes[0].consult


def test_consult_aggregations() -> None:
    weighted = routed_team(mode="topk", k=2, aggregate="weighted")
    top = weighted.router.route("capitals and rivers", ["geo", "chem", "math"]).primary  # type: ignore[union-attr]
    assert weighted.run_sync("capitals and rivers").answer == f"{top} says"
    synth = routed_team(answering("unused"), mode="topk", k=3, aggregate="synthesize")
    assert synth.run_sync("capitals and rivers").answer == "synthesis of 3 answers"


def test_model_policy_is_offered_neighbours_in_router_order_capped() -> None:
    schemas: list[dict[str, Any]] = []

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        schemas.append(schema or {})
        prompt = messages[-1].content
        first = prompt.split("Neighbours you can forward to:\n- ")[1].split(":")[0]
        return json.dumps({"action": "forward", "to": first, "reason": "best"})

    entry = Agent("entry", FunctionModel(reply), "", max_neighbours=2)
    experts = [Agent(name, answering(name), text) for name, text in EXPERTS.items()]
    team = Team([entry, *experts], router=Router(HashEmbedder()))
    assert team.run_sync("Which acids react with metals?").answered_by == "chem"
    enum = json.dumps(schemas[0])
    assert enum.count('"chem"') and sum(name in enum for name in EXPERTS) == 2


def test_feedback_teaches_the_router_and_the_edges() -> None:
    team = routed_team(reliability_weight=3.0)
    task = "Which river crosses the capital of Egypt?"
    for _ in range(6):
        result = team.run_sync(task)
        if result.answered_by != "geo":
            break
        team.feedback(result, False)
    assert result.answered_by != "geo"
    assert team.network.weight("entry", "geo") < 1.0
    team.feedback(result, True)
    assert team.network.weight("entry", result.answered_by) == 1.0
    with pytest.raises(UserError):
        team.feedback(result, 2)
    with pytest.raises(UserError):
        team.feedback("result", 1)  # type: ignore[arg-type]


def test_feedback_without_router_reinforces_the_travelled_edges() -> None:
    a = Agent("a", ScriptedModel(['{"action": "forward", "to": "b", "reason": ""}']))
    b = Agent("b", ScriptedModel(['{"action": "answer", "answer": "ok"}']))
    team = Team([a, b])
    team.feedback(team.run_sync("go"), 0.0)
    assert team.network.weight("a", "b") == pytest.approx(0.8)


def test_agents_join_and_leave_while_a_run_is_in_flight() -> None:
    gate = asyncio.Event()

    async def slow_entry(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        await gate.wait()
        return json.dumps({"action": "forward", "to": "hub", "reason": ""})

    def hub(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        targets = [n for n in ("late", "gone") if f'"{n}"' in json.dumps(schema)]
        return json.dumps(
            {"action": "forward", "to": targets[0], "reason": ""}
            if targets
            else {"action": "answer", "answer": "no one"}
        )

    team = Team(
        [
            Agent("entry", FunctionModel(slow_entry)),
            Agent("hub", FunctionModel(hub)),
            Agent("gone", answering("gone")),
        ],
        [("entry", "hub"), ("hub", "gone")],
    )

    async def scenario() -> Any:
        run = asyncio.create_task(team.run("task"))
        await asyncio.sleep(0.05)  # entry is deciding; hub decides after the change
        team.add_agent(Agent("late", answering("late")), inbound=["hub"])
        team.remove_agent("gone")
        gate.set()
        return await run

    result = asyncio.run(scenario())
    assert result.answered_by == "late"
    assert "gone" not in team.agents and team.neighbours("hub") == ("late",)


def test_a_removed_agent_finishes_the_task_it_holds() -> None:
    gate = asyncio.Event()

    async def slow(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        await gate.wait()
        return json.dumps({"action": "answer", "answer": "finished"})

    team = Team(
        [
            Agent("entry", ScriptedModel(['{"action": "forward", "to": "w", "reason": ""}'])),
            Agent("w", FunctionModel(slow)),
        ]
    )

    async def scenario() -> Any:
        run = asyncio.create_task(team.run("task"))
        await asyncio.sleep(0.05)
        team.remove_agent("w")
        gate.set()
        return await run

    assert asyncio.run(scenario()).answer == "finished"
    assert team._retired == {}


def test_membership_errors() -> None:
    team = routed_team()
    with pytest.raises(ConfigError):
        team.add_agent(Agent("geo", answering("x")))
    with pytest.raises(ConfigError):
        team.add_agent(Agent("new", answering("x")), inbound=["nobody"])
    with pytest.raises(ConfigError):
        team.add_agent("agent")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="entry"):
        team.remove_agent("entry")
    with pytest.raises(ConfigError):
        team.remove_agent("nobody")
    assert list(team) == ["entry", "geo", "chem", "math"]
    with pytest.raises(ConfigError):
        Team([Agent("a", answering("x"))], router="router")  # type: ignore[arg-type]


def test_hop_budget_is_exact_across_parallel_experts() -> None:
    team = routed_team(mode="topk", k=3)
    team.budget = Budget(hops=4)
    with pytest.raises(BudgetExceeded) as info:
        team.run_sync("capitals")
    assert info.value.partial is not None and info.value.partial.hops == 4


# -- durable runs ------------------------------------------------------------------------


def durable_team(path: Path, calls: list[str], gate: asyncio.Event | None = None) -> Team:
    async def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        me = messages[0].content.split()[2].rstrip(",")
        calls.append(me)
        if me == "slow" and gate is not None:
            await gate.wait()
        nxt = {"a": "b", "b": "slow"}.get(me)
        return json.dumps(
            {"action": "forward", "to": nxt, "reason": ""}
            if nxt
            else {"action": "answer", "answer": f"{me} done"}
        )

    agents = [Agent(name, FunctionModel(reply)) for name in ("a", "b", "slow")]
    return Team(agents, [("a", "b"), ("b", "slow")], checkpoint=path)


def test_durable_run_journals_every_step_and_resume_returns_a_finished_run(tmp_path: Path) -> None:
    calls: list[str] = []
    team = durable_team(tmp_path / "runs.sqlite", calls)
    result = team.run_sync("go", run_id="r1")
    assert (result.answer, result.run_id, result.hops) == ("slow done", "r1", 4)
    journal = Journal(tmp_path / "runs.sqlite")
    assert [s.agent for s in journal.steps("r1")] == ["user", "a", "b", "slow"]
    assert [e.agent for e in journal.episodes("r1")] == ["slow"]
    assert journal.run("r1").answer == "slow done"  # type: ignore[union-attr]
    journal.close()
    again = team.resume_sync("r1")
    assert (again.answer, again.hops, calls) == ("slow done", 4, ["a", "b", "slow"])
    assert (tmp_path / "runs.langgraph.sqlite").exists()


def test_cancelled_run_stops_and_resumes_without_repeating_steps(tmp_path: Path) -> None:
    calls: list[str] = []
    gate = asyncio.Event()
    team = durable_team(tmp_path / "runs.sqlite", calls, gate)

    async def cancel_then_resume() -> Any:
        run = asyncio.create_task(team.run("go", run_id="r"))
        while calls != ["a", "b", "slow"]:
            await asyncio.sleep(0.01)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        gate.set()
        return await team.resume("r")

    result = asyncio.run(cancel_then_resume())
    assert result.answer == "slow done" and result.hops == 4
    assert calls == ["a", "b", "slow", "slow"]  # only the interrupted step ran again


def test_durable_errors(tmp_path: Path) -> None:
    calls: list[str] = []
    team = durable_team(tmp_path / "runs.sqlite", calls)
    team.run_sync("go", run_id="taken")
    with pytest.raises(UserError, match="exists already"):
        team.run_sync("go", run_id="taken")
    with pytest.raises(UserError, match="no run"):
        team.resume_sync("missing")
    with pytest.raises(UserError, match="durable"):
        Team([Agent("a", answering("x"))]).resume_sync("taken")
    with pytest.raises(UserError, match="run_id"):
        team.run_sync("go", run_id="")
    with pytest.raises(ConfigError):
        Team([Agent("a", answering("x"))], checkpoint=":memory:")
    with pytest.raises(ConfigError, match="cannot open"):
        Team([Agent("a", answering("x"))], checkpoint=tmp_path / "no" / "dir.sqlite").run_sync("go")


def test_cost_budget_counts_priced_models_across_the_team() -> None:
    from agora import Price

    forward = ScriptedModel(['{"action": "forward", "to": "b", "reason": ""}'])
    forward.price = Price(prompt_per_mtok=1_000.0, completion_per_mtok=1_000.0)
    answer = ScriptedModel(['{"action": "answer", "answer": "ok"}'])
    answer.price = forward.price
    team = Team([Agent("a", forward), Agent("b", answer)], budget=Budget(cost_usd=0.05))
    with pytest.raises(BudgetExceeded) as info:
        team.run_sync("go")
    assert info.value.resource == "cost_usd"
    partial = info.value.partial
    assert partial is not None and partial.total_usage.cost_usd > 0.05
    with pytest.raises(ConfigError):
        Budget(cost_usd=0)
    with pytest.raises(ConfigError):
        Price(prompt_per_mtok=-1, completion_per_mtok=0)


def test_a_failed_run_releases_the_load_it_put_on_the_router() -> None:
    team = routed_team(mode="topk", k=3)
    team.budget = Budget(hops=4)
    with pytest.raises(BudgetExceeded):
        team.run_sync("capitals")
    assert team.router is not None
    assert all(load == 0 for load in team.router._load.values())


def test_a_consulted_expert_that_forwarded_its_part_is_credited_with_the_answer() -> None:
    from agora.runtime.learning import grades

    def forwarding(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        if schema is not None and '"helper"' in json.dumps(schema):
            return json.dumps({"action": "forward", "to": "helper", "reason": ""})
        return json.dumps({"action": "answer", "answer": "same"})

    entry = Agent("entry", ScriptedModel([]), "", policy="router")
    geo = Agent("geo", FunctionModel(forwarding), EXPERTS["geo"])
    chem = Agent("chem", answering("same"), EXPERTS["chem"])
    helper = Agent("helper", answering("same"), "anything")
    team = Team(
        [entry, geo, chem, helper],
        [("entry", "geo"), ("entry", "chem"), ("geo", "helper")],
        router=Router(HashEmbedder(), mode="topk", k=2),
    )
    result = team.run_sync("capitals and acids")
    assert result.routes[0].consult
    graded = {expert: grade for index, expert, grade in grades(result, 1.0) if index == 0}
    assert graded == {"geo": 1.0, "chem": 1.0}  # before: geo's part was answered by helper


def _forwarding_team(*, direct: bool, contribution: str = "") -> tuple[Team, Router]:
    """entry -> geo -> helper (who answers); with `direct`, entry could reach helper too."""

    def forwarding(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        if schema is not None and '"helper"' in json.dumps(schema):
            decision = {"action": "forward", "to": "helper", "reason": ""}
            if contribution:
                decision["contribution"] = contribution
            return json.dumps(decision)
        return json.dumps({"action": "answer", "answer": "theirs"})

    entry = Agent("entry", ScriptedModel([]), "", policy="router")
    geo = Agent("geo", FunctionModel(forwarding), EXPERTS["geo"])
    chem = Agent("chem", answering("chem says"), EXPERTS["chem"])
    helper = Agent("helper", answering("theirs"), "anything")
    edges = [("entry", "geo"), ("entry", "chem"), ("geo", "helper")]
    router = Router(HashEmbedder())
    team = Team(
        [entry, geo, chem, helper],
        [*edges, ("entry", "helper")] if direct else edges,
        router=router,
    )
    return team, router


def test_an_expert_that_forwarded_the_task_on_whole_is_not_credited_with_the_answer() -> None:
    from agora.runtime.learning import grades

    team, router = _forwarding_team(direct=True)
    task = "Which river crosses the capital of Egypt?"
    result = team.run_sync(task)
    assert result.answered_by == "helper"
    assert [(r.holder, r.chosen, r.forwarded) for r in result.routes[:2]] == [
        ("entry", ("geo",), True),  # the entry's router policy forwards too
        ("geo", ("helper",), True),
    ]
    graded = [(index, expert, grade) for index, expert, grade in grades(result, 1.0)]
    assert (0, "geo", 0.0) in graded and (1, "helper", 1.0) in graded
    assert all(grade == 0.0 for _, _, grade in grades(result, 0.0))
    before = team.network.weight("entry", "geo")
    team.feedback(result, True)
    topic = router.topic_of(task)
    assert router.reliability("geo", topic) < 0.5 < router.reliability("helper", topic)
    assert team.network.weight("entry", "geo") >= before  # the edge was on the right path


def test_a_forward_that_was_the_only_way_or_added_work_keeps_the_runs_grade() -> None:
    from agora.runtime.learning import grades

    for team, _ in (
        _forwarding_team(direct=False),
        _forwarding_team(direct=True, contribution="x"),
    ):
        result = team.run_sync("Which river crosses the capital of Egypt?")
        assert result.answered_by == "helper"
        assert (0, "geo", 1.0) in grades(result, 1.0)


def test_disconnecting_a_pruned_edge_forgets_it() -> None:
    from agora.runtime.network import Network

    net = Network(["a", "b"], prune_below=0.9)
    net.connect("a", "b")
    net.reinforce([("a", "b")], 0.0)
    assert ("a", "b") in net.pruned
    net.disconnect("a", "b")
    assert not net.pruned and net.weight("a", "b") == 0.0


def test_a_failed_decision_still_counts_its_usage() -> None:
    from agora import ModelOutputError

    bad = ScriptedModel(["not json", "still not json"])
    team = Team([Agent("a", bad), Agent("b", ScriptedModel([]))])  # a decides: structured
    with pytest.raises(ModelOutputError) as info:
        team.run_sync("go")
    partial = info.value.partial
    assert partial is not None
    assert partial.usage["a"].requests == 2 and partial.total_usage.total_tokens > 0


def test_a_task_no_neighbour_fits_is_reported_with_the_scores() -> None:
    from agora import events

    seen: list[events.Event] = []
    team = routed_team(min_fit=0.99)
    result = team.run_sync("Which river crosses the capital of Egypt?", on_event=seen.append)
    (no_fit,) = [e for e in seen if isinstance(e, events.NoFit)]
    assert no_fit.agent == "entry" and no_fit.threshold == 0.99
    assert {name for name, _ in no_fit.scores} == set(EXPERTS)
    assert all(sim < 0.99 for _, sim in no_fit.scores)
    assert result.answered_by == "geo"  # it still routes to the best
    assert result.routes[0].route.best_fit() == max(sim for _, sim in no_fit.scores)

    quiet: list[events.Event] = []
    routed_team(min_fit=0.0).run_sync(
        "Which river crosses the capital of Egypt?", on_event=quiet.append
    )
    assert not [e for e in quiet if isinstance(e, events.NoFit)]


def test_route_fit_survives_the_journal_round_trip() -> None:
    from agora import Route

    router = Router(HashEmbedder())
    for name, text in EXPERTS.items():
        router.register(name, text)
    route = router.route("Which river crosses the capital of Egypt?")
    assert route.fit and [n for n, _ in route.fit] == [n for n, _ in route.ranked]
    assert Route.from_dict(route.to_dict()) == route
    old = {k: v for k, v in route.to_dict().items() if k != "fit"}  # a journal of before
    assert Route.from_dict(old).fit == ()

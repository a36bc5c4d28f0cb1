"""The cooperative planning eval: crafter's rules, the world, memory, protocol, report, CLI."""

from __future__ import annotations

import importlib
import importlib.resources
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("crafter", reason="the planning eval needs crafter (the evals extra)")

from agora import MissingDependencyError  # noqa: E402
from agora.evals.planning import (  # noqa: E402
    CoopWorld,
    ModelChooser,
    RandomChooser,
    ScriptedChooser,
    Variant,
    load_rules,
    main,
    play,
    seeds_with,
)
from agora.evals.planning.agent import PlanningAgent  # noqa: E402
from agora.evals.planning.choice import Choice, Option  # noqa: E402
from agora.evals.planning.harness import _team, _tick  # noqa: E402
from agora.evals.planning.recipes import Situation, milestones, next_step, plan  # noqa: E402
from agora.evals.planning.rules import crafter_module  # noqa: E402
from agora.evals.planning.team import Board, Bus  # noqa: E402
from agora.identity import Keyring  # noqa: E402
from agora.memory import Scope, lineage  # noqa: E402
from agora.protocols import ClaimSubgoal, Envelope, HandOver, HelpRequest, parse_envelope  # noqa: E402
from agora.testing import FunctionModel  # noqa: E402

FULL = Variant("full")
RULES = load_rules()


def _data_yaml() -> dict[str, Any]:
    yaml = importlib.import_module("ruamel.yaml").YAML(typ="safe", pure=True)
    return yaml.load(importlib.resources.files("crafter").joinpath("data.yaml").read_text())  # type: ignore[no-any-return]


# --- rules and recipes ------------------------------------------------------------------------


def test_the_rules_are_crafters_data_yaml() -> None:
    data = _data_yaml()
    for tool in ("wood_pickaxe", "stone_pickaxe", "iron_pickaxe"):
        assert dict(RULES.make[tool].uses) == data["make"][tool]["uses"]
        assert list(RULES.make[tool].nearby) == data["make"][tool]["nearby"]
    for material in ("stone", "coal", "iron", "diamond", "tree"):
        assert dict(RULES.collect[material].require) == data["collect"][material]["require"]
    assert dict(RULES.place["table"].uses) == data["place"]["table"]["uses"]
    assert dict(RULES.place["furnace"].uses) == data["place"]["furnace"]["uses"]
    assert set(milestones(RULES)) <= set(data["achievements"])


def test_the_diamond_decomposes_through_the_recipe_table() -> None:
    everything = frozenset(RULES.collect)
    steps, bill = plan(RULES, "diamond", 1, Situation(inventory={}, known=everything))
    labels = [s.label for s in steps]
    assert labels.index("place table") < labels.index("make wood_pickaxe")
    assert labels.index("make stone_pickaxe") < labels.index("collect iron")
    assert labels[-2:] == ["make iron_pickaxe", "collect diamond"]
    wood = sum(
        RULES.make[t].uses.get("wood", 0) for t in ("wood_pickaxe", "stone_pickaxe", "iron_pickaxe")
    )
    assert bill["wood"] == wood + RULES.place["table"].uses["wood"]
    handed = Situation(inventory={"iron": 1, "wood": 5}, known=everything)
    assert "make stone_pickaxe" not in [s.label for s in plan(RULES, "diamond", 1, handed)[0]]
    first = next_step(RULES, "diamond", 1, Situation(inventory={}, known=everything))
    assert first is not None and (first.label, first.count) == ("collect wood", bill["wood"])


def test_a_missing_crafter_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def fake(name: str, *args: Any) -> Any:
        if name.startswith("crafter"):
            raise ImportError("No module named 'crafter'")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(MissingDependencyError, match=r"pip install 'agora-teams\[evals\]'"):
        crafter_module("crafter.engine")


# --- the world and its hand-overs --------------------------------------------------------------


def _pair(reach: int | None = None) -> tuple[CoopWorld, Keyring]:
    ring = Keyring.generate(["agent0", "agent1"])
    return CoopWorld(seed=1, agents=["agent0", "agent1"], keyring=ring, reach=reach), ring


def test_a_hand_over_is_a_signed_validated_message_that_moves_one_item() -> None:
    world, ring = _pair()
    world.players["agent0"].inventory["wood"] = 2
    bus = Bus(world.names, ring, enabled=True)
    env = bus.envelope(
        "agent0", HandOver(item="wood", count=1, to="agent1", reason="table"), ["agent1"]
    )
    assert parse_envelope(env.model_dump_json()) == env and env.signature
    [result] = world.tick({"agent0": env})
    assert (
        result.ok
        and world.inventory("agent0")["wood"] == 1
        and world.inventory("agent1")["wood"] == 1
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"signature": None}, "refused"),
        ({"sender": "agent1"}, "refused"),  # the signature no longer matches
    ],
)
def test_a_forged_hand_over_moves_nothing(change: dict[str, Any], reason: str) -> None:
    world, ring = _pair()
    world.players["agent0"].inventory["wood"] = 1
    env = Bus(world.names, ring, enabled=True).envelope(
        "agent0", HandOver(item="wood", to="agent1"), ["agent1"]
    )
    [result] = world.tick({"agent0": env.model_copy(update=change)})
    assert not result.ok and reason in result.reason
    assert world.inventory("agent0")["wood"] == 1 and world.inventory("agent1")["wood"] == 0


@pytest.mark.parametrize(
    ("payload", "reach", "reason"),
    [
        (HandOver(item="wood", count=2, to="agent1"), None, "at most 1"),
        (HandOver(item="iron", to="agent1"), None, "holds fewer"),
        (HandOver(item="health", to="agent1"), None, "that can be handed over"),
        (HandOver(item="wood", to="agent0"), None, "not a living teammate"),
        (HandOver(item="wood", to="agent1"), 0, "farther than 0"),
    ],
)
def test_the_world_checks_every_hand_over(
    payload: HandOver, reach: int | None, reason: str
) -> None:
    world, ring = _pair(reach)
    world.players["agent0"].inventory["wood"] = 3
    env = Bus(world.names, ring, enabled=True).envelope("agent0", payload, ["agent1"])
    [result] = world.tick({"agent0": env})
    assert not result.ok and reason in result.reason


def test_worlds_come_from_crafters_seeded_generation() -> None:
    a, b = CoopWorld(seed=2, agents=["x"]), CoopWorld(seed=2, agents=["x", "y"])
    assert (a.world._mat_map == b.world._mat_map).all()
    assert not (a.world._mat_map == CoopWorld(seed=3, agents=["x"]).world._mat_map).all()
    kept, skipped = seeds_with("diamond", 3)
    assert 0 in skipped and len(kept) == 3 and kept == sorted(kept)


# --- memory and protocol in a run --------------------------------------------------------------


def test_claims_settle_on_the_earliest_claimant() -> None:
    board = Board()
    board.note("agent2", ClaimSubgoal(subgoal="supply iron to agent0"), tick=5)
    board.note("agent1", ClaimSubgoal(subgoal="supply iron to agent0"), tick=5)
    board.note("agent3", ClaimSubgoal(subgoal="supply iron to agent0"), tick=4)
    assert board.owner("supply iron to agent0") == "agent3"
    board.note("agent3", ClaimSubgoal(subgoal="supply iron to agent0", status="done"), tick=6)
    assert board.owner("supply iron to agent0") == "agent1"  # tie at tick 5: the lower name
    board.note("agent0", HelpRequest(need="iron", count=0), tick=7)
    assert board.requests["agent0"] == {}


def test_claim_subgoal_keeps_two_agents_off_the_same_subgoal() -> None:
    run = _team(4, 6, FULL, (64, 64), None)
    team = [PlanningAgent(n, run, ScriptedChooser(), seed=4) for n in run.world.names]
    previous: dict[str, str] = {}
    supplied = set()
    for tick in range(1, 121):
        _tick(run, team, tick)
        now = {a.name: a.option.label for a in team if a.option and a.option.kind == "supply"}
        for label in set(now.values()):
            holders = {n for n, lab in now.items() if lab == label}
            before = {n for n, lab in previous.items() if lab == label}
            assert len(holders & before) <= 1, (tick, label, holders)  # settled within a tick
        supplied |= set(now.values())
        previous = now
    assert len(supplied) >= 2  # the helpers divided the lead's requests among themselves
    assert run.bus.sent["claim_subgoal"] and run.bus.sent["help_request"]


def test_memory_opens_goal_nodes_on_inventory_change_during_a_run() -> None:
    result = play(seed=1, agents=1, variant=FULL, cap=60)
    assert result.goal_nodes > 5 and result.steps == result.ticks
    run = _team(1, 1, FULL, (64, 64), None)
    agent = PlanningAgent("agent0", run, ScriptedChooser(), seed=1)
    for tick in range(1, 40):
        _tick(run, [agent], tick)
    goals = agent.memory.goals
    for old, new in zip(goals, goals[1:], strict=False):
        assert old.text != new.text or old.inventory != new.inventory
    assert any(g.unmet for g in goals)  # the recipe check ran when nodes opened
    assert run.memory.store.stats().episodes == sum(len(g.steps) for g in goals)


def test_shared_memory_promotes_discoveries_and_without_it_lineage_leads_to_the_sender() -> None:
    shared = _team(1, 2, FULL, (64, 64), None)
    own = _team(1, 2, Variant("no_shared_memory", shared_memory=False), (64, 64), None)
    for run in (shared, own):
        team = [PlanningAgent(n, run, ScriptedChooser(), seed=1) for n in run.world.names]
        for tick in range(1, 30):
            _tick(run, team, tick)
    assert shared.memory.maps["agent0"] is shared.memory.maps["agent1"]
    assert own.memory.maps["agent0"] is not own.memory.maps["agent1"]
    team_facts = shared.memory.store.facts(relation="seen_at", scope=Scope.team("team"))
    assert team_facts and all(f.scope.key == "team:team" for f in team_facts)
    told = [f for f in own.memory.store.facts(relation="seen_at") if f.episodes]
    assert told, "a discovery a teammate announced is a fact with the message as provenance"
    [episode] = lineage(own.memory.store, told[0].id)
    assert episode.kind == "share_discovery" and episode.agent != told[0].agents[0]


def test_without_communication_nothing_is_sent() -> None:
    result = play(seed=1, agents=2, variant=Variant("x", communication=False), cap=50)
    assert result.messages == {} and result.handovers == 0


def test_one_agent_reaches_the_diamond_within_the_cap() -> None:
    result = play(seed=2, agents=1, variant=FULL, cap=1000)
    assert result.won and result.milestones["collect_diamond"] == result.ticks
    ticks = [t for t in result.milestones.values()]
    assert all(t is not None for t in ticks) and ticks[-1] == max(ticks)  # type: ignore[type-var]


# --- choosers --------------------------------------------------------------------------------


def test_a_model_picks_from_a_typed_enum_of_the_feasible_subgoals() -> None:
    seen: list[dict[str, Any]] = []

    def reply(messages: Any, schema: dict[str, Any] | None) -> str:
        assert schema is not None
        seen.append(schema)
        labels = schema["$defs"]["Subgoal"]["enum"]
        return json.dumps({"subgoal": labels[-1]})

    model = FunctionModel(reply)
    options = (Option("collect", "tree", item="wood", count=2), Option("explore", "diamond"))
    choice = Choice(agent="a0", role="lead", options=options, recommended=options[0], summary="s")
    assert ModelChooser(model).choose(choice).label == "explore diamond"
    assert seen[0]["$defs"]["Subgoal"]["enum"] == ["collect wood", "explore diamond"]
    result = play(seed=1, agents=2, variant=FULL, cap=30, chooser=lambda n: ModelChooser(model))
    assert result.ticks == 30 and model.calls >= 1


def test_the_random_chooser_is_seeded() -> None:
    options = tuple(Option("explore", m) for m in ("iron", "coal", "diamond"))
    choice = Choice(agent="a0", role="helper", options=options, recommended=options[0])
    picks = [[RandomChooser(seed=3).choose(choice).label for _ in range(1)] for _ in range(2)]
    assert picks[0] == picks[1]


@pytest.mark.slow
def test_the_embedded_model_plans_a_few_ticks() -> None:
    from agora.models.spec import model_from_spec

    model = model_from_spec("local")
    choosers = {n: ModelChooser(model) for n in ("agent0", "agent1")}
    result = play(seed=1, agents=2, variant=FULL, cap=12, chooser=choosers.__getitem__)
    assert result.ticks == 12 and result.steps == 24
    assert sum(c.calls for c in choosers.values()) >= 1
    assert all(c.failures <= c.calls for c in choosers.values())


# --- the report and the command line -----------------------------------------------------------


def test_the_command_line_writes_the_headline_numbers(tmp_path: Path) -> None:
    out = tmp_path / "planning.json"
    argv = ["--seeds", "2", "--agents", "1,2", "--variants", "full,independent"]
    assert main([*argv, "--cap", "500", "--json", str(out), "--quiet"]) == 0
    report = json.loads(out.read_text())
    assert set(report) >= {"setup", "milestones", "headline", "rows", "damcs", "runs"}
    assert set(report["headline"]) == {"1", "2"}
    assert {"ticks", "ticks_ci95", "reduction", "reduction_ci95"} <= set(report["headline"]["2"])
    rows = {(r["agents"], r["variant"]) for r in report["rows"]}
    assert rows == {(1, "full"), (2, "full"), (2, "independent")}
    assert report["setup"]["skipped_without_diamond"] == [0] and len(report["runs"]) == 6
    assert main(["--variants", "nope", "--seeds", "1", "--quiet"]) == 1


def test_the_command_line_prints_the_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seeds", "1", "--agents", "1", "--cap", "400"]) == 0
    out = capsys.readouterr().out
    assert "Ticks to the diamond" in out and "iron pick" in out


def test_envelopes_in_a_run_are_typed_planning_messages() -> None:
    run = _team(1, 2, FULL, (64, 64), None)
    team = [PlanningAgent(n, run, ScriptedChooser(), seed=1) for n in run.world.names]
    _tick(run, team, 1)
    inbox = run.bus.deliver()
    kinds = {env.payload.kind for envs in inbox.values() for env in envs}
    assert kinds <= {"share_discovery", "claim_subgoal", "help_request"} and kinds
    assert all(isinstance(e, Envelope) and e.signature for envs in inbox.values() for e in envs)

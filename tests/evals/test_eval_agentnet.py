"""The AgentNet ablation eval: worlds, holders, real-team runs, targets, CLI (scripted, small)."""

from __future__ import annotations

import hashlib
import io
import json
import random
import tarfile
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from rich.console import Console

from agora.agents.agent import Agent
from agora.agents.decision import ForwardDecision, SplitDecision
from agora.agents.routing import Route
from agora.embeddings import CachedEmbedder, HashEmbedder
from agora.errors import UserError
from agora.evals.agentnet import cli, experiment
from agora.evals.agentnet._render import render
from agora.evals.agentnet.agents import (
    RIGHT,
    WRONG,
    RandomNextAgent,
    RandomOperationAgent,
    scripted_model,
    split_answer,
)
from agora.evals.agentnet.answers import correct, prompt
from agora.evals.agentnet.baselines import baselines
from agora.evals.agentnet.evaluate import DESK, VARIANTS, run_variant
from agora.evals.agentnet.executors import ModelExecutor, ScriptedExecutor
from agora.evals.agentnet.world import DEGREE, GENERALISTS, World, make_world
from agora.evals.bigbench import source
from agora.evals.bigbench.methods import Example
from agora.evals.bigbench.source import Family, Target
from agora.testing import FunctionModel

TOPICS = {
    "alpha": "calendar dates months weekdays",
    "beta": "sorting words alphabetically",
    "gamma": "football players goals matches",
    "delta": "geometry shapes polygons svg",
    "omega": "navigation steps turns directions",
}


def _families(count: int = 12) -> list[Family]:
    out = []
    for name, words in TOPICS.items():
        examples = tuple(f"{words} question {i}" for i in range(count))
        targets = tuple(Target(answers=("yes",), choices=("yes", "no")) for _ in examples)
        out.append(
            Family(
                name=name,
                description=f"Questions about {words}.",
                keywords=(words.split()[0],),
                examples=examples,
                total=count,
                targets=targets,
            )
        )
    return out


def _emb() -> CachedEmbedder:
    return CachedEmbedder(HashEmbedder())


# -- the world -----------------------------------------------------------------------------


def test_world_is_seeded_sparse_connected_and_uses_the_authors_profiles() -> None:
    fams = _families()
    world = make_world(fams, seed=3, per_family=8)
    assert world == make_world(fams, seed=3, per_family=8)
    assert world.edges != make_world(fams, seed=4, per_family=8).edges
    assert len(world.agents) == len(fams) + GENERALISTS
    graph = nx.DiGraph(list(world.edges))
    assert nx.is_strongly_connected(graph)
    assert all(graph.out_degree(name) == DEGREE for name in world.names)
    by_name = {f.name: f for f in fams}
    for agent in world.agents:
        assert agent.profile == " ".join(by_name[f].profile for f in agent.families)
    assert not {e.text for e in world.train} & {e.text for e in world.test}
    assert len(world.train) == len(world.test) == 4 * len(fams)


def test_skill_matrix_is_drawn_high_on_own_families() -> None:
    own, other = [], []
    for seed in range(5):
        world = make_world(_families(), seed=seed, per_family=4)
        for agent in world.agents:
            for family, chance in world.skill[agent.name].items():
                assert 0.0 < chance < 1.0
                (own if family in agent.families else other).append(chance)
    assert sum(own) / len(own) > sum(other) / len(other) + 0.2
    assert len(set(own)) == len(own)  # drawn, not set by hand


def test_world_rejects_too_little_data() -> None:
    with pytest.raises(UserError, match="per_family"):
        make_world(_families()[:1], seed=0)


# -- holders and scripted answers ----------------------------------------------------------


def _route(*ranked: str) -> Route:
    probs = tuple((name, 1.0 / (i + 1)) for i, name in enumerate(ranked))
    return Route(experts=(ranked[0],), ranked=probs, topic=-1, mode="top1")


def test_random_next_forwards_at_random_unless_it_ranks_first() -> None:
    model = FunctionModel(lambda messages, schema: RIGHT)
    agent = RandomNextAgent("a", model, "x", rng=random.Random(0), scripted=True)
    neighbours = {"b": "", "c": "", "d": ""}
    targets = set()
    for _ in range(40):
        decided = agent.decide_sync("task", neighbours=neighbours, route=_route("b", "a"))
        assert isinstance(decided.decision, ForwardDecision)
        targets.add(decided.decision.to)
    assert targets == {"b", "c", "d"}
    mine = agent.decide_sync("task", neighbours=neighbours, route=_route("a", "b"))
    assert mine.decision.action == "answer" and model.calls == 1


def test_random_operation_draws_every_operation_and_targets_the_best_neighbour() -> None:
    agent = RandomOperationAgent(
        "a", FunctionModel(lambda m, s: WRONG), "x", rng=random.Random(1), scripted=True
    )
    seen: dict[str, int] = {}
    for _ in range(60):
        decided = agent.decide_sync("t", neighbours={"b": "", "c": ""}, route=_route("c", "a"))
        decision = decided.decision
        seen[decision.action] = seen.get(decision.action, 0) + 1
        if isinstance(decision, ForwardDecision):
            assert decision.to == "c"
        if isinstance(decision, SplitDecision):
            assert [p.to for p in decision.parts] == ["c"]
    assert set(seen) == {"answer", "forward", "split"} and min(seen.values()) > 5


def test_scripted_answers_follow_the_skill_of_the_family() -> None:
    rng = random.Random(0)
    model = scripted_model({"f": 0.7, "g": 0.0}, {"q": "f", "r": "g"}, rng)
    agent = Agent("a", model)
    answers = [agent.decide_sync("q").decision.answer for _ in range(400)]  # type: ignore[union-attr]
    assert 0.6 < answers.count(RIGHT) / 400 < 0.8
    assert agent.decide_sync("r").decision.answer == WRONG  # type: ignore[union-attr]
    assert agent.decide_sync("unknown").decision.answer == WRONG  # type: ignore[union-attr]
    assert split_answer(RIGHT, [("b", RIGHT), ("c", RIGHT)]) == RIGHT
    assert split_answer(WRONG, [("b", RIGHT)]) == split_answer(RIGHT, [("b", WRONG)]) == WRONG


# -- real teams ----------------------------------------------------------------------------


def _sure_world(seed: int = 0) -> World:
    """A world whose skills are 0/1: an agent is right exactly on its own families."""
    world = make_world(_families(), seed=seed, per_family=8)
    skill = {
        a.name: {f: 1.0 if f in a.families else 0.0 for f in world.families} for a in world.agents
    }
    return World(
        seed=world.seed,
        agents=world.agents,
        skill=skill,
        edges=world.edges,
        train=world.train,
        test=world.test,
    )


def test_variants_run_through_real_teams_with_the_expected_shapes() -> None:
    world = _sure_world()
    executor = ScriptedExecutor(world.skill, (*world.train, *world.test))
    emb = _emb()
    runs = {v: run_variant(world, v, executor, emb, rounds=2) for v in VARIANTS}
    for run in runs.values():
        assert len(run.test) == 3 and len(run.train) == 2
        assert all(p.count == len(world.test) and p.failures == 0 for p in run.test)
    assert all(p.hops == 1.0 for p in runs["global"].test)  # desk → solver, every task
    assert runs["decentralized-random-entry"].test[0].hops > runs["decentralized"].test[0].hops
    # Profiles name the families' words, so the router finds the right agent: near-perfect.
    assert runs["global"].test[-1].accuracy > 0.9
    assert runs["decentralized"].test[-1].accuracy > 0.9
    # A random operation answers a third of the time wherever the task entered.
    assert runs["random-op"].test[-1].accuracy < runs["decentralized"].test[-1].accuracy


def test_frozen_team_learns_nothing_and_feedback_prunes_edges() -> None:
    world = _sure_world(1)
    executor = ScriptedExecutor(world.skill, (*world.train, *world.test))
    emb = _emb()
    frozen = run_variant(world, "frozen", executor, emb, rounds=1)
    assert frozen.test[0] == frozen.test[1]  # same entries, same draws: nothing changed
    assert frozen.pruned == [0, 0]
    noisy = run_variant(world, "random-op", executor, emb, rounds=6)
    assert noisy.pruned[0] == 0 and noisy.pruned[-1] > 0  # failed hand-offs' edges pruned
    assert noisy.pruned == sorted(noisy.pruned)


def test_global_variant_has_a_desk_that_never_answers() -> None:
    world = _sure_world()
    executor = ScriptedExecutor(world.skill, (*world.train, *world.test))
    run = run_variant(world, "global", executor, _emb(), rounds=0, test=world.test[:3])
    assert run.test[0].count == 3 and DESK not in world.names
    with pytest.raises(UserError, match="unknown variant"):
        run_variant(world, "central", executor, _emb())


def test_baselines_and_the_oracle_read_the_skill_matrix() -> None:
    world = _sure_world()
    scores = baselines(world, ScriptedExecutor(world.skill, (*world.train, *world.test)))
    assert scores["oracle"] == 1.0
    assert scores["one random agent"] < 0.6
    assert 0.0 < scores["best generalist"] <= 1.0


# -- targets and --model scoring -----------------------------------------------------------


def _sdist(path: Path) -> str:
    root = "bigbench-1.0.0/bigbench/benchmark_tasks"
    tasks = {
        f"{root}/counting/task.json": {
            "description": "Count things.",
            "keywords": ["numerical response"],
            "task_prefix": "Answer with a number.",
            "examples": [
                {"input": "Two cats and a dog: how many animals?", "target": ["three", "3"]},
                {"input": "Two cats and a dog: how many animals?", "target": "wrong dup"},
            ],
        },
        f"{root}/sports/task.json": {
            "description": "Is the sentence plausible?",
            "keywords": ["common sense"],
            "examples": [
                {"input": "Messi scored a touchdown", "target_scores": {"yes": 0, "no": 1}},
                {"input": "Messi scored a goal", "target_scores": {"yes": 1, "no": 0}},
            ],
        },
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, data in tasks.items():
            raw = json.dumps(data).encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_families_keep_their_targets_through_the_index(tmp_path: Path) -> None:
    path = tmp_path / "bigbench-1.0.0.tar.gz"
    digest = _sdist(path)
    first = source.load_families(path, sha256=digest)
    counting, sports = first
    target = counting.target_of("Two cats and a dog: how many animals?")
    assert target == Target(answers=("three", "3"), prefix="Answer with a number.")
    assert sports.target_of("Messi scored a goal") == Target(
        answers=("yes",), choices=("yes", "no")
    )
    index = path.with_name("bigbench-1.0.0.index.json")
    assert json.loads(index.read_text())["version"] == 2
    assert source.load_families(path, sha256=digest) == first  # read back from the index
    stale = json.loads(index.read_text()) | {"version": 1}
    index.write_text(json.dumps(stale))
    assert source.load_families(path, sha256=digest) == first  # rebuilt, not misread


def test_answers_are_scored_against_the_authors_targets() -> None:
    mc = Target(answers=("plausible",), choices=("plausible", "implausible"), prefix="Judge.")
    assert prompt("Messi scored", mc).splitlines() == [
        "Judge.",
        "Messi scored",
        "Options:",
        "- plausible",
        "- implausible",
        "Reply with one option, exactly as written.",
    ]
    assert correct("Plausible.", mc) and correct("The answer is: plausible", mc)
    assert not correct("implausible", mc) and not correct("plausible or implausible", mc)
    free = Target(answers=("gelatine stick",))
    assert correct(" Gelatine  stick ", free) and not correct("stick gelatine", free)
    assert prompt("stick gelatine", free) == "stick gelatine"


def test_model_executor_needs_targets_and_judges_by_them() -> None:
    fams = _families(4)
    model = FunctionModel(lambda messages, schema: "yes")
    executor = ModelExecutor(model, fams)
    example = Example("alpha", fams[0].examples[0])
    assert executor.text(example).endswith("Reply with one option, exactly as written.")
    assert executor.judge(example, "yes") and not executor.judge(example, "no")
    bare = Family(name="x", description="d", keywords=(), examples=("q",), total=1)
    with pytest.raises(UserError, match="no targets"):
        ModelExecutor(model, [bare])


def test_model_runs_go_through_teams_on_the_model() -> None:
    fams = _families(4)
    calls: list[str] = []

    def reply(messages: Any, schema: Any) -> str:
        calls.append(messages[-1].content)
        return "yes"

    report = experiment.run(
        fams,
        seeds=[0],
        rounds=1,
        per_family=4,
        embedder="hash",
        model=FunctionModel(reply),
        sample=3,
        variants=("decentralized", "global"),
    )
    assert report.row("decentralized").accuracy.mean == 1.0  # every target is "yes"
    assert {r.name for r in report.rows} == {"decentralized", "global", "one random agent"}
    assert all("Options:" in text for text in calls)
    assert report.setup["model"] == "function" and report.curve == []


# -- the whole run and the CLI -------------------------------------------------------------


def test_run_reports_intervals_paired_deltas_and_the_curve() -> None:
    report = experiment.run(_families(6), seeds=[0, 1, 2], rounds=1, per_family=6, embedder="hash")
    names = [r.name for r in report.rows]
    assert names == [*VARIANTS, "one random agent", "best generalist", "oracle"]
    for row in report.rows:
        assert row.accuracy.low <= row.accuracy.mean <= row.accuracy.high
        assert len(row.per_seed) == 3
    first = report.row("decentralized")
    assert first.delta is None and first.paper == 0.86
    assert report.row("global").delta is not None
    assert [p.round for p in report.curve] == [0, 1]
    console = Console(record=True, file=io.StringIO(), width=200)
    render(report, console)
    text = console.export_text()
    assert "random operation" in text and "Evolving vs frozen" in text


def test_cli_writes_json(
    tmp_path: Path, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    fams = _families(6)
    monkeypatch.setattr(
        "agora.evals.bigbench.evaluate.suite_families", lambda suite, sdist, progress: fams
    )
    out = tmp_path / "out" / "agentnet.json"
    argv = ["--seeds", "2", "--rounds", "1", "--per-family", "6", "--embedder", "hash"]
    assert cli.main([*argv, "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["setup"]["seeds"] == [0, 1] and len(data["runs"]) == 2
    captured = capsys.readouterr()
    assert "AgentNet ablation on BBH" in captured.out and "seed 1: frozen" in captured.err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--seeds", "0"], "--seeds"),
        (["--rounds", "-1"], "--rounds"),
        (["--sample", "0"], "--sample"),
        (["--variants", "decentralized,central"], "--variants"),
        (["--max-tokens", "0"], "--max-tokens"),
    ],
)
def test_cli_bad_input_is_a_typed_error(
    argv: list[str], needle: str, monkeypatch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        "agora.evals.bigbench.evaluate.suite_families", lambda s, p, q: _families(4)
    )
    assert cli.main([*argv, "--embedder", "hash"]) == 1
    err = capsys.readouterr().err
    assert "UserError" in err and needle in err


def test_cli_json_folder_fails_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--json", str(tmp_path), "--embedder", "hash"]) == 1
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "ConfigError" in err and "is a folder; give a file path" in err and "seed" not in err


def test_cli_missing_sdist_names_the_fetch_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--sdist", str(tmp_path / "none.tar.gz"), "--embedder", "hash"]) == 1
    assert "ConfigError" in capsys.readouterr().err


@pytest.mark.slow
def test_embedded_model_runs_a_tiny_sample() -> None:
    from agora.models.spec import model_from_spec

    report = experiment.run(
        _families(4),
        seeds=[0],
        rounds=1,
        per_family=4,
        embedder="hash",
        model=model_from_spec("local"),
        sample=2,
        variants=("decentralized", "global"),
    )
    for row in report.rows:
        assert 0.0 <= row.accuracy.mean <= 1.0
    assert report.row("decentralized").hops is not None

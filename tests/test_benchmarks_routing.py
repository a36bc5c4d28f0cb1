"""Smoke tests: the routing-speed and network-overhead benchmarks run and print their ratios.

Tiny sizes only, and no timing assertions: the numbers depend on the machine.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load(name: str) -> ModuleType:
    """Import ``benchmarks/<name>.py`` by path (``benchmarks`` is not an installed package)."""
    qualified = f"benchmarks.{name}"
    spec = importlib.util.spec_from_file_location(qualified, ROOT / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


routing_speed = load("routing_speed")
router_dev = load("router_dev")
calibration_dev = load("calibration_dev")
network_overhead = load("network_overhead")


def test_routing_speed_runs_and_prints_its_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--agents", "300", "--decisions", "20", "--baseline-decisions", "3"]
    argv += ["--python-decisions", "1", "--learn", "20", "--no-minilm"]
    assert routing_speed.main(argv) == 0
    out = capsys.readouterr().out
    assert "the task embedding is excluded" in out
    assert "routing ratio to the 1 ms target" in out
    assert "pure-Python loop over 300 agents" in out
    numbers = json.loads(out.strip().splitlines()[-1])
    assert set(numbers["median_us"]) >= {"top1", "topk (K=3)", "dynamic (p=0.6)"}
    assert "learned: dynamic, decompose" in numbers["median_us"]


def test_decide_walks_one_path_on_both_sides() -> None:
    grid = network_overhead.layers(12, 3)
    union = network_overhead.decision_union(grid[1])
    reply = network_overhead.decide("task #7: go", union.model_json_schema())
    assert union.model_validate_json(reply).root.to in grid[1]
    last = network_overhead.decision_union([])
    assert json.loads(network_overhead.decide("task #7", last.model_json_schema())) == {
        "action": "answer",
        "answer": "done 7",
    }


@pytest.mark.parametrize("http", [False, True], ids=["inproc", "http"])
def test_network_overhead_runs_and_prints_its_ratios(
    http: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--agents", "12", "--hops", "3", "--tasks", "2", "--warmup", "1"]
    assert network_overhead.main(argv if http else [*argv, "--no-http"]) == 0
    out = capsys.readouterr().out
    labels = ["inproc", "http", "http-same"] if http else ["inproc"]
    for label in labels:
        assert f"overhead ratio vs bare LangGraph ({label}):" in out
    assert set(json.loads(out.strip().splitlines()[-1])) == set(labels)


def test_network_overhead_with_memory_writes_an_episode_per_envelope(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--agents", "12", "--hops", "3", "--tasks", "2", "--warmup", "1"]
    assert network_overhead.main([*argv, "--no-http", "--memory"]) == 0
    out = capsys.readouterr().out
    assert "overhead ratio vs bare LangGraph (inproc+memory):" in out
    assert "12 episodes written (4 per task)" in out  # 3 tasks (1 warm-up), 4 envelopes each
    assert "ms/hop writing them" in out
    assert set(json.loads(out.strip().splitlines()[-1])) == {"inproc", "inproc+memory"}


def test_the_chain_benchmark_carries_each_agents_work_to_the_next() -> None:
    import asyncio

    from agora.testing import FunctionModel

    chain = load("orchestration_overhead")

    def reply(messages, schema):  # type: ignore[no-untyped-def]
        return chain.decision_reply(
            {"messages": [{"content": m.content} for m in messages]}, schema
        )

    model = FunctionModel(reply)
    team = chain.agora_chain({name: model for name in chain.NAMES})
    result = team.run_sync("go")
    assert result.answer == chain.FINISHED == "go a b c d"
    assert [env.payload.contribution for env in result.trace[1:4]] == ["go a", "go a b", "go a b c"]

    async def bare_call(system: str, text: str) -> str:
        return reply([type("M", (), {"content": system}), type("M", (), {"content": text})], None)

    state = asyncio.run(chain.bare_chain(bare_call).ainvoke({"text": "go"}))
    assert state["text"] == chain.FINISHED


def test_router_dev_compares_variants_on_the_dev_split(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--suite", "domains", "--seeds", "1", "--variants", "default,rw0", "--embedder", "hash"]
    assert router_dev.main(argv) == 0
    out = capsys.readouterr().out
    assert "domains DEV split, 1 seed(s)" in out
    for row in ("class centroid", "default fwd", "default taught", "rw0 fwd", "rw0 taught"):
        assert row in out
    with pytest.raises(SystemExit):
        router_dev.main(["--variants", "nope"])


def test_calibration_dev_rescales_the_learned_temperature(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--seeds", "1", "--factors", "0.5,2", "--embedder", "hash"]
    assert calibration_dev.main(argv) == 0
    out = capsys.readouterr().out
    assert "domains DEV split, 1 seed(s): learned temperature x factor" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("forwarding", "taught"))]
    assert [(r[0], r[1]) for r in rows] == [
        ("forwarding", "0.50"),
        ("forwarding", "2.00"),
        ("taught", "0.50"),
        ("taught", "2.00"),
    ]
    # A softer temperature lowers the confidences of the same picks: conf - acc falls.
    by = {(r[0], r[1]): float(r[5]) for r in rows}
    assert by["forwarding", "2.00"] < by["forwarding", "0.50"]
    assert by["taught", "2.00"] < by["taught", "0.50"]
    for bad in (["--factors", "0,1"], ["--factors", "x"], ["--seeds", "0"]):
        with pytest.raises(SystemExit):
            calibration_dev.main(bad)

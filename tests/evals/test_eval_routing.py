"""The routing eval: modes, baselines, learning curve, team paths, CLI, --json, --model."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from agora.evals._render import render
from agora.evals.routing import RoutingReport, main, run
from agora.models.base import Model
from agora.testing import ScriptedModel

FAST = ["--embedder", "hash", "--seeds", "2", "--rounds", "2", "--team-tasks", "4"]


def _in_range(cell: dict[str, float], high: float = 1.0) -> None:
    assert 0.0 <= cell["low"] <= cell["mean"] <= cell["high"] <= high, cell


@pytest.fixture(scope="module")
def minilm() -> RoutingReport:
    return run("minilm", seeds=[0, 1], rounds=5, team_tasks=8)


def test_cli_writes_json_with_baselines_and_sane_intervals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "routing.json"
    assert main([*FAST, "--json", str(out)]) == 0
    captured = capsys.readouterr()
    for section in (
        "Right-expert rate by routing mode",
        "Dynamic K grows with ambiguity",
        "Learned vs static routing",
        "Team path",
        "random expert (baseline)",
    ):
        assert section in captured.out
    assert "learning curve, seed 1" in captured.err  # progress on standard error
    data = json.loads(out.read_text())
    assert data["seeds"] == [0, 1] and data["model"] is None
    methods = {(m["method"], m["baseline"]) for m in data["modes"]}
    assert methods == {("router", False), ("BM25 over profiles", True), ("random expert", True)}
    for m in data["modes"]:
        _in_range(m["right"])
        _in_range(m["covers"])
        _in_range(m["mean_k"], high=4.0)
    assert [r["round"] for r in data["rounds"]] == [0, 1, 2]
    for r in data["rounds"]:
        _in_range(r["learned"])
        _in_range(r["static"])
    teams = {t["label"]: t for t in data["teams"]}
    assert teams["scripted experts, random triage"]["baseline"] is True
    for team in teams.values():
        assert team["tasks"] == 4 and team["seeds"] == 2
        _in_range(team["right_expert"])
        _in_range(team["right_answer"])


def test_random_expert_is_chance_and_dynamic_k_takes_the_cap() -> None:
    report = run("hash", seeds=[0, 1, 2], rounds=0, team_tasks=0)
    top1 = report.mode("top-1", method="random expert")
    assert top1.count == 3 * 272 and top1.right.low < 1 / 8 < top1.right.high
    assert report.mode("dynamic p=0.7", method="random expert").mean_k.mean == 4.0


def test_one_seed_alias(tmp_path: Path) -> None:
    out = tmp_path / "one.json"
    argv = ["--embedder", "hash", "--seed", "3", "--rounds", "1", "--team-tasks", "0"]
    assert main([*argv, "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["seeds"] == [3] and data["teams"] == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rounds", "-1"], "ConfigError: --rounds must be >= 0"),
        (["--seeds", "0"], "ConfigError: --seeds must be at least 1"),
        (["--team-tasks", "-2"], "ConfigError: --team-tasks must be >= 0"),
        (["--local", "2", "--model", "openai:x"], "ConfigError: --local and --model"),
    ],
)
def test_bad_values_are_typed_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--embedder", "hash", *argv]) == 1
    assert message in capsys.readouterr().err


def test_json_to_a_folder_fails_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--embedder", "hash", "--json", str(tmp_path)]) == 1
    assert "ConfigError: --json" in capsys.readouterr().err


def test_same_seed_same_numbers() -> None:
    a = run("hash", seeds=[3], rounds=2, team_tasks=2)
    b = run("hash", seeds=[3], rounds=2, team_tasks=2)
    assert a.to_dict() == b.to_dict()


def test_model_experts_behind_the_router_and_a_model_triage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Experts on a scripted model that always answers; `--local N` is the deprecated alias."""
    model = ScriptedModel([{"action": "answer", "answer": "a scripted answer"}], cycle=True)

    def from_spec(spec: str | Model) -> Model:
        assert spec == "local"
        return model

    monkeypatch.setattr("agora.models.spec.model_from_spec", from_spec)
    out = tmp_path / "model.json"
    argv = ["--embedder", "hash", "--seeds", "2", "--rounds", "0", "--team-tasks", "0"]
    assert main([*argv, "--local", "3", "--json", str(out)]) == 0
    assert "--local is deprecated" in capsys.readouterr().err
    data = json.loads(out.read_text())
    assert data["model"] == model.name
    by_router, by_model = data["teams"]
    assert by_router["label"] == f"experts on {model.name}, router triage"
    assert by_model["label"] == f"triage and experts on {model.name}"
    for row in (by_router, by_model):
        assert row["tasks"] == 3 and row["right_answer"] is None  # answers are not judged
        assert all(answer == "a scripted answer" for *_, answer in row["samples"])
    # The triage model answers every task itself: no expert is chosen, none answers.
    assert by_model["right_expert"]["mean"] == 0.0 and by_model["mean_k"]["mean"] == 0.0
    assert by_router["mean_k"]["mean"] == 1.0  # top-1 routing behind the router
    assert by_router["answered_right"]["mean"] == by_router["right_expert"]["mean"]


def test_minilm_top1_on_clear_tasks_beats_the_baselines(minilm: RoutingReport) -> None:
    top1 = minilm.mode("top-1")
    assert top1.right.mean >= 0.9
    assert minilm.mode("top-2").right.mean >= top1.right.mean
    assert top1.right.low > minilm.mode("top-1", method="BM25 over profiles").right.high
    assert top1.right.low > minilm.mode("top-1", method="random expert").right.high


def test_minilm_dynamic_k_grows_with_ambiguity(minilm: RoutingReport) -> None:
    for p in ("0.6", "0.7", "0.8"):
        label = f"dynamic p={p}"
        assert minilm.mode(label, "ambiguous").mean_k.mean > minilm.mode(label, "clear").mean_k.mean


def test_minilm_learned_beats_static(minilm: RoutingReport) -> None:
    first, last = minilm.rounds[0], minilm.rounds[-1]
    assert first.learned.mean == first.static.mean
    # Two seeds: a Student-t interval over them is too wide to test (t = 12.7); the mean gain
    # and the learned mean above the static router's Wilson interval are.
    assert last.gain.mean > 0.2
    assert last.learned.mean > last.static.high


def test_minilm_team_path_beats_random_triage(minilm: RoutingReport) -> None:
    routed = minilm.team("scripted experts, router triage")
    randomly = minilm.team("scripted experts, random triage")
    assert routed.tasks == 8 and routed.right_expert.mean >= 0.75
    assert routed.right_answer is not None and randomly.right_answer is not None
    assert routed.right_answer.mean > randomly.right_answer.mean


def test_render_captures_rich_output(minilm: RoutingReport) -> None:
    console = Console(record=True, file=io.StringIO(), width=160)
    render(minilm, console)
    text = console.export_text()
    assert "Team path" in text and "BM25 over profiles (baseline)" in text


@pytest.mark.slow
def test_embedded_model_experts(tmp_path: Path) -> None:
    out = tmp_path / "local.json"
    argv = ["--embedder", "hash", "--seeds", "1", "--rounds", "0", "--team-tasks", "0"]
    assert main([*argv, "--model", "local", "--model-tasks", "1", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["model"] and len(data["teams"]) == 2
    for row in data["teams"]:
        assert row["tasks"] == 1 and all(answer for *_, answer in row["samples"])

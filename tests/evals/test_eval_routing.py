import io
import json

import pytest
from rich.console import Console

from agora.evals._render import render
from agora.evals.routing import RoutingReport, main, run


@pytest.fixture(scope="module")
def minilm() -> RoutingReport:
    return run("minilm", seed=0, rounds=5, team_tasks=8)


def test_hash_run_prints_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--embedder", "hash", "--rounds", "2", "--team-tasks", "2"]) == 0
    out = capsys.readouterr().out
    for section in (
        "Right-expert rate by routing mode",
        "Dynamic K grows with ambiguity",
        "Learned vs static routing",
        "Team path (scripted experts)",
    ):
        assert section in out


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--embedder", "hash", "--rounds", "1", "--team-tasks", "0", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["embedder"] == "hash" and data["team"] is None
    assert [r["round"] for r in data["rounds"]] == [0, 1]
    assert {m["label"] for m in data["modes"]} >= {"top-1", "top-2", "dynamic p=0.7"}


def test_bad_arguments_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--embedder", "hash", "--rounds", "-1"]) == 1
    assert "UserError" in capsys.readouterr().err


def test_same_seed_same_numbers() -> None:
    a = run("hash", seed=3, rounds=2, team_tasks=0)
    b = run("hash", seed=3, rounds=2, team_tasks=0)
    assert a.to_dict() == b.to_dict()


def test_minilm_top1_on_clear_tasks(minilm: RoutingReport) -> None:
    assert minilm.mode("top-1").right >= 0.95
    assert minilm.mode("top-2").right >= minilm.mode("top-1").right


def test_minilm_dynamic_k_grows_with_ambiguity(minilm: RoutingReport) -> None:
    for p in ("0.6", "0.7", "0.8"):
        label = f"dynamic p={p}"
        assert minilm.mode(label, "ambiguous").mean_k > minilm.mode(label, "clear").mean_k


def test_minilm_learned_beats_static(minilm: RoutingReport) -> None:
    first, last = minilm.rounds[0], minilm.rounds[-1]
    assert first.learned == first.static
    assert last.learned >= last.static + 0.2


def test_minilm_team_path(minilm: RoutingReport) -> None:
    assert minilm.team is not None and minilm.team.count == 8
    assert minilm.team.right_expert >= 0.75


def test_render_captures_rich_output(minilm: RoutingReport) -> None:
    console = Console(record=True, file=io.StringIO(), width=120)
    render(minilm, console)
    assert "Team path" in console.export_text()


@pytest.mark.slow
def test_local_model_path() -> None:
    report = run("minilm", rounds=0, team_tasks=0, local=2)
    assert report.local is not None and report.local.count == 2
    assert all(answer for _, _, answer in report.local.samples)

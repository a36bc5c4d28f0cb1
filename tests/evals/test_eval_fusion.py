"""The generated-world fusion eval: seeded world, baselines, intervals, CLI, --json, --model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agora.evals.fusion import METHODS, main, make_world, run
from agora.models.base import Model
from agora.testing import FunctionModel, ScriptedModel

SMALL = ["--seeds", "2", "--entities", "20"]


def _check_interval(cell: dict[str, float]) -> None:
    assert 0.0 <= cell["low"] <= cell["mean"] <= cell["high"] <= 1.0, cell


def test_world_is_seeded() -> None:
    assert make_world(1).assertions == make_world(1).assertions
    assert make_world(1).assertions != make_world(2).assertions


def test_cli_writes_json_with_baselines_and_sane_intervals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sub" / "fusion.json"
    assert main([*SMALL, "--json", str(out)]) == 0
    captured = capsys.readouterr()
    assert "two-agree rule (baseline)" in captured.out
    assert "seed 1:" in captured.err  # progress on standard error
    data = json.loads(out.read_text())
    assert data["setup"]["seeds"] == [0, 1] and len(data["per_seed"]) == 2
    rows = {r["method"]: r for r in data["rows"]}
    assert [(r["method"], r["baseline"]) for r in data["rows"]] == list(METHODS)
    for row in rows.values():
        for metric in ("precision", "recall", "f1"):
            _check_interval(row[metric])
    fused, union = rows["fused"], rows["naive union"]
    assert fused["fused_gain"] is None and union["fused_gain"]["mean"] > 0
    assert fused["precision"]["mean"] > union["precision"]["mean"]  # union keeps every error
    assert union["recall"]["mean"] >= fused["recall"]["mean"]
    assert fused["recall"]["mean"] > rows["fused, k=2 promoted"]["recall"]["mean"]


def test_default_world_meets_the_regression_target() -> None:
    report = run(seeds=[0])
    fused = report.row("fused")
    assert fused.precision.mean >= 0.95 and fused.recall.mean >= 0.9
    noisy = report.per_seed[0]["noisy_share"]
    assert isinstance(noisy, float) and 0.25 <= noisy <= 0.35


def test_max_assertions_fuses_a_prefix_of_the_world() -> None:
    report = run(seeds=[0], entities=12, max_assertions=10)
    seed = report.per_seed[0]
    assert seed["fused_assertions"] == 10 < int(str(seed["asserted"]))
    assert report.row("naive union").triples <= 10


def test_one_seed_alias(tmp_path: Path) -> None:
    out = tmp_path / "one.json"
    assert main(["--seed", "3", "--entities", "12", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["setup"]["seeds"] == [3]
    row = data["rows"][0]
    assert row["precision"]["low"] == row["precision"]["mean"]  # one seed: no spread


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seeds", "0"], "ConfigError: --seeds must be at least 1"),
        (["--agents", "1"], "ConfigError: --agents must be at least 2"),
        (["--noise", "0.7"], "ConfigError: --noise must be within 0..0.5"),
        (["--entities", "2"], "ConfigError: --entities must be at least 3"),
        (["--max-assertions", "0"], "ConfigError: --max-assertions must be at least 1"),
    ],
)
def test_bad_values_are_typed_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_json_to_a_folder_fails_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", str(tmp_path)]) == 1
    assert "ConfigError: --json" in capsys.readouterr().err


def test_model_agents_that_read_faithfully_match_direct_assertions(
    faithful_reader: FunctionModel,
) -> None:
    direct = run(seeds=[0], entities=10)
    model = faithful_reader
    heard = run(seeds=[0], entities=10, model=model)
    assert model.calls == direct.per_seed[0]["asserted"]
    assert [r.f1 for r in heard.rows] == [r.f1 for r in direct.rows]
    assert heard.setup["agents_are"] == model.name


def test_cli_model_spec_and_a_model_that_hears_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deaf = ScriptedModel([{"claims": []}], cycle=True)

    def from_spec(spec: str | Model) -> Model:
        assert spec == "scripted-deaf"
        return deaf

    monkeypatch.setattr("agora.models.spec.model_from_spec", from_spec)
    out = tmp_path / "deaf.json"
    assert (
        main(["--seeds", "1", "--entities", "6", "--model", "scripted-deaf", "--json", str(out)])
        == 0
    )
    data = json.loads(out.read_text())
    assert data["per_seed"][0]["fused_assertions"] == 0 < data["per_seed"][0]["asserted"]
    assert all(r["recall"]["mean"] == 0.0 for r in data["rows"])


@pytest.mark.slow
def test_embedded_model_reads_a_tiny_world(tmp_path: Path) -> None:
    out = tmp_path / "local.json"
    argv = ["--seeds", "1", "--entities", "4", "--agents", "2", "--max-assertions", "4"]
    argv += ["--model", "local"]
    assert main([*argv, "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["setup"]["agents_are"] != "direct assertions (no model)"
    assert 0 < data["per_seed"][0]["fused_assertions"] <= 4
    for row in data["rows"]:
        _check_interval(row["f1"])

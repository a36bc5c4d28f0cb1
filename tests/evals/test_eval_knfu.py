"""The KnFu eval: skewed world, modes, baseline, intervals over seeds, CLI, --json, --model."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from agora.evals.knfu import HOME_COVERAGE, MODES, main, make_world, run
from agora.memory.fusion import name_key
from agora.models.base import Model
from agora.testing import FunctionModel, ScriptedModel

SMALL = ["--seeds", "2", "--agents", "6", "--receivers", "2", "--per-topic", "5"]


def test_agents_mostly_assert_their_home_topics_and_err_away() -> None:
    world = make_world(0)
    said = [(a, world.topic.get(name_key(a.subject))) for a in world.assertions]
    for agent, home in world.home.items():
        at_home = Counter(topic in home for a, topic in said if a.agent == agent)
        assert at_home[True] > at_home[False], agent
    away = [a for a, topic in said if topic is not None and topic not in world.home[a.agent]]
    wrong = sum(a.noise == "object" for a in away) / len(away)
    assert 0.4 <= wrong <= 0.6


def test_world_is_seeded_and_error_kinds_differ_only_in_wrong_objects() -> None:
    assert make_world(1).assertions == make_world(1).assertions
    independent, shared = make_world(1), make_world(1, errors="shared")
    assert [a.subject for a in independent.assertions] == [a.subject for a in shared.assertions]
    assert independent.assertions != shared.assertions


def test_personalised_drops_sources_and_fusion_adds_recall() -> None:
    report = run([0], agents=12, receivers=3, errors="shared")
    none, uniform = report.modes["none"], report.modes["uniform"]
    personal = report.modes["personalised"]
    assert none.baseline and not any(report.modes[m].baseline for m in MODES[1:])
    assert personal.precision.mean >= uniform.precision.mean
    assert none.recall.mean < personal.recall.mean  # fusing neighbours still adds knowledge
    assert personal.dropped > 0 and personal.kept + personal.dropped == 11
    assert uniform.kept == 11 and none.kept == 0
    assert report.modes["personalised, no floor"].dropped == 0
    assert 0 < HOME_COVERAGE * 0.8 < none.recall.mean < 1  # own claims, mostly right


def test_cli_writes_json_with_the_baseline_and_sane_intervals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "knfu.json"
    assert main([*SMALL, "--json", str(out)]) == 0
    captured = capsys.readouterr()
    assert "none (baseline)" in captured.out and "Shared off-home errors" in captured.out
    assert "shared errors, seed 1" in captured.err
    reports = json.loads(out.read_text())["reports"]
    assert [r["errors"] for r in reports] == ["independent", "shared"]
    for report in reports:
        assert report["seeds"] == [0, 1] and list(report["modes"]) == list(MODES)
        assert report["modes"]["none"]["baseline"] is True
        for mode in report["modes"].values():
            for metric in ("precision", "recall", "f1"):
                cell = mode[metric]
                assert 0.0 <= cell["low"] <= cell["mean"] <= cell["high"] <= 1.0
        gain = report["personal_gain"]["recall"]
        assert gain["low"] <= gain["mean"] <= gain["high"]
        assert report["modes"]["none"]["dropped"] == 5 == report["modes"]["uniform"]["kept"]


def test_one_seed_alias_and_one_error_kind(tmp_path: Path) -> None:
    out = tmp_path / "one.json"
    argv = ["--seed", "4", "--agents", "4", "--receivers", "1", "--per-topic", "4"]
    assert main([*argv, "--errors", "independent", "--json", str(out)]) == 0
    (report,) = json.loads(out.read_text())["reports"]
    assert report["seeds"] == [4] and report["errors"] == "independent"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seeds", "0"], "ConfigError: --seeds must be at least 1"),
        (["--agents", "1"], "ConfigError: --agents must be at least 2"),
        (["--receivers", "0"], "ConfigError: --receivers must be at least 1"),
        (["--per-topic", "1"], "ConfigError: --per-topic must be at least 2"),
        (["--max-assertions", "0"], "ConfigError: --max-assertions must be at least 1"),
        ([*SMALL, "--floor", "2"], "ConfigError: floor must be within 0..1"),
    ],
)
def test_bad_values_are_typed_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_cli_model_spec_that_hears_nothing_is_a_typed_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    deaf = ScriptedModel([{"claims": []}], cycle=True)

    def from_spec(spec: str | Model) -> Model:
        return deaf

    monkeypatch.setattr("agora.models.spec.model_from_spec", from_spec)
    argv = ["--seeds", "1", "--agents", "2", "--receivers", "1", "--per-topic", "2"]
    assert main([*argv, "--errors", "shared", "--model", "deaf"]) == 1
    assert "ConfigError: no receiver said anything usable" in capsys.readouterr().err
    assert len(deaf.calls) > 0


def test_model_that_reads_faithfully_matches_direct_assertions(
    faithful_reader: FunctionModel,
) -> None:
    direct = run([0], agents=4, receivers=2, per_topic=4)
    heard = run([0], agents=4, receivers=2, per_topic=4, model=faithful_reader)
    assert heard.modes == direct.modes and heard.agents_are != direct.agents_are


@pytest.mark.slow
def test_embedded_model_reads_a_tiny_world(tmp_path: Path) -> None:
    out = tmp_path / "local.json"
    argv = ["--seeds", "1", "--agents", "2", "--receivers", "2", "--per-topic", "2"]
    argv += ["--max-assertions", "4", "--errors", "shared", "--model", "local"]
    assert main([*argv, "--json", str(out)]) == 0
    (report,) = json.loads(out.read_text())["reports"]
    assert report["agents_are"] != "direct assertions (no model)"
    assert 0 < report["assertions"] <= 4

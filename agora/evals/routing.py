"""Routing eval: does the `Router` send each task to the right expert?

Run it with ``python -m agora.evals.routing`` (``--seeds N``, ``--embedder hash`` for the
fast, non-semantic embedder, ``--json OUT`` to write the report, ``--model SPEC`` to also run
experts on a model). Everything is seeded; the data ships in `agora.evals.tasks`. Progress
goes to standard error.

How each number is scored (a task's *domains* are its labels; an expert is *right* for a task
when its domain is one of them):

- **top-1**: right when the single chosen expert is right.
- **top-2**: right when either of the two chosen experts is right.
- **dynamic p**: experts are taken, best first, until their probabilities add up to ``p``
  (at most 4); right when any chosen expert is right. ``mean K`` is the average number
  chosen, ``covers`` the share of tasks whose every domain has a chosen expert (the point of
  dynamic K on ambiguous tasks).
- Baselines in the same modes (`agora.evals._routing_baselines`): **BM25 over profiles**
  (the same profile texts, no embedder) and **random expert** (chance).
- **learned vs static**: 3 of the 8 experts start with misleading profiles
  (`misleading_profiles`). The learned router routes the train split each round with
  Thompson sampling and records whether the expert was right; the static router (the
  baseline) is the same router with no `Router.record` calls. After each round both are
  scored top-1 on the held-out test split with exploration off.
- **team**: a real `Team` (a ``policy="router"`` entry agent plus the eight experts on
  `FunctionModel`) runs test tasks and learns through `Team.feedback`; the baseline team's
  entry agent forwards each task to a random expert. With ``--model SPEC`` the experts run
  on that model, behind the router and, in a second row, behind an entry agent on the model
  that picks the expert itself (`agora.evals._team`).

Intervals (95%): the router and BM25 are deterministic given the profiles (no exploration),
so their mode rows are one pass over the tasks, Wilson over tasks (mean K: percentile
bootstrap over tasks); the random baseline pools its seeds (Wilson over tasks x seeds). What
changes with the seed (the training order and exploration, the team's task sample) gets a
Student-t interval over seeds; the static router's held-out rate is Wilson over test tasks.

Example:
    >>> report = run("hash", rounds=1, team_tasks=0)
    >>> report.mode("top-1").count, report.mode("top-1", "ambiguous").count
    (272, 68)
    >>> 0.0 <= report.rounds[-1].learned.mean <= 1.0
    True
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from agora.agents.routing import RouteMode, Router
from agora.embeddings import CachedEmbedder, Embedder, HashEmbedder
from agora.errors import AgoraError, ConfigError
from agora.evals._routing_modes import (
    ROUTER,
    ModeScore,
    all_modes,
    mode_scores,
    router_scorer,
)
from agora.evals._synthetic import (
    Interval,
    add_seed_arguments,
    fail,
    interval,
    seeds_of,
    write_json,
)
from agora.evals._team import TeamRow, model_rows, team_rows
from agora.evals.router_settings import DYNAMIC_P, make_router
from agora.evals.stats import wilson
from agora.evals.tasks import Expert, Task, load_experts, load_tasks, misleading_profiles

if TYPE_CHECKING:
    from agora.models.base import Model

__all__ = [
    "DYNAMIC_P",
    "ModeScore",
    "RoundRow",
    "RoundScore",
    "RoutingReport",
    "learning_curve",
    "main",
    "make_embedder",
    "make_router",
    "run",
    "score_modes",
]

EmbedderName = Literal["minilm", "hash"]
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundScore:
    """Held-out top-1 right-expert rates after one round of learning, on one seed.

    Attributes:
        round: 0 before any learning, then 1, 2, ...
        learned: the router that records outcomes.
        static: the same router that never records.
        train: the learned router's right-expert rate while routing that round's train
            split (with exploration on); ``None`` for round 0.
    """

    round: int
    learned: float
    static: float
    train: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundRow:
    """One round over the seeds.

    Attributes:
        round: 0 before any learning, then 1, 2, ...
        learned: held-out top-1 of the learned router, Student-t 95% over seeds.
        static: the static router (baseline): deterministic, Wilson 95% over test tasks.
        gain: learned minus static, paired by seed, Student-t 95%.
        train: the learned router on that round's train split (exploring); ``None`` at 0.
    """

    round: int
    learned: Interval
    static: Interval
    gain: Interval
    train: Interval | None = None


@dataclass(kw_only=True)
class RoutingReport:
    """Everything one run of the eval measured."""

    embedder: str
    seeds: list[int]
    modes: list[ModeScore] = field(default_factory=list)
    rounds: list[RoundRow] = field(default_factory=list)
    teams: list[TeamRow] = field(default_factory=list)
    model: str | None = None
    """The model the experts ran on (``--model``), if any."""

    def mode(self, label: str, tasks: str = "clear", method: str = ROUTER) -> ModeScore:
        """The score of `method` in mode `label` (e.g. ``"top-1"``) on `tasks`."""
        return next(
            s for s in self.modes if s.label == label and s.tasks == tasks and s.method == method
        )

    def team(self, label: str) -> TeamRow:
        """The team row called `label`."""
        return next(t for t in self.teams if t.label == label)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return asdict(self)


def make_embedder(name: EmbedderName) -> Embedder:
    """The eval's embedder, cached so each text is embedded once across routers.

    Example:
        >>> make_embedder("hash").dim
        256
    """
    if name == "hash":
        return CachedEmbedder(HashEmbedder())
    if name == "minilm":
        from agora.embeddings import default_embedder

        return CachedEmbedder(default_embedder())
    raise ValueError(f"unknown embedder {name!r}; use 'minilm' or 'hash'")


def score_modes(
    router: Router, domain_of: Mapping[str, str], tasks: Iterable[Task]
) -> list[ModeScore]:
    """The router's top-1, top-2 and dynamic-K scores on the clear and the ambiguous `tasks`.

    Example:
        >>> router = make_router(make_embedder("hash"), {"geo": "capitals", "chem": "acids"})
        >>> task = Task("t1", "capitals of Europe", ("geography",), "test")
        >>> score_modes(router, {"geo": "geography", "chem": "chemistry"}, [task])[0].right.mean
        1.0
    """
    return mode_scores(ROUTER, router_scorer(router, domain_of), list(tasks))


def _held_out(router: Router, domain_of: Mapping[str, str], tasks: Sequence[Task]) -> float:
    explore, router.explore = router.explore, False
    try:
        outcomes = router_scorer(router, domain_of)(tasks, {"mode": "top1"})
        return sum(o.right for o in outcomes) / max(1, len(outcomes))
    finally:
        router.explore = explore


def _train_round(
    router: Router, domain_of: Mapping[str, str], tasks: Sequence[Task], rng: np.random.Generator
) -> float:
    right = 0
    for index in rng.permutation(len(tasks)):
        task = tasks[int(index)]
        route = router.route(task.text, mode="top1")
        success = domain_of[route.primary] in task.domains
        router.record(route, route.primary, success, task=task.text)
        right += success
    return right / max(1, len(tasks))


def learning_curve(
    embedder: Embedder,
    experts: Sequence[Expert],
    tasks: Sequence[Task],
    *,
    rounds: int,
    seed: int = 0,
) -> list[RoundScore]:
    """Learned vs static top-1 on the test split, before and after each training round.

    Both routers start from `misleading_profiles`; scripted experts are right iff the task's
    domain is their true domain.

    Example:
        >>> curve = learning_curve(make_embedder("hash"), load_experts(), load_tasks(), rounds=1)
        >>> [r.round for r in curve]
        [0, 1]
    """
    profiles = misleading_profiles(experts)
    domain_of = {e.name: e.domain for e in experts}
    train = [t for t in tasks if t.split == "train"]
    test = [t for t in tasks if t.split == "test"]
    learned = make_router(embedder, profiles, explore=True, seed=seed)
    static = make_router(embedder, profiles)
    static_rate = _held_out(static, domain_of, test)  # never records, so it never changes
    curve = [RoundScore(round=0, learned=_held_out(learned, domain_of, test), static=static_rate)]
    rng = np.random.default_rng(seed)
    for number in range(1, rounds + 1):
        train_rate = _train_round(learned, domain_of, train, rng)
        held = _held_out(learned, domain_of, test)
        curve.append(RoundScore(round=number, learned=held, static=static_rate, train=train_rate))
    return curve


def _rounds(curves: Sequence[list[RoundScore]], test_count: int) -> list[RoundRow]:
    rows: list[RoundRow] = []
    for number in range(len(curves[0])):
        at = [curve[number] for curve in curves]
        static = at[0].static  # never records, so every seed gives the same rate
        hits = round(static * test_count)
        train = [r.train for r in at if r.train is not None]
        rows.append(
            RoundRow(
                round=number,
                learned=interval([r.learned for r in at]),
                static=Interval(static, *wilson(hits, test_count)),
                gain=interval([r.learned - r.static for r in at], clip=False),
                train=interval(train) if len(train) == len(at) else None,
            )
        )
    return rows


def run(
    embedder: EmbedderName = "minilm",
    *,
    seeds: Sequence[int] = (0,),
    rounds: int = 5,
    team_tasks: int = 16,
    model: Model | None = None,
    model_tasks: int = 8,
    progress: Progress | None = None,
) -> RoutingReport:
    """Run the whole eval over `seeds` and return its numbers (nothing is printed).

    Args:
        embedder: ``"minilm"`` (the real, offline MiniLM) or ``"hash"`` (fast, lexical).
        seeds: each seeds exploration, the training order and the teams' task samples.
        rounds: training rounds of the learned router.
        team_tasks: test tasks per seed run through a real `Team` (0 skips that part).
        model: when given, experts run on it (`agora.evals._team.model_path`).
        model_tasks: test tasks per seed run with experts on `model` (0 skips them).
        progress: told one line per seed and part.
    """
    say = progress or (lambda line: None)
    seeds = list(seeds)
    emb = make_embedder(embedder)
    experts, tasks = load_experts(), load_tasks()
    test = [t for t in tasks if t.split == "test"]
    router = make_router(emb, {e.name: e.expertise for e in experts})
    report = RoutingReport(
        embedder=embedder, seeds=seeds, modes=all_modes(router, experts, tasks, seeds)
    )
    say(f"routing modes scored ({embedder})")
    curves = []
    for seed in seeds:
        curves.append(learning_curve(emb, experts, tasks, rounds=rounds, seed=seed))
        say(f"learning curve, seed {seed}: {rounds} rounds")
    report.rounds = _rounds(curves, len(test)) if curves else []

    def factory(mode: RouteMode, seed: int) -> Router:
        return make_router(emb, {}, mode=mode, seed=seed)

    if team_tasks:
        report.teams = team_rows(factory, experts, test, seeds, team_tasks, say)
    if model is not None and model_tasks:
        report.model = model.name
        report.teams += model_rows(factory, experts, test, model, seeds, model_tasks, say)
    return report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m agora.evals.routing",
        description="Routing eval: does the Router send each task to the right expert? "
        "BM25 over the same profiles and a random expert are the baselines; 95%% intervals.",
    )
    parser.add_argument("--embedder", choices=("minilm", "hash"), default="minilm")
    add_seed_arguments(parser)
    parser.add_argument("--rounds", type=int, default=5, help="learning rounds (default 5)")
    parser.add_argument(
        "--team-tasks", type=int, default=16, help="tasks per seed run through a Team"
    )
    parser.add_argument(
        "--model",
        metavar="SPEC",
        help="also run the experts on this model ('local', a .gguf path, "
        "http://host:port/v1#name, openai:NAME)",
    )
    parser.add_argument(
        "--model-tasks", type=int, default=8, help="tasks per seed with --model (default 8)"
    )
    parser.add_argument(
        "--local",
        type=int,
        nargs="?",
        const=8,
        metavar="N",
        help="deprecated: the same as --model local --model-tasks N",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the report here")
    return parser


def _check(args: argparse.Namespace) -> list[int]:
    """The seeds to run; raises `ConfigError` for the first bad argument."""
    if args.local is not None:
        print("warning: --local is deprecated; use --model local --model-tasks N", file=sys.stderr)
        if args.model and args.model != "local":
            raise ConfigError(f"--local and --model {args.model} conflict; give only --model")
        args.model, args.model_tasks = "local", args.local
    for name in ("rounds", "team_tasks", "model_tasks"):
        value = getattr(args, name)
        if value < 0:
            raise ConfigError(f"--{name.replace('_', '-')} must be >= 0, got {value}")
    return seeds_of(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (errors print as ``Type: message``).

    Example:
        >>> main(["--rounds", "-1"])
        1
    """
    args = _parser().parse_args(argv)
    try:
        seeds = _check(args)
        from agora.models.spec import model_from_spec  # looked up per call (tests patch it)

        model = model_from_spec(args.model) if args.model else None
        report = run(
            args.embedder,
            seeds=seeds,
            rounds=args.rounds,
            team_tasks=args.team_tasks,
            model=model,
            model_tasks=args.model_tasks,
            progress=lambda line: print(f"routing: {line}", file=sys.stderr, flush=True),
        )
        if args.json:
            write_json(args.json, report.to_dict())
    except AgoraError as exc:
        return fail(exc)
    from agora.evals._render import render

    render(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Routing eval: does the `Router` send each task to the right expert?

Run it with ``python -m agora.evals.routing`` (``--embedder hash`` for the fast, non-semantic
embedder; ``--json`` for machine-readable output; ``--local N`` to also run N tasks on the
embedded local model). Everything is seeded; the data ships in `agora.evals.tasks`.

How each number is scored (a task's *domains* are its labels; an expert is *right* for a task
when its domain is one of them):

- **top-1**: right when the single chosen expert is right.
- **top-2**: right when either of the two chosen experts is right.
- **dynamic p**: experts are taken, best first, until their probabilities add up to ``p``
  (at most 4); right when any chosen expert is right. ``mean K`` is the average number
  chosen, ``covers`` the share of tasks whose every domain has a chosen expert (the point of
  dynamic K on ambiguous tasks).
- **learned vs static**: 3 of the 8 experts start with misleading profiles
  (`misleading_profiles`). The learned router routes the train split each round with
  Thompson sampling and records whether the expert was right; the static router is the same
  router with no `Router.record` calls. After each round both are scored top-1 on the
  held-out test split with exploration off.
- **team**: a real `Team` (a ``policy="router"`` entry agent plus the eight experts on
  `FunctionModel`) runs test tasks and learns through `Team.feedback`.

Example:
    >>> report = run("hash", rounds=1, team_tasks=0)
    >>> report.mode("top-1").count, report.mode("top-1", "ambiguous").count
    (272, 68)
    >>> 0.0 <= report.rounds[-1].learned <= 1.0
    True
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from agora.agents.router import RouteMode, Router
from agora.embeddings import CachedEmbedder, Embedder, HashEmbedder
from agora.evals._team import TeamScore, local_path, team_path
from agora.evals.tasks import Expert, Task, load_experts, load_tasks, misleading_profiles

__all__ = [
    "DYNAMIC_P",
    "ModeScore",
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
#: Softmax temperature of every router in the eval (the `Router` default).
TEMPERATURE = 0.05
#: The ``p`` thresholds of dynamic K that the eval reports; the middle one is the headline.
DYNAMIC_P = (0.6, 0.7, 0.8)
#: Topic clustering threshold: MiniLM puts same-domain questions at cosine ~0.3-0.5, so the
#: `Router` default (0.5) makes almost one topic per task and reliabilities do not transfer.
TOPIC_THRESHOLD = 0.3


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeScore:
    """How one routing mode did on one kind of task.

    Attributes:
        label: ``"top-1"``, ``"top-2"`` or ``"dynamic p=0.7"``.
        tasks: ``"clear"`` or ``"ambiguous"``.
        count: tasks scored.
        right: share of tasks with at least one right expert chosen (see the module doc).
        mean_k: experts chosen per task, on average.
        covers: share of tasks whose every domain got a chosen expert.
    """

    label: str
    tasks: str
    count: int
    right: float
    mean_k: float
    covers: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundScore:
    """Held-out top-1 right-expert rates after one round of learning.

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


@dataclass(kw_only=True)
class RoutingReport:
    """Everything one run of the eval measured."""

    embedder: str
    seed: int
    modes: list[ModeScore] = field(default_factory=list)
    rounds: list[RoundScore] = field(default_factory=list)
    team: TeamScore | None = None
    local: TeamScore | None = None

    def mode(self, label: str, tasks: str = "clear") -> ModeScore:
        """The score of `label` (e.g. ``"top-1"``) on ``"clear"`` or ``"ambiguous"`` tasks."""
        return next(s for s in self.modes if s.label == label and s.tasks == tasks)

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


def make_router(
    embedder: Embedder,
    profiles: Mapping[str, str],
    *,
    mode: RouteMode = "top1",
    explore: bool = False,
    seed: int = 0,
) -> Router:
    """A `Router` with the eval's settings and one registered agent per profile.

    Example:
        >>> router = make_router(make_embedder("hash"), {"geo": "capitals and rivers"})
        >>> router.route("Which river flows through Paris?").primary
        'geo'
    """
    router = Router(
        embedder,
        mode=mode,
        temperature=TEMPERATURE,
        p=DYNAMIC_P[1],
        k_max=4,
        topic_threshold=TOPIC_THRESHOLD,
        explore=explore,
        seed=seed,
        # Chosen on the BIG-bench eval's dev split (bbh, carved from train, 5 seeds:
        # `python -m agora.evals.bigbench run --dev`), never on a test split.
        normalize=True,
        repel=0.5,
        lexical_weight=0.1,
    )
    for name, text in profiles.items():
        router.register(name, text)
    return router


def _score(
    router: Router, domain_of: Mapping[str, str], tasks: Sequence[Task], label: str, **how: Any
) -> ModeScore:
    right = covers = chosen = 0
    for task in tasks:
        route = router.route(task.text, **how)
        domains = {domain_of[name] for name in route.experts}
        right += bool(domains.intersection(task.domains))
        covers += domains.issuperset(task.domains)
        chosen += route.k
    n = max(1, len(tasks))
    kind = "clear" if all(t.clear for t in tasks) else "ambiguous"
    return ModeScore(
        label=label,
        tasks=kind,
        count=len(tasks),
        right=right / n,
        mean_k=chosen / n,
        covers=covers / n,
    )


def score_modes(
    router: Router, domain_of: Mapping[str, str], tasks: Iterable[Task]
) -> list[ModeScore]:
    """Top-1, top-2 and dynamic-K scores on the clear and on the ambiguous `tasks`.

    Example:
        >>> router = make_router(make_embedder("hash"), {"geo": "capitals", "chem": "acids"})
        >>> task = Task("t1", "capitals of Europe", ("geography",), "test")
        >>> score_modes(router, {"geo": "geography", "chem": "chemistry"}, [task])[0].right
        1.0
    """
    tasks = list(tasks)
    scores: list[ModeScore] = []
    for group in ([t for t in tasks if t.clear], [t for t in tasks if not t.clear]):
        if not group:
            continue
        scores.append(_score(router, domain_of, group, "top-1", mode="top1"))
        scores.append(_score(router, domain_of, group, "top-2", mode="topk", k=2))
        for p in DYNAMIC_P:
            scores.append(_score(router, domain_of, group, f"dynamic p={p}", mode="dynamic", p=p))
    return scores


def _held_out(router: Router, domain_of: Mapping[str, str], tasks: Sequence[Task]) -> float:
    explore, router.explore = router.explore, False
    try:
        return _score(router, domain_of, tasks, "top-1", mode="top1").right
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


def run(
    embedder: EmbedderName = "minilm",
    *,
    seed: int = 0,
    rounds: int = 5,
    team_tasks: int = 16,
    local: int = 0,
) -> RoutingReport:
    """Run the whole eval and return its numbers (nothing is printed).

    Args:
        embedder: ``"minilm"`` (the real, offline MiniLM) or ``"hash"`` (fast, lexical).
        seed: seeds exploration, the training order and the team's task sample.
        rounds: training rounds of the learned router.
        team_tasks: test tasks run through a real `Team` (0 skips that part).
        local: tasks run on the embedded local model (0 skips it; loads a GGUF model).
    """
    emb = make_embedder(embedder)
    experts, tasks = load_experts(), load_tasks()
    domain_of = {e.name: e.domain for e in experts}
    router = make_router(emb, {e.name: e.expertise for e in experts})
    report = RoutingReport(embedder=embedder, seed=seed)
    test = [t for t in tasks if t.split == "test"]
    report.modes = score_modes(router, domain_of, tasks)
    report.modes.insert(1, _score(router, domain_of, test, "top-1 test split", mode="top1"))
    report.rounds = learning_curve(emb, experts, tasks, rounds=rounds, seed=seed)
    if team_tasks:
        report.team = team_path(
            make_router(emb, {}, mode="dynamic", seed=seed),
            experts,
            test,
            count=team_tasks,
            seed=seed,
        )
    if local:
        report.local = local_path(make_router(emb, {}), experts, test, count=local, seed=seed)
    return report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m agora.evals.routing",
        description="Routing eval: does the Router send each task to the right expert?",
    )
    parser.add_argument("--embedder", choices=("minilm", "hash"), default="minilm")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=5, help="learning rounds (default 5)")
    parser.add_argument("--team-tasks", type=int, default=16, help="tasks run through a Team")
    parser.add_argument(
        "--local",
        type=int,
        nargs="?",
        const=8,
        default=0,
        metavar="N",
        help="also route N tasks (default 8) to experts on the local model",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status.

    Example:
        >>> main(["--embedder", "hash", "--rounds", "1", "--team-tasks", "0", "--json"])
        ... # doctest: +ELLIPSIS
        {...}
        0
    """
    args = _parser().parse_args(argv)
    if args.rounds < 0 or args.team_tasks < 0 or args.local < 0:
        print("UserError: --rounds, --team-tasks and --local must be >= 0", file=sys.stderr)
        return 1
    report = run(
        args.embedder,
        seed=args.seed,
        rounds=args.rounds,
        team_tasks=args.team_tasks,
        local=args.local,
    )
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        from agora.evals._render import render

        render(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

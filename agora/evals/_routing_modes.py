"""The routing eval's per-mode scoring and its baselines (internal).

A *ranker* maps a task's text to experts with probabilities, best first; `score_ranker`
scores it in every routing mode the eval reports (top-1, top-2, dynamic K), the way
`agora.evals.routing.score_modes` scores the `Router`.

- `bm25_ranker`: BM25 of the task against the same expertise profiles the router embeds
  (`agora.evals.bigbench.methods.BM25Method`, reused: its softmax temperature is fitted on
  the train split only, which only moves dynamic K).
- `random_ranker`: a uniformly random order of the experts at equal probabilities (chance:
  top-1 right 1/8 with eight experts; dynamic K always takes the cap, since equal shares
  reach ``p`` late).

`all_modes` scores the router and both baselines in every mode (`ModeScore`): shares with
Wilson intervals, mean K with a percentile bootstrap over tasks.

Example:
    >>> from agora.evals.tasks import load_experts, load_tasks
    >>> experts, tasks = load_experts(), load_tasks()
    >>> rank = bm25_ranker(experts, tasks)
    >>> rank("What is 17 times 23?")[0][0]
    'arithmetic'
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agora.agents.routing import Router
from agora.evals._synthetic import Interval
from agora.evals.bigbench.methods import BM25Method, Example
from agora.evals.bigbench.metrics import dynamic_count
from agora.evals.router_settings import DYNAMIC_P
from agora.evals.stats import bootstrap_mean, wilson
from agora.evals.tasks import Expert, Task

__all__ = [
    "MODES",
    "ModeScore",
    "Outcome",
    "Ranker",
    "all_modes",
    "bm25_ranker",
    "mode_scores",
    "outcome",
    "random_ranker",
    "router_scorer",
    "score_ranker",
]

Ranker = Callable[[str], Sequence[tuple[str, float]]]
K_MAX = 4
#: The routing modes scored, as `Router.route` keywords.
MODES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("top-1", {"mode": "top1"}),
    ("top-2", {"mode": "topk", "k": 2}),
    *((f"dynamic p={p}", {"mode": "dynamic", "p": p}) for p in DYNAMIC_P),
)
ROUTER, BM25, RANDOM = "router", "BM25 over profiles", "random expert"


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeScore:
    """How one method did in one routing mode on one kind of task.

    Attributes:
        method: ``"router"``, ``"BM25 over profiles"`` or ``"random expert"``.
        label: ``"top-1"``, ``"top-2"``, ``"dynamic p=0.7"`` or ``"top-1 test split"``.
        tasks: ``"clear"`` or ``"ambiguous"``.
        count: routings scored (tasks; tasks x seeds for the random baseline).
        right: share with at least one right expert chosen, Wilson 95% interval.
        mean_k: experts chosen per task, percentile-bootstrap 95% interval over tasks.
        covers: share whose every domain got a chosen expert, Wilson 95% interval.
        baseline: whether the method is a baseline.
    """

    method: str
    label: str
    tasks: str
    count: int
    right: Interval
    mean_k: Interval
    covers: Interval
    baseline: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """One task routed in one mode: did a right expert come up, were all domains covered."""

    right: bool
    covers: bool
    k: int


def outcome(chosen: Sequence[str], domain_of: Mapping[str, str], task: Task) -> Outcome:
    """Score the experts `chosen` for `task`.

    Example:
        >>> task = Task("t", "acids", ("chemistry",), "test")
        >>> outcome(["chem", "geo"], {"chem": "chemistry", "geo": "geography"}, task)
        Outcome(right=True, covers=True, k=2)
    """
    domains = {domain_of[name] for name in chosen}
    return Outcome(
        bool(domains.intersection(task.domains)), domains.issuperset(task.domains), len(chosen)
    )


def _choose(ranked: Sequence[tuple[str, float]], how: Mapping[str, object]) -> list[str]:
    mode = how["mode"]
    if mode == "top1":
        count = 1
    elif mode == "topk":
        count = int(str(how["k"]))
    else:
        p = float(str(how["p"]))
        count = dynamic_count([prob for _, prob in ranked], p=p, k_max=K_MAX)
    return [name for name, _ in ranked[:count]]


def score_ranker(
    rank: Ranker, domain_of: Mapping[str, str], tasks: Sequence[Task], how: Mapping[str, object]
) -> list[Outcome]:
    """Each task's outcome when `rank`'s experts are taken as `how` says.

    `how` is the `Router.route` keywords: ``{"mode": "top1"}``, ``{"mode": "topk", "k": 2}``
    or ``{"mode": "dynamic", "p": 0.7}`` (at most 4 experts).
    """
    return [outcome(_choose(rank(t.text), how), domain_of, t) for t in tasks]


def bm25_ranker(experts: Sequence[Expert], tasks: Sequence[Task]) -> Ranker:
    """BM25 over the experts' profiles, calibrated on the ``train`` split of `tasks`."""
    method = BM25Method(name="BM25 over profiles")
    name_of = {e.domain: e.name for e in experts}
    train = [Example(name_of[t.domains[0]], t.text) for t in tasks if t.split == "train"]
    method.fit({e.name: e.expertise for e in experts}, train)
    cache: dict[str, Sequence[tuple[str, float]]] = {}

    def rank(text: str) -> Sequence[tuple[str, float]]:
        if text not in cache:
            cache[text] = method.rank([text])[0].ranked
        return cache[text]

    return rank


def random_ranker(experts: Sequence[Expert], seed: int) -> Ranker:
    """A seeded random order of the experts per text (the same text, the same order).

    Example:
        >>> from agora.evals.tasks import load_experts
        >>> rank = random_ranker(load_experts(), 0)
        >>> rank("x") == rank("x"), len(rank("x"))
        (True, 8)
    """
    names = [e.name for e in experts]
    share = 1.0 / max(1, len(names))
    rng = random.Random(f"random-ranker-{seed}")
    cache: dict[str, Sequence[tuple[str, float]]] = {}

    def rank(text: str) -> Sequence[tuple[str, float]]:
        if text not in cache:
            cache[text] = [(name, share) for name in rng.sample(names, len(names))]
        return cache[text]

    return rank


def _summary(
    method: str, label: str, kind: str, outcomes: Sequence[Outcome], baseline: bool
) -> ModeScore:
    n = len(outcomes)
    right = sum(o.right for o in outcomes)
    covers = sum(o.covers for o in outcomes)
    ks = [float(o.k) for o in outcomes] or [0.0]
    return ModeScore(
        method=method,
        label=label,
        tasks=kind,
        count=n,
        right=Interval(right / max(1, n), *wilson(right, n)),
        mean_k=Interval(*bootstrap_mean(ks)),
        covers=Interval(covers / max(1, n), *wilson(covers, n)),
        baseline=baseline,
    )


Scorer = Callable[[Sequence[Task], Mapping[str, Any]], list[Outcome]]


def mode_scores(
    method: str, score: Scorer, tasks: Sequence[Task], *, baseline: bool = False
) -> list[ModeScore]:
    """`method`'s score in every mode of `MODES`, on the clear and on the ambiguous tasks."""
    out: list[ModeScore] = []
    for kind, group in (
        ("clear", [t for t in tasks if t.clear]),
        ("ambiguous", [t for t in tasks if not t.clear]),
    ):
        if group:
            out += [
                _summary(method, label, kind, score(group, how), baseline) for label, how in MODES
            ]
    return out


def router_scorer(router: Router, domain_of: Mapping[str, str]) -> Scorer:
    """Score `router` itself: each task routed with `Router.route` in the mode asked."""

    def score(tasks: Sequence[Task], how: Mapping[str, Any]) -> list[Outcome]:
        return [outcome(router.route(t.text, **how).experts, domain_of, t) for t in tasks]

    return score


def _ranker_scorer(rankers: Sequence[Ranker], domain_of: Mapping[str, str]) -> Scorer:
    """Outcomes of every ranker (one per seed for the random baseline), pooled."""

    def score(tasks: Sequence[Task], how: Mapping[str, Any]) -> list[Outcome]:
        return [o for rank in rankers for o in score_ranker(rank, domain_of, tasks, how)]

    return score


def all_modes(
    router: Router, experts: Sequence[Expert], tasks: Sequence[Task], seeds: Sequence[int]
) -> list[ModeScore]:
    """The router's rows (plus top-1 on the test split), then BM25's, then random's."""
    domain_of = {e.name: e.domain for e in experts}
    test = [t for t in tasks if t.split == "test"]
    modes = mode_scores(ROUTER, router_scorer(router, domain_of), tasks)
    split = router_scorer(router, domain_of)(test, {"mode": "top1"})
    modes.insert(1, _summary(ROUTER, "top-1 test split", "clear", split, False))
    bm25 = _ranker_scorer([bm25_ranker(experts, tasks)], domain_of)
    modes += mode_scores(BM25, bm25, tasks, baseline=True)
    rankers = [random_ranker(experts, seed) for seed in seeds]
    modes += mode_scores(RANDOM, _ranker_scorer(rankers, domain_of), tasks, baseline=True)
    return modes

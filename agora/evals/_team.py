"""The routing eval's end-to-end part: tasks run through a real `Team` (internal).

The entry agent, ``triage``, decides where each task goes; the eight experts answer.

- `team_path`: triage follows the router (``policy="router"``): it forwards a task to the
  expert the router ranks first, or consults several when the router chooses more than one
  and majority-votes their answers. The scripted experts answer ``"right"`` when the task is
  in their domain and ``"wrong"`` otherwise; `Team.feedback` then tells the router how it went.
- `random_path`: the baseline. Triage forwards every task to a uniformly random expert (a
  seeded `FunctionModel` choosing among the neighbours it is offered); scripted experts.
- `model_path`: every expert runs on a model (``--model SPEC``); triage follows the router,
  or, with ``triage="model"``, runs on the model too and chooses the expert itself among the
  neighbours the router ranks for it. The task set has no reference answers, so answers are
  shown, not judged; what is scored is who got the task and who answered it.

`summarize` turns per-seed `TeamScore`s into means with 95% Student-t intervals over seeds.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from agora.agents.agent import Agent
from agora.agents.routing import RouteMode, Router
from agora.evals._synthetic import Interval, interval
from agora.evals.tasks import Expert, Task
from agora.models.base import Message, Model
from agora.runtime.result import Result
from agora.runtime.team import Team
from agora.testing import FunctionModel

__all__ = [
    "RouterFactory",
    "TeamRow",
    "TeamScore",
    "model_path",
    "model_rows",
    "random_path",
    "summarize",
    "team_path",
    "team_rows",
]

_Reply = Callable[[Sequence[Message], Any], str]
RouterFactory = Callable[[RouteMode, int], Router]
"""Builds an empty router in a routing mode for a seed."""
Progress = Callable[[str], None]


@dataclass(kw_only=True)
class TeamScore:
    """How tasks fared through a real `Team` on one seed.

    Attributes:
        count: tasks run.
        right_expert: share of runs whose first routing choice included a right expert.
        answered_right: share of runs in which an expert of one of the task's domains sent
            an answer (to the entry agent or to the user); a model expert may instead pass
            the task on.
        right_answer: share of runs whose final answer was right (scripted experts only).
        mean_k: experts the entry agent chose per task, on average.
        samples: ``(task, chosen experts, answered by, answer)`` for a few runs.
    """

    count: int
    right_expert: float
    answered_right: float
    right_answer: float | None
    mean_k: float
    samples: list[tuple[str, list[str], str, str]] = field(default_factory=list)


@dataclass(kw_only=True)
class TeamRow:
    """One team configuration over the seeds: means with 95% Student-t intervals.

    Attributes:
        label: what ran (e.g. ``"scripted experts, router triage"``).
        baseline: whether this is the table's baseline row.
        tasks: tasks run per seed.
        seeds: seeds run.
        right_expert, answered_right, mean_k: as in `TeamScore`, over seeds.
        right_answer: as in `TeamScore`; ``None`` when answers are not judged.
        samples: the first seed's samples.
    """

    label: str
    baseline: bool
    tasks: int
    seeds: int
    right_expert: Interval
    answered_right: Interval
    right_answer: Interval | None
    mean_k: Interval
    samples: list[tuple[str, list[str], str, str]] = field(default_factory=list)


def summarize(label: str, scores: Sequence[TeamScore], *, baseline: bool = False) -> TeamRow:
    """Means over the seeds' `scores` with 95% Student-t intervals.

    Example:
        >>> one = TeamScore(count=2, right_expert=1.0, answered_right=1.0, right_answer=None,
        ...                 mean_k=1.0)
        >>> summarize("x", [one, one]).right_expert
        Interval(mean=1.0, low=1.0, high=1.0)
    """
    judged = [s.right_answer for s in scores if s.right_answer is not None]
    return TeamRow(
        label=label,
        baseline=baseline,
        tasks=scores[0].count if scores else 0,
        seeds=len(scores),
        right_expert=interval([s.right_expert for s in scores]),
        answered_right=interval([s.answered_right for s in scores]),
        right_answer=interval(judged) if len(judged) == len(scores) and judged else None,
        mean_k=interval([s.mean_k for s in scores], clip=False),
        samples=list(scores[0].samples) if scores else [],
    )


def _scripted(domain: str, domains_of: dict[str, tuple[str, ...]]) -> _Reply:
    def reply(messages: Sequence[Message], schema: object) -> str:
        task = messages[-1].content.split("\n", 1)[0].removeprefix("Task: ")
        answer = "right" if domain in domains_of.get(task, ()) else "wrong"
        return json.dumps({"action": "answer", "answer": answer})

    return reply


def _triage() -> Agent:
    def unused(messages: Sequence[Message], schema: object) -> str:
        return json.dumps({"action": "answer", "answer": "no expert left"})

    return Agent("triage", FunctionModel(unused), policy="router", aggregate="vote")


def _forward_targets(schema: Any) -> list[str]:
    """The neighbours a decision schema lets the agent forward to (none: it must answer)."""
    if not isinstance(schema, dict):
        return []
    for variant in [schema, *schema.get("$defs", {}).values()]:
        props = variant.get("properties", {}) if isinstance(variant, dict) else {}
        if props.get("action", {}).get("const") == "forward":
            to = props.get("to", {})
            return list(to.get("enum") or ([to["const"]] if "const" in to else []))
    return []


def _random_triage(seed: int) -> Agent:
    rng = random.Random(f"random-triage-{seed}")

    def reply(messages: Sequence[Message], schema: object) -> str:
        targets = sorted(_forward_targets(schema))
        if not targets:
            return json.dumps({"action": "answer", "answer": "no expert left"})
        to = rng.choice(targets)
        return json.dumps({"action": "forward", "to": to, "reason": "a random expert"})

    return Agent("triage", FunctionModel(reply, name="random-triage"))


def _first_choice(result: Result) -> tuple[str, ...]:
    if not result.routes:
        return ()
    first = result.routes[0]
    chosen = first.chosen or first.route.experts
    return tuple(name for name in chosen if name != first.holder)  # answering itself: none


def _sample(tasks: Sequence[Task], count: int, seed: int) -> list[Task]:
    """A seeded sample of `count` tasks spread evenly over their first domains."""
    shuffled = random.Random(seed).sample(list(tasks), len(tasks))
    by_domain: dict[str, list[Task]] = {}
    for task in shuffled:
        by_domain.setdefault(task.domains[0], []).append(task)
    queues = list(by_domain.values())
    picked: list[Task] = []
    while len(picked) < min(count, len(tasks)):
        for queue in queues:
            if queue and len(picked) < count:
                picked.append(queue.pop(0))
    return picked


def _score(
    team: Team,
    experts: Sequence[Expert],
    tasks: Sequence[Task],
    *,
    judge: bool,
    learn: bool | None = None,
) -> TeamScore:
    """Run `tasks`; `judge` scores scripted answers, `learn` (default: `judge`) feeds back."""
    domain_of = {e.name: e.domain for e in experts}
    right_expert = answered_right = right_answer = chosen = 0
    samples: list[tuple[str, list[str], str, str]] = []
    for task in tasks:
        result = team.run_sync(task.text)
        first = _first_choice(result)
        right_expert += any(domain_of.get(name) in task.domains for name in first)
        answerers = {env.sender for env in result.trace if env.kind == "answer"}
        answered_right += any(domain_of.get(name) in task.domains for name in answerers)
        chosen += len(first)
        correct = result.answer.strip().casefold() == "right"
        right_answer += correct
        if judge if learn is None else learn:
            team.feedback(result, correct)
        if len(samples) < 8:
            samples.append((task.text, list(first), result.answered_by, result.answer[:80]))
    n = max(1, len(tasks))
    return TeamScore(
        count=len(tasks),
        right_expert=right_expert / n,
        answered_right=answered_right / n,
        right_answer=right_answer / n if judge else None,
        mean_k=chosen / n,
        samples=samples,
    )


def _scripted_members(experts: Sequence[Expert], tasks: Sequence[Task]) -> list[Agent]:
    domains_of = {t.text: t.domains for t in tasks}
    return [
        Agent(e.name, FunctionModel(_scripted(e.domain, domains_of)), expertise=e.expertise)
        for e in experts
    ]


def team_path(
    router: Router, experts: Sequence[Expert], tasks: Sequence[Task], *, count: int, seed: int
) -> TeamScore:
    """Run `count` of `tasks` (a seeded sample) through a `Team` of scripted experts.

    Example:
        >>> from agora.evals.routing import make_embedder, make_router
        >>> from agora.evals.tasks import load_experts, load_tasks
        >>> router = make_router(make_embedder("hash"), {}, explore=True)
        >>> tasks = [t for t in load_tasks() if t.split == "test"]
        >>> team_path(router, load_experts(), tasks, count=2, seed=0).count
        2
    """
    team = Team([_triage(), *_scripted_members(experts, tasks)], router=router)
    return _score(team, experts, _sample(tasks, count, seed), judge=True)


def random_path(
    router: Router, experts: Sequence[Expert], tasks: Sequence[Task], *, count: int, seed: int
) -> TeamScore:
    """The baseline: the same tasks and scripted experts, triage forwarding at random.

    The router only ranks the neighbours offered; the random triage ignores the ranking.
    Nothing is fed back (a random choice learns nothing).
    """
    team = Team([_random_triage(seed), *_scripted_members(experts, tasks)], router=router)
    return _score(team, experts, _sample(tasks, count, seed), judge=True, learn=False)


def model_path(
    router: Router,
    experts: Sequence[Expert],
    tasks: Sequence[Task],
    model: Model,
    *,
    count: int,
    seed: int,
    triage: Literal["router", "model"] = "router",
) -> TeamScore:
    """Run `count` tasks with every expert on `model` (slow on a real model).

    With ``triage="model"`` the entry agent runs on `model` too and picks the expert.
    The answers are shown, not judged (the task set has no reference answers).
    """
    members = [Agent(e.name, model, e.expertise, max_answer_chars=200) for e in experts]
    entry = _triage() if triage == "router" else Agent("triage", model, max_answer_chars=200)
    team = Team([entry, *members], router=router)
    return _score(team, experts, _sample(tasks, count, seed), judge=False)


def team_rows(
    factory: RouterFactory,
    experts: Sequence[Expert],
    test: Sequence[Task],
    seeds: Sequence[int],
    team_tasks: int,
    say: Progress,
) -> list[TeamRow]:
    """Per seed, `team_path` (dynamic routing) and `random_path`; one row each."""
    routed: list[TeamScore] = []
    randomly: list[TeamScore] = []
    for seed in seeds:
        router = factory("dynamic", seed)
        routed.append(team_path(router, experts, test, count=team_tasks, seed=seed))
        plain = factory("top1", seed)
        randomly.append(random_path(plain, experts, test, count=team_tasks, seed=seed))
        say(f"team path, seed {seed}: {team_tasks} tasks")
    return [
        summarize("scripted experts, router triage", routed),
        summarize("scripted experts, random triage", randomly, baseline=True),
    ]


def model_rows(
    factory: RouterFactory,
    experts: Sequence[Expert],
    test: Sequence[Task],
    model: Model,
    seeds: Sequence[int],
    count: int,
    say: Progress,
) -> list[TeamRow]:
    """Per seed, `model_path` behind the router (top-1) and behind a model triage."""
    by_router: list[TeamScore] = []
    by_model: list[TeamScore] = []
    for seed in seeds:
        by_router.append(
            model_path(factory("top1", seed), experts, test, model, count=count, seed=seed)
        )
        say(f"experts on {model.name}, router triage, seed {seed}: {count} tasks")
        router = factory("top1", seed)
        by_model.append(
            model_path(router, experts, test, model, count=count, seed=seed, triage="model")
        )
        say(f"triage and experts on {model.name}, seed {seed}: {count} tasks")
    return [
        summarize(f"experts on {model.name}, router triage", by_router),
        summarize(f"triage and experts on {model.name}", by_model),
    ]

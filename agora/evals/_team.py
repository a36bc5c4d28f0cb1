"""The routing eval's end-to-end part: tasks run through a real `Team` (internal).

The entry agent, ``triage``, follows the router (``policy="router"``): it forwards a task to
the expert the router ranks first, or consults several when the router chooses more than one
and majority-votes their answers. The scripted experts answer ``"right"`` when the task is in
their domain and ``"wrong"`` otherwise; `Team.feedback` then tells the router how it went.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agora.agents.agent import Agent
from agora.agents.router import Router
from agora.evals.tasks import Expert, Task
from agora.models.base import Message
from agora.runtime.result import Result
from agora.runtime.team import Team
from agora.testing import FunctionModel

__all__ = ["TeamScore", "local_path", "team_path"]

_Reply = Callable[[Sequence[Message], object], str]


@dataclass(kw_only=True)
class TeamScore:
    """How tasks fared through a real `Team`.

    Attributes:
        count: tasks run.
        right_expert: share of runs whose first routing choice was a right expert.
        right_answer: share of runs whose final answer was right (scripted experts only).
        mean_k: experts chosen per task by the entry agent's router, on average.
        samples: ``(task, chosen experts, answer)`` for a few runs.
    """

    count: int
    right_expert: float
    right_answer: float | None
    mean_k: float
    samples: list[tuple[str, list[str], str]] = field(default_factory=list)


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


def _first_choice(result: Result) -> tuple[str, ...]:
    return result.routes[0].route.experts if result.routes else ()


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
    team: Team, experts: Sequence[Expert], tasks: Sequence[Task], *, judge: bool
) -> TeamScore:
    domain_of = {e.name: e.domain for e in experts}
    right_expert = right_answer = chosen = 0
    samples: list[tuple[str, list[str], str]] = []
    for task in tasks:
        result = team.run_sync(task.text)
        first = _first_choice(result)
        right_expert += any(domain_of.get(name) in task.domains for name in first)
        chosen += len(first)
        correct = result.answer.strip().casefold() == "right"
        right_answer += correct
        if judge:
            team.feedback(result, correct)
        if len(samples) < 8:
            samples.append((task.text, list(first), result.answer[:80]))
    n = max(1, len(tasks))
    return TeamScore(
        count=len(tasks),
        right_expert=right_expert / n,
        right_answer=right_answer / n if judge else None,
        mean_k=chosen / n,
        samples=samples,
    )


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
    domains_of = {t.text: t.domains for t in tasks}
    members = [
        Agent(e.name, FunctionModel(_scripted(e.domain, domains_of)), expertise=e.expertise)
        for e in experts
    ]
    team = Team([_triage(), *members], router=router)
    return _score(team, experts, _sample(tasks, count, seed), judge=True)


def local_path(
    router: Router, experts: Sequence[Expert], tasks: Sequence[Task], *, count: int, seed: int
) -> TeamScore:
    """Run `count` tasks with every expert on the embedded local model (slow: real inference).

    The tiny model's answers are shown, not judged: the point is the end-to-end path.
    """
    members = [Agent(e.name, "local", e.expertise, max_answer_chars=200) for e in experts]
    team = Team([_triage(), *members], router=router)
    return _score(team, experts, _sample(tasks, count, seed), judge=False)

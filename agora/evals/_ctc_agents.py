"""The CTC eval's teams: scripted ones drawn from seeded variants, or a real model (internal).

A scripted team is one agent on a `FunctionModel`. Each time it is asked it draws a candidate:
the canonical solution with its probability of being right on this problem, else one of the
problem's buggy variants (`agora.evals.humaneval.variants`), uniformly. The probability comes
from a logistic model, ``logit p = skill_team + ease_problem``, both seeded: teams differ in
skill, problems in difficulty, and a hard problem is hard for every team.

When it revises with insights, a scripted team keeps its draft if its own lesson says the
draft passes every example (or the task has none) and draws again otherwise: one
feedback-driven retry. It reads no other team's lesson: a scripted team cannot learn from
one, so the eval's scripted rows say nothing about that part of insight exchange.

The scripted aggregator merges by picking: of the solutions in its prompt, the one that
passes most of the prompt's own docstring examples (run in the sandbox by the problem's
`CodeScorer`, never the hidden tests), ties broken by a seeded draw.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agora.agents.agent import Agent
from agora.agents.scoring import CodeScorer, extract_code
from agora.evals.humaneval import Problem
from agora.models.base import Message, ModelSettings
from agora.runtime.team import Team
from agora.testing import FunctionModel

__all__ = ["Draws", "scripted_aggregator", "scripted_team"]

_SOLUTION = re.compile(r"^### Solution \d+ \(from [^)]*\)$", re.M)


@dataclass(frozen=True, slots=True)
class Draws:
    """How scripted teams draw candidates for one problem and seed.

    Attributes:
        problem: the problem.
        variants: the canonical solution first, then the buggy variants.
        seed: the eval seed.
        skill: the mean probability that a team's draw is the canonical solution.
    """

    problem: Problem
    variants: Sequence[str]
    seed: int
    skill: float = 0.5

    def probability(self, team: int) -> float:
        """Team `team`'s probability of drawing the canonical solution on this problem."""
        team_rng = random.Random(f"skill:{self.seed}:{team}")
        problem_rng = random.Random(f"ease:{self.seed}:{self.problem.task_id}")
        logit = math.log(self.skill / (1 - self.skill))
        return 1 / (1 + math.exp(-(logit + team_rng.gauss(0, 0.5) + problem_rng.gauss(0, 1.0))))

    def draw(self, team: int, attempt: int) -> str:
        """Team `team`'s candidate at its `attempt`-th try (seeded, so configurations agree)."""
        rng = random.Random(f"draw:{self.seed}:{self.problem.task_id}:{team}:{attempt}")
        buggy = self.variants[1:]
        if not buggy or rng.random() < self.probability(team):
            return self.variants[0]
        return rng.choice(list(buggy))


def _fenced(code: str) -> str:
    return f"```python\n{code}\n```"


def scripted_team(draws: Draws, index: int, *, name: str | None = None) -> Team:
    """A one-agent team whose answers are `draws` of team `index`, one attempt per call."""
    attempts = iter(range(1_000))
    last: list[str] = []
    team_name = name or f"team{index}"

    def reply(messages: Sequence[Message], schema: object) -> str:
        prompt = messages[-1].content
        own = re.search(rf"^- {re.escape(team_name)}: (.*)$", prompt, re.M)
        if last and own and _all_pass(own.group(1)):
            return _fenced(last[-1])
        last.append(draws.draw(index, next(attempts)))
        return _fenced(last[-1])

    agent = Agent("solver", FunctionModel(reply, name="scripted"), max_answer_chars=30_000)
    return Team([agent], name=team_name)


def _all_pass(lesson: str) -> bool:
    found = re.match(r"runs; passes (\d+) of (\d+) examples", lesson)
    return lesson.startswith("runs; the task gives no examples") or bool(
        found and found.group(1) == found.group(2)
    )


def scripted_aggregator(scorer: CodeScorer, seed: int, task_id: str) -> Agent:
    """An aggregator that keeps the solution passing most of the prompt's examples."""
    calls = iter(range(1_000))

    async def reply(messages: Sequence[Message], schema: object) -> str:
        prompt = messages[-1].content
        parts = _SOLUTION.split(prompt)[1:]
        codes = [extract_code(part.split("\n\nCompare the solutions.")[0]) for part in parts]
        passed = await asyncio.gather(*(asyncio.to_thread(scorer.passes, c) for c in codes))
        best = max(passed)
        tied = [code for code, n in zip(codes, passed, strict=True) if n == best]
        rng = random.Random(f"merge:{seed}:{task_id}:{next(calls)}")
        return _fenced(rng.choice(tied).strip())

    return Agent("aggregator", FunctionModel(reply, name="scripted"), max_answer_chars=30_000)


def model_settings(max_tokens: int) -> ModelSettings:
    """Settings of a model-backed solver or aggregator (temperature set per team)."""
    return ModelSettings(max_tokens=max_tokens, temperature=0.2)

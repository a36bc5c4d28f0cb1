"""The eval's agents: scripted executors, and the two ablations' holders.

Every holder is an `agora.Agent` with ``policy="router"``, so the runtime asks the team's
`Router` to rank the holder's unvisited neighbours *and the holder itself* before each
decision (``Team`` does this for router-policy agents). Then:

- the stock agent (the *decentralized* row) follows the ranking: it forwards to the best
  neighbour, or answers when it ranks first itself (AgentNet's router + executor);
- `RandomNextAgent` keeps that choice between answering and forwarding, but forwards to a
  neighbour drawn at random (AgentNet's "random next agent");
- `RandomOperationAgent` draws the operation — answer, forward or split — at random, and
  sends a forward or split to the router's best neighbour (AgentNet's "random operation").
  A split is AgentNet's: the holder does its own part and hands the rest to the neighbour;
  the combined answer is right only when both parts are (`split_answer`).

Both ablations override `Agent.decide` (the runtime's per-holder decision) and call the stock
one to answer, so answers go through the agent's model like any other agent's.

The scripted executor (`scripted_model`) is a `FunctionModel` whose answer is ``"right"``
with the chance the skill matrix gives that agent on the example's family, drawn per attempt.

Example:
    >>> import random
    >>> model = scripted_model({"fam": 1.0}, {"q": "fam"}, random.Random(0))
    >>> Agent("a", model).decide_sync("q").decision.answer
    'right'
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from agora.agents.agent import Agent, Decided
from agora.agents.decision import (
    AnswerDecision,
    ForwardDecision,
    SplitDecision,
    SplitPartDecision,
)
from agora.agents.routing import Route
from agora.agents.tools import ToolContext
from agora.models.base import Message, Usage
from agora.testing import FunctionModel

__all__ = [
    "RIGHT",
    "WRONG",
    "RandomNextAgent",
    "RandomOperationAgent",
    "scripted_model",
    "split_answer",
]

#: The scripted executors' answers.
RIGHT, WRONG = "right", "wrong"
_OPERATIONS = ("answer", "forward", "split")


def scripted_model(
    skill: Mapping[str, float], family_of: Mapping[str, str], rng: random.Random
) -> FunctionModel:
    """A model that answers `RIGHT` with chance ``skill[family of the task]``, else `WRONG`.

    The task is the last message (the runtime asks a holder with nothing left to decide for
    a plain answer to the task text); a task of unknown family is always wrong.
    """

    def reply(messages: Sequence[Message], schema: object) -> str:
        family = family_of.get(messages[-1].content.strip())
        chance = skill.get(family, 0.0) if family is not None else 0.0
        return RIGHT if rng.random() < chance else WRONG

    return FunctionModel(reply, name="scripted-skill")


def split_answer(own: str, parts: Sequence[tuple[str, str]]) -> str:
    """A scripted split's answer: right only when the holder's part and every helper's are.

    Example:
        >>> split_answer("right", [("b", "right")]), split_answer("right", [("b", "wrong")])
        ('right', 'wrong')
    """
    every = [own, *(text for _, text in parts)]
    return RIGHT if all(text.strip() == RIGHT for text in every) else WRONG


def _best_neighbour(route: Route | None, neighbours: Mapping[str, str]) -> str:
    """The router's best-ranked neighbour (the first offered one when there is no route)."""
    if route is not None:
        for name, _ in route.ranked:
            if name in neighbours:
                return name
    return next(iter(neighbours))


class _HolderAgent(Agent):
    """An agent whose decisions an ablation makes; it answers through the stock path."""

    def __init__(self, *args: Any, rng: random.Random, scripted: bool, **kwargs: Any) -> None:
        kwargs.setdefault("policy", "router")
        super().__init__(*args, **kwargs)
        self.rng = rng
        self.scripted = scripted

    def choose(
        self, task: str, route: Route | None, neighbours: Mapping[str, str]
    ) -> ForwardDecision | SplitDecision | None:
        """The hand-off to make, or ``None`` to answer (overridden by each ablation)."""
        raise NotImplementedError(f"choose is not supported by {type(self).__name__}")

    async def decide(
        self,
        task: str,
        *,
        context: str = "",
        neighbours: Mapping[str, str] | None = None,
        allow_split: bool = True,
        route: Route | None = None,
        handoff: Sequence[tuple[str, str]] = (),
        tool_context: ToolContext | None = None,
    ) -> Decided:
        """Hand the task on as `choose` says, or answer it with the agent's model."""
        offered = dict(neighbours or {})
        choice = self.choose(task, route, offered) if offered else None
        if choice is not None:
            return Decided(choice)
        return await super().decide(
            task, context=context, handoff=handoff, tool_context=tool_context
        )

    async def synthesize(self, task: str, parts: Sequence[tuple[str, str]]) -> tuple[str, Usage]:
        """Combine a split's answers (scripted: `split_answer` after the holder's own attempt).

        With a real model the agent's model combines them, as any agent's does.
        """
        if not self.scripted:
            return await super().synthesize(task, parts)
        own = await super().decide(task)
        answer = own.decision.answer if isinstance(own.decision, AnswerDecision) else WRONG
        return split_answer(answer, parts), own.usage


class RandomNextAgent(_HolderAgent):
    """Answers or forwards as the router ranks, but forwards to a random neighbour.

    Args:
        *args: as for `Agent`.
        rng: draws the neighbour.
        scripted: whether its model is a `scripted_model` (splits combine by `split_answer`).
        **kwargs: as for `Agent` (``policy`` is ``"router"``).
    """

    def choose(
        self, task: str, route: Route | None, neighbours: Mapping[str, str]
    ) -> ForwardDecision | SplitDecision | None:
        """Forward to a random neighbour unless the router ranks this agent first."""
        if route is not None and route.primary == self.name:
            return None
        to = self.rng.choice(sorted(neighbours))
        return ForwardDecision(action="forward", to=to, reason="random next agent")


class RandomOperationAgent(_HolderAgent):
    """Draws answer, forward or split at random; hand-offs go to the router's best neighbour.

    Args:
        *args: as for `Agent`.
        rng: draws the operation.
        scripted: whether its model is a `scripted_model` (splits combine by `split_answer`).
        **kwargs: as for `Agent` (``policy`` is ``"router"``).
    """

    def choose(
        self, task: str, route: Route | None, neighbours: Mapping[str, str]
    ) -> ForwardDecision | SplitDecision | None:
        """A random operation; `None` when it is to answer."""
        operation = self.rng.choice(_OPERATIONS)
        if operation == "answer":
            return None
        to = _best_neighbour(route, neighbours)
        if operation == "forward":
            return ForwardDecision(action="forward", to=to, reason="random operation")
        return SplitDecision(action="split", parts=[SplitPartDecision(to=to, task=task)])

"""`TriageAgent`: an agent whose only decision is which neighbour gets the task.

A plain `Agent` may always answer, and a tiny model such as the embedded SmolLM2-135M answers
nearly everything itself, even when told to route. The demo's entry agent therefore gets a
narrower typed decision: a forward whose ``to`` is an enum of the neighbours the task may still
visit. Whatever the model writes, the task reaches an expert.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from agora.agents.agent import Agent, Decided
from agora.agents.decision import ForwardDecision
from agora.models.base import Message

__all__ = ["TriageAgent"]

_MAX_REASON = 80


class TriageAgent(Agent):
    """An `Agent` that forwards every task to one neighbour and never answers one itself.

    With a single neighbour it forwards without calling its model; with none left (all were
    visited, or the forward budget is spent) it decides like a plain `Agent`.

    Example:
        >>> from agora.testing import ScriptedModel
        >>> model = ScriptedModel(['{"action": "forward", "to": "geo", "reason": "a map"}'])
        >>> triage = TriageAgent("triage", model, expertise="routing")
        >>> triage.decide_sync("Capital of France?", neighbours={"geo": "maps", "calc": "sums"})
        Decided(decision=ForwardDecision(action='forward', to='geo', reason='a map'), ...)
    """

    async def decide(
        self,
        task: str,
        *,
        context: str = "",
        neighbours: Mapping[str, str] | None = None,
        allow_split: bool = True,
    ) -> Decided:
        """Choose the neighbour that gets `task` (see `Agent.decide` for the arguments)."""
        neighbours = dict(neighbours or {})
        if not neighbours:
            return await super().decide(task, context=context, allow_split=allow_split)
        if len(neighbours) == 1:
            ((name, expertise),) = neighbours.items()
            return Decided(ForwardDecision(action="forward", to=name, reason=expertise))
        lines = [f"Question: {task}"]
        if context:
            lines.append(f"Context: {context}")
        lines.append("Experts:")
        lines += [f"- {name}: {expertise or 'general'}" for name, expertise in neighbours.items()]
        lines.append("Which expert should answer the question? Reply with JSON only.")
        response = await self.model.request(
            [Message("system", self.system), Message("user", "\n".join(lines))],
            _route_type(tuple(neighbours)),
            settings=self.settings,
        )
        assert response.output is not None
        choice: Any = response.output
        reason = str(choice.reason).strip() or neighbours[choice.to]
        return Decided(
            ForwardDecision(action="forward", to=choice.to, reason=reason),
            usage=response.usage,
        )


@lru_cache(maxsize=64)
def _route_type(names: tuple[str, ...]) -> type[BaseModel]:
    """A forward decision whose target can only be one of `names`."""
    fields: dict[str, Any] = {
        "action": (Literal["forward"], ...),
        "to": (Literal[names], ...),
        "reason": (str, Field(max_length=_MAX_REASON)),
    }
    return create_model("Route", __config__=ConfigDict(extra="forbid"), **fields)

"""`Result`: what a team run returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from agora.models.base import Usage
from agora.protocols.envelope import Envelope

__all__ = ["Result"]


@dataclass(slots=True, kw_only=True)
class Result:
    """The outcome of `Team.run`.

    Attributes:
        answer: the final answer delivered to the caller.
        answered_by: the agent that sent it.
        conversation_id: the id shared by every envelope of the run.
        trace: every envelope delivered, in delivery order.
        usage: model usage per agent.
        elapsed_s: wall time of the run.
    """

    answer: str
    answered_by: str
    conversation_id: str
    trace: list[Envelope] = field(default_factory=list)
    usage: dict[str, Usage] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def total_usage(self) -> Usage:
        """Usage summed over all agents."""
        total = Usage()
        for usage in self.usage.values():
            total = total + usage
        return total

    @property
    def hops(self) -> int:
        """Envelopes delivered in the run."""
        return len(self.trace)

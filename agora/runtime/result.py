"""`Result`: what a team run returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from agora.agents.routing import Route
from agora.models.base import Usage
from agora.protocols.envelope import Envelope
from agora.protocols.payloads import Alert

__all__ = ["Result", "RouteRecord"]


@dataclass(frozen=True, slots=True)
class RouteRecord:
    """The router's ranking of a task held by `holder` (what `Team.feedback` learns from).

    Attributes:
        holder: the agent that asked the router.
        task: the task text it held.
        route: the router's ranking.
        chosen: who the task went to: the holder itself when it answered, the recipients of
            its forward, split or consult otherwise.
        consult: whether `chosen` were consulted on the whole task (their answers compared).
        forwarded: whether the holder passed the task on whole (a forward with no
            contribution of its own): it did not answer it, so `Team.feedback` does not
            credit it with the run's grade when the agent that answered was among its own
            holder's candidates.
    """

    holder: str
    task: str
    route: Route
    chosen: tuple[str, ...] = ()
    consult: bool = False
    forwarded: bool = False


@dataclass(slots=True, kw_only=True)
class Result:
    """The outcome of `Team.run`.

    Attributes:
        answer: the final answer delivered to the caller.
        answered_by: the agent that sent it.
        conversation_id: the id shared by every envelope of the run.
        run_id: the run's id (the key to `Team.resume` a durable run).
        trace: every envelope delivered, in delivery order.
        usage: model usage per agent.
        routes: the router's choices, in the order they were made.
        elapsed_s: wall time of the run.
        alerts: the team guardian's alerts (flags and quarantines), in the order judged;
            steps replayed from a journal on resume are not judged again.
        withheld: ids of the envelopes the guardian quarantined: kept in `trace`, read by
            no agent. If the final answer is one of them, `answer` is empty.
        credibility: the guardian's credibility of the final answer (``None``: no guardian).
    """

    answer: str
    answered_by: str
    conversation_id: str
    run_id: str = ""
    trace: list[Envelope] = field(default_factory=list)
    usage: dict[str, Usage] = field(default_factory=dict)
    routes: list[RouteRecord] = field(default_factory=list)
    elapsed_s: float = 0.0
    alerts: list[Alert] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    credibility: float | None = None

    @property
    def total_usage(self) -> Usage:
        """Usage summed over all agents."""
        return sum(self.usage.values(), Usage())

    @property
    def hops(self) -> int:
        """Envelopes delivered in the run."""
        return len(self.trace)

    @property
    def path(self) -> list[str]:
        """Agents that held the task, in the order they first received it."""
        seen: dict[str, None] = {}
        for env in self.trace:
            for name in env.recipients:
                if name != "user":
                    seen.setdefault(name)
        return list(seen)

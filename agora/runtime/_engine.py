"""Internal: the per-run engine that turns agent decisions into envelopes on LangGraph.

One LangGraph node, ``deliver``, runs whenever an envelope reaches an agent. It asks the agent
for a decision and returns ``Command(goto=[Send("deliver", ...), ...])`` for what the decision
sends on, so every hop costs one LangGraph super-step and parallel parts of a split run in the
same step. Answers to a split are collected here; the last one to arrive schedules the
splitter's synthesis. Checking and recording happen without an ``await`` in between, so
parallel answers cannot both (or neither) see the split complete.

Not public: use `agora.Team`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, cast

from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, StateGraph
from langgraph.types import Command, Send

from agora.agents.decision import AnswerDecision, ForwardDecision, SplitDecision
from agora.errors import DeliveryError
from agora.models.base import Usage
from agora.protocols.conversation import USER, Conversation
from agora.protocols.envelope import Envelope, EnvelopeBudget
from agora.protocols.payloads import Answer, Forward, Split, SplitPart
from agora.runtime import events
from agora.runtime.budget import BudgetTracker
from agora.runtime.result import Result

if TYPE_CHECKING:
    from agora.runtime.team import Team

__all__ = ["Delivery", "Join", "RunEngine", "build_graph"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """An envelope that carries a task to `recipient`."""

    envelope: Envelope
    recipient: str
    text: str
    forwards: int = 0
    join: str | None = None  # the split this lineage answers to; None: the caller
    part: str | None = None  # the agent the split part was first given to


@dataclass(frozen=True, slots=True)
class Join:
    """Every part of split `split_id` is answered: the splitter must combine them."""

    split_id: str


@dataclass(slots=True)
class _PendingSplit:
    delivery: Delivery  # how the splitter got the task it split
    expected: tuple[str, ...]
    answers: dict[str, str] = field(default_factory=dict)


class _State(TypedDict, total=False):
    start: Delivery


@dataclass(slots=True)
class RunEngine:
    """Everything one run knows: the team, the conversation, budgets, trace and usage."""

    team: Team
    conversation: Conversation
    tracker: BudgetTracker
    emit: Callable[[events.Event], None]
    trace: list[Envelope] = field(default_factory=list)
    usage: dict[str, Usage] = field(default_factory=dict)
    splits: dict[str, _PendingSplit] = field(default_factory=dict)
    final: Envelope | None = None

    def snapshot(self, elapsed_s: float) -> Result:
        """The run so far as a `Result` (the answer is empty until one reached the caller)."""
        final = self.final
        return Result(
            answer=final.payload.text
            if final is not None and isinstance(final.payload, Answer)
            else "",
            answered_by=final.sender if final is not None else "",
            conversation_id=self.conversation.id,
            trace=list(self.trace),
            usage=dict(self.usage),
            elapsed_s=elapsed_s,
        )

    def send(self, envelope: Envelope) -> None:
        """Validate `envelope` against the conversation, record it, and count the hop."""
        self.conversation.accept(envelope)
        self.tracker.hop()
        self.trace.append(envelope)
        self.emit(events.Delivered(envelope))

    def envelope(self, **fields: Any) -> Envelope:
        """A new envelope of this run, stamped with the remaining budget."""
        return Envelope(
            conversation_id=self.conversation.id,
            budget=EnvelopeBudget(
                hops=self.tracker.remaining_hops(), tokens=self.tracker.remaining_tokens()
            ),
            **fields,
        )

    def _spend(self, agent: str, usage: Usage) -> None:
        self.usage[agent] = self.usage.get(agent, Usage()) + usage
        self.tracker.spend_tokens(usage.total_tokens)

    async def step(self, item: Delivery | Join) -> Command[Any]:
        """Handle one delivery or join and return where the resulting envelopes go."""
        if isinstance(item, Join):
            return await self._join(item)
        return await self._hold(item)

    async def _hold(self, d: Delivery) -> Command[Any]:
        agent = self.team.agents[d.recipient]
        visited = set(d.envelope.path) | {d.recipient}
        can_forward = d.forwards < self.team.budget.max_forwards
        neighbours = (
            {
                n: self.team.agents[n].expertise
                for n in self.team.neighbours(d.recipient)
                if n not in visited
            }
            if can_forward
            else {}
        )
        self.tracker.check_tokens()
        self.emit(events.Thinking(d.recipient, d.text))
        decided = await agent.decide(
            d.text,
            context=getattr(d.envelope.payload, "context", ""),
            neighbours=neighbours,
        )
        for call, result in decided.tool_calls:
            self.emit(events.ToolUsed(d.recipient, call, result))
        self._spend(d.recipient, decided.usage)
        decision = decided.decision
        self.emit(events.Decided(d.recipient, decision.action, _detail(decision), decided.usage))
        if isinstance(decision, AnswerDecision):
            return self._answer(d, decision.answer)
        path = [*d.envelope.path, d.recipient]
        targets = (
            [decision.to]
            if isinstance(decision, ForwardDecision)
            else [part.to for part in decision.parts]
        )
        for target in targets:
            if target not in neighbours:
                raise DeliveryError(
                    f"{d.recipient} chose {target!r}, which is not an unvisited neighbour "
                    f"(allowed: {sorted(neighbours)}); a task never revisits an agent"
                )
        if isinstance(decision, ForwardDecision):
            env = self.envelope(
                parent_id=d.envelope.id,
                sender=d.recipient,
                recipients=[decision.to],
                payload=Forward(text=d.text, reason=decision.reason),
                hops=d.envelope.hops + 1,
                path=path,
            )
            self.send(env)
            nxt = Delivery(env, decision.to, d.text, d.forwards + 1, d.join, d.part)
            return Command(goto=[Send("deliver", nxt)])
        return self._split(d, decision, path)

    def _split(self, d: Delivery, decision: SplitDecision, path: list[str]) -> Command[Any]:
        parts = [SplitPart(to=p.to, text=p.task) for p in decision.parts]
        env = self.envelope(
            parent_id=d.envelope.id,
            sender=d.recipient,
            recipients=[p.to for p in parts],
            payload=Split(text=d.text, parts=parts),
            hops=d.envelope.hops + 1,
            path=path,
        )
        self.send(env)
        self.splits[env.id] = _PendingSplit(d, tuple(p.to for p in parts))
        return Command(
            goto=[Send("deliver", Delivery(env, p.to, p.text, 0, env.id, p.to)) for p in parts]
        )

    def _answer(self, d: Delivery, text: str) -> Command[Any]:
        held = self.conversation.holdings.get((d.envelope.id, d.recipient))
        if held is None:  # pragma: no cover - send() recorded it
            raise DeliveryError(f"{d.recipient} holds no task {d.envelope.id}")
        env = self.envelope(
            parent_id=d.envelope.id,
            sender=d.recipient,
            recipients=[held.owner],
            payload=Answer(text=text),
            hops=d.envelope.hops + 1,
            path=list(d.envelope.path),
        )
        self.send(env)
        if d.join is None:
            if held.owner != USER:  # pragma: no cover - guarded by the state machine
                raise DeliveryError(f"answer from {d.recipient} has no caller to reach")
            self.final = env
            return Command(goto=[])
        pending = self.splits[d.join]
        pending.answers[d.part or d.recipient] = text
        if len(pending.answers) == len(pending.expected):
            return Command(goto=[Send("deliver", Join(d.join))])
        return Command(goto=[])

    async def _join(self, j: Join) -> Command[Any]:
        pending = self.splits.pop(j.split_id)
        d = pending.delivery
        agent = self.team.agents[d.recipient]
        self.tracker.check_tokens()
        self.emit(events.Thinking(d.recipient, f"combining {len(pending.expected)} answers"))
        parts = [(who, pending.answers[who]) for who in pending.expected]
        text, usage = await agent.synthesize(d.text, parts)
        self._spend(d.recipient, usage)
        self.emit(events.Decided(d.recipient, "answer", text, usage))
        return self._answer(d, text)


def _detail(decision: AnswerDecision | ForwardDecision | SplitDecision) -> str:
    if isinstance(decision, AnswerDecision):
        return decision.answer
    if isinstance(decision, ForwardDecision):
        return f"→ {decision.to}" + (f" ({decision.reason})" if decision.reason else "")
    return "; ".join(f"{p.to}: {p.task}" for p in decision.parts)


def build_graph() -> Any:
    """The compiled LangGraph that every run of every team uses.

    The engine travels in the run's config (``configurable["engine"]``), so one compiled
    graph serves all runs.
    """

    async def deliver(item: Delivery | Join, config: RunnableConfig) -> Command[Any]:
        engine: RunEngine = config["configurable"]["engine"]
        return await engine.step(item)

    def start(state: _State) -> list[Send]:
        return [Send("deliver", state["start"])]

    graph: StateGraph[Any] = StateGraph(_State)
    graph.add_node("deliver", cast(Any, deliver))
    graph.add_conditional_edges(START, start, ["deliver"])
    return graph.compile()

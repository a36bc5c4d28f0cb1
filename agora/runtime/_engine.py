"""Internal: the per-run engine that turns agent decisions into envelopes on LangGraph.

Work items reach agents: a `Delivery` (an envelope carrying a task to its recipient) or a
`Join` (every answer to a split is in). One LangGraph node, ``deliver``, handles the items
due in a super-step — concurrently, so parallel parts of a split or parallel experts run in
the same step — asks each agent for its decision, and returns ``Command(goto="deliver")``
with the items the decisions create as the next frontier, so each hop is one super-step.

Every step sends exactly one envelope, and everything else follows from it: `RunEngine.apply`
is a deterministic state transition from ``(item handled, envelope sent, usage, route)``. A
durable run writes that record to its `Journal` under the item's id before LangGraph
checkpoints, so resuming replays the journal to rebuild this state, and a step LangGraph
runs again is answered from the journal (same items, no new model call, no repeated write).
Graph state and checkpoints carry only item ids.

With a guardian (`Team(guardian=...)`), every answer and every hand-off contribution is
reviewed before it is journaled and delivered (`RunEngine.review`): the envelope carries the
verdict's credibility (outside the signature, inside the journal's MAC), readers see it beside
flagged work, and a quarantined answer or contribution reaches no reader (it stays in the
trace). A replayed step reads its action back from that credibility (`Guardian.action_of`).

With memory, `RunEngine.apply` also hands each envelope, live or replayed, to the run's
`agora.runtime._episodes.EpisodeWriter` as an L0 episode (after the step's journal commit),
which stores it off the event loop, once.

Not public: use `agora.Team`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, cast

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from agora.agents.aggregate import Vote, aggregate
from agora.agents.decision import AnswerDecision, ConsultDecision, ForwardDecision, SplitDecision
from agora.agents.guard_checks import Submission
from agora.agents.routing import Route
from agora.agents.tools import ToolContext
from agora.errors import DeliveryError, ModelOutputError, RunError, StoreError
from agora.identity.signing import signature_of, verify
from agora.memory.lineage import message_episode
from agora.models.base import Usage
from agora.protocols.conversation import USER, Conversation
from agora.protocols.envelope import Envelope, EnvelopeBudget
from agora.protocols.payloads import Alert, Answer, Forward, Split, SplitPart, Task
from agora.runtime import events
from agora.runtime._episodes import EpisodeWriter
from agora.runtime.budget import BudgetTracker
from agora.runtime.journal import Journal, JournalEpisode, StepRecord
from agora.runtime.result import Result, RouteRecord

if TYPE_CHECKING:
    from agora.runtime.team import Team

__all__ = ["START_KEY", "Delivery", "Join", "RunEngine", "build_graph"]

#: The key of the step that delivers the caller's task to the entry agent.
START_KEY = "start"


@dataclass(frozen=True, slots=True)
class Delivery:
    """An envelope that carries a task to `recipient`; `id` is the step's idempotency key."""

    id: str
    envelope: Envelope
    recipient: str
    text: str
    forwards: int = 0
    join: str | None = None  # the split this lineage answers to; None: the caller
    part: str | None = None  # the agent the split part was first given to
    work: tuple[tuple[str, str], ...] = ()  # (agent, contribution) handed on with the task


@dataclass(frozen=True, slots=True)
class Join:
    """Every part of split `split_id` is answered: the splitter must combine them."""

    id: str
    split_id: str


@dataclass(slots=True)
class _PendingSplit:
    delivery: Delivery  # how the splitter got the task it split
    payload: Split
    answers: dict[str, Answer] = field(default_factory=dict)
    credibility: dict[str, float | None] = field(default_factory=dict)  # part -> its answer's


class _State(TypedDict, total=False):
    frontier: list[str]


@dataclass(slots=True)
class RunEngine:
    """Everything one run knows: the team, the conversation, budgets, trace and usage."""

    team: Team
    conversation: Conversation
    tracker: BudgetTracker
    emit: Callable[[events.Event], None]
    run_id: str
    journal: Journal | None = None
    episodes: EpisodeWriter | None = None  # with memory: where every envelope is remembered
    listening: bool = True  # False: nobody reads events, so the hot path builds none
    trace: list[Envelope] = field(default_factory=list)
    usage: dict[str, Usage] = field(default_factory=dict)
    routes: list[RouteRecord] = field(default_factory=list)
    items: dict[str, Delivery | Join] = field(default_factory=dict)
    done: dict[str, list[str]] = field(default_factory=dict)  # step key -> items it created
    splits: dict[str, _PendingSplit] = field(default_factory=dict)
    final: Envelope | None = None
    signed_here: dict[str, str] = field(default_factory=dict)  # envelope id -> its signature
    withheld: set[str] = field(default_factory=set)  # envelopes a guardian quarantined
    alerts: list[Alert] = field(default_factory=list)  # the guardian's, live steps only

    def __post_init__(self) -> None:
        if self.team.keyring is not None:
            self.conversation.verifier = self._verify

    def _verify(self, env: Envelope) -> None:
        """Verify a received envelope; one this engine signed a moment ago needs no check."""
        keyring = self.team.keyring
        assert keyring is not None
        signature = self.signed_here.pop(env.id, None)
        if signature is None or signature != env.signature:
            verify(env, keyring)

    def snapshot(self, elapsed_s: float) -> Result:
        """The run so far as a `Result` (the answer is empty until one reached the caller)."""
        final = self.final
        return Result(
            answer=final.payload.text
            if final is not None
            and isinstance(final.payload, Answer)
            and final.id not in self.withheld
            else "",
            answered_by=final.sender if final is not None else "",
            conversation_id=self.conversation.id,
            run_id=self.run_id,
            trace=list(self.trace),
            usage=dict(self.usage),
            routes=list(self.routes),
            elapsed_s=elapsed_s,
            alerts=list(self.alerts),
            withheld=sorted(self.withheld),
            credibility=None if final is None else final.credibility,
        )

    def envelope(self, **fields: Any) -> Envelope:
        """A new envelope of this run, stamped with the remaining budget.

        Built without validation (`Envelope.trusted`): its parts come from validated
        decisions and envelopes; the conversation state machine still checks it in `apply`.
        """
        budget = EnvelopeBudget._trusted(
            {"hops": self.tracker.remaining_hops(), "tokens": self.tracker.remaining_tokens()}
        )
        env = Envelope.trusted(conversation_id=self.conversation.id, budget=budget, **fields)
        return self._signed(env)

    def _signed(self, env: Envelope) -> Envelope:
        """`env` signed by its sender, when the team has a keyring."""
        keyring = self.team.keyring
        if keyring is None:
            return env
        signature = signature_of(env, keyring)
        self.signed_here[env.id] = signature
        return env.model_copy(update={"signature": signature})

    def begin(self, task: Task) -> str:
        """Deliver the caller's `task` to the entry agent; return the first item's id."""
        first = Envelope(
            conversation_id=self.conversation.id,
            budget=EnvelopeBudget(
                hops=self.tracker.remaining_hops(), tokens=self.tracker.remaining_tokens()
            ),
            sender=USER,
            recipients=[self.team.entry],
            payload=task,
        )
        first = self._signed(first)
        (item,) = self.apply(StepRecord(START_KEY, USER, first, Usage()), live=True)
        return item

    # -- the state transition -----------------------------------------------------------

    def apply(self, step: StepRecord, *, live: bool) -> list[str]:
        """Record `step`: accept its envelope, count it, and create the items it implies.

        ``live`` steps also emit events, track router load and write the journal; replayed
        ones (from the journal, on resume) only rebuild state.
        """
        env = step.envelope
        if step.usage.requests:
            self.usage[step.agent] = self.usage.get(step.agent, Usage()) + step.usage
            self.tracker.spend(step.usage)
        self.conversation.accept(env)
        self.tracker.hop()
        self.trace.append(env)
        guardian = self.team.guardian
        credibility = env.credibility
        if (
            guardian is not None
            and credibility is not None
            and guardian.action_of(credibility) == "quarantine"
        ):
            self.withheld.add(env.id)
        source = self.items.get(step.key)
        if step.route is not None and isinstance(source, Delivery):
            self.routes.append(_route_record(step, source.text))
        task = self._task_of(source) if live else ""
        created = self._created(source, env)
        for item in created:
            self.items[item.id] = item
        self.done[step.key] = [item.id for item in created]
        if live:
            self._live_effects(step, source, created, task)
        if self.episodes is not None:  # replayed too: a kill may have lost it (stored once)
            episode = message_episode(env, team=self.team.name, verified=self._verified(env))
            self.episodes.add(episode, new=live)
        return self.done[step.key]

    def _verified(self, env: Envelope) -> bool | None:
        """Whether `env`'s signature was checked and held; ``None``: the run signs nothing.

        `apply` asks after the conversation accepted `env`, and a signed run's conversation
        accepts only what verifies, so every envelope of a signed run is ``True`` here.
        """
        return None if self.team.keyring is None else env.signature is not None

    async def flush_episodes(self) -> StoreError | None:
        """Wait until the episodes of every envelope so far are stored; return a failure."""
        if self.episodes is None:
            return None
        try:
            await self.episodes.drain()
        except StoreError as exc:
            return exc
        return None

    def _created(self, source: Delivery | Join | None, env: Envelope) -> list[Delivery | Join]:
        payload = env.payload
        if isinstance(payload, Task):
            return [Delivery(_key(env, r), env, r, payload.text) for r in env.recipients]
        if isinstance(source, Join):
            held = self.splits.pop(source.split_id).delivery
        elif isinstance(source, Delivery):
            held = source
        else:
            raise RunError(f"step for {env.id} handled no known item; the journal is corrupt")
        if isinstance(payload, Forward):
            to = env.recipients[0]
            work = held.work
            if payload.contribution and env.id not in self.withheld:
                work = (*work, (env.sender, _shown(payload.contribution, env.credibility)))
            forwards = held.forwards + 1
            return [
                Delivery(_key(env, to), env, to, held.text, forwards, held.join, held.part, work)
            ]
        if isinstance(payload, Split):
            self.splits[env.id] = _PendingSplit(held, payload)
            return [
                Delivery(_key(env, p.to), env, p.to, p.text, 0, env.id, p.to, held.work)
                for p in payload.parts
            ]
        assert isinstance(payload, Answer)
        if held.join is None:
            self.final = env
            return []
        pending = self.splits[held.join]
        pending.answers[held.part or held.recipient] = payload
        pending.credibility[held.part or held.recipient] = (
            -1.0 if env.id in self.withheld else env.credibility
        )
        if len(pending.answers) == len(pending.payload.parts):
            return [Join(f"join>{held.join}", held.join)]
        return []

    def _live_effects(
        self,
        step: StepRecord,
        source: Delivery | Join | None,
        created: list[Delivery | Join],
        task: str,
    ) -> None:
        router = self.team.router
        if router is not None:
            if isinstance(source, Delivery):
                router.end(source.recipient)
            for item in created:
                if isinstance(item, Delivery):
                    router.begin(item.recipient)
        if self.journal is not None:
            payload = step.envelope.payload
            episode = (
                JournalEpisode(step.agent, task, payload.text)
                if isinstance(payload, Answer)
                else None
            )
            self.journal.record(self.run_id, step, episode)
        if self.listening:
            self.emit(events.Delivered(step.envelope))

    def hold_load(self) -> None:
        """Count, in the router's load, the deliveries a resumed run has still to handle."""
        router = self.team.router
        if router is not None:
            for recipient in self._pending():
                router.begin(recipient)

    def release_load(self) -> None:
        """Tell the router that deliveries this run never handled are no longer held.

        Called when a run ends early (an error, a budget, a cancel), so that the load the
        router counts for their recipients does not stay raised.
        """
        router = self.team.router
        if router is not None:
            for recipient in self._pending():
                router.end(recipient)

    def _pending(self) -> list[str]:
        """Recipients of the deliveries created but not yet handled."""
        return [
            item.recipient
            for key, item in self.items.items()
            if isinstance(item, Delivery) and key not in self.done
        ]

    def _task_of(self, source: Delivery | Join | None) -> str:
        if isinstance(source, Join):
            return self.splits[source.split_id].delivery.text
        return source.text if source is not None else ""

    # -- live steps ---------------------------------------------------------------------

    async def step(self, keys: list[str]) -> list[str]:
        """Handle every item of one super-step concurrently; return the items they create.

        Parallel split parts and consulted experts are items of the same super-step. If one
        fails, the others are cancelled and the error propagates.
        """
        if len(keys) == 1:
            return await self._step_one(keys[0])
        tasks = [asyncio.ensure_future(self._step_one(key)) for key in keys]
        try:
            created = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return [item for items in created for item in items]

    async def _step_one(self, key: str) -> list[str]:
        """Handle one item, unless the journal shows it handled (then replay its outcome)."""
        created = self.done.get(key)
        if created is None:
            item = self.items.get(key)
            if item is None:
                raise RunError(f"no work item {key!r} in run {self.run_id!r}")
            record = await (self._join(item) if isinstance(item, Join) else self._hold(item))
            created = self.apply(record, live=True)
        return created

    async def _hold(self, d: Delivery) -> StepRecord:
        agent = self.team.member(d.recipient)
        visited = set(d.envelope.path)
        visited.add(d.recipient)
        candidates = (
            [n for n in self.team.network.neighbours(d.recipient) if n not in visited]
            if d.forwards < self.team.budget.max_forwards
            else []
        )
        route = self._route(d, candidates, agent.policy == "router", agent.expertise != "")
        if route is not None and self.listening:
            self._check_fit(d, route)
        offered = [n for n, _ in route.ranked if n in candidates] if route else candidates
        members = self.team.agents
        neighbours = {
            n: (members.get(n) or self.team.member(n)).expertise
            for n in offered[: agent.max_neighbours]
        }
        self.tracker.check_tokens()
        if self.listening:
            self.emit(events.Thinking(d.recipient, d.text))
        try:
            decided = await agent.decide(
                d.text,
                context=await self._context(d),
                neighbours=neighbours,
                route=route,
                handoff=d.work,
                tool_context=ToolContext(run_id=self.run_id, agent=d.recipient, step=d.id),
            )
        except ModelOutputError as exc:  # the failed calls were paid for: count them
            if isinstance(exc.usage, Usage):
                self.usage[d.recipient] = self.usage.get(d.recipient, Usage()) + exc.usage
                self.tracker.count(exc.usage)
            raise
        decision = decided.decision
        if self.listening:
            for call, result in decided.tool_calls:
                self.emit(events.ToolUsed(d.recipient, call, result))
            self.emit(
                events.Decided(d.recipient, decision.action, _detail(decision), decided.usage)
            )
        env = await self.review(self._decision_envelope(d, decision, neighbours))
        return StepRecord(
            d.id, d.recipient, env, decided.usage, None if route is None else route.to_dict()
        )

    def _check_fit(self, d: Delivery, route: Route) -> None:
        """Emit `events.NoFit` when no neighbour's similarity reaches the router's floor."""
        router = self.team.router
        assert router is not None
        if router.min_fit <= 0 or not route.fit:
            return
        scores = tuple((name, sim) for name, sim in route.fit if name != d.recipient)
        if scores and max(sim for _, sim in scores) < router.min_fit:
            self.emit(events.NoFit(d.recipient, d.text, scores, router.min_fit))

    async def _context(self, d: Delivery) -> str:
        """The sender's context plus what the holder's memory knows about the task.

        Retrieval (the query's embedding, the store's reads) runs in a worker thread, so the
        event loop keeps serving the run's other branches meanwhile.
        """
        payload = d.envelope.payload
        context = payload.context if isinstance(payload, Task) else ""
        memory = self.team.memory
        if memory is None:
            return context
        from agora.memory.scope import Scope

        scope = Scope.agent(d.recipient, team=self.team.name)
        known = await asyncio.to_thread(
            memory.retrieve, d.text, scope=scope, token_budget=self.team.memory_tokens
        )
        if not known.facts:
            return context
        return f"{context}\n\n{known.to_prompt()}" if context else known.to_prompt()

    def _route(
        self, d: Delivery, candidates: list[str], decides: bool, may_answer: bool
    ) -> Route | None:
        router = self.team.router
        if router is None or not candidates:
            return None
        pool = [*candidates, d.recipient] if decides and may_answer else candidates
        return router.route(d.text, pool)

    def _decision_envelope(
        self,
        d: Delivery,
        decision: AnswerDecision | ForwardDecision | SplitDecision | ConsultDecision,
        neighbours: dict[str, str],
    ) -> Envelope:
        if isinstance(decision, AnswerDecision):
            return self._answer(d, decision.answer)
        if isinstance(decision, ForwardDecision):
            targets = [decision.to]
            payload: Forward | Split = Forward._trusted(
                {
                    "kind": "forward",
                    "text": d.text,
                    "reason": decision.reason,
                    "contribution": decision.contribution,
                }
            )
        elif isinstance(decision, ConsultDecision):
            targets = decision.experts
            parts = [
                SplitPart(to=e, text=d.text, weight=min(1.0, max(0.0, w)))
                for e, w in zip(decision.experts, decision.weights, strict=True)
            ]
            payload = Split(text=d.text, parts=parts, mode="experts", aggregate=decision.aggregate)
        else:
            targets = [part.to for part in decision.parts]
            payload = Split(
                text=d.text, parts=[SplitPart(to=p.to, text=p.task) for p in decision.parts]
            )
        for target in targets:
            if target not in neighbours:
                raise DeliveryError(
                    f"{d.recipient} chose {target!r}, which is not an unvisited neighbour "
                    f"(allowed: {sorted(neighbours)}); a task never revisits an agent"
                )
        return self.envelope(
            parent_id=d.envelope.id,
            sender=d.recipient,
            recipients=targets,
            payload=payload,
            hops=d.envelope.hops + 1,
            path=[*d.envelope.path, d.recipient],
        )

    def _answer(self, d: Delivery, text: str) -> Envelope:
        held = self.conversation.holdings.get((d.envelope.id, d.recipient))
        if held is None:  # pragma: no cover - apply() recorded it
            raise DeliveryError(f"{d.recipient} holds no task {d.envelope.id}")
        return self.envelope(
            parent_id=d.envelope.id,
            sender=d.recipient,
            recipients=[held.owner],
            payload=Answer._trusted({"kind": "answer", "text": text, "confidence": None}),
            hops=d.envelope.hops + 1,
            path=list(d.envelope.path),
        )

    async def _join(self, j: Join) -> StepRecord:
        pending = self.splits[j.split_id]
        d = pending.delivery
        split = pending.payload
        shown = [p for p in split.parts if pending.credibility.get(p.to) != -1.0]
        if not shown:  # a guardian quarantined every answer: nothing to combine
            text = f"No answer to combine: the guardian withheld all {len(split.parts)}."
            self.emit(events.Decided(d.recipient, "answer", text, Usage()))
            return StepRecord(j.id, d.recipient, await self.review(self._answer(d, text)), Usage())
        parts = [
            (p.to, _shown(pending.answers[p.to].text, pending.credibility.get(p.to))) for p in shown
        ]
        if split.mode == "experts" and split.aggregate != "synthesize":
            votes = [
                Vote(
                    p.to,
                    pending.answers[p.to].text,
                    p.weight or 0.0,
                    pending.answers[p.to].confidence,
                )
                for p in shown
            ]
            combined = aggregate(split.aggregate, votes)
            detail = f"{split.aggregate}: {combined.text} ({combined.support:.0%})"
            self.emit(events.Decided(d.recipient, "answer", detail, Usage()))
            env = await self.review(self._answer(d, combined.text))
            return StepRecord(j.id, d.recipient, env, Usage())
        agent = self.team.member(d.recipient)
        self.tracker.check_tokens()
        self.emit(events.Thinking(d.recipient, f"combining {len(parts)} answers"))
        text, usage = await agent.synthesize(d.text, parts)
        self.emit(events.Decided(d.recipient, "answer", text, usage))
        return StepRecord(j.id, d.recipient, await self.review(self._answer(d, text)), usage)

    async def review(self, env: Envelope) -> Envelope:
        """`env` as the team's guardian judged it: with its credibility, or unchanged.

        Answers and hand-off contributions are reviewed (splits only restate the task). The
        verdict's alert is kept for the `Result` and, when someone listens, emitted.
        """
        guardian = self.team.guardian
        if guardian is None:
            return env
        payload = env.payload
        if isinstance(payload, Answer):
            text = payload.text
        elif isinstance(payload, Forward) and payload.contribution:
            text = payload.contribution
        else:
            return env
        verdict = await guardian.areview(
            Submission(sender=env.sender, text=text, envelope=env), may_hold=False
        )
        alert = verdict.alert()
        if alert is not None:
            self.alerts.append(alert)
        if self.listening:
            self.emit(
                events.Reviewed(
                    env.id, env.sender, verdict.action, verdict.credibility, verdict.reasons
                )
            )
        return env.model_copy(update={"credibility": verdict.credibility})


def _shown(text: str, credibility: float | None) -> str:
    """Text as a reader sees it: flagged text carries the guardian's credibility beside it."""
    if credibility is None or credibility >= 1.0:
        return text
    return f"{text} [guardian credibility {credibility:.2f}]"


def _route_record(step: StepRecord, task: str) -> RouteRecord:
    assert step.route is not None
    payload = step.envelope.payload
    answered = isinstance(payload, Answer)
    return RouteRecord(
        holder=step.agent,
        task=task,
        route=Route.from_dict(step.route),
        chosen=(step.agent,) if answered else tuple(step.envelope.recipients),
        consult=isinstance(payload, Split) and payload.mode == "experts",
        forwarded=isinstance(payload, Forward) and not payload.contribution,
    )


def _key(env: Envelope, recipient: str) -> str:
    return f"{env.id}>{recipient}"


def _detail(decision: AnswerDecision | ForwardDecision | SplitDecision | ConsultDecision) -> str:
    if isinstance(decision, AnswerDecision):
        return decision.answer
    if isinstance(decision, ForwardDecision):
        return f"→ {decision.to}" + (f" ({decision.reason})" if decision.reason else "")
    if isinstance(decision, ConsultDecision):
        return f"consult {', '.join(decision.experts)} ({decision.aggregate})"
    return "; ".join(f"{p.to}: {p.task}" for p in decision.parts)


def build_graph(checkpointer: Any = None) -> Any:
    """The compiled LangGraph for team runs (one shared instance when not durable).

    One node, ``deliver``, loops on itself: each super-step takes the frontier (the ids of
    the work items due), handles them concurrently, and hands on the items they create.
    The engine travels in the run's config (``configurable["engine"]``), so one compiled
    graph serves all runs; graph state and checkpoints hold only work-item ids. (One task
    per super-step rather than one ``Send`` per item: ``Send`` cost ~0.1 ms more per hop,
    and the run journal, not per-task writes, is what makes resumption exact.)
    """

    async def deliver(state: _State, config: RunnableConfig) -> Command[Any]:
        engine: RunEngine = config["configurable"]["engine"]
        frontier = await engine.step(state["frontier"])
        return Command(goto="deliver" if frontier else END, update={"frontier": frontier})

    graph: StateGraph[Any] = StateGraph(_State)
    graph.add_node("deliver", cast(Any, deliver), destinations=("deliver", END))
    graph.add_edge(START, "deliver")
    return graph.compile(checkpointer=checkpointer)

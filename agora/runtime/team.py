"""`Team`: agents on a directed network, run on LangGraph with no central manager."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from agora._checks import check_text, check_texts, is_name
from agora._sync import run_sync
from agora.agents.agent import Agent
from agora.agents.guardian import Guardian
from agora.agents.routing import Router
from agora.errors import (
    AgoraError,
    BudgetExceeded,
    ConfigError,
    ProtocolError,
    RunError,
    UserError,
)
from agora.identity import Keyring
from agora.protocols.conversation import USER, Conversation
from agora.protocols.envelope import new_id
from agora.protocols.payloads import Task
from agora.runtime import events
from agora.runtime.budget import Budget, BudgetTracker
from agora.runtime.journal import Journal
from agora.runtime.learning import learn
from agora.runtime.network import Network
from agora.runtime.result import Result

if TYPE_CHECKING:
    from agora.memory.fusion.fuser import Fuser, FusionResult
    from agora.memory.retrieval.retriever import Retriever
    from agora.protocols.envelope import Envelope
    from agora.protocols.payloads import KnowledgeClaim
    from agora.runtime._engine import RunEngine

__all__ = ["Team"]

_GRAPH: Any = None


def _graph() -> Any:
    global _GRAPH
    if _GRAPH is None:
        from agora.runtime._engine import build_graph  # imports LangGraph: ~1.5 s, so lazily

        _GRAPH = build_graph()
    return _GRAPH


class Team:
    """Agents connected by directed edges; a task enters at `entry` and flows along the edges.

    The agent holding a task decides locally — with its own model, or by following the
    team's router — to answer it, forward it to a neighbour, split it among several, or
    consult several experts at once; a task never visits the same agent twice. Answers
    return to whoever awaits them, and the answer to the whole task returns to the caller.
    Agents and edges may be added or removed while runs are in flight; `feedback` lets the
    router and the edge weights learn from how a run went.

    Args:
        agents: the members; names must be unique.
        edges: ``(from, to)`` pairs; ``None`` connects the entry agent to every other agent.
        entry: the agent that receives tasks (default: the first agent).
        budget: team-wide limits for each run.
        router: ranks neighbours for each task (default: none, unless an agent has
            ``policy="router"``, which gets a `Router` on the default embedder).
        memory: a `agora.memory.Retriever` over the team's knowledge graph: before each
            decision the holder's readable facts (its own scope, the team's, global) most
            relevant to the task are retrieved and given to its model as context, with
            provenance, within `memory_tokens`. Every envelope of a run is also written to
            the retriever's store as an L0 episode (`agora.memory.message_episode`: in the
            sender's scope within this team, off the event loop, once even across a
            resume), so facts learnt from a run lead back to it (`agora.memory.lineage`).
        memory_tokens: prompt budget for retrieved facts per decision.
        name: the team's name (its memory scope is ``team:<name>``).
        checkpoint: an SQLite file that makes runs durable: every step is journaled there
            with an idempotency key, and LangGraph checkpoints into a sibling file
            (``runs.sqlite`` → ``runs.langgraph.sqlite``), so `resume` continues a run that
            was killed or cancelled, repeating no step that had committed. (Two files, because
            one event loop writing one SQLite file through two connections can deadlock.)
        keyring: an `agora.identity.Keyring` that signs as every member and ``"user"``: each
            envelope is signed by its sender and verified on receipt (a spoofed, tampered or
            replayed one is an `IdentityError`), and the journal's rows carry MACs, so
            `resume` refuses a journal changed by hand. Default: no signing.
        guardian: an `agora.agents.Guardian` on the team's paths: every answer and hand-off
            contribution is reviewed before it is delivered (its credibility is set on the
            envelope and shown to readers beside flagged work; a quarantined one reaches no
            reader, stays in the trace and is listed in `Result.withheld` with an alert in
            `Result.alerts`; a quarantined final answer leaves `Result.answer` empty), and
            `learn_facts` reviews each claim before fusing it. A guardian without a store
            checks claims against the team's memory store, one without a keyring verifies
            with the team's. Default: none.

    Example:
        >>> from agora.testing import ScriptedModel
        >>> triage = Agent("triage", ScriptedModel(
        ...     ['{"action": "forward", "to": "geo", "reason": "geography"}']))
        >>> geo = Agent("geo", ScriptedModel(['{"action": "answer", "answer": "Paris"}']))
        >>> team = Team([triage, geo])
        >>> result = team.run_sync("What is the capital of France?")
        >>> result.answer, result.answered_by, result.hops
        ('Paris', 'geo', 3)
    """

    def __init__(
        self,
        agents: Sequence[Agent],
        edges: Iterable[tuple[str, str]] | None = None,
        *,
        entry: str | None = None,
        budget: Budget | None = None,
        router: Router | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        memory: Retriever | None = None,
        memory_tokens: int = 400,
        name: str = "team",
        keyring: Keyring | None = None,
        guardian: Guardian | None = None,
    ) -> None:
        if isinstance(agents, Agent) or not isinstance(agents, Iterable):
            raise ConfigError("Team takes a list of agents, e.g. Team([triage, expert])")
        agents = list(agents)
        if not agents:
            raise ConfigError("a Team needs at least one agent")
        if not all(isinstance(a, Agent) for a in agents):
            raise ConfigError("Team members must be Agent objects")
        if budget is not None and not isinstance(budget, Budget):
            raise ConfigError(f"budget must be a Budget, got {type(budget).__name__}")
        if router is not None and not isinstance(router, Router):
            raise ConfigError(f"router must be a Router, got {type(router).__name__}")
        if checkpoint is not None and not isinstance(checkpoint, str | os.PathLike):
            raise ConfigError(f"checkpoint must be a file path, got {type(checkpoint).__name__}")
        if isinstance(checkpoint, str):
            check_text(checkpoint, "checkpoint")
        self.agents: dict[str, Agent] = {}
        self.network = Network()
        for agent in agents:
            if agent.name in self.agents:
                raise ConfigError(f"two agents are named {agent.name!r}; names must be unique")
            self.agents[agent.name] = agent
            self.network.add_agent(agent.name)
        self.entry = entry if entry is not None else agents[0].name
        if not isinstance(self.entry, str) or self.entry not in self.agents:
            raise ConfigError(f"entry agent {self.entry!r} is not a member: {list(self.agents)}")
        self.budget = budget or Budget()
        if edges is None:
            edges = [(self.entry, name) for name in self.agents if name != self.entry]
        for edge in edges:
            if not isinstance(edge, tuple | list) or len(edge) != 2:
                raise ConfigError(f"an edge is a (from, to) pair of agent names, got {edge!r}")
            self.connect(*edge)
        if router is None and any(a.policy == "router" for a in agents):
            router = Router()
        self.router = router
        if router is not None:
            for agent in agents:
                router.register(agent.name, agent.expertise)
        if memory is not None and not callable(getattr(memory, "retrieve", None)):
            raise ConfigError(f"memory must be a Retriever, got {type(memory).__name__}")
        if (
            not isinstance(memory_tokens, int)
            or isinstance(memory_tokens, bool)
            or (memory_tokens < 1)
        ):
            raise ConfigError(f"memory_tokens must be an int >= 1, got {memory_tokens!r}")
        if not is_name(name):
            raise ConfigError(
                f"the team's name {name!r} must be 1-64 letters, digits, '_', '-' or '.' "
                "(it names the team's memory scope, team:<name>)"
            )
        self.memory = memory
        self.memory_tokens = memory_tokens
        self.name = name
        self.checkpoint = None if checkpoint is None else os.fspath(checkpoint)
        if self.checkpoint is not None and self.checkpoint.strip() in ("", ":memory:"):
            raise ConfigError("checkpoint must be a file path; an in-memory run cannot resume")
        self.keyring = keyring
        if keyring is not None:
            if not isinstance(keyring, Keyring):
                raise ConfigError(f"keyring must be a Keyring, got {type(keyring).__name__}")
            for who in (USER, *self.agents):
                self._check_signer(who)
        if guardian is not None and not isinstance(guardian, Guardian):
            raise ConfigError(
                f"guardian must be an agora.agents.Guardian, got {type(guardian).__name__}"
            )
        if guardian is not None and guardian.context.store is None and memory is not None:
            guardian.context.store = memory.store
        if guardian is not None and guardian.context.keyring is None:
            guardian.context.keyring = keyring
        self.guardian = guardian
        self._retired: dict[str, Agent] = {}
        self._running = 0

    def _check_signer(self, name: str) -> None:
        if self.keyring is not None and not self.keyring.can_sign(name):
            raise ConfigError(
                f"the team's keyring cannot sign as {name!r}; generate keys for every member "
                f"and 'user' (agora keys new FILE --agents {name},...)"
            )

    # -- membership, while running or not ---------------------------------------------

    def connect(self, source: str, target: str, *, weight: float = 1.0) -> None:
        """Add the edge ``source → target``; takes effect at the next decision.

        Raises:
            ConfigError: an unknown agent, a self-loop, or a weight outside (0, 1].
        """
        self.network.connect(source, target, weight=weight)

    def neighbours(self, name: str) -> tuple[str, ...]:
        """The agents `name` may hand a task to, strongest edge first."""
        return self.network.neighbours(name)

    def add_agent(
        self, agent: Agent, *, inbound: Iterable[str] = (), outbound: Iterable[str] = ()
    ) -> None:
        """Add `agent`, with edges from `inbound` agents and to `outbound` ones.

        Safe while runs are in flight: the next decisions see the new agent.

        Raises:
            ConfigError: not an Agent, a taken name, or an unknown agent in the edges.
        """
        if not isinstance(agent, Agent):
            raise ConfigError(f"add_agent takes an Agent, got {type(agent).__name__}")
        if agent.name in self.agents:
            raise ConfigError(f"an agent named {agent.name!r} is already a member")
        self._check_signer(agent.name)
        inbound, outbound = check_texts(inbound, "inbound"), check_texts(outbound, "outbound")
        for name in (*inbound, *outbound):
            if name not in self.agents:
                raise ConfigError(f"edge names unknown agent {name!r}; members: {list(self)}")
        self.agents[agent.name] = agent
        self._retired.pop(agent.name, None)
        self.network.add_agent(agent.name)
        for name in inbound:
            self.network.connect(name, agent.name)
        for name in outbound:
            self.network.connect(agent.name, name)
        if self.router is not None:
            self.router.register(agent.name, agent.expertise)

    def remove_agent(self, name: str) -> None:
        """Remove agent `name` and its edges; tasks it already holds are still finished.

        Raises:
            ConfigError: an unknown agent, or the entry agent (choose another entry first).
        """
        check_text(name, "agent name")
        if name not in self.agents:
            raise ConfigError(f"agent {name!r} is not a member: {list(self)}")
        if name == self.entry:
            raise ConfigError(f"{name!r} is the entry agent; set team.entry to another first")
        agent = self.agents.pop(name)
        self.network.remove_agent(name)
        if self.router is not None:
            self.router.unregister(name)
        if self._running:
            self._retired[name] = agent  # until in-flight runs are done with it

    def member(self, name: str) -> Agent:
        """The agent called `name`, including one removed while it still held a task."""
        check_text(name, "agent name")
        agent = self.agents.get(name) or self._retired.get(name)
        if agent is None:
            raise ConfigError(f"agent {name!r} is not a member: {list(self)}")
        return agent

    def __iter__(self) -> Any:
        return iter(self.agents)

    def feedback(self, result: Result, success: float | bool) -> None:
        """Tell the team how a run went, so its router and edges learn (1/True right, 0 wrong).

        Each expert the router chose gets the grade, except one that forwarded the task on
        whole with no contribution when the agent that answered was among the holder's
        candidates, which gets 0 (it did not solve it); in a consult, those who disagreed with
        the final answer get the opposite of a good grade. The edges the task used move
        toward it (AgentNet's rule), and weak ones are pruned.

        Raises:
            UserError: `result` is not a Result or `success` is not in [0, 1].
        """
        if not isinstance(result, Result):
            raise UserError(f"feedback takes the Result of a run, got {type(result).__name__}")
        if isinstance(success, bool):
            success = float(success)
        if not isinstance(success, int | float) or not 0 <= success <= 1:
            raise UserError(f"success must be a bool or a number in [0, 1], got {success!r}")
        learn(result, float(success), self.router, self.network)

    async def learn_facts(self, result: Result, fuser: Fuser) -> list[FusionResult]:
        """Turn the answers of a run into knowledge: extract claims, fuse them into memory.

        Each agent's answers are read by its own model (constrained output: typed
        `KnowledgeClaim`s), and each claim is fused with `fuser` under that agent's name and
        this team, with the answer's L0 episode as its source: the one the run wrote (its
        id is the envelope's), or, if the fuser's store lacks it, one written now. So every
        fact leads back to the answers and agents it came from (`agora.memory.lineage`).
        Facts the fuser stores are added to the team's retriever index, so the next
        decisions can use them.

        With a `guardian`, each claim is reviewed first (by the agent that made it, with the
        answer's envelope for the identity check): accepted and flagged claims are fused, a
        quarantined one is kept hidden and unfused (`Fuser.set_aside`, action
        ``"quarantined"``), and answers the run's guardian withheld are not learnt from.

        Raises:
            UserError: `result` is not a Result.
            ModelOutputError: an agent's model gave no valid claims after the repair retry.
            StoreError: the answers' episodes could not be written to the fuser's store.
        """
        from agora.memory.extract import extract_claims
        from agora.memory.lineage import message_episode
        from agora.protocols.payloads import Answer, Split
        from agora.runtime._episodes import EpisodeWriter

        if not isinstance(result, Result):
            raise UserError(f"learn_facts takes the Result of a run, got {type(result).__name__}")
        relayed = {  # a vote or weighted consult only passes an expert's answer on
            (env.sender, env.parent_id)
            for env in result.trace
            if isinstance(env.payload, Split)
            and env.payload.mode == "experts"
            and env.payload.aggregate != "synthesize"
        }
        answers = [
            (env, message_episode(env, team=self.name))
            for env in result.trace
            if isinstance(env.payload, Answer)
            and env.payload.text.strip()
            and (env.sender, env.parent_id) not in relayed
            and env.id not in result.withheld
        ]
        writer = EpisodeWriter(fuser.store)  # kept if there: the run's own, with `verified`
        for _, episode in answers:
            writer.add(episode)
        await writer.drain()
        done: list[FusionResult] = []
        for env, episode in answers:
            agent = self.member(env.sender)
            assert isinstance(env.payload, Answer)  # answers holds answers only
            for claim in await extract_claims(agent.model, env.payload.text):
                stopped = self.guardian is not None and await self._stopped(claim, env)
                learn = fuser.set_aside if stopped else fuser.fuse
                done.append(learn(claim, agent=agent.name, team=self.name, episode=episode.id))
        if self.memory is not None and done:
            self.memory.index_facts([o.fact for o in done if o.action != "quarantined"])
        return done

    async def _stopped(self, claim: KnowledgeClaim, env: Envelope) -> bool:
        """Whether the guardian quarantines `claim`, made in `env`'s answer."""
        from agora.agents.guard_checks import Submission

        assert self.guardian is not None
        text = claim.text or f"{claim.subject} {claim.relation} {claim.object}"
        submission = Submission(sender=env.sender, text=text, claim=claim, envelope=env)
        verdict = await self.guardian.areview(submission, may_hold=False)
        return verdict.action == "quarantine"

    # -- running ------------------------------------------------------------------------

    async def run(
        self,
        task: str,
        *,
        context: str = "",
        on_event: Callable[[events.Event], None] | None = None,
        run_id: str | None = None,
    ) -> Result:
        """Run `task` through the team and return its `Result`.

        Args:
            task: what to do.
            context: background for the entry agent.
            on_event: called with every `agora.runtime.events` event as it happens.
            run_id: the id of a durable run (default: a new random one).

        Raises:
            BudgetExceeded: a team budget ran out (hops, tokens or wall time).
            ModelError: an agent's model failed after retries and repair.
            UserError: the task is empty or too long, `run_id` is taken, or an argument has
                the wrong type.
            StoreError: with memory, the run's episodes could not be written (its result is
                the error's ``partial``).
        """
        payload = _task_payload(task, context)
        if run_id is not None and (not isinstance(run_id, str) or not 0 < len(run_id) <= 64):
            raise UserError("run_id must be a string of 1-64 characters")
        check_text(run_id, "run_id", none=True, error=UserError)
        if on_event is not None and not callable(on_event):  # before the journal is opened
            raise UserError(f"on_event must be a callable, got {type(on_event).__name__}")
        run_id = run_id or new_id()
        journal = self._journal()
        engine = self._engine(run_id, new_id(), on_event, journal)
        try:
            if journal is not None:
                journal.start_run(
                    run_id,
                    conversation_id=engine.conversation.id,
                    task=payload.text,
                    context=payload.context,
                    entry=self.entry,
                )
            first = engine.begin(payload)
            return await self._drive(engine, {"frontier": [first]})
        finally:
            if journal is not None:
                journal.close()

    async def resume(
        self, run_id: str, *, on_event: Callable[[events.Event], None] | None = None
    ) -> Result:
        """Continue durable run `run_id` from its last step (or return it, if it finished).

        Steps whose results were committed are not run again: their envelopes, usage and
        memory writes come from the journal, and LangGraph's checkpoint says what was left.

        Raises:
            UserError: the team has no `checkpoint`, or no run `run_id` is in it.
        """
        check_text(run_id, "run_id", empty=False, error=UserError)
        if on_event is not None and not callable(on_event):
            raise UserError(f"on_event must be a callable, got {type(on_event).__name__}")
        journal = self._journal()
        if journal is None:
            raise UserError("resume needs a durable team: Team(..., checkpoint='runs.sqlite')")
        try:
            info = journal.run(run_id)
            if info is None:
                raise UserError(f"no run {run_id!r} in {self.checkpoint}")
            engine = self._engine(run_id, info.conversation_id, on_event, journal)
            steps = journal.steps(run_id)
            if not steps:
                raise UserError(
                    f"run {run_id!r} died before its first step was recorded; start it again "
                    "with team.run(task, run_id=...) under a new id"
                )
            for step in steps:
                engine.apply(step, live=False)
            if engine.final is not None:
                unwritten = await engine.flush_episodes()
                if unwritten is not None:
                    raise unwritten
                return engine.snapshot(0.0)
            engine.hold_load()
            first = engine.done[steps[0].key][0]
            return await self._drive(engine, {"frontier": [first]}, resuming=True)
        finally:
            journal.close()

    def _journal(self) -> Journal | None:
        return None if self.checkpoint is None else Journal(self.checkpoint, keyring=self.keyring)

    def _engine(
        self,
        run_id: str,
        conversation_id: str,
        on_event: Callable[[events.Event], None] | None,
        journal: Journal | None,
    ) -> RunEngine:
        if on_event is not None and not callable(on_event):
            raise UserError(f"on_event must be a callable, got {type(on_event).__name__}")
        _graph()  # imports LangGraph before any clock starts
        from agora.runtime._engine import RunEngine
        from agora.runtime._episodes import EpisodeWriter, episode_store

        store = episode_store(self.memory)
        return RunEngine(
            team=self,
            conversation=Conversation(conversation_id),  # the engine verifies when signed
            tracker=BudgetTracker(self.budget),
            emit=on_event or _ignore,
            run_id=run_id,
            journal=journal,
            episodes=None if store is None else EpisodeWriter(store),
            listening=on_event is not None,
        )

    async def _drive(
        self, engine: RunEngine, start: dict[str, list[str]], *, resuming: bool = False
    ) -> Result:
        started = time.perf_counter()
        self._running += 1
        try:
            async with contextlib.AsyncExitStack() as stack:
                graph, config, inputs = await self._graph_for(engine, start, resuming, stack)
                await self._within_wall_time(
                    graph.ainvoke(inputs, config, **_durable(engine)), engine, started
                )
        except AgoraError as exc:
            if exc.partial is None:
                exc.partial = engine.snapshot(_since(started))
            raise
        finally:
            if engine.final is None:
                engine.release_load()
            self._running -= 1
            if not self._running:
                self._retired.clear()
            unwritten = await engine.flush_episodes()  # a failed run reports its own error
        if unwritten is not None:
            unwritten.partial = engine.snapshot(_since(started))
            raise unwritten
        if engine.final is None:
            raise RunError(
                "the run ended without an answer reaching the caller; this is a bug in agora, "
                "please report it with the trace"
            )
        result = engine.snapshot(_since(started))
        if engine.journal is not None:
            engine.journal.finish(engine.run_id, result.answer)
        engine.emit(events.Finished(result))
        return result

    async def _graph_for(
        self,
        engine: RunEngine,
        start: dict[str, list[str]],
        resuming: bool,
        stack: contextlib.AsyncExitStack,
    ) -> tuple[Any, dict[str, Any], dict[str, list[str]] | None]:
        config: dict[str, Any] = {
            "configurable": {"engine": engine},
            "recursion_limit": (self.budget.hops or 10_000) + 10,
        }
        if self.checkpoint is None:
            return _graph(), config, start
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        from agora.runtime._engine import build_graph

        saver = await stack.enter_async_context(
            AsyncSqliteSaver.from_conn_string(langgraph_file(self.checkpoint))
        )
        graph = build_graph(saver)
        config["configurable"]["thread_id"] = engine.run_id
        if resuming:
            state = await graph.aget_state(config)
            if state.next:  # continue from LangGraph's last checkpoint
                return graph, config, None
        return graph, config, start

    async def _within_wall_time(self, work: Any, engine: RunEngine, started: float) -> None:
        limit = self.budget.wall_time_s
        try:
            async with asyncio.timeout(limit) as deadline:
                await work
        except TimeoutError:
            if not deadline.expired():
                raise
            exc = BudgetExceeded("wall_time_s", limit=limit or 0.0, used=_since(started))
            exc.partial = engine.snapshot(_since(started))
            raise exc from None

    def run_sync(self, task: str, **kwargs: Any) -> Result:
        """`run` for scripts and notebooks without a running event loop."""
        return run_sync(self.run(task, **kwargs))

    def learn_facts_sync(self, result: Result, fuser: Fuser) -> list[FusionResult]:
        """`learn_facts` for scripts and notebooks without a running event loop."""
        return run_sync(self.learn_facts(result, fuser))

    def resume_sync(self, run_id: str, **kwargs: Any) -> Result:
        """`resume` for scripts and notebooks without a running event loop."""
        return run_sync(self.resume(run_id, **kwargs))

    async def stream(self, task: str, *, context: str = "") -> AsyncIterator[events.Event]:
        """Run `task`, yielding each event as it happens; the last one is `events.Finished`.

        Example:
            >>> async def show(team):  # doctest: +SKIP
            ...     async for event in team.stream("What is 2 + 2?"):
            ...         print(event)
        """
        queue: asyncio.Queue[events.Event | BaseException] = asyncio.Queue()

        async def drive() -> None:
            try:
                await self.run(task, context=context, on_event=queue.put_nowait)
            except BaseException as exc:  # handed to the consumer, re-raised there
                queue.put_nowait(exc)

        runner = asyncio.create_task(drive())
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
                if isinstance(item, events.Finished):
                    break
        finally:
            if not runner.done():
                runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)


def langgraph_file(checkpoint: str) -> str:
    """Where LangGraph's checkpoints of a team with `checkpoint` go.

    Example:
        >>> langgraph_file("runs/team.sqlite")
        'runs/team.langgraph.sqlite'
    """
    root, ext = os.path.splitext(checkpoint)
    return f"{root}.langgraph{ext or '.sqlite'}"


def _ignore(event: events.Event) -> None:
    return None


def _durable(engine: RunEngine) -> dict[str, Any]:
    return {"durability": "sync"} if engine.journal is not None else {}


def _since(started: float) -> float:
    return time.perf_counter() - started


def _task_payload(task: str, context: str) -> Task:
    if not isinstance(task, str) or not task.strip():
        raise UserError("the task must be a non-empty string")
    try:
        return Task(text=task, context=context)
    except ProtocolError as exc:
        raise UserError(f"invalid task: {exc}") from None

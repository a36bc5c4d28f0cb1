"""`Team`: agents on a directed network, run on LangGraph with no central manager."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

import networkx as nx

from agora._sync import run_sync
from agora.agents.agent import Agent
from agora.errors import (
    AgoraError,
    BudgetExceeded,
    ConfigError,
    ProtocolError,
    RunError,
    UserError,
)
from agora.protocols.conversation import USER, Conversation
from agora.protocols.envelope import new_id
from agora.protocols.payloads import Task
from agora.runtime import events
from agora.runtime.budget import Budget, BudgetTracker
from agora.runtime.result import Result

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

    The agent holding a task decides, with its own model, to answer it, forward it to a
    neighbour, or split it among several; a task never visits the same agent twice. Answers
    return to whoever awaits them, and the answer to the whole task returns to the caller.

    Args:
        agents: the members; names must be unique.
        edges: ``(from, to)`` pairs; ``None`` connects the entry agent to every other agent.
        entry: the agent that receives tasks (default: the first agent).
        budget: team-wide limits for each run.

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
    ) -> None:
        if isinstance(agents, Agent) or not isinstance(agents, Iterable):
            raise ConfigError("Team takes a list of agents, e.g. Team([triage, expert])")
        agents = list(agents)
        if not agents:
            raise ConfigError("a Team needs at least one agent")
        if not all(isinstance(a, Agent) for a in agents):
            raise ConfigError("Team members must be Agent objects")
        self.agents: dict[str, Agent] = {}
        for agent in agents:
            if agent.name in self.agents:
                raise ConfigError(f"two agents are named {agent.name!r}; names must be unique")
            self.agents[agent.name] = agent
        self.entry = entry if entry is not None else agents[0].name
        if not isinstance(self.entry, str) or self.entry not in self.agents:
            raise ConfigError(f"entry agent {self.entry!r} is not a member: {list(self.agents)}")
        if budget is not None and not isinstance(budget, Budget):
            raise ConfigError(f"budget must be a Budget, got {type(budget).__name__}")
        self.budget = budget or Budget()
        self.network: nx.DiGraph = nx.DiGraph()
        self.network.add_nodes_from(self.agents)
        if edges is None:
            edges = [(self.entry, name) for name in self.agents if name != self.entry]
        for edge in edges:
            if not isinstance(edge, tuple | list) or len(edge) != 2:
                raise ConfigError(f"an edge is a (from, to) pair of agent names, got {edge!r}")
            self.connect(*edge)
        self._neighbours: dict[str, tuple[str, ...]] = {}

    def connect(self, source: str, target: str, *, weight: float = 1.0) -> None:
        """Add the edge ``source → target`` (between runs).

        Raises:
            ConfigError: an unknown agent, or a self-loop.
        """
        for name in (source, target):
            if not isinstance(name, str) or name not in self.agents:
                raise ConfigError(
                    f"edge names unknown agent {name!r}; members: {list(self.agents)}"
                )
        if source == target:
            raise ConfigError(f"self-loop on {source!r}: an agent cannot forward to itself")
        self.network.add_edge(source, target, weight=weight)
        self._neighbours = {}

    def neighbours(self, name: str) -> tuple[str, ...]:
        """The agents `name` may hand a task to, strongest edge first."""
        cached = self._neighbours.get(name)
        if cached is None:
            out = sorted(self.network.out_edges(name, data="weight"), key=lambda e: -(e[2] or 0.0))
            cached = self._neighbours[name] = tuple(target for _, target, _ in out)
        return cached

    async def run(
        self,
        task: str,
        *,
        context: str = "",
        on_event: Callable[[events.Event], None] | None = None,
    ) -> Result:
        """Run `task` through the team and return its `Result`.

        Args:
            task: what to do.
            context: background for the entry agent.
            on_event: called with every `agora.runtime.events` event as it happens.

        Raises:
            BudgetExceeded: a team budget ran out (hops, tokens or wall time).
            ModelError: an agent's model failed after retries and repair.
            UserError: the task is empty or too long.
        """
        payload = _task_payload(task, context)
        if on_event is not None and not callable(on_event):
            raise UserError(f"on_event must be a callable, got {type(on_event).__name__}")
        graph = _graph()  # before the clock starts: the first call imports LangGraph
        from agora.runtime._engine import Delivery, RunEngine

        started = time.perf_counter()
        engine = RunEngine(
            team=self,
            conversation=Conversation(new_id()),
            tracker=BudgetTracker(self.budget),
            emit=on_event or (lambda event: None),
        )
        first = engine.envelope(sender=USER, recipients=[self.entry], payload=payload)
        engine.send(first)
        config = {
            "configurable": {"engine": engine},
            "recursion_limit": (self.budget.hops or 10_000) + 10,
        }
        work = graph.ainvoke({"start": Delivery(first, self.entry, payload.text)}, config)
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
        except AgoraError as exc:
            exc.partial = engine.snapshot(_since(started))
            raise
        if engine.final is None:
            raise RunError(
                "the run ended without an answer reaching the caller; this is a bug in agora, "
                "please report it with the trace"
            )
        result = engine.snapshot(_since(started))
        engine.emit(events.Finished(result))
        return result

    def run_sync(self, task: str, **kwargs: Any) -> Result:
        """`run` for scripts and notebooks without a running event loop."""
        return run_sync(self.run(task, **kwargs))

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


def _since(started: float) -> float:
    return time.perf_counter() - started


def _task_payload(task: str, context: str) -> Task:
    if not isinstance(task, str) or not task.strip():
        raise UserError("the task must be a non-empty string")
    try:
        return Task(text=task, context=context)
    except ProtocolError as exc:
        raise UserError(f"invalid task: {exc}") from None

"""Orchestration overhead of a 100-agent agora network against the same flow in bare LangGraph.

The network: ``--agents`` agents in ``--hops`` layers (10 × 10 by default), every agent linked
to every agent of the next layer. A task ("task #<id>: ...") enters at the first agent of
layer 0 and each holder makes one decision: forward to the next-layer agent picked from the
task id (a crc32 of the id and the layer, so both sides walk the same path), or, in the last
layer, answer. So a task costs exactly ``--hops`` model calls on both sides; "per hop" below
means per agent decision.

Both sides call the same decision function with the same input — the last user message and
the decision's JSON Schema — and validate its JSON reply with pydantic against a
discriminated union (``Answer`` | ``Forward`` with ``to`` an enum of the next layer):

- **agora**: ``Team.run`` (one compiled LangGraph, one ``deliver`` super-step per hop).
  Per hop the engine lists unvisited neighbours, ``Agent.decide`` builds the prompt and the
  cached decision type, ``Model.request`` (retry policy, circuit breaker, usage) calls the
  model and validates the reply, and the engine turns the decision into a validated
  `Envelope` with budgets, conversation bookkeeping, trace and events.
- **bare LangGraph**: a ``StateGraph`` with the same 100 nodes; each node builds a two-message
  prompt (system + user naming the task and the next layer), calls the model,
  ``model_validate_json``s the reply into its layer's union (built once, like agora's cache)
  and returns ``Command(goto=<next node>)``, or ``Command(goto=END)`` with the answer.

Variants, each interleaved task by task in one process (warm-ups first, medians reported):

- **inproc**: the decision function runs in-process (agora: a `FunctionModel`; bare: a
  direct call), so the ratio is the framework cost alone.
- **http**: every decision is a chat completion against a local OpenAI-compatible server in
  its own process (`agora.testing.openai_server`) answering with the same function. agora's
  agents use `OpenAIModel`; bare nodes call the ``openai`` client's
  ``chat.completions.create`` with the same ``response_format`` (a JSON schema).
- **http-same**: as http, but bare nodes call `OpenAIModel.request` with their union type,
  so both sides share one client path and the ratio isolates orchestration.

With ``--memory`` the agora team also has memory (a `Retriever` over an `SQLiteStore` file
in a temporary folder, hash embeddings): every decision retrieves from it, and every envelope
is written to it as an L0 episode (off the event loop). Bare LangGraph has no memory, so
the ratio then shows what memory costs a hop; the line is labelled ``inproc+memory``. A
second line times that team against the same team whose runs write no episodes (task by
task, alternating), so it shows what the episode writes alone cost a hop.

Run:  python benchmarks/network_overhead.py [--tasks 300] [--hops 10] [--agents 100]
      [--no-http] [--memory]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict, Union, cast

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command
from openai import AsyncOpenAI
from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model

from agora import Agent, Budget, Team
from agora.models import FunctionModel, Message, Model
from agora.models.openai import OpenAIModel

_TASK_ID = re.compile(r"task #(\d+)")


# -- the decision both sides ask for ----------------------------------------------------


def decide(text: str, schema: dict[str, Any] | None) -> str:
    """The model: forward to the next-layer agent the task id picks, or answer at the end."""
    match = _TASK_ID.search(text)
    task_id = int(match.group(1)) if match else 0
    forward = (schema or {}).get("$defs", {}).get("Forward")
    if forward is None:
        return json.dumps({"action": "answer", "answer": f"done {task_id}"})
    target = forward["properties"]["to"]
    options = sorted(target["enum"]) if "enum" in target else [target["const"]]
    pick = zlib.crc32(f"{task_id}:{options[0]}".encode()) % len(options)
    return json.dumps({"action": "forward", "to": options[pick], "reason": ""})


def server_reply(request: dict[str, Any], schema: dict[str, Any] | None) -> str:
    """`decide` as the test server's reply function (``module:function``)."""
    return decide(request["messages"][-1]["content"], schema)


def function_model() -> FunctionModel:
    return FunctionModel(lambda messages, schema: decide(messages[-1].content, schema))


# -- the network --------------------------------------------------------------------------


def layers(agents: int, hops: int) -> list[list[str]]:
    """`hops` layers of ``agents // hops`` names each."""
    width = agents // hops
    if width < 1:
        raise SystemExit(f"--agents ({agents}) must be at least --hops ({hops})")
    return [[f"n{layer}_{i}" for i in range(width)] for layer in range(hops)]


def agora_team(
    grid: list[list[str]], model_for: Callable[[str], Model], *, memory: Any = None
) -> Team:
    width = len(grid[0])
    agents = [
        Agent(name, model_for(name), f"layer {layer} specialist", max_neighbours=width)
        for layer, row in enumerate(grid)
        for name in row
    ]
    edges = [(a, b) for row, nxt in zip(grid, grid[1:], strict=False) for a in row for b in nxt]
    hops = len(grid)
    budget = Budget(hops=2 * hops + 8, wall_time_s=None, max_forwards=hops)
    return Team(agents, edges=edges, entry=grid[0][0], budget=budget, memory=memory)


def decision_union(targets: Sequence[str]) -> type[BaseModel]:
    """Answer | Forward(to: one of `targets`), as a bare LangGraph user would write it."""
    config = ConfigDict(extra="forbid")
    literal: Any = Literal  # the choices are only known at run time
    answer = create_model(
        "Answer", __config__=config, action=(literal.__getitem__("answer"), ...), answer=(str, ...)
    )
    if not targets:
        return RootModel[answer]  # type: ignore[valid-type]
    forward = create_model(
        "Forward",
        __config__=config,
        action=(literal.__getitem__("forward"), ...),
        to=(literal.__getitem__(tuple(targets)), ...),
        reason=(str, ""),
    )
    variants: Any = Union[answer, forward]  # noqa: UP007
    union: Any = RootModel[Annotated[variants, Field(discriminator="action")]]
    return cast(type[BaseModel], union)


class _State(TypedDict, total=False):
    task: str
    answer: str
    by: str


#: How a bare node asks its model: (messages, output type) -> JSON text.
BareCall = Callable[[list[Message], type[BaseModel]], Awaitable[str]]


def bare_graph(grid: list[list[str]], call: BareCall) -> Any:
    graph: StateGraph[Any] = StateGraph(_State)
    for layer, row in enumerate(grid):
        targets = grid[layer + 1] if layer + 1 < len(grid) else []
        output_type = decision_union(targets)
        for name in row:
            graph.add_node(name, cast(Any, _bare_node(name, targets, output_type, call)))
    graph.add_edge(START, grid[0][0])
    return graph.compile()


def _bare_node(
    name: str, targets: list[str], output_type: type[BaseModel], call: BareCall
) -> Callable[[_State], Awaitable[Command[Any]]]:
    system = Message("system", f"You are {name}, an expert in layer routing.")
    offer = "".join(f"\n- {t}" for t in targets)

    async def node(state: _State) -> Command[Any]:
        user = Message("user", f"Task: {state['task']}\nForward to one of:{offer}\nReply JSON.")
        decision = output_type.model_validate_json(await call([system, user], output_type))
        value = decision.root  # type: ignore[attr-defined]
        if value.action == "forward":
            return Command(goto=value.to)
        return Command(goto=END, update={"answer": value.answer, "by": name})

    return node


# -- measuring ----------------------------------------------------------------------------


async def compare(
    label: str, team: Team, graph: Any, tasks: int, hops: int, warmup: int
) -> dict[str, float]:
    """Run tasks alternately on both sides; return medians in ms per task and the ratio."""

    async def run_team(i: int) -> tuple[float, str, str]:
        started = time.perf_counter()
        result = await team.run(f"task #{i}: route me through the layers")
        return time.perf_counter() - started, result.answer, result.answered_by

    async def run_bare(i: int) -> tuple[float, str, str]:
        started = time.perf_counter()
        state = await graph.ainvoke(
            {"task": f"task #{i}: route me through the layers"}, {"recursion_limit": hops + 10}
        )
        return time.perf_counter() - started, state["answer"], state["by"]

    ours: list[float] = []
    bare: list[float] = []
    for i in range(warmup + tasks):
        first, second = (run_team, run_bare) if i % 2 == 0 else (run_bare, run_team)
        a, b = await first(i), await second(i)
        (t_ours, *got), (t_bare, *want) = (a, b) if first is run_team else (b, a)
        if got != want:
            raise AssertionError(f"{label}: agora ended {got}, bare LangGraph {want}")
        if i >= warmup:
            ours.append(t_ours)
            bare.append(t_bare)
    team_ms, bare_ms = statistics.median(ours) * 1000, statistics.median(bare) * 1000
    ratio = team_ms / bare_ms
    print(
        f"{label:>9}: agora {team_ms:8.3f} ms/task {team_ms / hops:7.3f} ms/hop | "
        f"bare LangGraph {bare_ms:8.3f} ms/task {bare_ms / hops:7.3f} ms/hop | ratio {ratio:.2f}"
    )
    return {"agora_ms": team_ms, "bare_ms": bare_ms, "ratio": ratio}


async def run_all(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    grid = layers(args.agents, args.hops)
    results: dict[str, dict[str, float]] = {}
    model = function_model()

    async def direct(messages: list[Message], output_type: type[BaseModel]) -> str:
        return decide(messages[-1].content, _schema(output_type))

    team = agora_team(grid, lambda name: model)
    results["inproc"] = await compare(
        "inproc", team, bare_graph(grid, direct), args.tasks, args.hops, args.warmup
    )
    if args.memory:
        results["inproc+memory"] = await with_memory(grid, direct, args)
    if args.no_http:
        return results
    from agora.testing.openai_server import start_server_process, stop_server_process

    proc, base_url = start_server_process(reply="benchmarks.network_overhead:server_reply")
    try:
        client = AsyncOpenAI(base_url=base_url, api_key="sk-no-key", max_retries=0)
        team = agora_team(grid, lambda name: OpenAIModel("agora-test", client=client))

        async def sdk(messages: list[Message], output_type: type[BaseModel]) -> str:
            reply = await client.chat.completions.create(
                model="agora-test",
                messages=cast(Any, [m.to_openai() for m in messages]),
                response_format=cast(
                    Any,
                    {
                        "type": "json_schema",
                        "json_schema": {"name": "decision", "schema": _schema(output_type)},
                    },
                ),
            )
            return reply.choices[0].message.content or ""

        shared = OpenAIModel("agora-test", client=client)

        async def same(messages: list[Message], output_type: type[BaseModel]) -> str:
            return (await shared.request(messages, output_type)).text

        http_tasks = max(1, args.tasks // 2)
        for label, call in (("http", sdk), ("http-same", same)):
            results[label] = await compare(
                label, team, bare_graph(grid, call), http_tasks, args.hops, args.warmup
            )
        await client.close()
    finally:
        stop_server_process(proc)
    return results


async def with_memory(grid: list[list[str]], direct: BareCall, args: argparse.Namespace) -> Any:
    """The inproc comparison with memory on the agora side (see the module docstring)."""
    from agora.embeddings import HashEmbedder
    from agora.memory import Retriever, SQLiteStore

    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "memory.db")
        memory = Retriever(store, embedder=HashEmbedder(dim=64))
        team = agora_team(grid, lambda name: function_model(), memory=memory)
        numbers = await compare(
            "inproc+memory", team, bare_graph(grid, direct), args.tasks, args.hops, args.warmup
        )
        episodes = store.stats().episodes
        silent = SQLiteStore(Path(folder) / "silent.db")
        quiet = agora_team(
            grid, lambda name: function_model(), memory=Retriever(silent, embedder=memory.embedder)
        )
        with_ms, without_ms = await episode_cost(team, quiet, args)
        store.close()
        silent.close()
    print(f"{'':>9}  {episodes} episodes written ({args.hops + 1} per task)")
    print(
        f"{'episodes':>9}: {with_ms / args.hops:7.3f} ms/hop writing them, "
        f"{without_ms / args.hops:7.3f} ms/hop not: {(with_ms - without_ms) / args.hops:+.3f} "
        "ms/hop"
    )
    return numbers


class _NoEpisodes(Team):
    """A team whose runs write no episodes (the engine gets no episode writer)."""

    def _engine(self, *args: Any, **kwargs: Any) -> Any:
        engine = super()._engine(*args, **kwargs)
        engine.episodes = None
        return engine


async def episode_cost(team: Team, quiet: Team, args: argparse.Namespace) -> tuple[float, float]:
    """Median ms/task of `team`, and of `quiet` run as a `_NoEpisodes` team, alternating."""
    quiet.__class__ = _NoEpisodes
    times: dict[Team, list[float]] = {team: [], quiet: []}
    for i in range(args.warmup + args.tasks):
        for which in (team, quiet) if i % 2 == 0 else (quiet, team):
            started = time.perf_counter()
            await which.run(f"task #{i}: route me through the layers")
            if i >= args.warmup:
                times[which].append(time.perf_counter() - started)
    return statistics.median(times[team]) * 1000, statistics.median(times[quiet]) * 1000


_SCHEMAS: dict[type[BaseModel], dict[str, Any]] = {}


def _schema(output_type: type[BaseModel]) -> dict[str, Any]:
    schema = _SCHEMAS.get(output_type)
    if schema is None:
        schema = _SCHEMAS[output_type] = output_type.model_json_schema()
    return schema


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=300, help="timed tasks per side (http: half)")
    parser.add_argument("--hops", type=int, default=10, help="layers = decisions per task")
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10, help="untimed tasks per side first")
    parser.add_argument("--no-http", action="store_true", help="in-process variant only")
    parser.add_argument(
        "--memory", action="store_true", help="also inproc with memory (retrieval + episodes)"
    )
    args = parser.parse_args(argv)
    if args.hops < 1 or args.tasks < 1:
        parser.error("--hops and --tasks must be >= 1")
    grid = layers(args.agents, args.hops)
    print(
        f"{len(grid) * len(grid[0])} agents in {args.hops} layers of {len(grid[0])}; "
        f"{args.hops} decisions per task; medians over {args.tasks} tasks per side"
    )
    results = asyncio.run(run_all(args))
    for label, numbers in results.items():
        print(f"overhead ratio vs bare LangGraph ({label}): {numbers['ratio']:.2f} (target <= 1.2)")
    print(json.dumps({label: round(n["ratio"], 3) for label, n in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

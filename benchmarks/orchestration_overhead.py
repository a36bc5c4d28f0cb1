"""Per-hop orchestration overhead: an agora `Team` against the same chain in bare LangGraph.

A chain of four agents where each builds on the previous one's output (a drafts, b, c and d
extend it): a, b and c forward the task with their work as the forward's ``contribution``,
which the next agent sees; d answers with the finished text. Each run is 4 model calls, and
both sides must end with the same text, ``go a b c d`` (each agent's output reached the
next). The chain runs both ways, interleaved run by run so machine noise hits both alike:

- **http**: every hop is one chat completion against the same local OpenAI-compatible server
  (a separate process, so the real client path is measured). agora's agents use
  `OpenAIModel` with typed decisions; bare LangGraph nodes call the same `openai` client
  with ``chat.completions.create``, as a user of bare LangGraph would.
- **http-same**: as http, but the bare nodes call `OpenAIModel.request` (plain text), so both
  sides share one client code path and the ratio isolates orchestration alone.
- **scripted**: the same flows with an in-process `FunctionModel`, for reference (no I/O, so
  this shows the framework cost alone).

Run:  python benchmarks/orchestration_overhead.py [--runs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph
from openai import AsyncOpenAI

from agora import Agent, Budget, Team
from agora.models import FunctionModel, Message, Model
from agora.models.openai import OpenAIModel
from agora.testing.openai_server import start_server_process, stop_server_process

NAMES = ("a", "b", "c", "d")
FINISHED = "go " + " ".join(NAMES)  # every agent's output reached the next


def decision_reply(request: dict[str, Any], schema: dict[str, Any] | None) -> str:
    """Server-side reply: extend the work handed over by this agent's name, then pass it on.

    The work so far is the last contribution handed to an agora agent (or the task), or the
    user message of a bare LangGraph node; the agent's name is in its system prompt.
    """
    messages = request.get("messages") or [{"content": ""}]
    system, prompt = str(messages[0]["content"]), str(messages[-1]["content"])
    me = system.split()[2].rstrip(",.") if system.startswith("You are ") else "?"
    lines = prompt.splitlines()
    handed: list[str] = []
    if "Work handed to you (build on it):" in lines:
        for line in lines[lines.index("Work handed to you (build on it):") + 1 :]:
            if not line.startswith("- "):
                break
            handed.append(line.split(": ", 1)[1])
    so_far = handed[-1] if handed else lines[0].removeprefix("Task: ")
    work = f"{so_far} {me}"
    forward = (schema or {}).get("$defs", {}).get("Forward")
    if forward is None:  # the last agent answers in plain text; bare nodes get plain text too
        return work
    target = forward["properties"]["to"]
    to = target["enum"][0] if "enum" in target else target["const"]
    return json.dumps({"action": "forward", "to": to, "reason": "", "contribution": work})


def agora_chain(models: dict[str, Model]) -> Team:
    agents = [Agent(name, models[name]) for name in NAMES]
    edges = list(zip(NAMES, NAMES[1:], strict=False))
    return Team(agents, edges=edges, budget=Budget(wall_time_s=None))


class _State(TypedDict):
    text: str


def bare_chain(call: Callable[[str, str], Awaitable[str]]) -> Any:
    """The same chain in bare LangGraph: each node sends the previous output on."""
    graph: StateGraph[Any] = StateGraph(_State)
    previous = START
    for name in NAMES:

        async def node(state: _State, name: str = name) -> dict[str, str]:
            return {"text": await call(f"You are {name}.", state["text"])}

        graph.add_node(name, node)
        graph.add_edge(previous, name)
        previous = name
    graph.add_edge(previous, END)
    return graph.compile()


async def compare(label: str, team: Team, graph: Any, runs: int) -> float:
    async def time_team() -> float:
        started = time.perf_counter()
        result = await team.run("go")
        assert result.answer == FINISHED and result.hops == len(NAMES) + 1, result.answer
        assert sum(u.requests for u in result.usage.values()) == len(NAMES)
        return time.perf_counter() - started

    async def time_bare() -> float:
        started = time.perf_counter()
        state = await graph.ainvoke({"text": "go"})
        assert state["text"] == FINISHED, state
        return time.perf_counter() - started

    for _ in range(20):  # warm-up: connections, caches, grammars
        await time_team()
        await time_bare()
    ours = bare = 0.0
    for _ in range(runs):
        ours += await time_team()
        bare += await time_bare()
    per_hop = 1000 / (runs * len(NAMES))
    ratio = ours / bare
    print(
        f"{label:>9}: agora {ours * per_hop:.3f} ms/hop, bare LangGraph {bare * per_hop:.3f} "
        f"ms/hop, ratio {ratio:.2f}"
    )
    return ratio


async def main(runs: int) -> None:
    proc, base_url = start_server_process(reply="benchmarks.orchestration_overhead:decision_reply")
    try:
        client = AsyncOpenAI(base_url=base_url, api_key="sk-no-key", max_retries=0)
        models: dict[str, Model] = {
            name: OpenAIModel("agora-test", client=client) for name in NAMES
        }

        async def bare_call(system: str, text: str) -> str:
            reply = await client.chat.completions.create(
                model="agora-test",
                messages=[{"role": "system", "content": system}, {"role": "user", "content": text}],
            )
            return reply.choices[0].message.content or ""

        plain = OpenAIModel("agora-test", client=client)

        async def bare_same_call(system: str, text: str) -> str:
            messages = [Message("system", system), Message("user", text)]
            return (await plain.request(messages)).text

        http = await compare("http", agora_chain(models), bare_chain(bare_call), runs)
        same = await compare("http-same", agora_chain(models), bare_chain(bare_same_call), runs)
        await client.close()
    finally:
        stop_server_process(proc)

    def scripted_reply(messages: Any, schema: dict[str, Any] | None) -> str:
        wire = {"messages": [{"content": m.content} for m in messages]}
        return decision_reply(wire, schema)

    scripted_model = FunctionModel(scripted_reply)

    async def scripted_call(system: str, text: str) -> str:
        messages = [Message("system", system), Message("user", text)]
        return (await scripted_model.request(messages)).text

    scripted = agora_chain({name: scripted_model for name in NAMES})
    ref = await compare("scripted", scripted, bare_chain(scripted_call), runs)
    print(f"overhead ratio vs bare LangGraph (http): {http:.2f} (target <= 1.5)")
    print(f"overhead ratio vs bare LangGraph on agora's client path (http-same): {same:.2f}")
    print(
        json.dumps(
            {
                "http_ratio": round(http, 3),
                "http_same_ratio": round(same, 3),
                "scripted_ratio": round(ref, 3),
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    asyncio.run(main(parser.parse_args().runs))

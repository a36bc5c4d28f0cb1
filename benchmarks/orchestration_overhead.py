"""Per-hop orchestration overhead: an agora `Team` against the same chain in bare LangGraph.

A chain of four agents (a → b → c → d; each forwards, the last answers) runs both ways,
interleaved run by run so machine noise hits both alike:

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


def decision_reply(request: dict[str, Any], schema: dict[str, Any] | None) -> str:
    """Server-side reply: forward to the first neighbour offered, else answer."""
    if schema is None:
        return "ok"
    forward = schema.get("$defs", {}).get("Forward")
    if forward is None:
        return json.dumps({"action": "answer", "answer": "done"})
    target = forward["properties"]["to"]
    to = target["enum"][0] if "enum" in target else target["const"]
    return json.dumps({"action": "forward", "to": to, "reason": ""})


def agora_chain(models: dict[str, Model]) -> Team:
    agents = [Agent(name, models[name]) for name in NAMES]
    edges = list(zip(NAMES, NAMES[1:], strict=False))
    return Team(agents, edges=edges, budget=Budget(wall_time_s=None))


class _State(TypedDict):
    text: str


def bare_chain(call: Callable[[str], Awaitable[str]]) -> Any:
    graph: StateGraph[Any] = StateGraph(_State)
    previous = START
    for name in NAMES:

        async def node(state: _State) -> dict[str, str]:
            return {"text": await call(state["text"])}

        graph.add_node(name, node)
        graph.add_edge(previous, name)
        previous = name
    graph.add_edge(previous, END)
    return graph.compile()


async def compare(label: str, team: Team, graph: Any, runs: int) -> float:
    async def time_team() -> float:
        started = time.perf_counter()
        result = await team.run("go")
        assert result.answer == "done" and result.hops == len(NAMES) + 1
        return time.perf_counter() - started

    async def time_bare() -> float:
        started = time.perf_counter()
        await graph.ainvoke({"text": "go"})
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

        async def bare_call(text: str) -> str:
            reply = await client.chat.completions.create(
                model="agora-test", messages=[{"role": "user", "content": text}]
            )
            return reply.choices[0].message.content or ""

        plain = OpenAIModel("agora-test", client=client)

        async def bare_same_call(text: str) -> str:
            return (await plain.request([Message("user", text)])).text

        http = await compare("http", agora_chain(models), bare_chain(bare_call), runs)
        same = await compare("http-same", agora_chain(models), bare_chain(bare_same_call), runs)
        await client.close()
    finally:
        stop_server_process(proc)

    scripted_model = FunctionModel(lambda messages, schema: decision_reply({}, schema))

    async def scripted_call(text: str) -> str:
        return (await scripted_model.request([Message("user", text)])).text

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

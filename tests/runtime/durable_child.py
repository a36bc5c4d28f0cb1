"""Child process for the SIGKILL durability tests (run by test_durability.py, not by pytest).

A durable ~100-step run: ``root`` splits the task between two chains of forwarding agents whose
last members answer; ``root`` then combines the answers. Every model call is logged (attempt,
agent, call kind) to a side file, so the parent sees which steps ran their model again after a kill.

Usage: python durable_child.py DB LOG ATTEMPT [KILL]
KILL: ``commit:N`` (SIGKILL right after the N-th journal commit, before LangGraph's checkpoint),
``episode:N`` (SIGKILL inside the N-th journal episode write, before its transaction commits)
or ``memory:N`` (SIGKILL as the N-th batch of L0 episodes goes to the memory store, in the
writer's thread, before it is written).

The team has memory (an SQLiteStore at ``DB.memory``): every envelope becomes an episode there.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from typing import Any

CHAIN = 48


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(kill: str) -> None:
    from agora.runtime.journal import Journal

    what, _, n = kill.partition(":")
    target = int(n)
    counter = {"n": 0}
    if what == "commit":
        record = Journal.record

        def record_then_die(self: Journal, *args: Any, **kwargs: Any) -> None:
            record(self, *args, **kwargs)
            counter["n"] += 1
            if counter["n"] == target:
                _kill()

        Journal.record = record_then_die  # type: ignore[method-assign]
    elif what == "episode":
        write = Journal._write_episode

        def write_then_die(self: Journal, *args: Any, **kwargs: Any) -> None:
            write(self, *args, **kwargs)
            counter["n"] += 1
            if counter["n"] == target:
                _kill()  # inside the transaction: the step and the episode must both vanish

        Journal._write_episode = write_then_die  # type: ignore[method-assign]
    elif what == "memory":
        from agora.memory import SQLiteStore

        add = SQLiteStore.add_episodes

        def die_then_add(self: SQLiteStore, *args: Any, **kwargs: Any) -> int:
            counter["n"] += 1
            if counter["n"] == target:
                _kill()  # the journal holds these steps; their episodes are not stored yet
            return add(self, *args, **kwargs)

        SQLiteStore.add_episodes = die_then_add  # type: ignore[method-assign]


def build_team(db: str, log: str, attempt: int) -> Any:
    from agora import Agent, Budget, Team
    from agora.embeddings import HashEmbedder
    from agora.memory import Retriever, SQLiteStore
    from agora.testing import FunctionModel

    async def reply(messages: Any, schema: Any) -> str:
        me = messages[0].content.split()[2].rstrip(",")
        with open(log, "a") as f:
            f.write(f"{attempt}\t{me}:{'synth' if schema is None else 'decide'}\n")
        await asyncio.sleep(0.004)
        if schema is None:
            return "combined"
        if me == "root":
            return json.dumps(
                {
                    "action": "split",
                    "parts": [
                        {"to": "c0", "task": "left half"},
                        {"to": "d0", "task": "right half"},
                    ],
                }
            )
        index = int(me[1:])
        if index + 1 < CHAIN:
            return json.dumps({"action": "forward", "to": f"{me[0]}{index + 1}", "reason": "on"})
        return json.dumps({"action": "answer", "answer": f"{me} done"})

    names = ["root"] + [f"{side}{i}" for side in "cd" for i in range(CHAIN)]
    agents = [Agent(name, FunctionModel(reply)) for name in names]
    edges = [("root", "c0"), ("root", "d0")]
    edges += [(f"{s}{i}", f"{s}{i + 1}") for s in "cd" for i in range(CHAIN - 1)]
    budget = Budget(hops=1000, max_forwards=CHAIN + 1, wall_time_s=None)
    memory = Retriever(SQLiteStore(f"{db}.memory"), embedder=HashEmbedder(dim=16))
    return Team(agents, edges, entry="root", budget=budget, checkpoint=db, memory=memory)


def main() -> None:
    db, log, attempt = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if len(sys.argv) > 4:
        _arm(sys.argv[4])
    from agora.runtime.journal import Journal

    team = build_team(db, log, attempt)
    journal = Journal(db)
    exists = journal.run("r") is not None
    journal.close()
    result = team.resume_sync("r") if exists else team.run_sync("go", run_id="r")
    print(json.dumps({"answer": result.answer, "hops": result.hops}))


if __name__ == "__main__":
    main()

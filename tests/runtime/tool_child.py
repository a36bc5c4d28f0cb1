"""Child process for the exactly-once tool test (run by test_tool_exactly_once.py, not pytest).

A durable chain of clerks: each pays once with the example's idempotent ``pay`` tool, then
forwards to the next; the last answers. Every tool invocation is logged (key) to a side file.

Usage: python tool_child.py DB LEDGER LOG [KILL]
KILL: ``effect:N`` — SIGKILL right after the N-th tool call's effect committed, before the step
that made it is journaled (the worst moment: the step will run again on resume).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

CLERKS = 8
ROOT = Path(__file__).resolve().parents[2]


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location(
        "idempotent_tool", ROOT / "examples" / "idempotent_tool.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    db, ledger, log = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    kill_at = int(sys.argv[4].partition(":")[2]) if len(sys.argv) > 4 else 0
    example = load_example()
    example.LEDGER = ledger

    from agora import Agent, Budget, Team, ToolContext
    from agora.testing import FunctionModel

    calls = {"n": 0}

    @functools.wraps(example.pay)
    def pay(ctx: ToolContext, payee: str, cents: int) -> str:
        with open(log, "a") as out:
            out.write(ctx.idempotency_key + "\n")
        receipt: str = example.pay(ctx, payee, cents)
        calls["n"] += 1
        if calls["n"] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return receipt

    def reply(messages: Any, schema: Any) -> str:
        me = messages[0].content.split()[2].rstrip(",")
        index = int(me.removeprefix("clerk"))
        if "Result of pay" not in messages[-1].content:
            args = {"payee": f"payee{index}", "cents": 100 + index}
            return json.dumps({"action": "call:pay", "arguments": args})
        if index + 1 < CLERKS:
            return json.dumps({"action": "forward", "to": f"clerk{index + 1}", "reason": "next"})
        return json.dumps({"action": "answer", "answer": "all paid"})

    names = [f"clerk{i}" for i in range(CLERKS)]
    agents = [Agent(name, FunctionModel(reply), tools=[pay]) for name in names]
    edges = list(zip(names, names[1:], strict=False))
    budget = Budget(hops=100, max_forwards=CLERKS + 1, wall_time_s=None)
    team = Team(agents, edges, budget=budget, checkpoint=db)
    from agora.runtime.journal import Journal

    journal = Journal(db)
    exists = journal.run("r") is not None
    journal.close()
    result = team.resume_sync("r") if exists else team.run_sync("pay everyone", run_id="r")
    print(json.dumps({"answer": result.answer}))


if __name__ == "__main__":
    main()

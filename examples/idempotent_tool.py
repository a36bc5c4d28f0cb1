"""A tool with an external effect that happens exactly once, even when a durable run is killed.

Run:  python examples/idempotent_tool.py [--model SPEC] [--ledger payments.sqlite]

A durable run (``Team(checkpoint=...)``) that is killed repeats, on resume, the step that was in
flight — its model call and its tool calls. agora gives such a repeated call the same
`ToolContext.idempotency_key`, so a tool that pays, mails or writes elsewhere records the key
with its effect in one transaction and skips a key it has already seen. Here the effect is a
payment row in an SQLite ledger; ``pay`` returns the same receipt when it is called again.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from agora import Agent, Model, Team, ToolContext, model_from_spec

LEDGER = Path("payments.sqlite")


def pay(ctx: ToolContext, payee: str, cents: int) -> str:
    """Pay `cents` to `payee` once per idempotency key; a repeated call returns the receipt."""
    with sqlite3.connect(ledger_path()) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS payments "
            "(key TEXT PRIMARY KEY, run_id TEXT, agent TEXT, payee TEXT, cents INTEGER)"
        )
        added = db.execute(
            "INSERT OR IGNORE INTO payments VALUES (?, ?, ?, ?, ?)",
            (ctx.idempotency_key, ctx.run_id, ctx.agent, payee, cents),
        ).rowcount
        payee, cents = db.execute(
            "SELECT payee, cents FROM payments WHERE key = ?", (ctx.idempotency_key,)
        ).fetchone()
    status = "paid" if added else "already paid"
    return f"{status} {cents} cents to {payee} (receipt {ctx.idempotency_key})"


def ledger_path() -> Path:
    """Where `pay` writes (a module setting, so tests and the command line can move it)."""
    return LEDGER


def build_team(model: Model, checkpoint: str) -> Team:
    """A clerk that pays with the tool, in a durable team."""
    clerk = Agent(
        "clerk",
        model,
        expertise="payments",
        tools=[pay],
        instructions="Pay what the task asks with the pay tool, then answer with the receipt.",
    )
    return Team([clerk], checkpoint=checkpoint)


def main(task: str, model: Model | str, *, checkpoint: str = "runs.sqlite") -> str:
    """Run `task` durably and print the answer and the ledger."""
    result = build_team(model_from_spec(model), checkpoint).run_sync(task)
    print(f"answer ({result.answered_by}): {result.answer}")
    with sqlite3.connect(ledger_path()) as db:
        for row in db.execute("SELECT key, payee, cents FROM payments"):
            print("ledger:", *row)
    return result.answer


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", nargs="?", default="Pay 1250 cents to ACME Ltd.")
    parser.add_argument("--model", default="local")
    parser.add_argument("--ledger", default=str(LEDGER))
    args = parser.parse_args()
    LEDGER = Path(args.ledger)
    main(args.task, args.model)

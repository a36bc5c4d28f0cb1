"""`Journal`: the durable record of a run's steps, keyed for exactly-once resumption.

LangGraph's checkpointer alone repeats work after a crash: a step that finished but whose
checkpoint was not yet written runs again, side effects included. So every step of a durable
run is written here, in one SQLite transaction together with the memory it writes, under an
idempotency key (the id of the delivery it handled). When a resumed run reaches a step whose
key is already here, the runtime returns the recorded outcome instead of running it again.
A crash before the commit leaves no trace of the step (SQLite's transaction is atomic), so it
simply runs again; a crash after it finds the step done.

With a keyring (``Team(keyring=...)``) every run and step row carries a MAC under the
keyring's local secret, chained to the previous step's, and the envelopes are signed by their
senders: a journal changed by hand (an answer rewritten, a step removed from the middle or
moved) is refused with `IdentityError` when read, instead of being replayed.

Tables (in the team's checkpoint file, next to LangGraph's own):

* ``agora_runs`` — one row per run: its task, conversation and entry agent.
* ``agora_steps`` — one row per step, in commit order: the envelope it sent and its usage.
* ``agora_episodes`` — what agents answered (L0 memory episodes), one per answering step.

Example:
    >>> journal = Journal(":memory:")
    >>> journal.start_run("r1", conversation_id="c1", task="2+2?", context="", entry="a")
    >>> journal.run("r1").task
    '2+2?'
    >>> journal.close()
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from agora.errors import ConfigError, IdentityError, UserError
from agora.identity.keyring import Keyring
from agora.models.base import Usage
from agora.protocols.envelope import Envelope

__all__ = ["JournalEpisode", "Journal", "RunInfo", "StepRecord"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS agora_runs (
    run_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    task TEXT NOT NULL,
    context TEXT NOT NULL,
    entry TEXT NOT NULL,
    created_at REAL NOT NULL,
    finished_at REAL,
    answer TEXT
);
CREATE TABLE IF NOT EXISTS agora_steps (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    key TEXT NOT NULL,
    agent TEXT NOT NULL,
    envelope TEXT NOT NULL,
    usage TEXT NOT NULL,
    route TEXT,
    PRIMARY KEY (run_id, key)
);
CREATE UNIQUE INDEX IF NOT EXISTS agora_steps_seq ON agora_steps (run_id, seq);
CREATE TABLE IF NOT EXISTS agora_episodes (
    run_id TEXT NOT NULL,
    key TEXT NOT NULL,
    agent TEXT NOT NULL,
    task TEXT NOT NULL,
    answer TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (run_id, key)
);
"""


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a durable run started with, and how it ended (``finished_at`` None: not yet)."""

    run_id: str
    conversation_id: str
    task: str
    context: str
    entry: str
    created_at: float
    finished_at: float | None
    answer: str | None


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step of a run: the envelope it sent, what it cost, and the route it took.

    Attributes:
        key: the idempotency key, the id of the delivery (or join) the step handled.
        agent: who acted.
        envelope: the one envelope the step sent.
        usage: model usage of the step.
        route: the router's choice, as `agora.agents.routing.Route.to_dict` wrote it.
    """

    key: str
    agent: str
    envelope: Envelope
    usage: Usage
    route: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class JournalEpisode:
    """An L0 memory episode: `agent` answered `task` with `answer`."""

    agent: str
    task: str
    answer: str


class Journal:
    """Steps and episodes of durable runs in one SQLite file (WAL; safe across processes).

    Args:
        path: the database file (``":memory:"`` for tests).
    """

    def __init__(self, path: str | os.PathLike[str], *, keyring: Keyring | None = None) -> None:
        try:
            self._db = sqlite3.connect(os.fspath(path), isolation_level=None)
            self._db.execute("PRAGMA busy_timeout = 10000")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(_SCHEMA)
            for table in ("agora_runs", "agora_steps"):  # journals from before MACs
                columns = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
                if "mac" not in columns:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN mac TEXT")
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open the run journal at {path!r}: {exc}") from None
        self.path = os.fspath(path)
        self.keyring = keyring

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def start_run(
        self, run_id: str, *, conversation_id: str, task: str, context: str, entry: str
    ) -> None:
        """Register a new run.

        Raises:
            UserError: a run with this id exists already (resume it instead).
        """
        fields = (run_id, conversation_id, task, context, entry)
        try:
            self._db.execute(
                "INSERT INTO agora_runs VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
                (*fields, time.time(), self._mac("run", *fields)),
            )
        except sqlite3.IntegrityError:
            raise UserError(
                f"run {run_id!r} exists already; call team.resume({run_id!r}) to continue it "
                "or pick a new run_id"
            ) from None

    def run(self, run_id: str) -> RunInfo | None:
        """The run `run_id`, or ``None`` when there is none.

        Raises:
            IdentityError: with a keyring, the row was changed or written without one.
        """
        row = self._db.execute(
            "SELECT run_id, conversation_id, task, context, entry, created_at, finished_at, "
            "answer, mac FROM agora_runs WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        if row is None:
            return None
        self._check("run", row[8], *row[:5], what=f"run {run_id!r}")
        return RunInfo(*row[:8])

    def record(self, run_id: str, step: StepRecord, episode: JournalEpisode | None = None) -> None:
        """Write `step` (and the memory `episode` it produced) in one transaction."""
        usage = step.usage
        row = (
            step.key,
            step.agent,
            step.envelope.model_dump_json(),
            json.dumps(
                [
                    usage.prompt_tokens,
                    usage.completion_tokens,
                    usage.latency_s,
                    usage.requests,
                    usage.cost_usd,
                    usage.generation_s,
                ]
            ),
            None if step.route is None else json.dumps(step.route),
        )
        self._db.execute("BEGIN IMMEDIATE")
        try:
            mac = None
            if self.keyring is not None:  # chained: each step's MAC covers the previous one
                last = self._db.execute(
                    "SELECT mac FROM agora_steps WHERE run_id = ? ORDER BY seq DESC LIMIT 1",
                    (run_id,),
                ).fetchone()
                mac = self._mac("step", run_id, last[0] if last else "", *row)
            self._db.execute(
                "INSERT INTO agora_steps VALUES (?, (SELECT COALESCE(MAX(seq) + 1, 0) "
                "FROM agora_steps WHERE run_id = ?), ?, ?, ?, ?, ?, ?)",
                (run_id, run_id, *row, mac),
            )
            if episode is not None:
                self._write_episode(run_id, step.key, episode)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _write_episode(self, run_id: str, key: str, episode: JournalEpisode) -> None:
        self._db.execute(
            "INSERT INTO agora_episodes VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, key, episode.agent, episode.task, episode.answer, time.time()),
        )

    def steps(self, run_id: str) -> list[StepRecord]:
        """Every recorded step of `run_id`, in the order they were committed.

        Raises:
            IdentityError: with a keyring, a row was changed, moved, removed from the middle
                or written without one.
        """
        rows = self._db.execute(
            "SELECT key, agent, envelope, usage, route, mac FROM agora_steps WHERE run_id = ? "
            "ORDER BY seq",
            (run_id,),
        )
        steps, previous = [], ""
        for key, agent, envelope, usage, route, mac in rows:
            self._check(
                "step",
                mac,
                run_id,
                previous,
                key,
                agent,
                envelope,
                usage,
                route,
                what=f"step {key!r} of run {run_id!r}",
            )
            previous = mac or ""
            steps.append(
                StepRecord(
                    key=key,
                    agent=agent,
                    envelope=Envelope.model_validate_json(envelope),
                    usage=Usage(*json.loads(usage)),
                    route=None if route is None else json.loads(route),
                )
            )
        return steps

    def _mac(self, kind: str, *fields: object) -> str | None:
        if self.keyring is None:
            return None
        return self.keyring.mac(json.dumps([kind, *fields]).encode())

    def _check(self, kind: str, mac: str | None, *fields: object, what: str) -> None:
        if self.keyring is None:
            return
        if mac is None or not self.keyring.check_mac(json.dumps([kind, *fields]).encode(), mac):
            raise IdentityError(
                f"the journal's {what} in {self.path} was changed or written without this "
                "keyring, so it cannot be trusted; resume refuses to replay it. Start the run "
                "again under a new run_id (or resume it with the keyring that wrote it)",
                field="journal",
            )

    def episodes(self, run_id: str) -> list[JournalEpisode]:
        """The episodes `run_id` wrote, in the order they were written."""
        rows = self._db.execute(
            "SELECT agent, task, answer FROM agora_episodes WHERE run_id = ? ORDER BY rowid",
            (run_id,),
        )
        return [JournalEpisode(*row) for row in rows]

    def finish(self, run_id: str, answer: str) -> None:
        """Mark `run_id` finished with `answer`."""
        self._db.execute(
            "UPDATE agora_runs SET finished_at = ?, answer = ? WHERE run_id = ?",
            (time.time(), answer, run_id),
        )

"""Bulk loads of `SQLiteStore`: deferred indexing, finished at the end or after a crash (internal).

Inside `SQLiteStore.bulk_load` the store defers two kinds of work to one pass at the end:

- **full-text indexing** of new facts (one ``INSERT ... SELECT`` into FTS5);
- **the graph indexes** (``facts_subject``, ``facts_object``), once the block has added at
  least as many facts as the store held when it began. Rebuilding an index sorts every row
  once (about 1.3 us per fact and index at 1M facts), while keeping it costs a random B-tree
  insert per new fact (about 3-4 us), so dropping pays off only when the load is large next
  to what is already stored; a small load into a big store keeps its indexes.

The pending state lives in ``meta``: ``bulk_from`` (the last fact rowid before the load) and
``bulk_owner`` (the load's token), written in the load's first transaction. Every write
decides inside its transaction: while ``bulk_from`` is set, new facts are left to the final
pass (so a fact written by another connection meanwhile is indexed exactly once); otherwise
they are indexed at once.

The owner proves it is alive by holding an exclusive ``flock`` on ``<db>-bulk.lock`` for the
whole load (the kernel drops it when the process dies, whatever its pid namespace). Opening
the store finishes a pending load whose lock is free (rebuilding the indexes and indexing
the text) and leaves a live one alone, its indexes dropped included: readers meanwhile get
correct but unindexed graph reads. One bulk load per file at a time. In-memory stores
(private to their connection) need no lock.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import IO

from agora.errors import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process liveness check
    fcntl = None  # type: ignore[assignment]

#: The indexes a large bulk load drops and rebuilds, by name.
GRAPH_INDEXES = {
    "facts_subject": "CREATE INDEX IF NOT EXISTS facts_subject ON facts(subject, object, status)",
    "facts_object": "CREATE INDEX IF NOT EXISTS facts_object ON facts(object, subject, status) "
    "WHERE object IS NOT NULL",
}


def index_new_facts(conn: sqlite3.Connection, after_rowid: int) -> None:
    """Add facts with rowid above `after_rowid` to the full-text index (same transaction)."""
    conn.execute(
        "INSERT INTO facts_fts(rowid, text) SELECT rowid, text FROM facts WHERE rowid > ?",
        (after_rowid,),
    )


def index_text(conn: sqlite3.Connection, after_rowid: int) -> None:
    """Index new facts now, unless a bulk load is pending (its final pass will)."""
    if _marker(conn) is None:
        index_new_facts(conn, after_rowid)


def last_fact_rowid(conn: sqlite3.Connection) -> int:
    """The highest fact rowid (0 when empty); call inside the write transaction."""
    return int(conn.execute("SELECT coalesce(max(rowid), 0) FROM facts").fetchone()[0])


@dataclass
class BulkLoad:
    """One open bulk load: its token, its lock and how far it got."""

    token: str
    """The owner token kept in ``meta``."""
    stored: int
    """Facts in the store when the load began (the last fact rowid, an upper bound)."""
    lock: IO[bytes] | None = field(default=None, repr=False)
    """The held ``<db>-bulk.lock`` (``None`` for in-memory stores)."""
    added: int = 0
    """Facts the load committed so far."""
    deferred: bool = False
    """Whether the graph indexes were dropped (rebuilt by `finish`)."""

    def should_defer(self, incoming: int) -> bool:
        """Whether to drop the graph indexes before inserting `incoming` more facts."""
        return not self.deferred and self.added + incoming >= self.stored

    def defer(self, conn: sqlite3.Connection) -> bool:
        """Drop the graph indexes if this load still owns the marker; return whether it did.

        Call inside a write transaction.
        """
        owner = _marker(conn)
        if owner is None or owner[1] != self.token:
            return False
        for name in GRAPH_INDEXES:
            conn.execute(f"DROP INDEX IF EXISTS {name}")
        return True

    def committed(self, count: int, *, deferred: bool) -> None:
        """Record a committed insert of `count` facts (that dropped the indexes if `deferred`)."""
        self.added += count
        self.deferred = self.deferred or deferred

    def release(self) -> None:
        """Let go of the lock (the load ended, or its store was closed)."""
        if self.lock is not None:
            self.lock.close()  # closing the file drops the flock
            self.lock = None


def begin(conn: sqlite3.Connection, path: str) -> BulkLoad:
    """Take the load's lock and mark it pending; return it.

    Raises:
        StoreError: another bulk load holds this file (nothing changed).
    """
    try:
        lock = _lock(path)
    except BlockingIOError:
        raise StoreError(
            f"another bulk load is open on {path}; wait for it to end, or write without bulk_load()"
        ) from None
    load = BulkLoad(token=uuid.uuid4().hex, stored=0, lock=lock)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            _finish(conn)  # one that died with its owner, before the lock was free
            load.stored = last_fact_rowid(conn)
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("bulk_from", str(load.stored)), ("bulk_owner", load.token)],
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    except BaseException:
        load.release()
        raise
    return load


def finish(conn: sqlite3.Connection, load: BulkLoad) -> None:
    """End `load` inside a write transaction; a no-op if someone else finished it already.

    Indexes its text, rebuilds the graph indexes and clears the marker.
    """
    owner = _marker(conn)
    if owner is not None and owner[1] == load.token:
        _finish(conn)


def recover(conn: sqlite3.Connection, path: str) -> None:
    """At open, inside its write transaction: the graph indexes, and abandoned loads.

    Creates missing graph indexes unless a live bulk load deferred them, and finishes a
    pending load whose owner is gone.
    """
    if _marker(conn) is None:
        for ddl in GRAPH_INDEXES.values():
            conn.execute(ddl)
        return
    try:
        lock = _lock(path)
    except BlockingIOError:
        return  # its owner is alive: leave it
    try:
        _finish(conn)
    finally:
        if lock is not None:
            lock.close()


def _finish(conn: sqlite3.Connection) -> None:
    owner = _marker(conn)
    if owner is None:
        return
    conn.execute(f"PRAGMA threads = {min(4, os.cpu_count() or 1)}")  # parallel index sorts
    for ddl in GRAPH_INDEXES.values():
        conn.execute(ddl)
    conn.execute("PRAGMA threads = 0")
    index_new_facts(conn, owner[0])
    conn.execute("DELETE FROM meta WHERE key IN ('bulk_from', 'bulk_owner')")


def _marker(conn: sqlite3.Connection) -> tuple[int, str] | None:
    sql = "SELECT key, value FROM meta WHERE key IN ('bulk_from', 'bulk_owner')"
    rows = dict(conn.execute(sql))
    if "bulk_from" not in rows:
        return None
    return int(rows["bulk_from"]), rows.get("bulk_owner", "")


def _lock(path: str) -> IO[bytes] | None:
    """Take the exclusive lock on ``<path>-bulk.lock``.

    Returns the open file holding it, or ``None`` when there is nothing to lock (an
    in-memory store, or no ``fcntl``).

    Raises:
        BlockingIOError: another process or store object holds it.
    """
    if path == ":memory:" or path.startswith("file::memory:") or fcntl is None:
        return None
    handle = open(f"{path}-bulk.lock", "ab")  # noqa: SIM115 - held for the whole load
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        handle.close()
        raise
    return handle

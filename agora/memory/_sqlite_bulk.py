"""Bulk loads of `SQLiteStore`: deferred indexing, finished at the end or after a crash (internal).

Inside `SQLiteStore.bulk_load` the store defers two kinds of work to one pass at the end:

- **full-text indexing** of new facts, always (one ``INSERT ... SELECT`` into FTS5);
- **the graph indexes** (``facts_subject``, ``facts_object``), once the block has added at
  least as many facts as the store held when it began. Rebuilding an index sorts every row
  once (about 1.3 us per fact and index at 1M facts), while keeping it costs a random B-tree
  insert per new fact (about 3-4 us), so dropping pays off only when the load is large next
  to what is already stored; a small load into a big store keeps its indexes.

The pending state lives in ``meta`` (``bulk_from``: the last fact rowid before the load;
``bulk_owner``: who is loading), written in the load's first transaction. Any connection that
opens the store finishes a bulk load whose owner is gone (its process died, or it was closed
without leaving the block): the schema DDL recreates dropped indexes, and `finish` indexes
the text. A live load in another process or store object is left alone.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import dataclass

#: The indexes a large bulk load drops and rebuilds, by name.
GRAPH_INDEXES = {
    "facts_subject": "CREATE INDEX IF NOT EXISTS facts_subject ON facts(subject, object, status)",
    "facts_object": "CREATE INDEX IF NOT EXISTS facts_object ON facts(object, subject, status) "
    "WHERE object IS NOT NULL",
}

#: Owner tokens of the bulk loads open in this process (``pid:uuid``).
_LIVE: set[str] = set()


def index_new_facts(conn: sqlite3.Connection, after_rowid: int) -> None:
    """Add facts with rowid above `after_rowid` to the full-text index (same transaction)."""
    conn.execute(
        "INSERT INTO facts_fts(rowid, text) SELECT rowid, text FROM facts WHERE rowid > ?",
        (after_rowid,),
    )


def last_fact_rowid(conn: sqlite3.Connection) -> int:
    """The highest fact rowid (0 when empty); call inside the write transaction."""
    return int(conn.execute("SELECT coalesce(max(rowid), 0) FROM facts").fetchone()[0])


@dataclass
class BulkLoad:
    """One open bulk load: who owns it and how far it got."""

    token: str
    """The owner token kept in ``meta`` (``pid:uuid``)."""
    stored: int
    """Facts in the store when the load began (the last fact rowid, an upper bound)."""
    added: int = 0
    """Facts the load committed so far."""
    deferred: bool = False
    """Whether the graph indexes were dropped (rebuilt by `finish`)."""

    def should_defer(self, incoming: int) -> bool:
        """Whether to drop the graph indexes before inserting `incoming` more facts."""
        return not self.deferred and self.added + incoming >= self.stored

    def committed(self, count: int, *, deferred: bool) -> None:
        """Record a committed insert of `count` facts (that dropped the indexes if `deferred`)."""
        self.added += count
        self.deferred = self.deferred or deferred


def begin(conn: sqlite3.Connection) -> BulkLoad:
    """Mark a bulk load as pending (inside a write transaction) and return it."""
    load = BulkLoad(token=f"{os.getpid()}:{uuid.uuid4().hex}", stored=last_fact_rowid(conn))
    conn.executemany(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [("bulk_from", str(load.stored)), ("bulk_owner", load.token)],
    )
    _LIVE.add(load.token)
    return load


def defer_graph_indexes(conn: sqlite3.Connection) -> None:
    """Drop the graph indexes until `finish` (inside the bulk load's write transaction)."""
    for name in GRAPH_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")


def finish(conn: sqlite3.Connection, token: str | None = None) -> None:
    """Finish the pending bulk load inside a write transaction; no-op when none is pending.

    Indexes its text, rebuilds dropped indexes and clears the marker. With `token`, only
    that owner's load; without, only an abandoned one (see the module docstring).
    """
    rows = dict(
        conn.execute("SELECT key, value FROM meta WHERE key IN ('bulk_from', 'bulk_owner')")
    )
    if "bulk_from" not in rows:
        return
    owner = rows.get("bulk_owner")
    if token is not None:
        _LIVE.discard(token)
        if owner != token:
            return
    elif owner is not None and _alive(owner):
        return
    conn.execute(f"PRAGMA threads = {min(4, os.cpu_count() or 1)}")  # parallel index sorts
    for ddl in GRAPH_INDEXES.values():
        conn.execute(ddl)
    conn.execute("PRAGMA threads = 0")
    index_new_facts(conn, int(rows["bulk_from"]))
    conn.execute("DELETE FROM meta WHERE key IN ('bulk_from', 'bulk_owner')")


def release(token: str) -> None:
    """Forget `token` in this process (its store was closed inside the block)."""
    _LIVE.discard(token)


def _alive(owner: str) -> bool:
    pid_text, _, _ = owner.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return owner in _LIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True

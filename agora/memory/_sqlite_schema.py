"""SQLite schema and connection settings of `SQLiteStore` (internal).

Facts point at entities by integer rowid, so traversals and edge arrays stay integer-only;
full-text search is an FTS5 external-content index over ``facts.text``. New facts are indexed
by one ``INSERT ... SELECT`` at the end of the writing transaction (`index_new_facts`): about
four times faster than a per-row trigger; deletes and text updates are kept in sync by
triggers.
"""

from __future__ import annotations

import sqlite3

from agora.errors import StoreError

SCHEMA_VERSION = "1"

_DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS episodes(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, scope TEXT NOT NULL,
    agent TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS episodes_scope ON episodes(scope, created_at);
CREATE TABLE IF NOT EXISTS entities(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    norm TEXT NOT NULL, type TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entities_norm ON entities(norm);
CREATE TABLE IF NOT EXISTS facts(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, subject INTEGER NOT NULL,
    relation TEXT NOT NULL, object INTEGER, literal TEXT, text TEXT NOT NULL,
    agents TEXT NOT NULL, episodes TEXT NOT NULL, confidence REAL NOT NULL,
    valid_from REAL NOT NULL, valid_to REAL, recorded_at REAL NOT NULL,
    status TEXT NOT NULL, scope TEXT NOT NULL, promoted_by TEXT);
CREATE INDEX IF NOT EXISTS facts_subject ON facts(subject, object, status);
CREATE INDEX IF NOT EXISTS facts_object ON facts(object, subject, status)
    WHERE object IS NOT NULL;
CREATE VIRTUAL TABLE IF NOT EXISTS facts_fts USING fts5(
    text, content='facts', content_rowid='rowid');
CREATE TRIGGER IF NOT EXISTS facts_ad AFTER DELETE ON facts BEGIN
    INSERT INTO facts_fts(facts_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER IF NOT EXISTS facts_au AFTER UPDATE OF text ON facts BEGIN
    INSERT INTO facts_fts(facts_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO facts_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TABLE IF NOT EXISTS communities(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, level INTEGER NOT NULL,
    summary TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS community_members(
    community INTEGER NOT NULL, entity INTEGER NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (community, entity))
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS community_members_entity ON community_members(entity);
CREATE TABLE IF NOT EXISTS goals(
    id TEXT PRIMARY KEY, agent TEXT NOT NULL, text TEXT NOT NULL, parent TEXT,
    status TEXT NOT NULL, facts TEXT NOT NULL, scope TEXT NOT NULL, promoted_by TEXT);
CREATE INDEX IF NOT EXISTS goals_parent ON goals(parent);
"""


def index_new_facts(conn: sqlite3.Connection, after_rowid: int) -> None:
    """Add facts with rowid above `after_rowid` to the full-text index (same transaction)."""
    conn.execute(
        "INSERT INTO facts_fts(rowid, text) SELECT rowid, text FROM facts WHERE rowid > ?",
        (after_rowid,),
    )


def begin_bulk(conn: sqlite3.Connection) -> None:
    """Start a bulk load inside a write transaction: defer full-text indexing to `finish_bulk`.

    The pending state is kept in ``meta``, so if the process dies mid-load the next `connect`
    finishes the indexing. (Dropping the fact indexes and building them at the end was
    measured slower at 1M facts than keeping them, so they stay.)
    """
    after = last_fact_rowid(conn)
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('bulk_from', ?)", (str(after),))


def finish_bulk(conn: sqlite3.Connection) -> None:
    """Index what a bulk load added (inside a write transaction); no-op when none is pending."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'bulk_from'").fetchone()
    if row is None:
        return
    index_new_facts(conn, int(row[0]))
    conn.execute("DELETE FROM meta WHERE key = 'bulk_from'")


def last_fact_rowid(conn: sqlite3.Connection) -> int:
    """The highest fact rowid (0 when empty); call inside the write transaction."""
    return int(conn.execute("SELECT coalesce(max(rowid), 0) FROM facts").fetchone()[0])


def connect(path: str, *, busy_timeout_s: float) -> sqlite3.Connection:
    """Open `path`, apply the pragmas and create the schema if missing."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_s)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        conn.execute("PRAGMA page_size = 16384")  # new files only; faster bulk index builds
        if path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a committed transaction survives a process crash (the WAL is
        # written before COMMIT returns); only an OS crash may lose the last commits.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB
        _create(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"cannot open memory store {path!r}: {exc}. Check that the path is a memory "
            "store written by agora, or pass a new path to create one."
        ) from exc
    return conn


def _create(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _statements(_DDL):
            conn.execute(statement)
        finish_bulk(conn)  # a bulk load that did not finish (the process died)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            conn.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise StoreError(
                f"memory store schema {row[0]} is not supported (this agora reads "
                f"{SCHEMA_VERSION}); open it with the agora version that wrote it"
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending)
            pending = ""
    return statements

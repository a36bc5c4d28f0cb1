"""SQLite schema and connection settings of `SQLiteStore` (internal).

Facts point at entities by integer rowid, so traversals and edge arrays stay integer-only;
full-text search is an FTS5 external-content index over ``facts.text``. New facts are indexed
by one ``INSERT ... SELECT`` at the end of the writing transaction
(`agora.memory.stores._sqlite_bulk.index_new_facts`): about four times faster than a per-row
trigger; deletes and text updates are kept in sync by triggers. The graph indexes on
``facts`` are declared in `agora.memory.stores._sqlite_bulk.GRAPH_INDEXES` (a bulk load may drop and
rebuild them).
"""

from __future__ import annotations

import sqlite3

from agora.errors import StoreError
from agora.memory.stores import _sqlite_bulk as bulk

SCHEMA_VERSION = "1"
#: Columns added to version 1 since its first release, with their definitions: a file without
#: them gets them at open (`_migrate`). Adding nullable or defaulted columns keeps the version:
#: an older agora still reads and writes such a file (it names its columns).
_ADDED_COLUMNS = {
    "episodes": (
        ("conversation_id", "TEXT"),
        ("message_id", "TEXT"),
        ("parent_id", "TEXT"),
        ("recipients", "TEXT NOT NULL DEFAULT '[]'"),
        ("verified", "INTEGER"),
    ),
}
_FTS_HASH = 32 * 2**20

_DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS episodes(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, scope TEXT NOT NULL,
    agent TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, created_at REAL NOT NULL,
    conversation_id TEXT, message_id TEXT, parent_id TEXT,
    recipients TEXT NOT NULL DEFAULT '[]', verified INTEGER);
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


def connect(path: str, *, busy_timeout_s: float) -> sqlite3.Connection:
    """Open `path`, apply the pragmas and create the schema if missing."""
    try:
        conn = sqlite3.connect(
            path, isolation_level=None, timeout=busy_timeout_s, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        conn.execute("PRAGMA page_size = 16384")  # new files only; faster bulk index builds
        if path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a committed transaction survives a process crash (the WAL is
        # written before COMMIT returns); only an OS crash may lose the last commits.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB
        _create(conn, path)
        # Document frequencies of the FTS5 terms, for search plans (temp: never written to disk).
        conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.facts_vocab "
            "USING fts5vocab(main, facts_fts, row)"
        )
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"cannot open memory store {path!r}: {exc}. Check that the path is a memory "
            "store written by agora, or pass a new path to create one."
        ) from exc
    return conn


def _create(conn: sqlite3.Connection, path: str) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in _statements(_DDL):
            conn.execute(statement)
        _migrate(conn)
        # Pending full-text data up to 32 MiB per transaction before FTS5 writes a segment
        # (default 1 MiB): fewer, larger segments and less merging; ~25% faster indexing.
        # Written once per file: an open that changes nothing writes nothing.
        hashsize = conn.execute("SELECT v FROM facts_fts_config WHERE k = 'hashsize'").fetchone()
        if hashsize != (_FTS_HASH,):
            conn.execute(f"INSERT INTO facts_fts(facts_fts, rank) VALUES ('hashsize', {_FTS_HASH})")
        bulk.recover(conn, path)  # graph indexes; a bulk load whose owner is gone
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


def _migrate(conn: sqlite3.Connection) -> None:
    """Add the columns a file of an earlier release lacks (nothing is written otherwise)."""
    for table, columns in _ADDED_COLUMNS.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, definition in columns:
            if name not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")


def _statements(script: str) -> list[str]:
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending)
            pending = ""
    return statements

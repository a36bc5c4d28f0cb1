"""A memory file an earlier agora wrote opens, reads and takes the new fields."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agora.memory import Entity, Episode, Fact, Scope, SQLiteStore

A1 = Scope.agent("a1", team="t1")

#: The schema of the first release of version 1 (before episodes named their message).
OLD_DDL = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE episodes(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, scope TEXT NOT NULL,
    agent TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, created_at REAL NOT NULL);
CREATE INDEX episodes_scope ON episodes(scope, created_at);
CREATE TABLE entities(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    norm TEXT NOT NULL, type TEXT NOT NULL);
CREATE INDEX entities_norm ON entities(norm);
CREATE TABLE facts(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, subject INTEGER NOT NULL,
    relation TEXT NOT NULL, object INTEGER, literal TEXT, text TEXT NOT NULL,
    agents TEXT NOT NULL, episodes TEXT NOT NULL, confidence REAL NOT NULL,
    valid_from REAL NOT NULL, valid_to REAL, recorded_at REAL NOT NULL,
    status TEXT NOT NULL, scope TEXT NOT NULL, promoted_by TEXT);
CREATE VIRTUAL TABLE facts_fts USING fts5(text, content='facts', content_rowid='rowid');
CREATE TABLE communities(
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, level INTEGER NOT NULL,
    summary TEXT NOT NULL);
CREATE TABLE community_members(
    community INTEGER NOT NULL, entity INTEGER NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (community, entity)) WITHOUT ROWID;
CREATE TABLE goals(
    id TEXT PRIMARY KEY, agent TEXT NOT NULL, text TEXT NOT NULL, parent TEXT,
    status TEXT NOT NULL, facts TEXT NOT NULL, scope TEXT NOT NULL, promoted_by TEXT);
INSERT INTO meta VALUES ('schema', '1');
INSERT INTO episodes(id, scope, agent, kind, text, created_at)
    VALUES ('ep_old', 'agent:t1/a1', 'a1', 'observation', 'saw a cat', 1.0);
INSERT INTO entities(id, name, norm, type) VALUES ('e_ada', 'Ada', 'ada', '');
INSERT INTO facts(id, subject, relation, literal, text, agents, episodes, confidence,
                  valid_from, recorded_at, status, scope)
    VALUES ('f_old', 1, 'born', '1815', 'Ada born 1815', '["a1"]', '["ep_old"]', 0.9,
            0.0, 0.0, 'active', 'agent:t1/a1');
INSERT INTO facts_fts(rowid, text) VALUES (1, 'Ada born 1815');
"""


def _old_file(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_DDL)
    conn.close()


def _columns(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        names = [row[1] for row in conn.execute("PRAGMA table_info(episodes)")]
    conn.close()
    return names


def test_a_file_of_the_previous_schema_opens_reads_and_writes(tmp_path: Path) -> None:
    from agora.memory import lineage

    path = tmp_path / "old.db"
    _old_file(path)
    assert "verified" not in _columns(path)
    with SQLiteStore(path) as store:
        old = store.get_episode("ep_old")
        assert old == Episode(
            id="ep_old", agent="a1", text="saw a cat", scope=A1, created_at=1.0
        )  # the new fields at their defaults
        assert old is not None
        assert (old.message_id, old.recipients, old.verified) == (None, (), None)
        assert [f for f, _ in store.search("ada")] == ["f_old"]
        assert lineage(store, "f_old") == [old]
        said = Episode(
            id="m1", agent="a1", text="Paris", kind="answer", scope=A1, created_at=2.0,
            conversation_id="c1", message_id="m1", recipients=("user",), verified=False,
        )  # fmt: skip
        store.add_episode(said)
        ada = Entity(id="e_ada", name="Ada", norm="ada")
        store.add_fact(Fact.triple(ada, "knew", "Babbage", agent="a1", scope=A1))
    assert _columns(path)[-5:] == [
        "conversation_id", "message_id", "parent_id", "recipients", "verified",
    ]  # fmt: skip
    with SQLiteStore(path) as store:  # a second open migrates nothing and reads it all
        assert store.episodes(scope=A1) == [said, old]
        assert store.stats().facts == 2


def test_an_older_agora_can_still_write_a_migrated_file(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_file(path)
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:  # how the previous release inserts an episode
        conn.execute(
            "INSERT INTO episodes(id, scope, agent, kind, text, created_at) "
            "VALUES ('ep_2', 'agent:a2', 'a2', 'observation', 'saw a dog', 3.0)"
        )
    conn.close()
    with SQLiteStore(path) as store:
        assert store.get_episode("ep_2") == Episode(
            id="ep_2", agent="a2", text="saw a dog", created_at=3.0
        )

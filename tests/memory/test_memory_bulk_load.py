"""`SQLiteStore.bulk_load`: deferred indexing, finished at the end, on reopen or after a crash."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from agora.errors import InvalidRecordError, StoreError, UserError
from agora.memory import Entity, Fact, SQLiteStore
from agora.memory.stores._sqlite_bulk import GRAPH_INDEXES

A, B = Entity.named("A"), Entity.named("B")


def facts_between(n: int, start: int = 0) -> list[Fact]:
    return [Fact.triple(A, f"rel{i}", B, agent="x", id=f"f{i}") for i in range(start, start + n)]


def graph_indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    return {name for (name,) in rows} & set(GRAPH_INDEXES)


def pending(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, value FROM meta WHERE key LIKE 'bulk%'"))


def integrity(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.execute("INSERT INTO facts_fts(facts_fts, rank) VALUES ('integrity-check', 1)")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "m.db"


@pytest.fixture
def store(path: Path) -> Iterator[SQLiteStore]:
    """A store holding A and B; its file must pass the integrity checks once closed."""
    with SQLiteStore(path) as opened:
        opened.upsert_entities([A, B])
        yield opened
    integrity(path)


def test_bulk_load_indexes_everything_at_the_end(store: SQLiteStore, path: Path) -> None:
    with store.bulk_load():
        store.add_facts(facts_between(50))
        assert store.search("rel3") == []  # full-text indexing deferred
        assert graph_indexes(path) == set()  # a load into an empty store drops them
        assert len(store.facts(about=B.id)) == 50  # reads still see every fact
    assert graph_indexes(path) == set(GRAPH_INDEXES)
    assert pending(path) == {}
    assert [i for i, _ in store.search("rel3")] == ["f3"]
    assert store.neighbours(A.id) == [B.id]
    with store.bulk_load():  # a small load into a bigger store keeps its indexes
        store.add_facts(facts_between(5, start=50))
        assert graph_indexes(path) == set(GRAPH_INDEXES)
    assert [i for i, _ in store.search("rel52")] == ["f52"]


def test_the_indexes_go_once_the_load_outgrows_the_store(store: SQLiteStore, path: Path) -> None:
    store.add_facts(facts_between(10))
    with store.bulk_load():
        store.add_facts(facts_between(4, start=10))
        assert graph_indexes(path) == set(GRAPH_INDEXES)
        store.add_facts(facts_between(6, start=14))  # 10 added >= 10 held at the start
        assert graph_indexes(path) == set()
    assert graph_indexes(path) == set(GRAPH_INDEXES)
    assert len(store.facts(about=A.id)) == 20
    assert [i for i, _ in store.search("rel17")] == ["f17"]


def test_a_rejected_batch_inside_a_bulk_load_changes_nothing(
    store: SQLiteStore, path: Path
) -> None:
    with store.bulk_load():
        with pytest.raises(InvalidRecordError):  # duplicate id inside the batch
            store.add_facts([*facts_between(3), *facts_between(1)])
        assert graph_indexes(path) == set(GRAPH_INDEXES)  # the drop was rolled back
        assert store.facts(about=A.id) == []
        store.add_facts(facts_between(3))
    assert [i for i, _ in store.search("rel1")] == ["f1"]


def test_a_bulk_load_cut_short_is_finished_on_reopen(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    store = SQLiteStore(path)
    store.upsert_entities([A, B])
    block = store.bulk_load()
    block.__enter__()
    store.add_facts(facts_between(10))
    store.close()  # as if the process died inside bulk_load()
    assert pending(path) != {} and graph_indexes(path) == set()
    with SQLiteStore(path) as reopened:
        assert [i for i, _ in reopened.search("rel7")] == ["f7"]
        assert len(reopened.facts(about=A.id)) == 10
    assert pending(path) == {} and graph_indexes(path) == set(GRAPH_INDEXES)
    integrity(path)


def test_a_live_bulk_load_is_left_to_its_owner(store: SQLiteStore, path: Path) -> None:
    with store.bulk_load():
        store.add_facts(facts_between(5))
        with SQLiteStore(path) as other:  # opening it must not end the load
            assert graph_indexes(path) == set()  # nor rebuild what it deferred
            assert other.neighbours(A.id) == [B.id]  # unindexed, still correct
            assert other.search("rel2") == []
            assert len(other.facts(about=A.id)) == 5
        assert pending(path) != {}
        store.add_facts(facts_between(5, start=5))
    assert sorted(i for i, _ in store.search("rel2 rel8")) == ["f2", "f8"]


def test_bulk_loads_do_not_nest(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "m.db") as store, store.bulk_load():
        nested = store.bulk_load()
        with pytest.raises(UserError, match="already open"):
            nested.__enter__()


def everything_searchable(store: SQLiteStore, ids: list[str]) -> None:
    for fact_id in ids:
        fact = store.get_fact(fact_id)
        assert fact is not None
        assert fact_id in [i for i, _ in store.search(fact.relation, limit=100)]


def test_one_bulk_load_per_file(store: SQLiteStore, path: Path) -> None:
    with SQLiteStore(path) as other:
        with store.bulk_load():
            store.add_facts(facts_between(10))
            with pytest.raises(StoreError, match="another bulk load"):
                other.bulk_load().__enter__()
            store.add_facts(facts_between(3, start=200))
        with other.bulk_load():  # free again once the first ended
            other.add_facts(facts_between(3, start=300))
    everything_searchable(store, [f"f{i}" for i in [*range(10), 200, 201, 202, 300, 301, 302]])


def test_a_writer_during_a_bulk_load_is_indexed_once(store: SQLiteStore, path: Path) -> None:
    with SQLiteStore(path) as other:
        with store.bulk_load():
            store.add_facts(facts_between(10))
            other.add_facts(facts_between(3, start=100))  # plain writes while it loads
            old = other.get_fact("f100")
            assert old is not None
            other.supersede("f100", Fact.triple(A, "rel100", B, agent="x", id="f_new"))
            store.add_facts(facts_between(3, start=200))
        everything_searchable(other, ["f0", "f9", "f101", "f_new", "f202"])
    # integrity(path) in the fixture: FTS5 would find a row indexed twice


def test_a_final_indexing_that_cannot_get_the_lock_is_finished_on_the_next_open(
    path: Path,
) -> None:
    store = SQLiteStore(path, busy_timeout_s=0.05)
    store.upsert_entities([A, B])
    blocker = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(StoreError, match="next open"), store.bulk_load():
        store.add_facts(facts_between(10))
        blocker.execute("BEGIN IMMEDIATE")  # holds the write lock as the block ends
    blocker.execute("ROLLBACK")
    blocker.close()
    assert pending(path) != {}
    store.close()
    with SQLiteStore(path) as reopened:
        everything_searchable(reopened, [f"f{i}" for i in range(10)])
    assert pending(path) == {} and graph_indexes(path) == set(GRAPH_INDEXES)
    integrity(path)

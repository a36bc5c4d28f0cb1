"""`SQLiteStore`: the default memory backend, one SQLite file (WAL, FTS5) or ``":memory:"``.

Every public write is one ``BEGIN IMMEDIATE`` transaction, so a crash never leaves half of
it, and several processes may write one file: each waits up to ``busy_timeout_s`` for the
lock. `add_facts` is the bulk path: one ``executemany`` inside one transaction; inside
`SQLiteStore.bulk_load` the indexing of many such calls is deferred to one pass.

Example:
    >>> from agora.memory import Entity, Fact, Scope
    >>> with SQLiteStore(":memory:") as store:
    ...     ada, math = Entity.named("Ada Lovelace"), Entity.named("mathematics")
    ...     store.upsert_entities([ada, math])
    ...     store.add_fact(Fact.triple(ada, "studied", math, agent="a1"))
    ...     [store.get_fact(i).text for i, _ in store.search("lovelace")]
    2
    ['Ada Lovelace studied mathematics']
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from agora.errors import RecordNotFoundError, StoreError, UserError
from agora.memory import _rules
from agora.memory.graph.views import working_set
from agora.memory.records import Entity, Fact, FactStatus, normalize_name
from agora.memory.scope import Scope
from agora.memory.store import EdgeList, Snapshot, snapshot_of
from agora.memory.stores import _sqlite_bulk as bulk
from agora.memory.stores._sqlite_base import _CHUNK
from agora.memory.stores._sqlite_bulk import index_text, last_fact_rowid
from agora.memory.stores._sqlite_levels import SQLiteLevels
from agora.memory.stores._sqlite_rows import (
    ENTITY_JOINS,
    FACT_COLUMNS,
    FACT_FROM,
    INSERT_FACT,
    decoded,
    decoded_one,
    entity_of,
    fact_filter,
    fact_of,
    fact_row,
    fact_rows,
)
from agora.memory.stores._sqlite_search import ranked_facts

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["SQLiteStore"]

_ENTITY_COLUMNS = "id, name, norm, type"


class SQLiteStore(SQLiteLevels):
    """The `Store` on SQLite: pass a file path, or ``":memory:"`` for a private in-memory one.

    A row that an older agora wrote with a value this version refuses (a scope such as
    ``team:bad name``) is left out of reads with a `RuntimeWarning` naming it, so one bad
    row never makes the whole store unreadable.

    Args:
        path: the database file (created if missing) or ``":memory:"``.
        busy_timeout_s: how long a write waits for another process's transaction.
    """

    def upsert_entities(self, entities: Iterable[Entity]) -> int:
        """Insert entities, or update name and type of those whose id exists; return how many."""
        items = _rules.records(entities, Entity, "entity")
        rows = [(e.id, e.name, e.norm, e.type) for e in items]
        with self._write() as conn:
            last = conn.execute("SELECT coalesce(max(rowid), 0) FROM entities").fetchone()[0]
            conn.executemany(
                f"INSERT INTO entities({_ENTITY_COLUMNS}) VALUES (?,?,?,?) ON CONFLICT(id) "
                "DO UPDATE SET name = excluded.name, norm = excluded.norm, type = excluded.type",
                rows,
            )
            sql = "SELECT id, rowid FROM entities WHERE rowid > ?"
            added = conn.execute(sql, (last,)).fetchall()
        # Committed: the facts that name these entities next need no lookup.
        self._entity_rowids.update(added)
        return len(rows)

    def get_entity(self, entity_id: str) -> Entity | None:
        """The entity, or ``None``."""
        _rules.check_id(entity_id, "entity_id")
        sql = f"SELECT {_ENTITY_COLUMNS} FROM entities WHERE id = ?"
        return decoded_one(self._conn.execute(sql, (entity_id,)).fetchone(), entity_of)

    def find_entities(self, name: str) -> list[Entity]:
        """Entities whose normalized name equals that of `name`, by id."""
        _rules.check_id(name, "name")
        sql = f"SELECT {_ENTITY_COLUMNS} FROM entities WHERE norm = ? ORDER BY id"
        return decoded(self._conn.execute(sql, (normalize_name(name),)), entity_of)

    def add_fact(self, fact: Fact) -> None:
        """Add one fact (see `add_facts`)."""
        self.add_facts([fact])

    def add_facts(self, facts: Iterable[Fact]) -> int:
        """Add facts in one transaction: all of them, or on any error none; return how many.

        Each fact must sit in the scope of one of its agents, name known entities and carry
        a fresh id.
        """
        items = _rules.records(facts, Fact, "fact")
        rows, pending = fact_rows(items, self._entity_rowids)
        if pending:  # entities this store object has not looked up yet: one query per 500
            waiting = [items[p] for p in pending]
            self._rowids((f.subject for f in waiting), "subject")
            self._rowids((f.object_id for f in waiting if f.object_id is not None), "object_id")
            resolved, _ = fact_rows(waiting, self._entity_rowids)
            for position, row in zip(pending, resolved, strict=True):
                rows[position] = row
        load, deferred = self._bulk, False
        with self._write() as conn:
            after = last_fact_rowid(conn)
            if load is not None and load.should_defer(len(rows)):
                deferred = load.defer(conn)
            conn.executemany(INSERT_FACT, rows)
            index_text(conn, after)  # unless a bulk load is pending
        if load is not None:
            load.committed(len(rows), deferred=deferred)
        return len(rows)

    @contextmanager
    def bulk_load(self) -> Iterator[SQLiteStore]:
        """Load many facts fast, as crash-safe as `add_facts`, with indexing deferred.

        Inside the block every `add_facts` call still commits one transaction of its own (a
        crash keeps every committed call whole and loses nothing committed), but the
        indexing work moves to one pass at the end of the block: full-text indexing always,
        and the graph indexes once the block has added as many facts as the store held when
        it began (rebuilding sorts every row once, which beats a random index insert per
        fact; a small load into a big store keeps its indexes). So inside the block,
        `search` misses the new facts and graph reads of a large load run without indexes
        (correct, but slow); every other read sees every committed fact.

        One bulk load per file at a time. Other connections may read and write meanwhile:
        their new facts are indexed by the load's final pass, and their graph reads run
        without the dropped indexes until it ends. If the process dies inside the block, or
        the store is closed inside it, the next open finishes the indexing (the owner holds
        ``<path>-bulk.lock`` while it loads, so a live load is never finished by someone
        else).

        Raises:
            UserError: a bulk load is already open on this store object.
            StoreError: another store object or process is bulk-loading this file; or the
                final indexing failed (the facts are kept; the next open finishes it).

        Example:
            >>> from agora.memory import Entity, Fact
            >>> with SQLiteStore(":memory:") as store:
            ...     a, b = Entity.named("A"), Entity.named("B")
            ...     _ = store.upsert_entities([a, b])
            ...     with store.bulk_load():
            ...         store.add_facts([Fact.triple(a, "near", b, agent="x")])
            ...     [store.get_fact(i).text for i, _ in store.search("near")]
            1
            ['A near B']
        """
        if self._bulk is not None:
            raise UserError("bulk_load() is already open on this store; do not nest it")
        conn = self._conn
        with self._lock:
            load = bulk.begin(conn, self.path)
        self._bulk = load
        try:
            yield self
        finally:
            self._bulk = None
            try:
                if self._db is not None:  # else closed inside: the next open finishes it
                    with self._write():
                        bulk.finish(conn, load)
            except sqlite3.OperationalError as exc:
                raise StoreError(
                    f"the bulk load's final indexing failed ({exc}); its facts are stored, "
                    "and the next open of the store finishes the indexing"
                ) from exc
            finally:
                load.release()

    def get_fact(self, fact_id: str) -> Fact | None:
        """The fact in any status, or ``None``."""
        _rules.check_id(fact_id, "fact_id")
        sql = f"SELECT {FACT_COLUMNS} FROM {FACT_FROM} WHERE f.id = ?"
        return decoded_one(self._conn.execute(sql, (fact_id,)).fetchone(), fact_of)

    def get_facts(self, fact_ids: Iterable[str]) -> dict[str, Fact]:
        """The facts of `fact_ids` that exist, in any status, by id (a query per 500 ids)."""
        if isinstance(fact_ids, str):
            raise UserError("get_facts() takes a collection of fact ids; use get_fact(id)")
        wanted = list(dict.fromkeys(_rules.check_ids(fact_ids, "fact_ids")))
        found: dict[str, Fact] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT {FACT_COLUMNS} FROM {FACT_FROM} WHERE f.id IN ({marks})"
            found.update((f.id, f) for f in decoded(self._conn.execute(sql, chunk), fact_of))
        return found

    def facts(
        self,
        *,
        about: str | None = None,
        relation: str | None = None,
        scope: Scope | None = None,
        valid_at: float | None = None,
        statuses: Collection[FactStatus] | None = None,
        limit: int | None = None,
    ) -> list[Fact]:
        """Facts matching the filters (`about`: subject or object entity), oldest first."""
        _rules.check_filters(scope=scope, valid_at=valid_at, statuses=statuses, limit=limit)
        _rules.check_text_filters(about=about, relation=relation)
        where, params = fact_filter("f", scope=scope, valid_at=valid_at, statuses=statuses)
        if about is not None:
            # By rowid, so SQLite answers from the subject and object indexes (OR by union).
            rowid = self._entity_rowid(about)
            if rowid is None:
                return []
            where = " AND (f.subject = ? OR f.object = ?)" + where
            params = [rowid, rowid, *params]
        if relation is not None:
            where, params = where + " AND f.relation = ?", [*params, relation]
        if limit is not None and limit <= 0:
            return []
        order = "ORDER BY f.valid_from, f.rowid"
        if limit is None:
            sql = f"SELECT {FACT_COLUMNS} FROM {FACT_FROM} WHERE 1{where} {order}"
            return decoded(self._conn.execute(sql, params), fact_of)
        # Limit first, then look up the entity ids of the rows kept only (an entity's facts
        # are often many more than the limit: about 4x faster at the 95th percentile).
        sql = (
            f"SELECT {FACT_COLUMNS} FROM (SELECT * FROM facts f WHERE 1{where} {order} LIMIT ?) f "
            f"{ENTITY_JOINS} {order}"
        )
        return decoded(self._conn.execute(sql, [*params, limit]), fact_of)

    def facts_about(self, entity_id: str, **filters: Any) -> list[Fact]:
        """Shorthand for ``facts(about=entity_id, ...)``."""
        return self.facts(about=entity_id, **filters)

    def history(self, subject: str, relation: str | None = None) -> list[Fact]:
        """Every fact with `subject` (and `relation`), in any status, by valid_from."""
        _rules.check_id(subject, "subject")
        _rules.check_text_filters(relation=relation)
        rowid = self._entity_rowid(subject)
        if rowid is None:
            return []
        where, params = " AND f.subject = ?", list[Any]([rowid])
        if relation is not None:
            where, params = where + " AND f.relation = ?", [rowid, relation]
        sql = f"SELECT {FACT_COLUMNS} FROM {FACT_FROM} WHERE 1{where} "
        return decoded(self._conn.execute(sql + "ORDER BY f.valid_from, f.rowid", params), fact_of)

    def supersede(self, old_id: str, new: Fact) -> Fact:
        """Close `old_id` at ``new.valid_from``, mark it superseded, add `new`; return the old."""
        _rules.check_id(old_id, "old_id")
        _rules.require(new, Fact, "fact")
        rowids = self._rowids([new.subject], "subject")
        self._rowids([new.object_id] if new.object_id else [], "object_id")
        with self._write() as conn:
            old = self._require_fact(old_id)
            _rules.check_supersede(old, new)
            valid_to = _rules.closed(old, new.valid_from)
            conn.execute(
                "UPDATE facts SET status = 'superseded', valid_to = ? WHERE id = ?",
                (valid_to, old_id),
            )
            obj = None if new.object_id is None else rowids[new.object_id]
            after = last_fact_rowid(conn)
            conn.execute(INSERT_FACT, fact_row(new, rowids[new.subject], obj))
            index_text(conn, after)
            return self._require_fact(old_id)

    def set_status(self, fact_id: str, status: FactStatus) -> Fact:
        """Dispute, quarantine or restore (``"active"``) a fact; return it updated."""
        _rules.check_id(fact_id, "fact_id")
        _rules.check_settable(status)
        with self._write() as conn:
            self._require_fact(fact_id)
            conn.execute("UPDATE facts SET status = ? WHERE id = ?", (status, fact_id))
            return self._require_fact(fact_id)

    def promote(self, record_id: str, to: Scope, *, by: str) -> None:
        """Move a fact or goal to the wider scope `to`, recording `by` as who promoted it."""
        _rules.check_id(record_id, "record_id")
        _rules.check_promotion(to, by)
        with self._write() as conn:
            for table in ("facts", "goals"):
                row = conn.execute(f"SELECT scope FROM {table} WHERE id = ?", (record_id,))
                found = row.fetchone()
                if found is not None:
                    Scope.parse(found[0]).check_promotion(to)
                    conn.execute(
                        f"UPDATE {table} SET scope = ?, promoted_by = ? WHERE id = ?",
                        (to.key, by, record_id),
                    )
                    return
            raise RecordNotFoundError(f"no fact or goal {record_id!r} in the store")

    def neighbours(
        self,
        entity_id: str,
        *,
        hops: int = 1,
        scope: Scope | None = None,
        valid_at: float | None = None,
        limit: int = 1000,
    ) -> list[str]:
        """Ids of entities within `hops` facts of `entity_id`, nearest first, at most `limit`."""
        _rules.check_id(entity_id, "entity_id")
        _rules.check_hops(hops, limit)
        _rules.check_filters(scope=scope, valid_at=valid_at)
        row = self._conn.execute("SELECT rowid FROM entities WHERE id = ?", (entity_id,))
        start = row.fetchone()
        if start is None:
            return []
        where, params = fact_filter("f", scope=scope, valid_at=valid_at, statuses=None)
        seen, found, frontier = {start[0]}, list[int](), [start[0]]
        for _ in range(hops):
            frontier = self._expand(frontier, where, params, seen, found, limit)
            if not frontier or len(found) >= limit:
                break
        return self._entity_ids(found)

    def _expand(
        self, frontier: list[int], where: str, params: list[Any],
        seen: set[int], found: list[int], limit: int,
    ) -> list[int]:  # fmt: skip
        nxt: list[int] = []
        for begin in range(0, len(frontier), 400):
            chunk = frontier[begin : begin + 400]
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT f.object FROM facts f WHERE f.subject IN ({marks}) "
                f"AND f.object IS NOT NULL{where} UNION ALL "
                f"SELECT f.subject FROM facts f WHERE f.object IN ({marks}){where}"
            )
            for (other,) in self._conn.execute(sql, [*chunk, *params, *chunk, *params]):
                if other not in seen:
                    seen.add(other)
                    found.append(other)
                    nxt.append(other)
                    if len(found) >= limit:
                        return nxt
        return nxt

    def search(
        self,
        text: str,
        *,
        scope: Scope | None = None,
        valid_at: float | None = None,
        statuses: Collection[FactStatus] | None = None,
        limit: int = 10,
    ) -> list[tuple[str, float]]:
        """Fact ids ranked by FTS5 BM25 over fact text (any word matches), best first.

        A query whose words match more than ``max(128, 8 x limit)`` facts leaves out words
        held by more than a twentieth of the store and scores a bounded candidate set (see
        `agora.memory.retrieval._bm25`), so a common word costs little.
        """
        _rules.check_query(text, limit)
        _rules.check_filters(scope=scope, valid_at=valid_at, statuses=statuses)
        where, params = fact_filter("f", scope=scope, valid_at=valid_at, statuses=statuses)
        return ranked_facts(self._conn, text, where, params, limit, self._frequencies)

    def edges(self, *, scope: Scope | None = None) -> EdgeList:
        """Current (active and disputed) entity-to-entity facts as arrays."""
        _rules.check_filters(scope=scope)
        conn = self._conn
        entity_rows = conn.execute("SELECT rowid, id FROM entities ORDER BY rowid").fetchall()
        dense = np.full((entity_rows[-1][0] + 1) if entity_rows else 1, -1, dtype=np.int64)
        dense[np.fromiter((r[0] for r in entity_rows), np.int64, len(entity_rows))] = np.arange(
            len(entity_rows)
        )
        where, params = fact_filter("f", scope=scope, valid_at=None, statuses=None)
        sql = (
            f"SELECT f.subject, f.object, f.relation FROM facts f WHERE f.object IS NOT NULL{where}"
        )
        rows = conn.execute(sql, params).fetchall()
        codes: dict[str, int] = {}
        rel = np.fromiter((codes.setdefault(r[2], len(codes)) for r in rows), np.int64, len(rows))
        src = dense[np.fromiter((r[0] for r in rows), np.int64, len(rows))]
        dst = dense[np.fromiter((r[1] for r in rows), np.int64, len(rows))]
        return EdgeList(src, dst, rel, [r[1] for r in entity_rows], list(codes))

    def export(self, *, scope: Scope | None = None) -> Snapshot:
        """Every record readable from `scope` (all when ``None``); facts in every status."""
        _rules.check_filters(scope=scope)
        rows = self._conn.execute(f"SELECT {_ENTITY_COLUMNS} FROM entities ORDER BY rowid")
        return snapshot_of(self, decoded(rows, entity_of), scope=scope)

    def graph(
        self,
        *,
        scope: Scope | None = None,
        around: Iterable[str] | None = None,
        hops: int = 2,
        valid_at: float | None = None,
    ) -> nx.MultiDiGraph:
        """The working set as a networkx graph (see `agora.memory.graph.working_set`)."""
        return working_set(self, scope=scope, around=around, hops=hops, valid_at=valid_at)

    def _entity_rowid(self, entity_id: str) -> int | None:
        rowid = self._entity_rowids.get(entity_id)
        if rowid is None:
            row = self._conn.execute("SELECT rowid FROM entities WHERE id = ?", (entity_id,))
            found = row.fetchone()
            rowid = None if found is None else int(found[0])
        return rowid

    def _require_fact(self, fact_id: str) -> Fact:
        fact = self.get_fact(fact_id)
        if fact is None:
            raise RecordNotFoundError(f"no fact {fact_id!r} in the store")
        return fact

"""Connection, transactions and the entity-id mapping of `SQLiteStore` (internal).

The connection may be used from several threads (a team run writes its episodes from a
worker thread, off the event loop): SQLite itself is built serialized (``threadsafety`` 3),
and transactions are serialized by the store's lock, so one thread's ``BEGIN`` never lands
inside another's transaction. Reads take no lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from os import PathLike
from types import TracebackType
from typing import Self

from agora.errors import InvalidRecordError, StoreError
from agora.memory.stores._sqlite_bulk import BulkLoad
from agora.memory.stores._sqlite_schema import connect
from agora.memory.stores._sqlite_search import FrequencyCache

_CHUNK = 500  # ids per IN (...) query
#: What binding a value SQLite cannot hold raises (an odd type, a huge int, a lone surrogate).
_UNSTORABLE = (sqlite3.InterfaceError, sqlite3.ProgrammingError, OverflowError, UnicodeError)


class SQLiteBase:
    """Owns the connection; every public write runs inside `_write` (one transaction)."""

    def __init__(self, path: str | PathLike[str] = ":memory:", *, busy_timeout_s: float = 30.0):
        self.path = str(path)
        self._db: sqlite3.Connection | None = connect(self.path, busy_timeout_s=busy_timeout_s)
        # Entity id -> rowid. Entities are never deleted, so entries stay true; only rows read
        # back from the database (committed or in the current transaction) are cached.
        self._entity_rowids: dict[str, int] = {}
        self._bulk: BulkLoad | None = None  # inside bulk_load(): indexing is deferred
        self._frequencies = FrequencyCache()  # of search words; cleared by every write
        self._lock = threading.RLock()  # held for each transaction, and by close()

    def close(self) -> None:
        """Close the connection; later calls raise `agora.StoreError`. Closing twice is fine."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
        if self._bulk is not None:  # closed inside bulk_load(): the next open finishes it
            self._bulk.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError(f"{self!r} is closed; open a new store to use it again")
        return self._db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole, or rolled back on any error."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except sqlite3.IntegrityError as exc:
                conn.execute("ROLLBACK")
                field = str(exc).rpartition(".")[2] if "UNIQUE" in str(exc) else None
                raise InvalidRecordError(
                    f"the store rejected the write ({exc}); nothing was written. "
                    "Use fresh ids: records are never silently overwritten",
                    field=field,
                ) from exc
            except _UNSTORABLE as exc:
                # Records are checked before they get here; this catches one built past them.
                conn.execute("ROLLBACK")
                raise InvalidRecordError(
                    f"the store cannot hold a field of this record ({exc}); nothing was "
                    "written. Build records with their constructors, which check every field"
                ) from exc
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            self._frequencies.clear()

    def _rowids(self, ids: Iterable[str], field: str) -> dict[str, int]:
        """Rowids of entity `ids`; raise `InvalidRecordError` naming `field` if one is unknown."""
        cache = self._entity_rowids
        missing = [i for i in dict.fromkeys(ids) if i not in cache]
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, rowid FROM entities WHERE id IN ({marks})"
            cache.update(self._conn.execute(sql, chunk).fetchall())
        for entity_id in missing:
            if entity_id not in cache:
                raise InvalidRecordError(
                    f"{field} names entity {entity_id!r}, which is not in the store; "
                    "add it with upsert_entities() first",
                    field=field,
                )
        return cache

    def _entity_ids(self, rowids: Iterable[int]) -> list[str]:
        """Entity ids of `rowids`, in the same order."""
        wanted = list(rowids)
        found: dict[int, str] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            sql = f"SELECT rowid, id FROM entities WHERE rowid IN ({','.join('?' * len(chunk))})"
            found.update(self._conn.execute(sql, chunk).fetchall())
        return [found[r] for r in wanted]

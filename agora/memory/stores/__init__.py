"""The `agora.memory.Store` backends.

`SQLiteStore` (default: WAL, FTS5, an int8 vector index) and `NetworkXStore` (in memory, for
tests and small graphs).

Both implement the `agora.memory.Store` protocol and pass the same contract tests; the private
``_sqlite_*`` and ``_nx_levels`` modules hold their halves by concept (schema, bulk loading,
rows, search, the upper levels).

Example:
    >>> from agora.memory.stores import NetworkXStore, SQLiteStore
    >>> with SQLiteStore(":memory:") as store:
    ...     store.stats().facts
    0
    >>> NetworkXStore().stats().facts
    0
"""

from __future__ import annotations

from agora.memory.stores.networkx_store import NetworkXStore
from agora.memory.stores.sqlite_store import SQLiteStore

__all__ = ["NetworkXStore", "SQLiteStore"]

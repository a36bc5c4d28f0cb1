"""The memory contract runs against every backend through the `store` fixture.

A new backend (PostgreSQL) joins by adding one entry to BACKENDS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agora.memory import NetworkXStore, SQLiteStore, Store

BACKENDS: dict[str, Callable[[Path], Store]] = {
    "sqlite-memory": lambda tmp: SQLiteStore(":memory:"),
    "sqlite-file": lambda tmp: SQLiteStore(tmp / "memory.db"),
    "networkx": lambda tmp: NetworkXStore(),
}


@pytest.fixture(params=list(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend = BACKENDS[request.param](tmp_path)
    yield backend
    backend.close()


@pytest.fixture(params=list(BACKENDS))
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """A factory, for tests that compare or reopen stores."""
    made: list[Store] = []

    def make() -> Store:
        made.append(BACKENDS[request.param](tmp_path))
        return made[-1]

    yield make
    for item in made:
        item.close()

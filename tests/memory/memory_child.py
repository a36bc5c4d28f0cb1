"""A writer process for the durability tests: ``python memory_child.py MODE ...``.

bulk PATH LOG SEED BATCHES SIZE   add BATCHES batches of SIZE facts (ids ``b{batch}_{i}``),
                                  appending each batch number to LOG after its commit
bulkload PATH LOG SEED BATCHES SIZE   the same inside ``SQLiteStore.bulk_load()``
writer PATH AGENT N SIZE          add N facts as agent AGENT, SIZE per transaction
"""

from __future__ import annotations

import os
import random
import sys
from contextlib import nullcontext
from typing import TextIO

from agora.memory import Entity, Fact, SQLiteStore

ENTITIES = [Entity.named(f"entity {i}") for i in range(200)]


def _fact(rng: random.Random, agent: str, fact_id: str) -> Fact:
    a, b = rng.sample(ENTITIES, 2)
    return Fact.triple(a, f"rel{rng.randrange(20)}", b, agent=agent, id=fact_id)


def bulk(path: str, log: str, seed: int, batches: int, size: int, mode: str) -> None:
    rng = random.Random(seed)
    with SQLiteStore(path) as store, open(log, "a") as committed:
        store.upsert_entities(ENTITIES)
        block = store.bulk_load() if mode == "bulkload" else nullcontext()
        with block:
            _batches(store, committed, rng, batches, size)


def _batches(
    store: SQLiteStore, committed: TextIO, rng: random.Random, batches: int, size: int
) -> None:
    for batch in range(batches):
        store.add_facts(_fact(rng, "a1", f"b{batch}_{i}") for i in range(size))
        committed.write(f"{batch}\n")
        committed.flush()
        os.fsync(committed.fileno())


def writer(path: str, agent: str, n: int, size: int) -> None:
    rng = random.Random(agent)
    with SQLiteStore(path) as store:
        store.upsert_entities(ENTITIES)
        for start in range(0, n, size):
            store.add_facts(
                _fact(rng, agent, f"{agent}_{i}") for i in range(start, min(n, start + size))
            )


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode in ("bulk", "bulkload"):
        bulk(args[0], args[1], int(args[2]), int(args[3]), int(args[4]), mode)
    else:
        writer(args[0], args[1], int(args[2]), int(args[3]))

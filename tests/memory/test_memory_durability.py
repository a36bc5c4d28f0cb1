"""Durability of SQLiteStore with real processes: SIGKILL mid-write, concurrent writers."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agora.memory import SQLiteStore

CHILD = Path(__file__).with_name("memory_child.py")
BATCH = 500


def _spawn(*args: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(CHILD), *map(str, args)], stderr=subprocess.PIPE)


def _committed(log: Path) -> set[int]:
    if not log.exists():
        return set()
    return {int(line) for line in log.read_text().split("\n")[:-1]}  # last line may be partial


def _wait_for_batches(child: subprocess.Popen[bytes], log: Path, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(_committed(log)) < count and child.poll() is None:
        assert time.monotonic() < deadline, "the writer made no progress"
        time.sleep(0.005)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "seed"),
    [("bulk", 1), ("bulk", 2), ("bulk", 3), ("bulk", 4), ("bulkload", 5), ("bulkload", 6)],
)
def test_sigkill_during_bulk_writes_keeps_every_committed_batch_whole(
    tmp_path: Path, mode: str, seed: int
) -> None:
    """`bulk`: plain add_facts batches; `bulkload`: inside bulk_load() (indexes deferred)."""
    rng = random.Random(seed)
    path, log = tmp_path / "memory.db", tmp_path / "committed.log"
    child = _spawn(mode, path, log, seed, 1000, BATCH)
    _wait_for_batches(child, log, rng.randint(1, 6))
    time.sleep(rng.uniform(0, 0.05))  # land anywhere inside the next transaction
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""

    committed = _committed(log)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    raw.execute("INSERT INTO facts_fts(facts_fts) VALUES ('integrity-check')")
    sizes = dict(
        raw.execute("SELECT substr(id, 2, instr(id, '_') - 2), count(*) FROM facts GROUP BY 1")
    )
    raw.close()
    assert all(count == BATCH for count in sizes.values()), "a batch is half-present"
    assert committed <= {int(b) for b in sizes}, "a committed batch is missing"
    assert len(sizes) - len(committed) <= 1  # at most the one whose log line was not yet written
    with SQLiteStore(path) as store:  # opening finishes an abandoned bulk load
        assert store.stats().facts == BATCH * len(sizes)
        assert len(store.search("rel3", limit=5)) == 5
        some = store.facts(limit=1)[0]
        assert some.object_id in store.neighbours(some.subject)
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT count(*) FROM meta WHERE key LIKE 'bulk%'").fetchone() == (0,)
    indexes = {n for (n,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"facts_subject", "facts_object"} <= indexes
    fts = raw.execute("SELECT count(*) FROM facts_fts WHERE facts_fts MATCH 'rel3'").fetchone()
    plain = raw.execute("SELECT count(*) FROM facts WHERE relation = 'rel3'").fetchone()
    assert fts == plain  # every committed fact is searchable
    raw.close()


@pytest.mark.slow
def test_four_concurrent_writer_processes_lose_nothing(tmp_path: Path) -> None:
    path, per_writer = tmp_path / "memory.db", 2000
    SQLiteStore(path).close()
    writers = [_spawn("writer", path, f"agent{i}", per_writer, 100) for i in range(4)]
    for child in writers:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err.decode()
    with SQLiteStore(path) as store:
        assert store.stats().facts == 4 * per_writer
        for i in range(4):
            assert store.get_fact(f"agent{i}_{per_writer - 1}") is not None
    assert os.path.getsize(path) > 0

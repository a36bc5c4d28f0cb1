"""SIGKILL a durable run at random points and at the worst ones; it resumes exactly once.

The child (durable_child.py) runs a 99-step team run in a real subprocess. After each kill the
parent notes which steps the journal holds, restarts the child (which resumes), and finally
checks against an uninterrupted reference run: the same steps, envelopes and answer, no
duplicated step or memory episode, and no step that had committed ran its model again. The
team has memory, so it also checks that its store holds exactly one L0 episode per envelope.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("durable_child.py")
pytestmark = pytest.mark.slow


def _child(db: Path, log: Path, attempt: int, kill: str | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, str(CHILD), str(db), str(log), str(attempt)]
    return subprocess.Popen([*args, *([kill] if kill else [])], stdout=subprocess.PIPE, text=True)


def _committed(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT key, agent, envelope FROM agora_steps ORDER BY seq").fetchall()
    return [(key, agent, envelope) for key, agent, envelope in rows]


def _step_agents(db: Path) -> set[str]:
    """The model-calling steps committed, as the child logs them: ``agent:decide|synth``."""
    return {
        f"{agent}:{'synth' if key.startswith('join>') else 'decide'}"
        for key, agent, _ in _committed(db)
        if agent != "user"
    }


def _shape(db: Path) -> Counter[tuple[str, str, str]]:
    """The run's steps without random ids: (agent, kind, text-ish) per envelope."""
    shape: Counter[tuple[str, str, str]] = Counter()
    for _, agent, envelope in _committed(db):
        payload = json.loads(envelope)["payload"]
        shape[(agent, payload["kind"], payload["text"])] += 1
    return shape


def _episodes(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT agent, answer FROM agora_episodes").fetchall()


def _memory_episodes(db: Path) -> Counter[str]:
    """Ids of the L0 episodes in the team's memory store (envelope ids), with counts."""
    with sqlite3.connect(f"{db}.memory") as conn:
        return Counter(row[0] for row in conn.execute("SELECT message_id FROM episodes"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("reference")
    db, log = folder / "runs.sqlite", folder / "calls.log"
    out, _ = _child(db, log, 0).communicate(timeout=120)
    return {
        "result": json.loads(out),
        "shape": _shape(db),
        "episodes": sorted(_episodes(db)),
        "calls": len(log.read_text().splitlines()),
    }


def _run_to_completion(
    db: Path, log: Path, kills: list[str | float]
) -> tuple[dict, list[set[str]]]:
    """Start, kill as `kills` says (a spec string, or a fraction of steps to wait for), resume."""
    committed_after: list[set[str]] = []
    for attempt, kill in enumerate(kills):
        if isinstance(kill, str):
            proc = _child(db, log, attempt, kill)
            proc.communicate(timeout=120)
        else:
            proc = _child(db, log, attempt)
            target = int(kill * 99)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                if db.exists() and len(_committed_safely(db)) >= target:
                    break
                time.sleep(0.002)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
        assert proc.returncode in (-signal.SIGKILL, 0), proc.returncode
        committed_after.append(_step_agents(db))
        if proc.returncode == 0:  # it finished before the kill landed
            break
    proc = _child(db, log, len(kills))
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    return json.loads(out), committed_after


def _committed_safely(db: Path) -> list[tuple[str, str, str]]:
    try:
        return _committed(db)
    except sqlite3.OperationalError:  # the child has not created the tables yet
        return []


def _check(db: Path, log: Path, result: dict, committed_after: list[set[str]], ref: dict) -> None:
    assert result == ref["result"]
    assert _shape(db) == ref["shape"]  # no lost and no duplicated step
    assert sorted(_episodes(db)) == ref["episodes"]  # memory written exactly once
    envelopes = Counter(json.loads(envelope)["id"] for _, _, envelope in _committed(db))
    assert _memory_episodes(db) == envelopes  # one L0 episode per envelope, none twice
    calls = [line.split("\t") for line in log.read_text().splitlines()]
    for attempt, done in enumerate(committed_after):
        rerun = {agent for when, agent in calls if int(when) > attempt} & done
        assert not rerun, f"committed steps ran their model again after kill {attempt}: {rerun}"
    # at most the calls that were in flight at each kill are repeated
    assert len(calls) - ref["calls"] <= 2 * len(committed_after)


@pytest.mark.parametrize(
    "kills",
    [
        ["commit:1"],  # right after the task reached the entry agent
        ["commit:2"],  # after the split, before its checkpoint
        ["commit:40", "commit:30"],  # mid-chain, twice
        ["commit:99"],  # the final answer committed, LangGraph never checkpointed it
        ["episode:1"],  # inside the first memory write
        ["episode:3"],  # inside the final answer's memory write
        ["memory:1"],  # as the first batch of L0 episodes goes to the memory store
        ["memory:3", "memory:2"],  # later batches, twice
    ],
    ids=lambda kills: "+".join(kills),
)
def test_kill_at_the_worst_points_resumes_exactly_once(
    tmp_path: Path, reference: dict, kills: list[str]
) -> None:
    db, log = tmp_path / "runs.sqlite", tmp_path / "calls.log"
    result, committed_after = _run_to_completion(db, log, list(kills))
    _check(db, log, result, committed_after, reference)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_at_random_points_resumes_exactly_once(
    tmp_path: Path, reference: dict, seed: int
) -> None:
    rng = random.Random(seed)
    kills: list[str | float] = sorted(rng.uniform(0.02, 0.98) for _ in range(3))
    db, log = tmp_path / "runs.sqlite", tmp_path / "calls.log"
    result, committed_after = _run_to_completion(db, log, kills)
    _check(db, log, result, committed_after, reference)

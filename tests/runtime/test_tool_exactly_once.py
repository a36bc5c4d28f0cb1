"""A tool's external effect happens exactly once across SIGKILLs of a durable run.

The step in flight at a kill runs again on resume, tool calls included; the repeated calls get
the same `ToolContext.idempotency_key`, and the example's ledger tool skips keys it has seen.
The child (tool_child.py) is a real subprocess, killed at the worst moment (after a tool's
effect committed, before its step was journaled) and at random moments.
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

CHILD = Path(__file__).with_name("tool_child.py")
CLERKS = 8
pytestmark = pytest.mark.slow


def _child(folder: Path, kill: str | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, str(CHILD), str(folder / "runs.sqlite"), str(folder / "ledger.sqlite")]
    args.append(str(folder / "calls.log"))
    return subprocess.Popen([*args, *([kill] if kill else [])], stdout=subprocess.PIPE, text=True)


def _payments(folder: Path) -> list[tuple[str, str, int]]:
    try:
        with sqlite3.connect(folder / "ledger.sqlite") as db:
            return db.execute("SELECT key, payee, cents FROM payments ORDER BY cents").fetchall()
    except sqlite3.OperationalError:  # no payment yet
        return []


def _attempts(folder: Path) -> Counter[str]:
    log = folder / "calls.log"
    return Counter(log.read_text().split()) if log.exists() else Counter()


def _finish(folder: Path) -> dict[str, str]:
    out, _ = (proc := _child(folder)).communicate(timeout=120)
    assert proc.returncode == 0, proc.returncode
    return json.loads(out)


def _check_exactly_once(folder: Path, result: dict[str, str]) -> None:
    assert result == {"answer": "all paid"}
    payments = _payments(folder)
    assert [(payee, cents) for _, payee, cents in payments] == [
        (f"payee{i}", 100 + i) for i in range(CLERKS)
    ]
    attempts = _attempts(folder)
    assert set(attempts) == {key for key, _, _ in payments}  # every call was one of the keys


@pytest.mark.parametrize("kill_at", [1, 4, CLERKS])
def test_a_kill_between_effect_and_journal_repeats_the_call_not_the_effect(
    tmp_path: Path, kill_at: int
) -> None:
    proc = _child(tmp_path, f"effect:{kill_at}")
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert len(_payments(tmp_path)) == kill_at
    _check_exactly_once(tmp_path, _finish(tmp_path))
    repeated = [key for key, n in _attempts(tmp_path).items() if n > 1]
    assert len(repeated) == 1  # the step in flight ran its tool again, with the same key
    assert sum(_attempts(tmp_path).values()) == CLERKS + 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kills_at_random_moments_leave_each_payment_made_once(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(3):
        proc = _child(tmp_path)
        target = sum(_attempts(tmp_path).values()) + rng.randint(1, 3)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if sum(_attempts(tmp_path).values()) >= target:
                time.sleep(rng.uniform(0.0, 0.02))  # anywhere in the step that follows
                break
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        if proc.returncode == 0:
            break
    _check_exactly_once(tmp_path, _finish(tmp_path))

"""The scale benchmark runs small and prints its table (no timing assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "memory_scale.py"


@pytest.mark.slow
def test_memory_benchmark_runs_small_and_prints_both_backends() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--facts", "5000", "--queries", "20"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    for label in (
        "SQLiteStore",
        "NetworkXStore",
        "bulk insert",
        "2-hop",
        "community build",
        "peak RSS",
    ):
        assert label in done.stdout


@pytest.mark.slow
def test_common_word_benchmark_runs_small() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.search_common_words", "--facts", "3000",
         "--queries", "20"],
        capture_output=True, text=True, timeout=120, check=True, cwd=SCRIPT.parents[1],
    )  # fmt: skip
    assert "scoring budget (default)" in done.stdout and "every match scored" in done.stdout

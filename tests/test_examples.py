"""The README's code and every example run as written."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from agora.testing import ScriptedModel

ROOT = Path(__file__).resolve().parents[1]


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quickstart_on_a_scripted_model(capsys: pytest.CaptureFixture[str]) -> None:
    model = ScriptedModel(
        [
            '{"action": "forward", "to": "geographer", "reason": "capitals"}',
            '{"action": "answer", "answer": "Paris"}',
        ]
    )
    assert load("quickstart").main("Capital of France?", model) == "Paris"
    out = capsys.readouterr().out
    assert "answer (geographer): Paris" in out
    assert "triage -> geographer" in out


def test_every_example_says_how_to_run_it() -> None:
    for path in (ROOT / "examples").glob("*.py"):
        assert "Run:" in (path.read_text().split('"""')[1]), path.name


@pytest.mark.slow
def test_readme_quick_start_runs_on_the_local_model(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"## Quick start\n\n```python\n(.*?)```", readme, re.S)
    assert code is not None
    exec(compile(code.group(1), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert " from " in out and "task" in out

"""Every python block of the README runs as written, on a scripted model.

Agents built with the default spec (the embedded model) get a model that makes every decision
valid and purposeful instead: it forwards with a contribution when it can, calls a tool when it
must, and otherwise answers. The quick start also runs on the real embedded model
(`tests/test_examples.py`, slow).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import agora.agents.agent as agent_module
from agora.models.base import Message, Model
from agora.testing import FunctionModel, minimal_instance

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def _variant(schema: dict[str, Any], action: str) -> dict[str, Any] | None:
    for variant in [schema, *schema.get("$defs", {}).values()]:
        const = variant.get("properties", {}).get("action", {}).get("const", "")
        if const == action or (action == "call:" and const.startswith("call:")):
            return variant
    return None


def purposeful_reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
    """Forward with a contribution if offered; else call a tool; else answer."""
    if schema is None:
        return "A scripted answer."
    me = messages[0].content.split()[2].rstrip(",")
    forward = _variant(schema, "forward")
    if forward is not None:
        to = forward["properties"]["to"]
        target = to.get("const") or to["enum"][0]
        return json.dumps(
            {"action": "forward", "to": target, "reason": "next", "contribution": f"{me}'s work"}
        )
    tool = _variant(schema, "call:")
    if tool is not None:
        return json.dumps(minimal_instance({**tool, "$defs": schema.get("$defs", {})}))
    return json.dumps(minimal_instance(schema))


@pytest.fixture
def scripted_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    original = agent_module.model_from_spec

    def from_spec(spec: str | Model) -> Model:
        if spec == "local":
            return FunctionModel(purposeful_reply, name="readme-scripted")
        return original(spec)

    monkeypatch.setattr(agent_module, "model_from_spec", from_spec)
    monkeypatch.chdir(tmp_path)  # the blocks write runs.sqlite, memory.sqlite, ledger.sqlite


def test_the_readme_has_python_blocks() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=lambda i: f"block{i}")
def test_a_readme_block_runs_as_written(
    index: int, scripted_default: None, capsys: pytest.CaptureFixture[str]
) -> None:
    exec(compile(BLOCKS[index], f"README.md block {index}", "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out.strip(), "every README block shows what it did"


def test_the_hand_off_block_carries_each_agents_work(
    scripted_default: None, capsys: pytest.CaptureFixture[str]
) -> None:
    (block,) = [b for b in BLOCKS if "contribution" in b]
    exec(compile(block, "README.md", "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        "drafter handed on: drafter's work",
        "editor handed on: editor's work",
        "critic handed on: critic's work",
    ]
    assert out[3] == "finisher answered: A scripted answer."


def test_the_tool_block_pays_once_per_key(
    scripted_default: None, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    (block,) = [b for b in BLOCKS if "ToolContext" in b]
    exec(compile(block, "README.md", "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out.startswith("paid 0 cents to ")
    with sqlite3.connect("ledger.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM paid").fetchone() == (1,)

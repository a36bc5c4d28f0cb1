"""Envelopes and payloads are as strict as their JSON Schema: no bool for an integer, no
string for a number, no bytes or lone surrogates for text, names matched whole."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agora.errors import ProtocolError
from agora.protocols import Envelope, parse_envelope
from agora.protocols.payloads import Answer, KnowledgeClaim, SplitPart, Task

TASK = {"kind": "task", "text": "x"}
BASE: dict[str, Any] = {"sender": "a", "recipients": ["b"], "payload": TASK}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"hops": True}, "hops"),
        ({"hops": "1"}, "hops"),
        ({"hops": 1.0}, "hops"),
        ({"created_at": True}, "created_at"),
        ({"created_at": "1.5"}, "created_at"),
        ({"budget": {"hops": False}}, "budget.hops"),
        ({"budget": {"tokens": "9"}}, "budget.tokens"),
        ({"sender": "geo\n"}, "sender"),
        ({"recipients": ["b\n"]}, "recipients.0"),
        ({"path": ["a\n"]}, "path.0"),
        ({"payload": {"kind": "answer", "text": "x", "confidence": True}}, "payload.confidence"),
        ({"payload": {"kind": "answer", "text": "x", "confidence": "0.5"}}, "payload.confidence"),
        ({"payload": {"kind": "task", "text": 5}}, "payload.text"),
    ],
)
def test_wrong_json_types_are_protocol_errors(extra: dict[str, Any], field: str) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_envelope(json.dumps({**BASE, **extra}))
    assert info.value.field == field


def test_integers_stay_valid_for_number_fields() -> None:
    answer = {"kind": "answer", "text": "x", "confidence": 1}
    env = parse_envelope(json.dumps({**BASE, "created_at": 5, "payload": answer}))
    assert env.created_at == 5.0 and env.payload.confidence == 1.0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Task(text=b"hi"),
        lambda: Task(text="hi", context="\ud800"),
        lambda: Answer(text="x", confidence=True),
        lambda: SplitPart(to="a", text="x", weight=True),
        lambda: SplitPart(to="a\n", text="x"),
        lambda: KnowledgeClaim(subject="a", relation="r", object="\udfff"),
        lambda: Envelope(sender="a", recipients=["b"], payload=Task(text="x"), hops=True),
        lambda: Envelope(sender="a", recipients=["b"], payload=Task(text="x"), id="\ud800"),
        lambda: Envelope(sender="geo\n", recipients=["b"], payload=Task(text="x")),
    ],
)
def test_constructors_are_as_strict_as_parsing(build: Any) -> None:
    with pytest.raises(ProtocolError):
        build()


def test_pydantic_patterns_match_the_whole_string() -> None:
    """pydantic's Rust regex engine: ``$`` is the very end, never before a trailing newline."""
    from pydantic import ValidationError

    from agora.memory.extract import ClaimDraft

    with pytest.raises(ValidationError):
        ClaimDraft(subject="Ada", relation="born\n", object="1815")
    assert ClaimDraft(subject="Ada", relation="born in", object="1815").relation == "born in"

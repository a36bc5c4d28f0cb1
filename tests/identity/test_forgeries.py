"""Forgeries at the message layer: `parse_envelope` plus a verifying `Conversation`.

Issue 12 counted 8 of 13 forgeries accepted by the unsigned message layer. Each case here is a
message an outsider (or a member holding another member's name) could send; with a verifier,
each is refused with an `IdentityError` carrying an `Alert`, and the genuine message that
follows still goes through.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agora import IdentityError, ProtocolError
from agora.identity import Keyring, sign, verifier
from agora.protocols import Answer, Conversation, Envelope, Forward, Task, parse_envelope

RING = Keyring.generate(["triage", "geo", "math"])
OUTSIDER = Keyring.generate(["triage", "geo", "math"])  # same names, other keys


def started() -> tuple[Conversation, Envelope, Envelope]:
    conv = Conversation("c1", verifier=verifier(RING))
    task = sign(
        Envelope(
            conversation_id="c1",
            sender="user",
            recipients=["triage"],
            payload=Task(text="Capital of France?"),
        ),
        RING,
    )
    conv.accept(task)
    forward = sign(
        Envelope(
            conversation_id="c1",
            parent_id=task.id,
            sender="triage",
            recipients=["geo"],
            payload=Forward(text="Capital of France?"),
            path=["triage"],
        ),
        RING,
    )
    conv.accept(forward)
    return conv, task, forward


def geo_answer(forward: Envelope, text: str = "Paris", ring: Keyring = RING) -> Envelope:
    return sign(
        Envelope(
            conversation_id="c1",
            parent_id=forward.id,
            sender="geo",
            recipients=["user"],
            payload=Answer(text=text),
            path=["triage"],
        ),
        ring,
    )


def over_the_wire(env: Envelope) -> Envelope:
    return parse_envelope(env.model_dump_json())


FORGERIES: dict[str, Callable[[Envelope, Envelope], Envelope]] = {
    "unsigned answer as geo": lambda t, f: geo_answer(f).model_copy(update={"signature": None}),
    "answer as geo signed with an outsider's key": lambda t, f: geo_answer(f, ring=OUTSIDER),
    "answer as geo signed by math": lambda t, f: sign(
        geo_answer(f).model_copy(update={"sender": "math"}), RING
    ).model_copy(update={"sender": "geo"}),
    "geo's answer with its text changed": lambda t, f: geo_answer(f).model_copy(
        update={"payload": Answer(text="Lyon")}
    ),
    "geo's answer redirected to triage": lambda t, f: geo_answer(f).model_copy(
        update={"recipients": ["triage"]}
    ),
    "geo's answer moved to another task": lambda t, f: geo_answer(f).model_copy(
        update={"parent_id": t.id}
    ),
    "geo's answer with a new id": lambda t, f: geo_answer(f).model_copy(update={"id": "e-new"}),
    "geo's answer with its path rewritten": lambda t, f: geo_answer(f).model_copy(
        update={"path": []}
    ),
    "geo's answer with a garbage signature": lambda t, f: geo_answer(f).model_copy(
        update={"signature": "hmac:geo:AAAA"}
    ),
    "a signature of another kind": lambda t, f: geo_answer(f).model_copy(
        update={"signature": geo_answer(f).signature.replace("hmac:", "ed25519:")}  # type: ignore[union-attr]
    ),
    "the triage's forward replayed": lambda t, f: f,
    "the task replayed into another conversation": lambda t, f: sign(
        t.model_copy(update={"conversation_id": "c2"}), RING
    ),
    "an answer signed for conversation c2": lambda t, f: sign(
        geo_answer(f).model_copy(update={"conversation_id": "c2"}), RING
    ),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_each_forgery_is_refused_and_the_genuine_answer_still_goes_through(name: str) -> None:
    conv, task, forward = started()
    forged = FORGERIES[name](task, forward)
    with pytest.raises(IdentityError) as info:
        conv.accept(over_the_wire(forged))
    assert info.value.alert is not None and info.value.alert.level == "critical"
    assert info.value.alert.kind == "alert"
    conv.accept(over_the_wire(geo_answer(forward)))  # the real one is not "already handled"
    assert conv.open_tasks() == []


def test_without_a_verifier_the_layer_checks_roles_only() -> None:
    """What issue 12 measured: an unsigned outsider's answer is accepted (no identity)."""
    conv = Conversation("c1")
    task = Envelope(
        conversation_id="c1",
        sender="user",
        recipients=["geo"],
        payload=Task(text="Capital of France?"),
    )
    conv.accept(task)
    forged = Envelope(
        conversation_id="c1",
        parent_id=task.id,
        sender="geo",
        recipients=["user"],
        payload=Answer(text="Lyon"),
    )
    conv.accept(forged)
    with pytest.raises(ProtocolError, match="already handled"):
        conv.accept(
            Envelope(
                conversation_id="c1",
                parent_id=task.id,
                sender="geo",
                recipients=["user"],
                payload=Answer(text="Paris"),
            )
        )

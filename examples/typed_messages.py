"""Typed messages: build an envelope, send it as JSON, validate it on receipt.

Run:  python examples/typed_messages.py

Every message between agents is an `Envelope` with a typed payload. `parse_envelope` accepts
bytes, text or a dict and either returns a valid envelope or raises `ProtocolError` naming the
offending field; a `Conversation` rejects messages that make no sense at this point of a run.
"""

from __future__ import annotations

from agora import Answer, Conversation, Envelope, ProtocolError, Task, parse_envelope


def main() -> list[str]:
    """Show a round trip, two rejected documents and one impossible message."""
    lines: list[str] = []
    task = Envelope(sender="user", recipients=["triage"], payload=Task(text="2 + 2?"))
    wire = task.model_dump_json()
    received = parse_envelope(wire.encode())
    lines.append(f"round trip ok: {received == task} ({len(wire)} bytes, kind={received.kind})")

    for bad in (
        b'{"sender": "user", "recipients": ["a"], "payload": {"kind": "task", "text": 7}}',
        b'{"sender": "user", "recipients": ["a"], "payload": {"kind": "teleport"}}',
    ):
        try:
            parse_envelope(bad)
        except ProtocolError as exc:
            lines.append(f"rejected ({exc.field}): {exc}")

    conversation = Conversation(task.conversation_id)
    conversation.accept(task)
    stray = Envelope(
        conversation_id=task.conversation_id,
        parent_id="no-such-task",
        sender="triage",
        recipients=["user"],
        payload=Answer(text="4"),
    )
    try:
        conversation.accept(stray)
    except ProtocolError as exc:
        lines.append(f"impossible message rejected: {exc}")
    for line in lines:
        print(line)
    return lines


if __name__ == "__main__":
    main()

"""The conversation state machine: which messages are possible; refusals change nothing."""

from __future__ import annotations

from dataclasses import astuple
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agora.errors import ProtocolError
from agora.protocols import (
    USER,
    Alert,
    Answer,
    Conversation,
    Critique,
    Envelope,
    Forward,
    Holding,
    KnowledgeClaim,
    Split,
    SplitPart,
    Task,
)

CID = "c1"


def msg(
    payload: Any,
    sender: str,
    to: str | list[str],
    *,
    parent: str | None = None,
    id: str | None = None,
    cid: str = CID,
) -> Envelope:
    fields: dict[str, Any] = {"id": id} if id else {}
    return Envelope(
        conversation_id=cid,
        parent_id=parent,
        sender=sender,
        recipients=[to] if isinstance(to, str) else to,
        payload=payload,
        **fields,
    )


def task(to: str | list[str] = "a", sender: str = USER, **kw: Any) -> Envelope:
    return msg(Task(text="do it"), sender, to, **kw)


def answer(parent: Envelope | str, sender: str, to: str = USER, **kw: Any) -> Envelope:
    parent_id = parent if isinstance(parent, str) else parent.id
    return msg(Answer(text="done"), sender, to, parent=parent_id, **kw)


def forward(parent: Envelope, sender: str, to: str | list[str]) -> Envelope:
    return msg(Forward(text="do it"), sender, to, parent=parent.id)


def split(parent: Envelope, sender: str, parts: list[str], to: list[str] | None = None) -> Envelope:
    payload = Split(text="do it", parts=[SplitPart(to=p, text=f"part {p}") for p in parts])
    return msg(payload, sender, parts if to is None else to, parent=parent.id)


def snapshot(conv: Conversation) -> tuple[Any, ...]:
    holdings = {key: astuple(h) for key, h in conv.holdings.items()}
    return set(conv.participants), holdings, set(conv.seen)


def refused(conv: Conversation, env: Envelope, field: str) -> ProtocolError:
    """`env` is rejected, naming `field`, and the conversation is exactly as it was."""
    before = snapshot(conv)
    with pytest.raises(ProtocolError) as info:
        conv.accept(env)
    assert info.value.field == field, str(info.value)
    assert snapshot(conv) == before
    return info.value


@pytest.fixture
def conv() -> Conversation:
    return Conversation(CID)


@pytest.fixture
def held(conv: Conversation) -> Envelope:
    """A task from the user, held by agent "a"."""
    t = task("a")
    conv.accept(t)
    return t


# --- tasks and answers -----------------------------------------------------------------------


def test_a_task_from_the_user_opens_a_holding(conv: Conversation) -> None:
    t = task(["a", "b"])
    conv.accept(t)
    assert conv.holdings[(t.id, "a")] == Holding(holder="a", owner=USER)
    assert conv.open_tasks() == [(t.id, "a"), (t.id, "b")]
    assert conv.participants == {USER, "a", "b"}
    assert t.id in conv.seen


def test_the_holder_answers_the_owner(conv: Conversation, held: Envelope) -> None:
    conv.accept(answer(held, "a"))
    assert conv.open_tasks() == []
    assert not conv.holdings[(held.id, "a")].open


def test_an_answer_to_no_task_is_rejected(conv: Conversation, held: Envelope) -> None:
    error = refused(conv, answer("nope", "a"), "parent_id")
    assert "unknown task 'nope'" in str(error)
    refused(conv, msg(Answer(text="x"), "a", USER), "parent_id")  # no parent_id at all


def test_an_answer_from_an_agent_never_asked_is_rejected(
    conv: Conversation, held: Envelope
) -> None:
    refused(conv, answer(held, "stranger"), "sender")
    other = task("b")
    conv.accept(other)
    refused(conv, answer(held, "b"), "sender")  # b takes part, but never held this task


def test_an_answer_to_someone_not_waiting_is_rejected(conv: Conversation, held: Envelope) -> None:
    conv.accept(task("b"))
    refused(conv, answer(held, "a", to="b"), "recipients")
    refused(conv, msg(Answer(text="x"), "a", [USER, "b"], parent=held.id), "recipients")


def test_a_second_answer_to_the_same_task_is_rejected(conv: Conversation, held: Envelope) -> None:
    conv.accept(answer(held, "a"))
    error = refused(conv, answer(held, "a"), "parent_id")
    assert "already handled" in str(error)


# --- forwards --------------------------------------------------------------------------------


def test_forward_then_the_new_holder_answers_the_original_owner(
    conv: Conversation, held: Envelope
) -> None:
    fwd = forward(held, "a", "b")
    conv.accept(fwd)
    assert conv.open_tasks() == [(fwd.id, "b")]
    refused(conv, answer(held, "a"), "parent_id")  # a handed its duty on
    refused(conv, answer(fwd, "b", to="a"), "recipients")  # b owes the user, not a
    conv.accept(answer(fwd, "b", to=USER))
    assert conv.open_tasks() == []


def test_a_forward_by_a_non_holder_is_rejected(conv: Conversation, held: Envelope) -> None:
    conv.accept(task("b"))
    refused(conv, forward(held, "b", "c"), "sender")
    refused(conv, forward(held, "stranger", "c"), "sender")


def test_a_forward_goes_to_exactly_one_agent(conv: Conversation, held: Envelope) -> None:
    refused(conv, forward(held, "a", ["b", "c"]), "recipients")


# --- splits ----------------------------------------------------------------------------------


def test_split_recipients_must_match_the_parts(conv: Conversation, held: Envelope) -> None:
    refused(conv, split(held, "a", ["b", "c"], to=["b"]), "recipients")
    refused(conv, split(held, "a", ["b", "c"], to=["b", "c", "d"]), "recipients")
    refused(conv, split(held, "a", ["b", "b"]), "recipients")  # two parts for one agent
    conv.accept(split(held, "a", ["b", "c"], to=["c", "b"]))  # order does not matter


def test_a_split_task_is_answered_only_after_every_part(conv: Conversation, held: Envelope) -> None:
    sp = split(held, "a", ["b", "c"])
    conv.accept(sp)
    refused(conv, answer(held, "a"), "parent_id")
    refused(conv, answer(sp, "b", to=USER), "recipients")  # parts answer the splitter
    conv.accept(answer(sp, "b", to="a"))
    refused(conv, answer(held, "a"), "parent_id")
    conv.accept(answer(sp, "c", to="a"))
    conv.accept(answer(held, "a"))
    assert conv.open_tasks() == []


def test_a_forwarded_part_counts_only_once_its_new_holder_answers(
    conv: Conversation, held: Envelope
) -> None:
    sp = split(held, "a", ["b"])
    conv.accept(sp)
    fwd = forward(sp, "b", "c")
    conv.accept(fwd)
    refused(conv, answer(held, "a"), "parent_id")  # c still owes its part
    conv.accept(answer(fwd, "c", to="a"))
    conv.accept(answer(held, "a"))


def test_a_split_task_is_neither_forwarded_nor_split_again(
    conv: Conversation, held: Envelope
) -> None:
    conv.accept(split(held, "a", ["b"]))
    refused(conv, forward(held, "a", "c"), "parent_id")
    refused(conv, split(held, "a", ["c"]), "parent_id")


# --- ids, conversations and other kinds ------------------------------------------------------


def test_a_duplicate_envelope_id_is_rejected(conv: Conversation, held: Envelope) -> None:
    refused(conv, task("b", id=held.id), "id")


def test_a_wrong_conversation_id_is_rejected(conv: Conversation) -> None:
    refused(conv, task("a", cid="other"), "conversation_id")


def test_a_critique_must_name_a_message_seen(conv: Conversation, held: Envelope) -> None:
    refused(conv, msg(Critique(verdict="agree"), "a", USER, parent="nope"), "parent_id")
    refused(conv, msg(Critique(verdict="agree"), "a", USER), "parent_id")
    conv.accept(msg(Critique(verdict="disagree"), "a", USER, parent=held.id))


def test_claims_and_alerts_are_accepted_from_participants(
    conv: Conversation, held: Envelope
) -> None:
    claim = KnowledgeClaim(subject="Paris", relation="capital_of", object="France")
    conv.accept(msg(claim, "a", USER))
    conv.accept(msg(Alert(text="careful"), "a", USER))
    refused(conv, msg(Alert(text="hi"), "stranger", USER), "sender")


# --- property: refusals never change the state -----------------------------------------------

AGENTS = [USER, "a", "b", "c", "stranger"]
KINDS = ["task", "answer", "forward", "split", "critique", "alert"]


def payload_of(kind: str, to: list[str]) -> Any:
    return {
        "task": lambda: Task(text="t"),
        "answer": lambda: Answer(text="a"),
        "forward": lambda: Forward(text="f"),
        "split": lambda: Split(text="s", parts=[SplitPart(to=r, text="p") for r in to]),
        "critique": lambda: Critique(verdict="unsure"),
        "alert": lambda: Alert(text="!"),
    }[kind]()


def rarely(draw: st.DrawFn) -> bool:
    return draw(st.integers(0, 15)) == 7


@st.composite
def next_message(draw: st.DrawFn, conv: Conversation, sent: list[Envelope]) -> Envelope:
    """A message that continues `conv`: mostly plausible, sometimes slightly or wholly off."""
    agents = st.sampled_from(AGENTS)
    open_tasks = conv.open_tasks()
    if open_tasks and not rarely(draw):  # a move on an open task, perhaps a wrong one
        parent, holder = draw(st.sampled_from(open_tasks))
        kind = draw(st.sampled_from(["answer", "forward", "split"]))
        sender = draw(st.sampled_from([holder, holder, holder, *AGENTS]))
        owner = conv.holdings[(parent, holder)].owner
        plausible = [owner] if kind == "answer" else [draw(agents)]
        to = draw(st.sampled_from([plausible, plausible, plausible, [draw(agents)]]))
        if kind == "split":
            to = draw(st.lists(agents, min_size=1, max_size=3, unique=True))
    else:
        kind = draw(st.sampled_from(KINDS))
        sender = draw(agents)
        to = draw(st.lists(agents, min_size=1, max_size=3))
        parent = draw(st.sampled_from([None, "nope", *(e.id for e in sent)]))
    fields: dict[str, Any] = {}
    if sent and rarely(draw):
        fields["id"] = draw(st.sampled_from(sent)).id
    if rarely(draw):
        fields["conversation_id"] = "other"
    return Envelope(
        conversation_id=fields.pop("conversation_id", CID),
        parent_id=parent,
        sender=sender,
        recipients=to,
        payload=payload_of(kind, to),
        **fields,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_rejected_messages_leave_the_state_unchanged(data: st.DataObject) -> None:
    conv = Conversation(CID)
    first = task(data.draw(st.lists(st.sampled_from(AGENTS[1:4]), min_size=1, max_size=3)))
    conv.accept(first)
    sent = [first]
    closed: set[tuple[str, str]] = set()
    for _ in range(data.draw(st.integers(min_value=1, max_value=20), label="length")):
        env = data.draw(next_message(conv, sent))
        sent.append(env)
        before = snapshot(conv)
        try:
            conv.accept(env)
        except ProtocolError as exc:
            assert exc.field is not None
            assert snapshot(conv) == before
            continue
        assert env.id in conv.seen
        for key, holding in conv.holdings.items():
            assert holding.holder in conv.participants
            assert not (key in closed and holding.open), "a handled task reopened"
        closed |= {key for key, h in conv.holdings.items() if not h.open}


def test_building_a_bad_message_by_hand_is_a_protocol_error() -> None:
    from agora import Envelope, ProtocolError, Task

    with pytest.raises(ProtocolError) as info:
        Task(text="")
    assert info.value.field == "text"
    with pytest.raises(ProtocolError) as info:
        Envelope(sender="bad name!", recipients=["a"], payload=Task(text="x"))
    assert info.value.field == "sender"
    with pytest.raises(ProtocolError) as info:
        Envelope(sender="a", recipients=["b"], payload={"kind": "task", "text": 5})
    assert info.value.field == "payload.text"

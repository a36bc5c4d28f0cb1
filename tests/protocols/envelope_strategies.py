"""Hypothesis strategies for valid payloads and envelopes, and for hostile JSON values."""

from __future__ import annotations

from hypothesis import strategies as st

from agora.protocols import (
    PAYLOAD_TYPES,
    Alert,
    Answer,
    ClaimSubgoal,
    Critique,
    Envelope,
    EnvelopeBudget,
    Forward,
    HandOver,
    HelpRequest,
    Insight,
    KnowledgeClaim,
    Proposal,
    ShareDiscovery,
    Split,
    SplitPart,
    Task,
)

NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

# --- valid values ----------------------------------------------------------------------------

names = st.sampled_from(["user", "a", "triage", "agent-1.v2", "x" * 64]) | st.text(
    NAME_ALPHABET, min_size=1, max_size=64
)
ids = st.text(min_size=1, max_size=64)
texts = st.text(max_size=40)
nonempty = st.text(min_size=1, max_size=40)
unit = st.floats(min_value=0.0, max_value=1.0)

tasks = st.builds(Task, text=nonempty, context=texts)
answers = st.builds(Answer, text=texts, confidence=st.none() | unit)
forwards = st.builds(Forward, text=nonempty, reason=st.text(max_size=20))
splits = st.builds(
    Split,
    text=nonempty,
    parts=st.lists(st.builds(SplitPart, to=names, text=nonempty), min_size=1, max_size=4),
)
claims = st.builds(
    KnowledgeClaim,
    subject=nonempty,
    relation=nonempty,
    object=nonempty,
    text=texts,
    confidence=unit,
)
critiques = st.builds(
    Critique, verdict=st.sampled_from(["agree", "disagree", "unsure"]), text=texts
)
alerts = st.builds(Alert, level=st.sampled_from(["info", "warning", "critical"]), text=nonempty)

proposals = st.builds(
    Proposal,
    text=nonempty,
    layer=st.integers(min_value=0, max_value=64),
    sources=st.lists(st.text(min_size=1, max_size=64), max_size=4),
)
insights = st.builds(Insight, text=nonempty)

positions = st.lists(st.integers(min_value=-(10**6), max_value=10**6), min_size=2, max_size=3)
short_lists = st.lists(nonempty, max_size=3)
discoveries = st.builds(ShareDiscovery, what=nonempty, position=positions, text=texts)
subgoal_claims = st.builds(
    ClaimSubgoal,
    subgoal=nonempty,
    goal=texts,
    status=st.sampled_from(["claimed", "done", "released"]),
    unmet=short_lists,
    target=st.none() | positions,
)
help_requests = st.builds(
    HelpRequest, need=nonempty, count=st.integers(min_value=0, max_value=99), unmet=short_lists
)
hand_overs = st.builds(
    HandOver, item=nonempty, count=st.integers(min_value=1, max_value=9), to=names, reason=texts
)


payloads = st.one_of(
    tasks,
    answers,
    forwards,
    splits,
    claims,
    critiques,
    alerts,
    proposals,
    insights,
    discoveries,
    subgoal_claims,
    help_requests,
    hand_overs,
)

budgets = st.builds(
    EnvelopeBudget,
    hops=st.none() | st.integers(min_value=0),
    tokens=st.none() | st.integers(min_value=0, max_value=10**30),
)

envelopes = st.builds(
    Envelope,
    id=ids,
    conversation_id=ids,
    parent_id=st.none() | ids,
    sender=names,
    recipients=st.lists(names, min_size=1, max_size=3),
    payload=payloads,
    hops=st.integers(min_value=0, max_value=100_000),
    path=st.lists(names, max_size=3),
    budget=budgets,
    created_at=st.floats(min_value=0.0, allow_nan=False, allow_infinity=False),
    signature=st.none() | st.text(max_size=30),
)

# --- hostile values --------------------------------------------------------------------------

#: Any code point, lone surrogates and control characters included.
any_text = st.text(st.characters(exclude_categories=()), max_size=20)
nasty_text = st.sampled_from(
    ["", "\ud800", "\udfff", "a\udc80b", "\x00", "\n", "\u2028", "\ufeff", "\U0010ffff", "é" * 9]
)
huge_ints = st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**100, -(10**4299), 10**4299])

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    huge_ints,
    st.floats(),  # nan and +/-inf included: JSON has none of them
    any_text,
    nasty_text,
)

json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(any_text | nasty_text, inner, max_size=4)
    ),
    max_leaves=8,
)

#: JSON values every form (mapping, text, bytes) can carry, with no kind among them.
finite = st.floats(allow_nan=False, allow_infinity=False)
clean_json = st.recursive(
    st.none() | st.booleans() | st.integers() | finite | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=4,
).filter(lambda v: not (isinstance(v, str) and v in PAYLOAD_TYPES))

#: Values a string field must refuse.
not_a_string = st.none() | st.booleans() | st.integers() | finite | st.lists(st.integers())

#: Fragments of JSON and near-JSON for token soup.
tokens = st.sampled_from(
    [*'{}[],:" \\', "null", "true", "false", "0", "-1", "1e999", "-1e999", "NaN", "Infinity"]
    + ["1" * 4400, '"\\ud800"', '"\\udc00\\ud800"', '"\\u0000"', "\x00", "\ufeff", '["a"]']
    + ['"sender"', '"recipients"', '"payload"', '"kind"', '"task"', '"text"', '"user"']
    + ['{"kind": "task", "text": "t"}']
)

#: Names an agent may not have.
bad_names = st.one_of(
    st.sampled_from(["", " ", "a b", "a/b", "a\n", "\na", "é", "a\x00", "\ud800", "x" * 65]),
    st.text(NAME_ALPHABET, min_size=65, max_size=90),
    st.text(st.characters(exclude_categories=()), min_size=1, max_size=10).filter(
        lambda s: any(c not in NAME_ALPHABET for c in s)
    ),
)

#: Cheaper valid envelopes, a base for mutations: the mutations bring the variety.
plain_envelopes = st.builds(
    Envelope,
    sender=st.sampled_from(["user", "a", "agent-1.v2"]),
    recipients=st.lists(st.sampled_from(["a", "b_2", "x" * 64]), min_size=1, max_size=3),
    payload=payloads,
    parent_id=st.sampled_from([None, "p1"]),
    hops=st.integers(min_value=0, max_value=100_000),
)

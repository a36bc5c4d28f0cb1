"""Property tests: `parse_envelope` returns an `Envelope` or raises `ProtocolError`, always.

Every test feeds hostile documents and lets any exception other than `ProtocolError` fail it.
Across the module hypothesis generates 10,800 documents (the ``fuzz(n)`` counts), most of them
fed in several forms (bytes, text, decoded mapping), plus a few fixed hostile cases.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from envelope_strategies import (
    any_text,
    bad_names,
    clean_json,
    envelopes,
    json_scalars,
    json_values,
    names,
    nonempty,
    not_a_string,
    payloads,
    plain_envelopes,
    tasks,
    tokens,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agora.errors import ProtocolError
from agora.protocols import MAX_ENVELOPE_BYTES, Envelope, Task, parse_envelope

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fuzz(examples: int) -> settings:
    """Hypothesis settings for `examples` documents; the module's counts add up to 10,800."""
    return settings(FUZZ, max_examples=examples)


def outcome(raw: Any) -> Envelope | ProtocolError:
    """Parse `raw`; any exception other than ProtocolError propagates and fails the test."""
    try:
        env = parse_envelope(raw)
    except ProtocolError as exc:
        assert str(exc), "a ProtocolError must say what went wrong"
        assert exc.field is None or isinstance(exc.field, str)
        return exc
    assert isinstance(env, Envelope)
    return env


def rejected(raw: Any) -> ProtocolError:
    result = outcome(raw)
    assert isinstance(result, ProtocolError), f"accepted a bad document: {result!r}"
    return result


def all_forms(doc: Any) -> list[Any]:
    """The same document as a Python value, compact text, ASCII-escaped text and UTF-8 bytes."""
    forms = [doc]
    try:
        text = json.dumps(doc, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return forms
    forms += [text, json.dumps(doc), text.encode("utf-8", "surrogatepass")]
    return forms


def valid_doc(env: Envelope) -> dict[str, Any]:
    return env.model_dump(mode="json")


def with_value(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `doc` with the dotted `path` set to `value`."""
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return doc


def without(doc: dict[str, Any], path: str) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[part]
    del node[last]
    return doc


def task_doc(**payload: Any) -> dict[str, Any]:
    return {
        "sender": "user",
        "recipients": ["a"],
        "payload": {"kind": "task", "text": "hi", **payload},
    }


# --- (a) arbitrary JSON values ---------------------------------------------------------------


@fuzz(1300)
@given(json_values)
def test_arbitrary_json_values_in_every_form(value: Any) -> None:
    results = [outcome(form) for form in all_forms(value)]
    if isinstance(value, dict):
        # Bytes, text and mapping of one document agree on accepting it.
        assert len({isinstance(r, Envelope) for r in results}) == 1


@fuzz(200)
@given(st.dictionaries(st.sampled_from(list(Envelope.model_fields)), json_values, max_size=12))
def test_envelope_shaped_objects_of_random_values(doc: dict[str, Any]) -> None:
    for form in all_forms(doc):
        outcome(form)


# --- (b) mutations of a valid envelope -------------------------------------------------------


@fuzz(600)
@given(plain_envelopes, st.data())
def test_a_key_set_to_a_random_value_or_dropped(env: Envelope, data: st.DataObject) -> None:
    doc = valid_doc(env)
    key = data.draw(st.sampled_from(sorted(doc)), label="key")
    if data.draw(st.booleans(), label="drop"):
        mutated = without(doc, key)
    else:
        mutated = with_value(doc, key, data.draw(json_values, label="value"))
    for form in all_forms(mutated):
        outcome(form)


@fuzz(300)
@given(plain_envelopes, st.data())
def test_a_payload_key_set_to_a_random_value(env: Envelope, data: st.DataObject) -> None:
    doc = valid_doc(env)
    key = data.draw(st.sampled_from([*sorted(doc["payload"]), "extra"]), label="key")
    mutated = with_value(doc, f"payload.{key}", data.draw(json_values, label="value"))
    for form in all_forms(mutated):
        outcome(form)


@fuzz(180)
@given(plain_envelopes, st.sampled_from(["sender", "recipients", "payload"]))
def test_a_missing_required_key_is_named(env: Envelope, key: str) -> None:
    assert rejected(without(valid_doc(env), key)).field == key


@fuzz(180)
@given(tasks, not_a_string)
def test_payload_text_of_the_wrong_type_is_named(task: Any, value: Any) -> None:
    doc = {"sender": "user", "recipients": ["a"], "payload": task.model_dump(mode="json")}
    for form in all_forms(with_value(doc, "payload.text", value)):
        assert rejected(form).field == "payload.text"


@fuzz(200)
@given(plain_envelopes, clean_json)
def test_an_unknown_kind_is_named_in_the_payload(env: Envelope, kind: Any) -> None:
    doc = with_value(valid_doc(env), "payload.kind", kind)
    for form in all_forms(doc):
        assert rejected(form).field == "payload"


@fuzz(180)
@given(plain_envelopes, payloads)
def test_a_kind_that_contradicts_the_payload_is_named(env: Envelope, other: Any) -> None:
    doc = with_value(valid_doc(env), "kind", other.kind)
    if other.kind == env.kind:
        assert outcome(doc) == env
    else:
        assert rejected(doc).field == "kind"


@fuzz(200)
@given(plain_envelopes, st.sampled_from(["sender", "recipients.0", "path.0"]), bad_names)
def test_bad_agent_names_are_named(env: Envelope, where: str, name: str) -> None:
    doc = valid_doc(env)
    if where == "path.0":
        doc["path"] = ["ok", *doc["path"]]
    error = rejected(with_value(doc, where, name))
    assert error.field == where


@fuzz(180)
@given(bad_names)
def test_bad_split_part_targets_are_named(name: str) -> None:
    doc = task_doc()
    doc["kind"] = "split"
    doc["recipients"] = ["b"]
    doc["payload"] = {"kind": "split", "text": "t", "parts": [{"to": name, "text": "p"}]}
    assert rejected(doc).field == "payload.parts.0.to"


too_long = [
    ("id", 65),
    ("conversation_id", 65),
    ("parent_id", 65),
    ("signature", 1025),
    ("payload.text", 32_001),
    ("payload.context", 32_001),
]


@fuzz(180)
@given(st.sampled_from(too_long), st.integers(min_value=0, max_value=5000), st.sampled_from("aé€"))
def test_strings_over_their_limit_are_named(case: tuple[str, int], extra: int, char: str) -> None:
    field, limit = case
    doc = with_value(task_doc(), field, char * (limit + extra))
    for form in all_forms(doc):
        assert rejected(form).field == field


@fuzz(180)
@given(st.integers(min_value=65, max_value=300), st.integers(min_value=17, max_value=60))
def test_too_many_recipients_or_parts_are_named(recipients: int, parts: int) -> None:
    doc = task_doc()
    doc["recipients"] = [f"agent{i}" for i in range(recipients)]
    assert rejected(doc).field == "recipients"
    split = {"kind": "split", "text": "t", "parts": [{"to": "b", "text": "p"}] * parts}
    assert rejected({**task_doc(), "kind": "split", "payload": split}).field == "payload.parts"


bad_numbers = [
    ("hops", st.integers(max_value=-1) | st.integers(min_value=100_001) | st.just(1.5)),
    (
        "created_at",
        st.floats(max_value=-0.001, allow_infinity=False) | st.sampled_from(["x", None]),
    ),
    ("budget.hops", st.integers(max_value=-1)),
    ("budget.tokens", st.integers(max_value=-1) | st.just("many")),
]


@fuzz(180)
@given(st.data())
def test_numbers_out_of_range_are_named(data: st.DataObject) -> None:
    field, values = data.draw(st.sampled_from(bad_numbers))
    doc = task_doc()
    doc["budget"] = {}
    assert rejected(with_value(doc, field, data.draw(values))).field == field


@fuzz(180)
@given(st.sampled_from(["", "payload."]), st.text(min_size=1, max_size=10))
def test_unknown_keys_are_named(prefix: str, key: str) -> None:
    known = Task.model_fields if prefix else Envelope.model_fields
    if key in known:
        key += "_"
    doc = task_doc()
    (doc["payload"] if prefix else doc)[key] = 1
    for form in all_forms(doc):
        assert rejected(form).field == prefix + key


@pytest.mark.parametrize("field", ["payload.text", "payload.context", "sender"])
@pytest.mark.parametrize("bad", ["\ud800", "a\udfffb", "\udbff\udc00\ud800"])
def test_lone_surrogates_are_named_in_mappings_and_escapes(field: str, bad: str) -> None:
    doc = with_value(task_doc(), field, bad)
    assert rejected(doc).field == field  # a Python str holding a surrogate
    escaped = json.dumps(doc)  # "\ud800" as a JSON escape
    assert "\\ud" in escaped
    assert rejected(escaped).field == field
    assert rejected(escaped.encode()).field == field
    # Raw surrogate code points: not encodable as UTF-8, or encoded as invalid UTF-8 bytes.
    raw = json.dumps(doc, ensure_ascii=False)
    assert rejected(raw).field is None
    assert rejected(raw.encode("utf-8", "surrogatepass")).field is None


@pytest.mark.parametrize("depth", [33, 100, 999, 5000, 100_000])
@pytest.mark.parametrize("bracket", ["[", '{"a":'])
def test_deep_nesting_is_rejected_as_raw_text(depth: int, bracket: str) -> None:
    closing = "]" if bracket == "[" else "}"
    nested = bracket * depth + "1" + closing * depth
    envelope = json.dumps(task_doc())[:-1] + ', "signature": ' + nested + "}"
    for raw in (bracket * depth, nested, envelope):
        assert rejected(raw).field is None
        assert rejected(raw.encode()).field is None


@pytest.mark.parametrize("depth", [40, 5000])
def test_deep_nesting_is_rejected_in_mappings(depth: int) -> None:
    nested: Any = "x"
    for _ in range(depth):
        nested = {"a": [nested]}
    doc = task_doc()
    doc["payload"]["context"] = nested
    assert rejected(doc).field is None


def test_cyclic_and_unserializable_mappings_are_rejected() -> None:
    cyclic = task_doc()
    cyclic["payload"]["context"] = cyclic
    rejected(cyclic)
    rejected({**task_doc(), "created_at": object()})
    rejected({**task_doc(), ("tuple", "key"): 1})
    rejected({**task_doc(), "hops": 10**5000})


@fuzz(30)
@given(st.integers(min_value=1, max_value=50_000), st.sampled_from("a€😀"))
def test_oversize_documents_are_rejected_before_validation(over: int, char: str) -> None:
    text = char * ((MAX_ENVELOPE_BYTES + over) // len(char.encode()) + 1)
    doc = task_doc(text=text)  # also far over MAX_TEXT: the size check must come first
    for form in all_forms(doc):
        error = rejected(form)
        assert error.field is None
        assert str(MAX_ENVELOPE_BYTES) in str(error)


def test_a_document_just_under_the_size_limit_is_validated() -> None:
    doc = task_doc(context="")
    doc["signature"] = "s"
    padding = MAX_ENVELOPE_BYTES - len(json.dumps(doc, ensure_ascii=False).encode()) - 20
    doc["payload"]["context"] = "x" * padding
    assert rejected(doc).field == "payload.context"  # too long for the field, not the envelope


invalid_utf8 = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc3", b"\x80"]


@fuzz(150)
@given(plain_envelopes, st.sampled_from(invalid_utf8), st.integers(min_value=0))
def test_invalid_utf8_anywhere_is_rejected(env: Envelope, bad: bytes, at: int) -> None:
    raw = env.model_dump_json().encode()
    at %= len(raw) + 1
    error = rejected(raw[:at] + bad + raw[at:])
    assert error.field is None
    assert "UTF-8" in str(error)


# --- (c) raw bytes and text ------------------------------------------------------------------


@fuzz(2000)
@given(st.binary(max_size=300))
def test_random_bytes(raw: bytes) -> None:
    outcome(raw)
    outcome(bytearray(raw))


@fuzz(2000)
@given(any_text)
def test_random_text(raw: str) -> None:
    outcome(raw)


@fuzz(1000)
@given(st.lists(tokens | any_text, max_size=30))
def test_json_token_soup(parts: list[str]) -> None:
    raw = "".join(parts)
    outcome(raw)
    outcome(raw.encode("utf-8", "surrogatepass"))


@fuzz(700)
@given(
    plain_envelopes,
    st.lists(st.tuples(st.integers(min_value=0), st.binary(max_size=3)), max_size=4),
)
def test_byte_mutations_of_a_valid_envelope(env: Envelope, edits: list[tuple[int, bytes]]) -> None:
    raw = env.model_dump_json().encode()
    for at, chunk in edits:
        at %= len(raw) + 1
        raw = raw[:at] + chunk + raw[at + len(chunk) // 2 :]  # insert, replace or both
    outcome(raw)


@fuzz(150)
@given(st.one_of(json_scalars, st.lists(json_scalars), st.just(memoryview(b"{}")), names))
def test_values_that_are_not_an_object(raw: Any) -> None:
    for form in all_forms(raw):
        rejected(form)


# --- round trip ------------------------------------------------------------------------------


@fuzz(500)
@given(envelopes)
def test_valid_envelopes_survive_a_round_trip(env: Envelope) -> None:
    assert parse_envelope(env.model_dump_json()) == env
    assert parse_envelope(env.model_dump_json().encode()) == env
    assert parse_envelope(env.model_dump(mode="json")) == env
    assert parse_envelope(env.model_dump()) == env


@fuzz(30)
@given(nonempty)
def test_kind_may_be_left_out_but_not_given_the_wrong_type(text: str) -> None:
    env = outcome(task_doc(text=text))
    assert isinstance(env, Envelope) and env.kind == "task"
    for bad in (None, 0, False, [], {}, ["task"]):
        assert rejected({**task_doc(text=text), "kind": bad}).field == "kind"

"""JSON Schemas of the envelope and payloads: complete, valid, matching the models, hashed stably.

Instances are checked twice: with `jsonschema` (Draft 2020-12) where it is installed, and always
with the small validator below, which knows exactly the keywords pydantic emits for these models
and fails on any other, so a schema change it cannot judge shows up here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from envelope_strategies import envelopes, payloads
from hypothesis import HealthCheck, given, settings

from agora.protocols import PAYLOAD_TYPES, Envelope, all_schemas, schema_hash

Schema = dict[str, Any]
KINDS = {
    "task",
    "answer",
    "forward",
    "split",
    "knowledge_claim",
    "critique",
    "alert",
    "proposal",
    "insight",
    "share_discovery",
    "claim_subgoal",
    "help_request",
    "hand_over",
}
SCHEMAS = all_schemas()

# --- a strict little validator for the subset of JSON Schema pydantic emits -------------------

ANNOTATIONS = {"title", "description", "default", "discriminator", "$defs"}
JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def schema_errors(value: Any, schema: Schema, root: Schema, at: str = "$") -> list[str]:
    unknown = set(schema) - ANNOTATIONS - set(KEYWORDS)
    assert not unknown, f"{at}: the test validator does not know {sorted(unknown)}"
    return [e for key in schema if key in KEYWORDS for e in KEYWORDS[key](value, schema, root, at)]


def _ref(value: Any, schema: Schema, root: Schema, at: str) -> list[str]:
    prefix = "#/$defs/"
    assert schema["$ref"].startswith(prefix), schema["$ref"]
    return schema_errors(value, root["$defs"][schema["$ref"][len(prefix) :]], root, at)


def _properties(value: Any, schema: Schema, root: Schema, at: str) -> list[str]:
    if not isinstance(value, dict):
        return []
    props = schema["properties"]
    errors = [
        e
        for k, sub in props.items()
        if k in value
        for e in schema_errors(value[k], sub, root, f"{at}.{k}")
    ]
    if schema.get("additionalProperties") is False:
        errors += [f"{at}: unexpected key {k!r}" for k in value if k not in props]
    return errors


def _each(check: Callable[[Any, Any], bool], applies: Callable[[Any], bool], key: str) -> Any:
    def validate(value: Any, schema: Schema, root: Schema, at: str) -> list[str]:
        ok = not applies(value) or check(value, schema[key])
        return [] if ok else [f"{at}: fails {key}={schema[key]!r}"]

    return validate


def _items(value: Any, schema: Schema, root: Schema, at: str) -> list[str]:
    if not isinstance(value, list):
        return []
    return [
        e for i, v in enumerate(value) for e in schema_errors(v, schema["items"], root, f"{at}.{i}")
    ]


def _any_of(value: Any, schema: Schema, root: Schema, at: str) -> list[str]:
    if any(not schema_errors(value, sub, root, at) for sub in schema["anyOf"]):
        return []
    return [f"{at}: matches no anyOf branch"]


def _one_of(value: Any, schema: Schema, root: Schema, at: str) -> list[str]:
    matches = sum(not schema_errors(value, sub, root, at) for sub in schema["oneOf"])
    return [] if matches == 1 else [f"{at}: matches {matches} oneOf branches"]


is_str, is_list = JSON_TYPES["string"], JSON_TYPES["array"]
is_num, is_obj = JSON_TYPES["number"], JSON_TYPES["object"]
KEYWORDS: dict[str, Callable[[Any, Schema, Schema, str], list[str]]] = {
    "$ref": _ref,
    "type": _each(lambda v, t: JSON_TYPES[t](v), lambda v: True, "type"),
    "const": _each(lambda v, c: v == c and type(v) is type(c), lambda v: True, "const"),
    "enum": _each(lambda v, e: v in e, lambda v: True, "enum"),
    "properties": _properties,
    "additionalProperties": lambda *_: [],  # checked with "properties"
    "required": _each(lambda v, r: all(k in v for k in r), is_obj, "required"),
    "items": _items,
    "minItems": _each(lambda v, n: len(v) >= n, is_list, "minItems"),
    "maxItems": _each(lambda v, n: len(v) <= n, is_list, "maxItems"),
    "minLength": _each(lambda v, n: len(v) >= n, is_str, "minLength"),
    "maxLength": _each(lambda v, n: len(v) <= n, is_str, "maxLength"),
    "pattern": _each(lambda v, p: re.search(p, v) is not None, is_str, "pattern"),
    "minimum": _each(lambda v, n: v >= n, is_num, "minimum"),
    "maximum": _each(lambda v, n: v <= n, is_num, "maximum"),
    "anyOf": _any_of,
    "oneOf": _one_of,
}


def assert_valid(instance: Any, name: str) -> None:
    schema = SCHEMAS[name]
    assert schema_errors(instance, schema, schema) == []
    try:
        import jsonschema
    except ImportError:
        return
    jsonschema.Draft202012Validator(schema).validate(instance)


def assert_invalid(instance: Any, name: str) -> None:
    schema = SCHEMAS[name]
    assert schema_errors(instance, schema, schema) != []
    try:
        import jsonschema
    except ImportError:
        return
    assert not jsonschema.Draft202012Validator(schema).is_valid(instance)


# --- completeness and shape ------------------------------------------------------------------


def test_there_is_a_schema_for_every_kind_and_the_envelope() -> None:
    assert set(SCHEMAS) == KINDS | {"envelope"}
    assert set(PAYLOAD_TYPES) == KINDS
    for kind, cls in PAYLOAD_TYPES.items():
        assert cls.model_fields["kind"].default == kind


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_schema_is_a_closed_json_object_schema(name: str) -> None:
    schema = SCHEMAS[name]
    assert json.loads(json.dumps(schema)) == schema
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema.get("required", [])) <= set(schema["properties"])
    refs = re.findall(r'"\$ref": "#/\$defs/([^"]+)"', json.dumps(schema))
    assert all(ref in schema.get("$defs", {}) for ref in refs)
    schema_errors({}, schema, schema)  # every keyword is one the validator knows


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_payload_schema_pins_its_kind(kind: str) -> None:
    assert SCHEMAS[kind]["properties"]["kind"]["const"] == kind
    mapping = SCHEMAS["envelope"]["properties"]["payload"]["discriminator"]["mapping"]
    assert set(mapping) == KINDS
    standalone = {k: v for k, v in SCHEMAS[kind].items() if k != "$defs"}
    assert SCHEMAS["envelope"]["$defs"][mapping[kind].rsplit("/", 1)[1]] == standalone


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_schema_is_valid_draft_2020_12(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    jsonschema.Draft202012Validator.check_schema(SCHEMAS[name])


# --- instances -------------------------------------------------------------------------------

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(payloads)
def test_valid_payloads_match_their_schema(payload: Any) -> None:
    assert_valid(payload.model_dump(mode="json"), payload.kind)
    assert_valid(payload.model_dump(mode="json", exclude_defaults=True), payload.kind)


@SETTINGS
@given(envelopes)
def test_valid_envelopes_match_the_envelope_schema(env: Envelope) -> None:
    assert_valid(env.model_dump(mode="json"), "envelope")


@pytest.mark.parametrize(
    ("name", "instance"),
    [
        ("task", {"kind": "task", "text": ""}),
        ("task", {"kind": "task", "text": "t", "extra": 1}),
        ("task", {"kind": "answer", "text": "t"}),
        ("answer", {"kind": "answer", "text": "t", "confidence": 1.5}),
        ("split", {"kind": "split", "text": "t", "parts": []}),
        ("split", {"kind": "split", "text": "t", "parts": [{"to": "a b", "text": "p"}]}),
        ("critique", {"kind": "critique", "verdict": "maybe"}),
        ("knowledge_claim", {"kind": "knowledge_claim", "subject": "s", "relation": "r"}),
        ("proposal", {"kind": "proposal", "text": ""}),
        ("proposal", {"kind": "proposal", "text": "t", "layer": -1}),
        ("proposal", {"kind": "proposal", "text": "t", "sources": [""]}),
        ("insight", {"kind": "insight"}),
        ("share_discovery", {"kind": "share_discovery", "what": "iron", "position": [1]}),
        ("share_discovery", {"kind": "share_discovery", "what": "iron", "position": [1.5, 2]}),
        ("claim_subgoal", {"kind": "claim_subgoal", "subgoal": "s", "status": "maybe"}),
        ("help_request", {"kind": "help_request", "need": "wood", "count": -1}),
        ("hand_over", {"kind": "hand_over", "item": "wood", "count": 0, "to": "a"}),
        ("hand_over", {"kind": "hand_over", "item": "wood", "to": "a b"}),
        ("envelope", {"sender": "a", "recipients": [], "payload": {"kind": "task", "text": "t"}}),
        ("envelope", {"sender": "a", "recipients": ["b"], "payload": {"kind": "nope"}}),
        ("envelope", {"sender": "a", "recipients": ["b"], "payload": {"text": "t"}}),
    ],
)
def test_invalid_instances_fail_their_schema(name: str, instance: Any) -> None:
    assert_invalid(instance, name)


# --- hashes ----------------------------------------------------------------------------------


def test_schema_hash_is_stable_and_tells_kinds_apart() -> None:
    hashes = {name: schema_hash(schema) for name, schema in SCHEMAS.items()}
    assert hashes == {name: schema_hash(schema) for name, schema in all_schemas().items()}
    assert len(set(hashes.values())) == len(hashes)
    assert all(re.fullmatch(r"[0-9a-f]{16}", h) for h in hashes.values())


def test_schema_hash_ignores_key_order_but_not_content() -> None:
    schema = SCHEMAS["task"]
    reordered = json.loads(json.dumps(dict(reversed(list(schema.items())))))
    assert schema_hash(reordered) == schema_hash(schema)
    assert schema_hash({**schema, "title": "Other"}) != schema_hash(schema)

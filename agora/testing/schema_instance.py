"""`minimal_instance`: a small JSON document valid for a JSON Schema, for fake model replies.

It covers what pydantic generates: objects (required properties only), strings (``minLength``,
``maxLength``, common ``format`` values), numbers and integers (bounds), booleans, null, arrays
(``minItems``, ``prefixItems``), ``enum``, ``const``, ``anyOf``/``oneOf``/``allOf`` and
``$ref`` into ``$defs``. ``pattern`` and ``multipleOf`` are not honoured.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["minimal_instance"]

_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00",
    "duration": "PT0S",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
}
_MAX_DEPTH = 32
_NULL_DEPTH = 4  # nesting past which optional values become null


def minimal_instance(schema: dict[str, Any] | bool) -> Any:
    """Return a small value that `schema` accepts.

    Example:
        >>> minimal_instance({"type": "object", "properties": {"n": {"type": "integer",
        ...     "minimum": 3}, "tag": {"enum": ["a", "b"]}}, "required": ["n", "tag"]})
        {'n': 3, 'tag': 'a'}
    """
    root = schema if isinstance(schema, dict) else {}
    return _instance(schema, root, 0)


def _instance(schema: dict[str, Any] | bool, root: dict[str, Any], depth: int) -> Any:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    if "$ref" in schema:
        return _instance(_resolve(schema["$ref"], root), root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return _instance(_pick(schema[key], depth), root, depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part["$ref"], root) if "$ref" in part else part)
        merged.update({k: v for k, v in schema.items() if k != "allOf"})
        return _instance(merged, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else None
    return _typed(kind, schema, root, depth)


def _typed(kind: str | None, schema: dict[str, Any], root: dict[str, Any], depth: int) -> Any:
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: _instance(properties.get(name, {}), root, depth + 1)
            for name in schema.get("required", [])
        }
    if kind == "array":
        prefix = [_instance(s, root, depth + 1) for s in schema.get("prefixItems", [])]
        extra = max(0, schema.get("minItems", 0) - len(prefix))
        return prefix + [_instance(schema.get("items", {}), root, depth + 1)] * extra
    if kind == "string":
        if schema.get("format") in _FORMATS:
            return _FORMATS[schema["format"]]
        text = "x" * max(1, schema.get("minLength", 0))
        return text[: schema["maxLength"]] if "maxLength" in schema else text
    if kind in ("integer", "number"):
        return _number(kind == "integer", schema)
    if kind == "boolean":
        return True
    return None


def _number(integer: bool, schema: dict[str, Any]) -> int | float:
    if "minimum" in schema:
        low: float = schema["minimum"]
        return math.ceil(low) if integer else low
    if "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"]
        return math.floor(low) + 1 if integer else low + 0.5
    if schema.get("maximum", 0) < 0:
        high: float = schema["maximum"]
        return math.floor(high) if integer else high
    if schema.get("exclusiveMaximum", 1) <= 0:
        high = schema["exclusiveMaximum"]
        return math.ceil(high) - 1 if integer else high - 0.5
    return 0


def _pick(options: list[Any], depth: int) -> Any:
    """The first non-null option, or null past a few levels (recursive types must end)."""
    nullable = any(isinstance(o, dict) and o.get("type") == "null" for o in options)
    if nullable and depth >= _NULL_DEPTH:
        return {"type": "null"}
    return next((o for o in options if not (isinstance(o, dict) and o.get("type") == "null")), {})


def _resolve(ref: str, root: dict[str, Any]) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref are supported, got {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node

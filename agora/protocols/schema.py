"""JSON Schema for the envelope and every payload kind (printed by ``agora schema``)."""

from __future__ import annotations

import hashlib
import json
from typing import Any, get_args

from pydantic import BaseModel

from agora.protocols.envelope import Envelope
from agora.protocols.payloads import Payload

__all__ = ["PAYLOAD_TYPES", "all_schemas", "schema_hash"]

#: Payload classes by their ``kind``, read from the `Payload` union (a new kind is added there
#: once).
PAYLOAD_TYPES: dict[str, type[BaseModel]] = {
    cls.model_fields["kind"].default: cls for cls in get_args(get_args(Payload)[0])
}


def all_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of the envelope and of each payload kind, by name.

    Example:
        >>> sorted(all_schemas())[:3]
        ['alert', 'answer', 'claim_subgoal']
    """
    schemas = {kind: cls.model_json_schema() for kind, cls in PAYLOAD_TYPES.items()}
    schemas["envelope"] = Envelope.model_json_schema()
    for schema in schemas.values():
        _drop_examples(schema)
    return schemas


def _drop_examples(node: Any) -> None:
    """Keep docstrings' prose in ``description`` but not their doctest examples."""
    if isinstance(node, dict):
        description = node.get("description")
        if isinstance(description, str) and "Example:" in description:
            node["description"] = description.split("Example:")[0].strip()
        for value in node.values():
            _drop_examples(value)
    elif isinstance(node, list):
        for value in node:
            _drop_examples(value)


def schema_hash(schema: dict[str, Any]) -> str:
    """A content hash identifying a schema (as the Agora protocol identifies its documents).

    Example:
        >>> len(schema_hash(PAYLOAD_TYPES["task"].model_json_schema()))
        16
    """
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]

"""The `Envelope` every message travels in, and `parse_envelope`, validation on receipt.

`parse_envelope` accepts bytes, text or an already-decoded mapping and returns an `Envelope`
or raises `ProtocolError` naming the offending field; it never raises anything else, whatever
it is given (the property tests throw tens of thousands of hostile documents at it).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from agora.errors import ProtocolError
from agora.protocols._errors import ValidatedModel, nested_validation, protocol_error
from agora.protocols.payloads import AgentName, Payload, Text

__all__ = ["MAX_ENVELOPE_BYTES", "Envelope", "EnvelopeBudget", "new_id", "parse_envelope"]

#: Largest accepted serialized envelope, in bytes of UTF-8.
MAX_ENVELOPE_BYTES = 1_048_576
_MAX_DEPTH = 32


def new_id() -> str:
    """A fresh random message or conversation id (32 hex characters)."""
    return os.urandom(16).hex()


class EnvelopeBudget(ValidatedModel):
    """What is left of the team's budget when the envelope was sent (``None``: unlimited)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hops: int | None = Field(default=None, ge=0, strict=True)
    tokens: int | None = Field(default=None, ge=0, strict=True)


class Envelope(ValidatedModel):
    """One message between agents: addressing, accounting and a typed payload.

    Attributes:
        id: unique id of this message.
        conversation_id: the run (conversation) it belongs to.
        parent_id: the message this one replies to or continues (``None`` for the first).
        sender: the sending agent (``"user"`` for the caller of a team).
        recipients: the agents it is delivered to.
        kind: the payload's kind, repeated here so routers need not open the payload.
        payload: the typed content.
        hops: deliveries so far along this task's path.
        path: agents that already held this task, in order; a task never revisits one.
        budget: team budget remaining when sent.
        created_at: UNIX time of sending.
        signature: the sender's signature (``agora.identity``), ``None`` when unsigned.
        credibility: a guardian's score in [0, 1] (``agora.agents.Guardian``), set on receipt
            and not covered by the signature; ``None`` when no guardian reviewed it.

    Example:
        >>> from agora.protocols.payloads import Task
        >>> env = Envelope(sender="user", recipients=["triage"], payload=Task(text="2+2?"))
        >>> env.kind, parse_envelope(env.model_dump_json()).payload.text
        ('task', '2+2?')
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Text = Field(default_factory=new_id, min_length=1, max_length=64)
    conversation_id: Text = Field(default_factory=new_id, min_length=1, max_length=64)
    parent_id: Text | None = Field(default=None, min_length=1, max_length=64)
    sender: AgentName
    recipients: list[AgentName] = Field(min_length=1, max_length=64)
    kind: Text = Field(default="", max_length=32)
    payload: Payload
    hops: int = Field(default=0, ge=0, le=100_000, strict=True)
    path: list[AgentName] = Field(default_factory=list, max_length=10_000)
    budget: EnvelopeBudget = Field(default_factory=EnvelopeBudget)
    created_at: float = Field(default_factory=time.time, ge=0, allow_inf_nan=False, strict=True)
    signature: Text | None = Field(default=None, max_length=1024)
    credibility: float | None = Field(default=None, ge=0.0, le=1.0, strict=True)

    @classmethod
    def trusted(
        cls,
        *,
        conversation_id: str,
        sender: str,
        recipients: list[str],
        payload: Payload,
        budget: EnvelopeBudget,
        parent_id: str | None = None,
        hops: int = 0,
        path: list[str] | None = None,
    ) -> Envelope:
        """An envelope built without validation, from parts that are valid already.

        For the runtime's hot path: every hop's envelope is made from a validated decision
        and validated envelopes, so validating it again would only cost time. Messages from
        outside go through `parse_envelope` (or the validating constructor) instead.

        Example:
            >>> from agora.protocols.payloads import Task
            >>> env = Envelope.trusted(conversation_id="c", sender="user", recipients=["a"],
            ...                        payload=Task(text="hi"), budget=EnvelopeBudget())
            >>> parse_envelope(env.model_dump_json()) == env
            True
        """
        return cls._trusted(
            {
                "id": new_id(),
                "conversation_id": conversation_id,
                "parent_id": parent_id,
                "sender": sender,
                "recipients": recipients,
                "kind": payload.kind,
                "payload": payload,
                "hops": hops,
                "path": [] if path is None else path,
                "budget": budget,
                "created_at": time.time(),
                "signature": None,
                "credibility": None,
            }
        )

    @model_validator(mode="before")
    @classmethod
    def _fill_kind(cls, data: Any) -> Any:
        # Only a missing or empty kind is filled in; a wrong-typed one must still fail.
        if isinstance(data, dict) and data.get("kind", "") == "":
            payload = data.get("payload")
            kind = getattr(payload, "kind", None)
            if kind is None and isinstance(payload, dict):
                kind = payload.get("kind")
            if isinstance(kind, str):
                data = {**data, "kind": kind}
        return data

    @model_validator(mode="after")
    def _check_kind(self) -> Envelope:
        if self.kind != self.payload.kind:
            raise PydanticCustomError(
                "kind_mismatch",
                "kind '{kind}' does not match payload kind '{payload_kind}'",
                {"kind": self.kind, "payload_kind": self.payload.kind},
            )
        return self


def parse_envelope(raw: bytes | bytearray | str | Mapping[str, Any]) -> Envelope:
    """Validate a received message and return it as an `Envelope`.

    Args:
        raw: the message as UTF-8 bytes, text, or a decoded JSON object.

    Raises:
        ProtocolError: the message is too large, not UTF-8, not JSON, too deeply nested, or
            fails validation; ``error.field`` names the offending field where there is one.

    Example:
        >>> parse_envelope(b'{"sender": "a", "recipients": ["b"], "payload": {"kind": "nope"}}')
        Traceback (most recent call last):
        ...
        agora.errors.ProtocolError: payload: unknown message kind 'nope'; expected one of ...
    """
    data = _decode(raw)
    if not isinstance(data, dict):
        raise ProtocolError(f"an envelope must be a JSON object, got {type(data).__name__}")
    try:
        with nested_validation():
            return Envelope.model_validate(data)
    except ValidationError as exc:
        raise protocol_error(exc) from None
    except (RecursionError, ValueError, TypeError) as exc:  # defensive: odd objects in mappings
        raise ProtocolError(f"envelope could not be validated: {exc}") from None


def _decode(raw: bytes | bytearray | str | Mapping[str, Any]) -> Any:
    if isinstance(raw, Mapping):
        try:
            text = json.dumps(raw, ensure_ascii=False, allow_nan=False)
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError as exc:
            field = _find_bad_unicode(raw)
            raise ProtocolError(
                f"invalid unicode in {field or 'a string'}: {exc.reason}", field=field
            ) from None
        except (TypeError, ValueError, RecursionError) as exc:
            raise ProtocolError(f"envelope is not JSON-serializable: {exc}") from None
        _check_size(size)
        return _loads(text)
    if isinstance(raw, str):
        try:
            encoded = raw.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ProtocolError(f"invalid unicode in the message: {exc.reason}") from None
    elif isinstance(raw, bytes | bytearray):
        encoded = bytes(raw)
    else:
        raise ProtocolError(f"cannot parse an envelope from {type(raw).__name__}")
    _check_size(len(encoded))
    try:
        text = encoded.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"message is not valid UTF-8 at byte {exc.start}") from None
    return _loads(text)


def _check_size(size: int) -> None:
    if size > MAX_ENVELOPE_BYTES:
        raise ProtocolError(
            f"envelope is {size} bytes, over the {MAX_ENVELOPE_BYTES}-byte limit; "
            "send large content by reference instead"
        )


def _loads(text: str) -> Any:
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ProtocolError(f"envelope is nested deeper than {_MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, huge integers, NaN/Infinity
        raise ProtocolError(f"envelope is not valid JSON: {exc}") from None
    if _depth(data) > _MAX_DEPTH:
        raise ProtocolError(f"envelope is nested deeper than {_MAX_DEPTH} levels")
    _check_strings(data, "")
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _depth(value: Any, level: int = 0) -> int:
    if level > _MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _check_strings(value: Any, where: str) -> None:
    r"""Reject lone surrogates (``"\\ud800"`` escapes decode to strings UTF-8 cannot hold)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ProtocolError(
                f"invalid unicode (lone surrogate) in {where or 'the message'}",
                field=where or None,
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, where)
            _check_strings(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_strings(item, f"{where}.{index}" if where else str(index))


def _find_bad_unicode(value: Any, where: str = "") -> str | None:
    try:
        _check_strings(value, where)
    except ProtocolError as exc:
        return exc.field
    return None

"""Internal: turn a pydantic `ValidationError` into a `ProtocolError` that names the field."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any, Self

from pydantic import BaseModel, ValidationError

from agora.errors import ProtocolError

__all__ = ["ValidatedModel", "nested_validation", "protocol_error"]

_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("agora_validation_depth", default=0)


class ValidatedModel(BaseModel):
    """A pydantic model whose constructor raises `ProtocolError` instead of `ValidationError`.

    So building a message with bad values by hand fails the same way as receiving one.
    """

    def __init__(self, /, **data: Any) -> None:
        # pydantic calls this for nested models too; only the outermost call converts, so the
        # error keeps its full path ("payload.text", not "text").
        token = _DEPTH.set(_DEPTH.get() + 1)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            if _DEPTH.get() > 1:
                raise
            raise protocol_error(exc) from None
        finally:
            _DEPTH.reset(token)

    @classmethod
    def _trusted(cls, values: dict[str, Any]) -> Self:
        """An instance from `values` (every field, already valid), skipping validation.

        What ``model_construct`` does, without its per-field default and alias handling:
        for messages the runtime builds on its hot path from validated parts.
        """
        obj = cls.__new__(cls)
        object.__setattr__(obj, "__dict__", values)
        object.__setattr__(obj, "__pydantic_fields_set__", set(values))
        object.__setattr__(obj, "__pydantic_extra__", None)
        object.__setattr__(obj, "__pydantic_private__", None)
        return obj


@contextlib.contextmanager
def nested_validation() -> Iterator[None]:
    """Validate inside this block as if within a constructor (``model_validate`` paths)."""
    token = _DEPTH.set(_DEPTH.get() + 1)
    try:
        yield
    finally:
        _DEPTH.reset(token)


def protocol_error(exc: ValidationError) -> ProtocolError:
    """The `ProtocolError` for the first problem in `exc`, naming its field."""
    err = exc.errors(include_url=False)[0]
    loc = [str(part) for part in err["loc"]] or (["kind"] if err["type"] == "kind_mismatch" else [])
    if err["type"] == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag")
        expected = err.get("ctx", {}).get("expected_tags", "")
        field = ".".join(loc) or None
        return ProtocolError(
            f"{field}: unknown message kind {tag!r}; expected one of {expected}", field=field
        )
    # Drop the union tag from the location: "payload.task.text" reads as "payload.text".
    if len(loc) >= 2 and loc[0] == "payload" and not loc[1].isdigit():
        loc = [loc[0], *loc[2:]] if len(loc) > 2 else loc
    field = ".".join(loc) or None
    more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    return ProtocolError(f"{field or 'envelope'}: {err['msg']}{more}", field=field)

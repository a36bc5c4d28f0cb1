r"""Argument checks shared by the public constructors and methods (internal).

Each ``check_*`` raises the agora error class it is given (`ConfigError` by default) with a
message that names the argument, says what it must be and shows what it got; a valid value
costs an ``isinstance`` or two. Bools are never accepted as numbers, numbers must be finite,
and text must be encodable as UTF-8 (a lone surrogate such as ``"\ud800"`` is not: SQLite,
JSON and every model would reject it later, far from the call that let it in).

Example:
    >>> check_int(0, "k", low=1)
    Traceback (most recent call last):
    ...
    agora.errors.ConfigError: k must be an int >= 1, got 0
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from typing import Any, NoReturn, TypeGuard

import numpy as np
import numpy.typing as npt

from agora.errors import AgoraError, ConfigError, InvalidRecordError, ProtocolError

__all__ = [
    "NAME",
    "check_bool",
    "check_choice",
    "check_int",
    "check_name",
    "check_number",
    "check_text",
    "check_texts",
    "encodable",
    "fail",
    "finite_vector",
    "is_int",
    "is_name",
    "is_number",
]

#: Agent, team and scope names: 1-64 letters, digits, ``_``, ``-`` or ``.``; use `fullmatch`.
NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
NAME_RULE = "1-64 letters, digits, '_', '-' or '.'"


def fail(error: type[AgoraError], message: str, name: str) -> NoReturn:
    """Raise `error` with `message`, naming the field `name` where the class records one."""
    if issubclass(error, InvalidRecordError | ProtocolError):
        raise error(message, field=name)
    raise error(message)


def shown(value: object) -> str:
    """`value` as it appears in an error message: its repr, cut to 60 characters."""
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def is_int(value: object) -> TypeGuard[int]:
    """Whether `value` is an int and not a bool.

    Example:
        >>> is_int(3), is_int(True), is_int(3.0)
        (True, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> TypeGuard[int | float]:
    """Whether `value` is a finite int or float, and not a bool.

    Example:
        >>> is_number(0.5), is_number(float("nan")), is_number(False)
        (True, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def encodable(text: str) -> bool:
    r"""Whether `text` can be written as UTF-8 (it holds no lone surrogate).

    Example:
        >>> encodable("café"), encodable("\ud800")
        (True, False)
    """
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_name(value: object) -> TypeGuard[str]:
    r"""Whether `value` is a valid agent, team or scope name (the whole string).

    Example:
        >>> is_name("geo"), is_name("geo\n"), is_name("a b")
        (True, False, False)
    """
    return isinstance(value, str) and NAME.fullmatch(value) is not None


def check_name(value: object, name: str, *, error: type[AgoraError] = ConfigError) -> None:
    """Raise `error` unless `value` is a valid agent, team or scope name."""
    if not is_name(value):
        fail(error, f"{name} {shown(value)} is not a valid name: use {NAME_RULE}", name)


def check_int(
    value: object,
    name: str,
    *,
    low: int | None = None,
    high: int | None = None,
    none: bool = False,
    error: type[AgoraError] = ConfigError,
) -> None:
    """Raise `error` unless `value` is an int (not a bool) within ``[low, high]``.

    Args:
        value: what the caller passed.
        name: the argument, as the message names it.
        low: least allowed value, if any.
        high: greatest allowed value, if any.
        none: whether ``None`` is allowed too.
        error: the agora error class to raise.
    """
    if value is None and none:
        return
    if is_int(value) and (low is None or value >= low) and (high is None or value <= high):
        return
    if low is not None and high is not None:
        rule = f"an int in [{low}, {high}]"
    elif low is not None:
        rule = f"an int >= {low}"
    elif high is not None:
        rule = f"an int <= {high}"
    else:
        rule = "an int"
    fail(error, f"{name} must be {rule}{' or None' if none else ''}, got {shown(value)}", name)


def check_number(
    value: object,
    name: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
    none: bool = False,
    error: type[AgoraError] = ConfigError,
) -> None:
    """Raise `error` unless `value` is a finite number (not a bool) within the bounds.

    Args:
        value: what the caller passed.
        name: the argument, as the message names it.
        low: lower bound (inclusive unless `low_open`).
        high: upper bound (inclusive unless `high_open`).
        low_open: exclude `low` itself.
        high_open: exclude `high` itself.
        none: whether ``None`` is allowed too.
        error: the agora error class to raise.
    """
    if value is None and none:
        return
    if is_number(value):
        number = float(value)
        above = number > low if low_open else number >= low
        below = number < high if high_open else number <= high
        if above and below:
            return
    if low == -math.inf and high == math.inf:
        rule = "a finite number"
    elif high == math.inf:
        rule = f"a finite number {'>' if low_open else '>='} {low:g}"
    elif low == -math.inf:
        rule = f"a finite number {'<' if high_open else '<='} {high:g}"
    else:
        rule = f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    fail(error, f"{name} must be {rule}{' or None' if none else ''}, got {shown(value)}", name)


def check_bool(value: object, name: str, *, error: type[AgoraError] = ConfigError) -> None:
    """Raise `error` unless `value` is ``True`` or ``False``."""
    if not isinstance(value, bool):
        fail(error, f"{name} must be True or False, got {shown(value)}", name)


def check_text(
    value: object,
    name: str,
    *,
    empty: bool = True,
    limit: int | None = None,
    none: bool = False,
    error: type[AgoraError] = ConfigError,
) -> None:
    """Raise `error` unless `value` is a string UTF-8 can hold, within the limits.

    Args:
        value: what the caller passed.
        name: the argument, as the message names it.
        empty: whether an empty (or all-whitespace) string is allowed.
        limit: most characters allowed, if any.
        none: whether ``None`` is allowed too.
        error: the agora error class to raise.
    """
    if value is None and none:
        return
    if not isinstance(value, str):
        fail(error, f"{name} must be a string, got {type(value).__name__}", name)
    if not empty and not value.strip():
        fail(error, f"{name} must be a non-empty string, got {shown(value)}", name)
    if limit is not None and len(value) > limit:
        fail(error, f"{name} must be at most {limit} characters, got {len(value)}", name)
    if not encodable(value):
        fail(
            error,
            f"{name} holds a lone surrogate ({shown(value)}), which UTF-8 cannot hold; "
            "decode the text with errors='replace' or drop the character",
            name,
        )


def check_texts(
    values: object,
    name: str,
    *,
    error: type[AgoraError] = ConfigError,
    each: dict[str, Any] | None = None,
) -> list[str]:
    """Raise `error` unless `values` is a collection of strings (not one string); list them.

    Args:
        values: what the caller passed.
        name: the argument, as the message names it.
        error: the agora error class to raise.
        each: keyword arguments of `check_text` for every item.
    """
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        fail(
            error,
            f"{name} must be a list of strings, got {type(values).__name__}"
            + ("; wrap a single one in a list" if isinstance(values, str) else ""),
            name,
        )
    items = list(values)
    for index, item in enumerate(items):
        check_text(item, f"{name}[{index}]", error=error, **(each or {}))
    return items


def check_choice(
    value: object, name: str, choices: Collection[str], *, error: type[AgoraError] = ConfigError
) -> None:
    """Raise `error` unless `value` is one of `choices` (compared as strings, never hashed)."""
    if not (isinstance(value, str) and value in choices):
        fail(error, f"{name} must be one of {tuple(choices)}, got {shown(value)}", name)


def finite_vector(value: object, dim: int) -> npt.NDArray[np.float32] | None:
    """`value` as a float32 vector of length `dim`, or None unless it is one, finite.

    Example:
        >>> finite_vector([1, 0], 2)
        array([1., 0.], dtype=float32)
        >>> finite_vector([1, float("nan")], 2) is None, finite_vector([1], 2) is None
        (True, True)
    """
    try:
        with np.errstate(over="ignore"):  # a float32 overflow is an inf, refused below
            vector = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        return None
    if vector.shape != (dim,) or not np.isfinite(vector).all():
        return None
    return vector

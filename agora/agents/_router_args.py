"""Argument checks of `agora.agents.router.Router`'s methods (internal).

Each raises `UserError` naming the argument, before the router changes anything.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from agora._checks import (
    check_bool,
    check_int,
    check_number,
    check_text,
    check_texts,
    shown,
)
from agora.errors import UserError


def check_agent(name: object, what: str = "agent name") -> None:
    """Raise `UserError` unless `name` is a non-empty string (an agent's name)."""
    check_text(name, what, empty=False, error=UserError)


def check_register(name: object, expertise: object) -> None:
    """The arguments of `Router.register`."""
    check_agent(name)
    if not isinstance(expertise, str):
        raise UserError(f"expertise of {name!r} must be a string, got {type(expertise).__name__}")
    check_text(expertise, f"expertise of {name!r}", error=UserError)


def query_vector(task: object, dim: int) -> npt.NDArray[np.float32] | None:
    """`task` as a float32 vector of length `dim` when it is one (``None`` for text)."""
    if isinstance(task, str):
        check_text(task, "task", error=UserError)
        return None
    try:
        with np.errstate(over="ignore"):  # a float32 overflow is an inf, refused below
            vector = np.asarray(task, dtype=np.float32)
    except (TypeError, ValueError):
        vector = None
    if vector is None or vector.shape != (dim,) or not np.isfinite(vector).all():
        raise UserError(
            f"task must be text or a finite vector of {dim} floats (the embedder's dim), got "
            f"{shown(task)}"
        )
    return vector


def check_route(
    candidates: object, exclude: object, k: object, p: object, explore: object
) -> tuple[tuple[str, ...] | None, Collection[str]]:
    """The options of `Router.route`; returns `candidates` as a tuple and `exclude`."""
    names: tuple[str, ...] | None = None
    if candidates is not None:
        if isinstance(candidates, str | bytes) or not isinstance(candidates, Sequence):
            raise UserError(
                f"candidates must be a list of agent names, got {type(candidates).__name__}"
                + ("; wrap a single one in a list" if isinstance(candidates, str) else "")
            )
        # Items are checked by the row lookup (an unknown or unhashable name is a UserError
        # there): checking 10,000 names here would cost more than the routing itself.
        names = tuple(candidates)
    if exclude:
        exclude = check_texts(exclude, "exclude", error=UserError)
    check_int(k, "k", low=1, none=True, error=UserError)
    check_number(p, "p", low=0.0, high=1.0, none=True, error=UserError)
    if explore is not None:
        check_bool(explore, "explore", error=UserError)
    return names, exclude or ()  # type: ignore[return-value]


def check_record(route: object, agent: object, success: object, task: object) -> float:
    """The arguments of `Router.record`; returns `success` as a float."""
    from agora.agents.router import Route

    if not isinstance(route, Route):
        raise UserError(f"record() takes the Route that route() returned, got {shown(route)}")
    check_agent(agent)
    if isinstance(success, bool):
        success = float(success)
    check_number(success, "success", low=0.0, high=1.0, error=UserError)
    check_text(task, "task", none=True, error=UserError)
    return float(success)  # type: ignore[arg-type]


def check_topic(topic: Any) -> None:
    """Raise `UserError` unless `topic` is a topic number (an int, -1 for none)."""
    check_int(topic, "topic", low=-1, error=UserError)

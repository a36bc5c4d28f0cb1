"""Argument checks of `agora.agents.routing.Router`'s methods (internal).

Each raises an error naming the argument before the router changes anything: `ConfigError`
for the router's settings (constructor options and later changes), `UserError` for the
arguments of its methods.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from agora._checks import (
    check_bool,
    check_int,
    check_number,
    check_text,
    check_texts,
    finite_vector,
    shown,
)
from agora.embeddings.base import MAX_DIM
from agora.errors import ConfigError, UserError

if TYPE_CHECKING:
    from agora.embeddings import Embedder


#: The settings a `Router` keeps as attributes, with what each takes: ``("count", ())`` an
#: int >= 1, ``("range", (low, high))`` a number in [low, high], ``("flag", ())`` a bool,
#: ``("choice", names)`` one of `names`. Each is checked on construction and whenever it is
#: changed afterwards (`check_setting`).
SETTINGS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "mode": ("choice", ("top1", "topk", "dynamic")),
    "dynamic_rule": ("choice", ("cumulative", "decompose")),
    "k": ("count", ()),
    "k_max": ("count", ()),
    "memory_size": ("count", ()),
    "shortlist": ("count", ()),
    "max_topics": ("count", ()),
    "p": ("range", (0.0, 1.0)),
    "temperature": ("range", (1e-6, math.inf)),
    "reliability_weight": ("range", (0.0, math.inf)),
    "load_weight": ("range", (0.0, math.inf)),
    "drift": ("range", (0.0, 1.0)),
    "topic_threshold": ("range", (-1.0, 1.0)),
    "min_fit": ("range", (-1.0, 1.0)),
    "prior": ("range", (0.0, math.inf)),
    "repel": ("range", (0.0, 1.0)),
    "abstain_quantile": ("range", (0.0, 0.5)),
    "lexical_weight": ("range", (0.0, math.inf)),
    "min_share": ("range", (0.0, 1.0)),
    "explore": ("flag", ()),
    "normalize": ("flag", ()),
    "lexical_relative": ("flag", ()),
    "learn_lexical": ("flag", ()),
}
#: Settings sized into the router's buffers when it is built: fixed afterwards.
FIXED = frozenset({"memory_size"})


def check_setting(name: str, value: object, *, built: bool = False) -> object:
    """`value` checked as the `Router` setting `name`; returns it (numbers as int / float).

    `built`: the router exists already (the setting in `FIXED` can no longer change).

    Raises:
        ConfigError: the value is of the wrong type or out of range, or the setting is fixed;
            the message names the setting and what it takes.
    """
    if built and name in FIXED:
        raise ConfigError(
            f"Router {name} is fixed once the router is built (its buffers are sized by it); "
            f"build a new Router({name}=...) instead"
        )
    kind, spec = SETTINGS[name]
    if kind == "choice":
        check_choice(name, value, spec)
        return str(value)
    if kind == "flag":
        check_bool(value, f"Router {name}")
        return bool(value)
    if kind == "count":
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"Router {name} must be an int >= 1, got {value!r}")
        return int(value)
    low, high = spec
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or not (low <= value <= high)
    ):
        bounds = f"in [{low}, {high}]" if math.isfinite(high) else f">= {low} (finite)"
        raise ConfigError(f"Router {name} must be a number {bounds}, got {value!r}")
    return float(value)


def check_options(
    embedder: Embedder | None,
    *,
    counts: tuple[tuple[str, object], ...],
    flags: tuple[tuple[str, object], ...],
    seed: object,
) -> Embedder:
    """The constructor options `Router` keeps no attribute for; returns the embedder.

    The `SETTINGS` are checked as they are assigned; the default embedder (when None) is
    loaded last.

    Raises:
        ConfigError: an option is of the wrong type or out of range; the message names it.
    """
    for name, value in counts:
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"Router {name} must be an int >= 1, got {value!r}")
    for name, value in flags:
        check_bool(value, f"Router {name}")
    check_int(seed, "Router seed", low=0)
    if embedder is None:
        from agora.embeddings import default_embedder

        embedder = default_embedder()
    if not callable(getattr(embedder, "embed", None)) or not _is_dim(
        getattr(embedder, "dim", None)
    ):
        raise ConfigError(
            f"Router embedder must be an Embedder (an int dim in [1, {MAX_DIM}] and an "
            f"embed(texts) method), got {type(embedder).__name__}"
        )
    return embedder


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    """Raise `ConfigError` unless `value` is one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(f"Router {name} must be one of {choices}, got {value!r}")


def _is_dim(value: object) -> bool:
    """Whether `value` is a vector length in [1, MAX_DIM] (numpy integers too, bools not)."""
    if isinstance(value, bool):
        return False
    try:
        return 1 <= operator.index(value) <= MAX_DIM  # type: ignore[arg-type]
    except TypeError:
        return False


def check_agent(name: object, what: str = "agent name") -> None:
    """Raise `UserError` unless `name` is a non-empty string (an agent's name)."""
    check_text(name, what, empty=False, error=UserError)


def check_register(name: object, expertise: object) -> None:
    """The arguments of `Router.register`."""
    check_agent(name)
    if not isinstance(expertise, str):
        raise UserError(f"expertise of {name!r} must be a string, got {type(expertise).__name__}")
    check_text(expertise, f"expertise of {name!r}", error=UserError)


def check_teach(name: object, tasks: object, registered: bool) -> list[str]:
    """The arguments of `Router.teach`: a registered agent and a sequence of task texts."""
    check_agent(name)
    if not registered:
        raise UserError(f"{name!r} is not registered with the router; register it first")
    if isinstance(tasks, str) or not isinstance(tasks, list | tuple):
        raise UserError(
            f"tasks for {name!r} must be a list or tuple of task texts, got {type(tasks).__name__}"
        )
    for task in tasks:
        check_text(task, f"a task taught to {name!r}", empty=False, error=UserError)
    return list(tasks)


def query_vector(task: object, dim: int) -> npt.NDArray[np.float32] | None:
    """`task` as a float32 vector of length `dim` when it is one (``None`` for text)."""
    if isinstance(task, str):
        check_text(task, "task", error=UserError)
        return None
    vector = finite_vector(task, dim)
    if vector is None:
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
    from agora.agents.routing.route import Route

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

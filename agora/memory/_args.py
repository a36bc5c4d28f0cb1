"""Argument checks of `Retriever` and `Fuser` (internal).

Each raises the agora error the class documents, naming the argument, before anything
changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from agora._checks import (
    check_choice,
    check_int,
    check_number,
    check_text,
    finite_vector,
    is_number,
    shown,
)
from agora.embeddings.base import MAX_DIM
from agora.errors import AgoraError, ConfigError, UserError


def check_store(store: object, owner: str) -> None:
    """Raise `ConfigError` unless `store` is a memory `Store`."""
    from agora.memory.store import Store

    if not isinstance(store, Store):
        raise ConfigError(
            f"{owner} needs a memory store (SQLiteStore or NetworkXStore), got "
            f"{type(store).__name__}"
        )


def check_embedder(embedder: object, owner: str) -> None:
    """Raise `ConfigError` unless `embedder` is ``None`` or has an int ``dim`` and ``embed``."""
    if embedder is None:
        return
    dim = getattr(embedder, "dim", None)
    if not callable(getattr(embedder, "embed", None)) or isinstance(dim, bool):
        raise ConfigError(f"{owner} embedder must be an Embedder, got {type(embedder).__name__}")
    check_int(dim, f"{owner} embedder dim", low=1, high=MAX_DIM)


def check_unit_map(
    values: object, name: str, *, error: type[AgoraError] = ConfigError
) -> dict[str, float]:
    """`values` as a dict of agent name to a number in [0, 1], or `error` naming `name`."""
    if not isinstance(values, Mapping):
        raise error(f"{name} must map agent names to numbers in 0..1, got {shown(values)}")
    for key, value in values.items():
        check_text(key, f"a {name} key", empty=False, error=error)
        if not is_number(value) or not 0.0 <= value <= 1.0:
            raise error(
                f"{name} must be within 0..1, got {key!r}: {shown(value)}; "
                "pass SourceWeights.trust() or numbers such as 0.8"
            )
    return dict(values)


def check_retriever(**options: Any) -> None:
    """The numeric and choice options of `Retriever` (a `UserError` naming the bad one)."""
    e = UserError
    check_choice(options["expansion"], "expansion", ("none", "hops", "pagerank"), error=e)
    check_int(options["hops"], "Retriever hops", low=1, high=2, error=e)
    check_int(options["candidates"], "candidates", low=1, error=e)
    check_int(options["rrf_k"], "rrf_k", low=0, error=e)
    check_int(options["seeds"], "seeds", low=0, error=e)
    check_int(options["expand_limit"], "expand_limit", low=0, error=e)
    check_number(options["decay"], "decay", low=0.0, high=1.0, error=e)
    check_number(options["min_similarity"], "min_similarity", low=-1.0, high=1.0, error=e)
    check_number(options["half_life_s"], "half_life_s", low=0.0, low_open=True, none=True, error=e)
    if not callable(options["clock"]):
        raise UserError(f"clock must be a function returning the time, got {options['clock']!r}")


def check_weights(weights: object) -> dict[str, float]:
    """`Retriever` channel weights as a dict, or a `UserError` naming the bad one."""
    if weights is None:
        return {}
    if not isinstance(weights, Mapping):
        raise UserError(f"weights must map channel names to numbers, got {shown(weights)}")
    for key, value in weights.items():
        if key not in ("bm25", "vector"):
            raise UserError(f"weights keys are 'bm25' and 'vector', got {key!r}")
        check_number(value, f"weights[{key!r}]", low=0.0, error=UserError)
    return dict(weights)


def check_vector(value: object, dim: int, name: str) -> npt.NDArray[np.float32]:
    """`value` as a finite float32 vector of length `dim`, or a `UserError` naming `name`."""
    vector = finite_vector(value, dim)
    if vector is None:
        raise UserError(f"{name} must be a finite vector of {dim} floats, got {shown(value)}")
    return vector

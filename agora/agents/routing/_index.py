"""The profile matrix's first pass: a shortlist of the most similar rows (internal).

Scoring is two-stage so it stays under a millisecond over 10,000 candidates: one
matrix-vector product over all profiles and an ``argpartition`` pick a shortlist, which the
router then reranks. From `COARSE_FROM` agents on, a pass over a low-dimensional projection
of the profiles (their top principal directions, `CoarseIndex`) narrows the candidates
before exact similarities: it reads a sixth of the bytes, and routing is bound by memory
bandwidth at that size.

Example:
    >>> import numpy as np
    >>> profiles = np.eye(3, dtype=np.float32)
    >>> rows, sims = shortlist(profiles, 3, profiles[1], np.arange(3), 1, CoarseIndex())
    >>> rows.tolist(), sims.tolist()
    ([1], [1.0])
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from agora.errors import UserError

__all__ = [
    "COARSE_DIM",
    "COARSE_FROM",
    "CoarseIndex",
    "RowSets",
    "candidate_rows",
    "grow",
    "shortlist",
    "softmax",
    "top",
    "unit",
]

#: Agents from which the coarse pass runs first.
COARSE_FROM = 4096
COARSE_DIM = 64
_Vec = npt.NDArray[np.float32]
_Rows = npt.NDArray[np.intp]
#: Row numbers of candidate lists a router was asked about, oldest first.
RowSets = OrderedDict[tuple[str, ...], _Rows]
_ROW_SETS = 256


class CoarseIndex:
    """The profiles projected on their top `COARSE_DIM` principal directions.

    The basis is fitted when first needed and refitted when the agents double; rows
    changed in between are re-projected with `project`.
    """

    __slots__ = ("basis", "fitted_at", "projected")

    def __init__(self) -> None:
        self.basis: _Vec | None = None  # (dim, COARSE_DIM)
        self.projected: _Vec = np.zeros((0, COARSE_DIM), dtype=np.float32)
        self.fitted_at = 0

    def fit(self, profiles: _Vec, count: int) -> _Vec:
        """The basis for the first `count` rows of `profiles` (fitted again if they doubled)."""
        if self.basis is None or count > 2 * self.fitted_at:
            used = profiles[:count]
            _, vectors = np.linalg.eigh(used.T @ used)
            self.basis = np.ascontiguousarray(vectors[:, -COARSE_DIM:], dtype=np.float32)
            self.projected = np.zeros((len(profiles), COARSE_DIM), dtype=np.float32)
            self.projected[:count] = used @ self.basis
            self.fitted_at = count
        return self.basis

    def project(self, row: int, vector: _Vec, capacity: int) -> None:
        """Re-project `row` (now `vector`); `capacity` is the profile matrix's row count."""
        if self.basis is None:
            return
        if row >= len(self.projected):
            grown = np.zeros((capacity, COARSE_DIM), dtype=np.float32)
            grown[: len(self.projected)] = self.projected
            self.projected = grown
        self.projected[row] = vector @ self.basis


def candidate_rows(
    rows_of: Mapping[str, int],
    count: int,
    candidates: Sequence[str] | None,
    exclude: Collection[str],
    cache: RowSets,
) -> _Rows:
    """The rows of `candidates` (all `count` rows when None) less those of `exclude`.

    Raises:
        UserError: a candidate is not registered (or not a name), or none is left.
    """
    if candidates is None:
        rows = np.arange(count, dtype=np.intp)
    else:
        rows = _rows_of(rows_of, tuple(candidates), cache)
    if exclude:
        gone = {rows_of[name] for name in exclude if name in rows_of}
        if gone:  # a mask over all rows: cheaper than np.isin's sort at 10,000 rows
            keep = np.ones(count, dtype=bool)  # rows are < count: registered agents
            keep[np.fromiter(gone, np.intp, len(gone))] = False
            rows = rows[keep[rows]]
    if len(rows) == 0:
        raise UserError(
            "no candidate agent is left to route to: register agents with "
            "router.register(name, expertise), or pass candidates that were not excluded"
        )
    return rows


def _rows_of(rows_of: Mapping[str, int], candidates: tuple[str, ...], cache: RowSets) -> _Rows:
    """Row numbers of `candidates`, cached: a holder asks about the same set again.

    The cache evicts its oldest entry (not the least recently used: moving a hit to the end
    would hash a 10,000-name key a second time, a fifth of a decision at that size).
    """
    try:
        rows = cache.get(candidates)
        if rows is not None:
            return rows
        rows = np.fromiter((rows_of[c] for c in candidates), np.intp, len(candidates))
    except KeyError as exc:
        raise UserError(
            f"candidate {exc.args[0]!r} is not registered with the router; "
            "call router.register(name, expertise) first"
        ) from None
    except TypeError:  # an unhashable item: not a name
        bad = next(c for c in candidates if not isinstance(c, str))
        raise UserError(f"candidates must be agent names, got {bad!r}") from None
    cache[candidates] = rows
    if len(cache) > _ROW_SETS:
        cache.popitem(last=False)
    return rows


def shortlist(
    profiles: _Vec, count: int, query: _Vec, rows: _Rows, size: int, coarse: CoarseIndex
) -> tuple[_Rows, npt.NDArray[np.float32]]:
    """The `size` of `rows` most similar to `query`, and their similarities.

    `count` is how many rows of `profiles` are in use.
    """
    dim = profiles.shape[1]
    if len(rows) * 8 < count:  # few candidates: gather their rows first
        sims = profiles[rows] @ query
    elif count < COARSE_FROM or dim <= 2 * COARSE_DIM:
        sims = (profiles[:count] @ query)[rows]
    else:  # coarse pass on the projection, exact similarities for its best few
        basis = coarse.fit(profiles, count)
        rough = (coarse.projected[:count] @ (query @ basis))[rows]
        rows = rows[top(rough, 4 * size)]
        sims = profiles[rows] @ query
    best = top(sims, size)
    return rows[best], sims[best]


def top(values: npt.NDArray[np.float32], count: int) -> _Rows:
    """Indices of the `count` largest `values`, unordered."""
    if len(values) <= count:
        return np.arange(len(values), dtype=np.intp)
    return np.argpartition(values, -count)[-count:]


def softmax(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The softmax of `x`."""
    e = np.exp(x - x.max())
    out: npt.NDArray[np.float64] = e / e.sum()
    return out


def unit(vector: npt.NDArray[np.float32]) -> _Vec:
    """`vector` scaled to length 1 (a zero vector stays zero)."""
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm > 0 else vector.astype(np.float32)


def grow(matrix: _Vec) -> _Vec:
    """`matrix` with twice the rows, the new ones zero."""
    bigger = np.zeros((len(matrix) * 2, matrix.shape[1]), dtype=np.float32)
    bigger[: len(matrix)] = matrix
    return bigger

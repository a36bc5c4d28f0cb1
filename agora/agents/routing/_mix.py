"""Dynamic K by decomposition: which shortlisted agents a task's vector is made of (internal).

`Router`'s ``dynamic_rule="decompose"`` asks how much of the task each of the best-ranked
agents explains, rather than how sure the softmax is about the first one. The task's vector
and the agents' scored vectors are centred on the mean vector of all registered agents (what
every agent shares, such as "this is a question", explains nothing), and the centred task is
written as a non-negative combination of the centred agent vectors (non-negative least
squares, `nnls`). An agent whose weight is at least ``min_share`` of the total is taken,
besides the best-ranked one, which always is (`decomposed`).

A task that needs two fields ("how many grams do 3 moles of water weigh?") sits between the
two fields' agents and gives both a large weight, however sure the softmax is about one of
them; a single-field task is explained by one agent and leaves the others small weights.
The shares are designed on the BIG-bench eval's dev split (`docs/evals.md`, *Dynamic K by
decomposition*).

Example:
    >>> import numpy as np
    >>> agents = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> task = np.array([0.7, 0.7, 0.1]) / np.linalg.norm([0.7, 0.7, 0.1])
    >>> decomposed(agents, task, np.zeros(3), min_share=0.2, k_max=3)
    [0, 1]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["decomposed", "nnls"]

_Matrix = npt.NDArray[np.float64]
_TOL = 1e-10


def nnls(gram: _Matrix, target: _Matrix, *, max_iter: int = 200) -> _Matrix:
    """The ``w >= 0`` minimizing ``|A w - b|^2``, given ``A'A`` (`gram`) and ``A'b`` (`target`).

    Lawson and Hanson's active-set method on the normal equations; `gram` is small (the
    shortlist), so each step is an m-by-m solve.

    Example:
        >>> a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> b = np.array([1.0, -1.0, 0.0])
        >>> nnls(a.T @ a, a.T @ b).round(3).tolist()
        [0.5, 0.0]
    """
    m = len(target)
    w = np.zeros(m)
    free = np.zeros(m, dtype=bool)
    for _ in range(max_iter):
        gradient = target - gram @ w  # minus the gradient of the half squared residual
        if free.all() or float(gradient[~free].max(initial=-np.inf)) <= _TOL:
            break
        blocked = np.where(free, -np.inf, gradient)
        free[int(np.argmax(blocked))] = True
        for _ in range(max_iter):
            z = np.zeros(m)
            index = np.flatnonzero(free)
            z[index] = _solve(gram[np.ix_(index, index)], target[index])
            if (z[index] > _TOL).all():
                w = z
                break
            negative = free & (z <= _TOL)
            steps = w[negative] / np.maximum(w[negative] - z[negative], _TOL)
            alpha = float(min(1.0, steps.min()))
            w = w + alpha * (z - w)
            free &= w > _TOL
            w[~free] = 0.0
            if not free.any():
                break
    return w


def _solve(gram: _Matrix, target: _Matrix) -> _Matrix:
    """``gram^-1 target``, or the least-squares answer when `gram` is singular (twin agents)."""
    try:
        out = np.linalg.solve(gram, target)
    except np.linalg.LinAlgError:
        out = None
    if out is None or not np.isfinite(out).all():
        out = np.linalg.lstsq(gram, target, rcond=None)[0]
    return np.asarray(out, dtype=np.float64)


def decomposed(
    agents: npt.NDArray[np.floating],
    task: npt.NDArray[np.floating],
    centre: _Matrix,
    *,
    min_share: float,
    k_max: int,
) -> list[int]:
    """Rows of `agents` (best-ranked first) to take for `task`.

    The first row, plus every other whose share of the non-negative decomposition of
    ``task - centre`` onto ``agents - centre`` is at least `min_share`.

    Args:
        agents: the scored vectors of the best-ranked agents, one row each, best first.
        task: the task's vector.
        centre: the mean vector of every registered agent (subtracted from both).
        min_share: the share of the summed weights an agent needs, in [0, 1] (0: any
            positive weight).
        k_max: most rows returned.

    Returns:
        Row indices in rank order; always starts with 0. When no agent gets a positive
        weight (the centred task points away from all of them), just ``[0]``.
    """
    a = np.asarray(agents, dtype=np.float64) - centre
    b = np.asarray(task, dtype=np.float64) - centre
    weights = nnls(a @ a.T, a @ b)
    total = float(weights.sum())
    if total <= _TOL:
        return [0]
    share = weights / total
    rows = [0] + [j for j in range(1, len(share)) if share[j] >= min_share and share[j] > 0]
    return rows[:k_max]

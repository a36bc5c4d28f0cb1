"""Confidence intervals the evals report: Wilson for shares, t and bootstrap for means.

Every table an eval prints carries a 95% interval. Which one depends on what varies:

- `wilson`: a share of independent trials (right answers out of questions).
- `mean_ci`: a mean over seeds (or any small set of runs), Student-t.
- `bootstrap_mean`: a mean over cases whose distribution is unknown or bounded (e.g. the
  share of agents adopting a claim, per case), percentile bootstrap, seeded.

Example:
    >>> [round(x, 3) for x in wilson(19, 20)]
    [0.764, 0.991]
    >>> mean, low, high = mean_ci([0.8, 0.9, 1.0])
    >>> round(mean, 2), round(low, 2), round(high, 2)
    (0.9, 0.65, 1.15)
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from agora.errors import UserError

__all__ = ["bootstrap_mean", "mean_ci", "t_quantile", "wilson"]

# Two-sided 95% Student-t quantiles by degrees of freedom (1..30); above that, the normal's.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (``(0, 1)`` when there are no trials).

    Raises:
        UserError: `successes` is negative or above `n`.

    Example:
        >>> wilson(0, 0)
        (0.0, 1.0)
    """
    if n < 0 or not 0 <= successes <= n:
        raise UserError(f"wilson needs 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def t_quantile(df: int) -> float:
    """The two-sided 95% Student-t quantile for `df` degrees of freedom (df >= 1).

    Example:
        >>> t_quantile(4), t_quantile(1000)
        (2.776, 1.96)
    """
    if df < 1:
        raise UserError(f"t_quantile needs df >= 1, got {df}")
    return _T95[df - 1] if df <= len(_T95) else 1.96


def mean_ci(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean of `values` and its 95% Student-t interval: ``(mean, low, high)``.

    One value gives a zero-width interval (there is no spread to measure); say how many
    runs a figure comes from beside it.

    Raises:
        UserError: `values` is empty.
    """
    if not values:
        raise UserError("mean_ci needs at least one value")
    n = len(values)
    mean = math.fsum(values) / n
    if n == 1:
        return (mean, mean, mean)
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    half = t_quantile(n - 1) * math.sqrt(var / n)
    return (mean, mean - half, mean + half)


def bootstrap_mean(
    values: Sequence[float], *, resamples: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of `values` and its 95% percentile-bootstrap interval: ``(mean, low, high)``.

    Raises:
        UserError: `values` is empty or `resamples` < 1.

    Example:
        >>> mean, low, high = bootstrap_mean([0.0] * 90 + [1.0] * 10)
        >>> mean, 0.04 < low < 0.1 < high < 0.17
        (0.1, True)
    """
    if not values:
        raise UserError("bootstrap_mean needs at least one value")
    if resamples < 1:
        raise UserError(f"resamples must be >= 1, got {resamples}")
    n = len(values)
    mean = math.fsum(values) / n
    rng = random.Random(seed)
    means = sorted(math.fsum(rng.choices(values, k=n)) / n for _ in range(resamples))
    low = means[int(0.025 * (resamples - 1))]
    high = means[int(math.ceil(0.975 * (resamples - 1)))]
    return (mean, low, high)

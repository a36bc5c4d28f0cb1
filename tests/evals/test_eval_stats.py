"""Intervals the evals report: Wilson, Student-t over seeds, percentile bootstrap."""

from __future__ import annotations

import pytest

from agora.errors import AgoraError
from agora.evals.stats import bootstrap_mean, mean_ci, t_quantile, wilson


def test_wilson_brackets_the_share_and_stays_in_bounds() -> None:
    low, high = wilson(10, 10)
    assert low < 1.0 and high == 1.0
    low, high = wilson(0, 50)
    assert low == 0.0 and 0.0 < high < 0.1
    low, high = wilson(30, 100)
    assert low < 0.3 < high


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(AgoraError, match="successes"):
        wilson(5, 3)


def test_mean_ci_widens_with_spread_and_narrows_with_runs() -> None:
    tight = mean_ci([0.5, 0.5, 0.5])
    assert tight == (0.5, 0.5, 0.5)
    few = mean_ci([0.4, 0.6])
    many = mean_ci([0.4, 0.6] * 10)
    assert few[0] == pytest.approx(0.5) and many[0] == pytest.approx(0.5)
    assert (few[2] - few[1]) > (many[2] - many[1]) > 0


def test_mean_ci_of_one_run_has_no_width_and_empty_is_an_error() -> None:
    assert mean_ci([0.7]) == (0.7, 0.7, 0.7)
    with pytest.raises(AgoraError, match="at least one"):
        mean_ci([])


def test_t_quantile_falls_to_the_normal() -> None:
    assert t_quantile(1) > t_quantile(10) > t_quantile(30) > t_quantile(31) == 1.96
    with pytest.raises(AgoraError):
        t_quantile(0)


def test_bootstrap_is_seeded_and_brackets_the_mean() -> None:
    values = [0.0] * 70 + [1.0] * 30
    first = bootstrap_mean(values, seed=3)
    assert first == bootstrap_mean(values, seed=3)
    mean, low, high = first
    assert mean == pytest.approx(0.3)
    assert low < mean < high
    assert bootstrap_mean([1.0] * 5) == (1.0, 1.0, 1.0)
    with pytest.raises(AgoraError):
        bootstrap_mean([], resamples=10)
    with pytest.raises(AgoraError, match="resamples"):
        bootstrap_mean([1.0], resamples=0)

"""Scoring a method's rankings: right-expert rates, dynamic K, calibration and abstention.

- **top-1 / top-K**: the right family is the first / among the first K ranked.
- **dynamic K**: families are taken, best first, until their probabilities add up to ``p``
  (the one that crosses it included), at most ``k_max`` (Harder Tasks Need More Experts).
- **ECE** (expected calibration error): the top-1 confidences are put in 15 equal-width bins;
  ECE is the bins' mean ``|accuracy - confidence|``, weighted by how many they hold.
- **ECE floor**: the ECE a perfectly calibrated method with the same confidences would score
  on as many examples (outcomes drawn with the confidences' own chances; `ece_floor`): on a
  few hundred examples ECE is well above 0 from sampling alone.
- **abstention**: the share of examples from families with no expert for which the method says
  no expert fits, and the share of in-family examples it wrongly abstains on.

Example:
    >>> ece([0.9] * 10, [True] * 9 + [False])
    0.0
    >>> dynamic_count([0.5, 0.3, 0.2], p=0.7, k_max=4)
    2
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from agora.errors import UserError

__all__ = ["BINS", "Bin", "dynamic_count", "ece", "ece_floor", "reliability"]

#: Confidence bins of ECE and of the reliability diagram.
BINS = 15


@dataclass(frozen=True, slots=True)
class Bin:
    """One confidence bin: ``[low, high)`` (the last one closed), its size and its means."""

    low: float
    high: float
    count: int
    confidence: float
    accuracy: float


def reliability(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = BINS
) -> list[Bin]:
    """The `bins` equal-width confidence bins, empty ones included.

    Raises:
        UserError: the sequences differ in length, or a confidence is outside [0, 1].

    Example:
        >>> [b.count for b in reliability([0.05, 0.95, 1.0], [False, True, True], bins=2)]
        [1, 2]
    """
    if len(confidences) != len(correct):
        raise UserError(f"{len(confidences)} confidences but {len(correct)} outcomes")
    slots: list[list[float]] = [[] for _ in range(bins)]
    rights = [0] * bins
    for conf, right in zip(confidences, correct, strict=True):
        if not (0.0 <= conf <= 1.0) or math.isnan(conf):
            raise UserError(f"a confidence must be in [0, 1], got {conf!r}")
        slot = min(bins - 1, int(conf * bins))
        slots[slot].append(conf)
        rights[slot] += bool(right)
    out = []
    for i, (confs, right_count) in enumerate(zip(slots, rights, strict=True)):
        n = len(confs)
        out.append(
            Bin(
                low=i / bins,
                high=(i + 1) / bins,
                count=n,
                confidence=math.fsum(confs) / n if n else 0.0,
                accuracy=right_count / n if n else 0.0,
            )
        )
    return out


def ece(confidences: Sequence[float], correct: Sequence[bool], bins: int = BINS) -> float:
    """Expected calibration error of top-1 `confidences` against `correct` (0 when empty).

    Example:
        >>> round(ece([1.0, 1.0], [True, False]), 3)
        0.5
    """
    table = reliability(confidences, correct, bins)
    total = sum(b.count for b in table)
    if total == 0:
        return 0.0
    return sum(b.count * abs(b.accuracy - b.confidence) for b in table) / total


def ece_floor(
    confidences: Sequence[float], bins: int = BINS, *, draws: int = 200, seed: int = 0
) -> float:
    """The mean ECE of a perfectly calibrated method with these top-1 `confidences`.

    Each draw makes every example right with the chance its confidence states and scores the
    ECE; the mean over `draws` is what sampling alone adds on this many examples (0 when
    empty).

    Example:
        >>> ece_floor([1.0] * 50)
        0.0
        >>> 0.02 < ece_floor([0.7] * 100) < 0.1
        True
    """
    if not confidences:
        return 0.0
    rng = random.Random(seed)
    total = 0.0
    for _ in range(draws):
        outcomes = [rng.random() < c for c in confidences]
        total += ece(confidences, outcomes, bins)
    return total / draws


def dynamic_count(probs: Sequence[float], *, p: float, k_max: int) -> int:
    """How many of `probs` (sorted, best first) dynamic K takes: the `Router` rule.

    Example:
        >>> dynamic_count([0.9, 0.1], p=0.7, k_max=4)
        1
    """
    total = 0.0
    for index, prob in enumerate(probs):
        total += prob
        if total >= p or index + 1 >= k_max:
            return index + 1
    return max(1, len(probs))

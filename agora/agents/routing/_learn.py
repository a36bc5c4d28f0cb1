"""What `agora.agents.routing.Router` learns from outcomes besides reliability (internal).

- `Centroid`: the running mean of the tasks an agent solved, with how many it has seen.
- `Calibrator`: outcomes as ``(scores of the shortlist, their lexical evidence, recorded
  agent, success)``; it refits the softmax temperature (and, when asked, the weight of the
  lexical evidence) that makes the recorded agent's probability match its success (least
  Bernoulli log-loss), and the fit below which a share of successes fall (the learned
  abstain threshold).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

_Vec = npt.NDArray[np.float32]
#: Temperatures searched when the softmax is recalibrated.
TEMPERATURES = np.logspace(-3, 0.5, 36)
#: Lexical weights searched when the router learns how much lexical evidence counts.
LEXICAL_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)


class Centroid:
    """The mean of an agent's solved tasks; `count` is capped at `size` (older ones fade)."""

    __slots__ = ("_seen", "_size", "count", "mean")

    def __init__(self, size: int, dim: int) -> None:
        self._size = size
        self.mean: _Vec = np.zeros(dim, dtype=np.float32)
        self.count = 0
        self._seen: dict[str, int] = {}  # times each text was folded in, while the mean is exact

    def add(self, vector: _Vec, text: str | None = None) -> None:
        """Fold `vector` into the mean (an exponential mean once `size` tasks were seen).

        A task solved again is folded in again (it counts as often as it was solved);
        `left_out` and `blend_without` take out every copy.
        """
        if self.count >= self._size:  # exponential from here on: no copy is whole any more
            self._seen.clear()
        elif text is not None:
            self._seen[text] = self._seen.get(text, 0) + 1
        self.count = min(self.count + 1, self._size)
        self.mean += (vector - self.mean) / self.count

    def left_out(self, fit: float, text: str, prior: float) -> float:
        """`fit` of a blend with this mean as if `text` (a unit vector) had not been folded in.

        Outcomes are scored this way so that calibrating on tasks the agent already solved is
        not in-sample (as the baselines score their train split leave-one-out).
        """
        total, copies = prior + self.count, self._seen.get(text, 0)
        if not copies or total <= copies:
            return fit
        return (fit * total - copies) / (total - copies)

    def blend_without(self, profile: _Vec, vector: _Vec, text: str, prior: float) -> _Vec | None:
        """`blend` as if `vector` (the task `text`) had not been folded in (None: it was not)."""
        total, copies = prior + self.count, self._seen.get(text, 0)
        if not copies or total <= copies:
            return None
        blend = self.blend(profile, prior)
        out: _Vec = ((blend * total - copies * vector) / (total - copies)).astype(np.float32)
        return out

    def weight(self, prior: float) -> float:
        """``n / (n + prior)``: how much the mean counts against a profile worth `prior`."""
        return self.count / (self.count + prior) if self.count + prior > 0 else 0.0

    def blend(self, profile: _Vec, prior: float) -> _Vec:
        """``(prior * profile + n * mean) / (prior + n)``: the profile, outweighed by use."""
        n = float(self.count)
        out: _Vec = ((prior * profile + n * self.mean) / (prior + n)).astype(np.float32)
        return out


class Calibrator:
    """A ring buffer of outcomes that refits the temperature and the abstain threshold.

    Args:
        size: outcomes kept.
        width: scores kept per outcome (the router's shortlist).
        every: refit after this many new outcomes (and from `every` outcomes on).
    """

    def __init__(self, size: int, width: int, *, every: int) -> None:
        self._scores = np.full((size, width), -np.inf)
        self._lexical = np.zeros((size, width))
        self._agent = np.zeros(size, dtype=np.intp)
        self._success = np.zeros(size)
        self._fit = np.zeros(size)
        self._count = 0
        self._every = every

    @property
    def width(self) -> int:
        """Scores kept per outcome (the router's shortlist when it was built, plus one)."""
        return int(self._scores.shape[1])

    def add(
        self,
        scores: npt.NDArray[np.float64],
        agent: int,
        success: float,
        fit: float,
        lexical: npt.NDArray[np.float64] | None = None,
    ) -> bool:
        """Keep one outcome; returns whether it is time to refit.

        `scores` leave the lexical evidence out; `lexical` is that evidence, unweighted.
        """
        slot = self._count % len(self._agent)
        width = min(len(scores), self._scores.shape[1])
        self._scores[slot] = -np.inf
        self._scores[slot, :width] = scores[:width]
        self._lexical[slot] = 0.0
        if lexical is not None:
            self._lexical[slot, :width] = lexical[:width]
        self._agent[slot] = min(agent, width - 1)
        self._success[slot] = success
        self._fit[slot] = fit
        self._count += 1
        return self._count >= self._every and self._count % self._every == 0

    def temperature(self, lexical_weight: float = 0.0) -> float:
        """The temperature whose softmax best predicts the recorded agents' success."""
        return self._search((lexical_weight,))[0]

    def weights(self) -> tuple[float, float]:
        """``(temperature, lexical weight)`` that best predict the recorded agents' success.

        The weight is searched over `LEXICAL_WEIGHTS`; a tie keeps the smaller one.
        """
        return self._search(LEXICAL_WEIGHTS)

    def _search(self, lexical_weights: tuple[float, ...]) -> tuple[float, float]:
        n = min(self._count, len(self._agent))
        success = self._success[:n]
        rows, agent = np.arange(n), self._agent[:n]
        best, best_loss = (float(TEMPERATURES[0]), lexical_weights[0]), math.inf
        for weight in lexical_weights:
            scores = self._scores[:n] + weight * self._lexical[:n]
            for t in TEMPERATURES:
                z = scores / t
                top = z.max(axis=1, keepdims=True)
                logp = z[rows, agent] - (top[:, 0] + np.log(np.exp(z - top).sum(axis=1)))
                p = np.clip(np.exp(logp), 1e-6, 1 - 1e-6)
                loss = float(-(success * np.log(p) + (1 - success) * np.log1p(-p)).mean())
                if loss < best_loss - 1e-12:
                    best, best_loss = (float(t), float(weight)), loss
        return best

    def min_fit(self, quantile: float) -> float | None:
        """The fit `quantile` of successful outcomes fall under (None: no success yet)."""
        n = min(self._count, len(self._agent))
        fits = self._fit[:n][self._success[:n] >= 0.5]
        return float(np.quantile(fits, quantile)) if len(fits) else None

"""Topics and per-topic reliability for `agora.agents.routing.Router` (internal).

- `Topics`: clusters of task embeddings found online. A task joins the nearest topic whose
  centroid it is at least ``threshold`` similar to, or opens a new one (while fewer than
  ``limit`` exist); each centroid is the running mean of the tasks that joined it.
- `Reliability`: a Beta posterior per ``(agent, topic)``, starting at ``Beta(1, 1)`` and
  updated with each graded outcome.

Example:
    >>> import numpy as np
    >>> topics = Topics(dim=2)
    >>> topics.find(np.array([1.0, 0.0], np.float32), threshold=0.5, limit=8, create=True)
    0
    >>> topics.find(np.array([0.0, 1.0], np.float32), threshold=0.5, limit=8, create=False)
    -1
    >>> reliability = Reliability()
    >>> reliability.update("geo", 0, 1.0)
    >>> reliability.mean("geo", 0)
    0.6666666666666666
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from agora.agents.routing._index import grow, unit

__all__ = ["Reliability", "Topics"]

_Vec = npt.NDArray[np.float32]


class Topics:
    """Topic centroids of unit task vectors, found online.

    Args:
        dim: the length of the task vectors.
    """

    __slots__ = ("_centroids", "_counts")

    def __init__(self, dim: int) -> None:
        self._centroids: _Vec = np.zeros((8, dim), dtype=np.float32)
        self._counts: list[int] = []

    def __len__(self) -> int:
        return len(self._counts)

    def find(self, query: _Vec, *, threshold: float, limit: int, create: bool) -> int:
        """The topic `query` belongs to: the nearest at `threshold` or more, else a new one.

        With `create` off, or once `limit` topics exist, no topic is opened: the nearest is
        returned when it is similar enough (or when the limit is reached), else -1.
        """
        count = len(self._counts)
        if count:
            sims = self._centroids[:count] @ query
            best = int(np.argmax(sims))
            if sims[best] >= threshold or count >= limit:
                return best
        if not create:
            return -1
        if count == len(self._centroids):
            self._centroids = grow(self._centroids)
        self._centroids[count] = query
        self._counts.append(0)
        return count

    def join(self, topic: int, query: _Vec) -> None:
        """Count `query` into `topic` and move its centroid toward it."""
        self._counts[topic] += 1
        centroid = self._centroids[topic]
        n = self._counts[topic]
        self._centroids[topic] = unit(centroid + (query - centroid) / (n + 1))

    def snapshot(self) -> tuple[tuple[int, ...], bytes]:
        """The counts and centroids as values (to check that a call changed nothing)."""
        return tuple(self._counts), self._centroids[: len(self._counts)].tobytes()


class Reliability:
    """A Beta posterior of each agent's success per topic."""

    __slots__ = ("_beta",)

    def __init__(self) -> None:
        self._beta: dict[tuple[str, int], list[float]] = {}

    def counts(self, names: Sequence[str], topic: int) -> npt.NDArray[np.float64]:
        """``(alpha, beta)`` of each of `names` on `topic`, one row each."""
        return np.array([self._beta.get((name, topic), (1.0, 1.0)) for name in names])

    def mean(self, agent: str, topic: int) -> float:
        """The posterior mean (0.5 before any outcome)."""
        alpha, beta = self._beta.get((agent, topic), (1.0, 1.0))
        return alpha / (alpha + beta)

    def update(self, agent: str, topic: int, score: float) -> None:
        """Count one outcome graded `score` (in [0, 1]) for `agent` on `topic`."""
        counts = self._beta.setdefault((agent, topic), [1.0, 1.0])
        counts[0] += score
        counts[1] += 1.0 - score

    def snapshot(self) -> dict[tuple[str, int], tuple[float, ...]]:
        """The posteriors as values (to check that a call changed nothing)."""
        return {key: tuple(value) for key, value in self._beta.items()}

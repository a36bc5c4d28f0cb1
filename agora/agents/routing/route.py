"""`Route`, the router's answer for one task, and `RouteMode`, how it chose."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Route", "RouteMode"]

RouteMode = Literal["top1", "topk", "dynamic"]


@dataclass(frozen=True, slots=True)
class Route:
    """The router's answer for one task.

    Attributes:
        experts: the chosen agents, primary first.
        ranked: ``(agent, probability)`` for the shortlist, best first.
        topic: the topic cluster the task fell in (reliability is learned per topic); -1
            when it is near no topic yet (`Router.record` then opens one).
        mode: the mode that chose `experts`.

    Example:
        >>> route = Route(("geo",), (("geo", 0.9), ("chem", 0.1)), 0, "top1")
        >>> route.primary, route.probability("chem")
        ('geo', 0.1)
    """

    experts: tuple[str, ...]
    ranked: tuple[tuple[str, float], ...]
    topic: int
    mode: RouteMode
    fit: tuple[tuple[str, float], ...] = ()
    """``(agent, similarity)`` for the shortlist, in `ranked` order: how well each agent's
    profile (blended with the tasks it solved) matches the task, before reliability and load."""
    abstain: bool = False
    """No expert fits: the best fit is below the router's ``min_fit`` (the experts are still
    chosen; the caller decides whether to use them)."""

    def best_fit(self, exclude: Collection[str] = ()) -> float:
        """The highest `fit` similarity among agents not in `exclude` (-1 when none)."""
        return max((sim for name, sim in self.fit if name not in exclude), default=-1.0)

    @property
    def primary(self) -> str:
        """The best-scoring chosen expert."""
        return self.experts[0]

    @property
    def k(self) -> int:
        """How many experts were chosen."""
        return len(self.experts)

    def probability(self, agent: str) -> float:
        """The probability the router gave `agent` (0 when it was not on the shortlist)."""
        return next((p for name, p in self.ranked if name == agent), 0.0)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (journals of durable runs store routes this way)."""
        return {
            "experts": list(self.experts),
            "ranked": [[name, p] for name, p in self.ranked],
            "topic": self.topic,
            "mode": self.mode,
            "fit": [[name, sim] for name, sim in self.fit],
            "abstain": self.abstain,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Route:
        """The inverse of `to_dict`."""
        return cls(
            experts=tuple(data["experts"]),
            ranked=tuple((str(name), float(p)) for name, p in data["ranked"]),
            topic=int(data["topic"]),
            mode=data["mode"],
            fit=tuple((str(name), float(sim)) for name, sim in data.get("fit", ())),
            abstain=bool(data.get("abstain", False)),
        )

"""Team-wide budgets: hops, tokens and wall time, enforced across every agent of a run."""

from __future__ import annotations

from dataclasses import dataclass

from agora.errors import BudgetExceeded, ConfigError

__all__ = ["Budget", "BudgetTracker"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """Limits for one team run (``None`` means unlimited).

    Attributes:
        hops: envelope deliveries in the whole run.
        tokens: prompt plus completion tokens over all agents.
        wall_time_s: seconds from start to answer.
        max_forwards: forwards along one task's path before its holder must answer or split
            (AgentNet uses 3).

    Example:
        >>> Budget(hops=20, tokens=5_000).tokens
        5000
    """

    hops: int | None = 32
    tokens: int | None = None
    wall_time_s: float | None = 300.0
    max_forwards: int = 3

    def __post_init__(self) -> None:
        for name in ("hops", "tokens", "wall_time_s"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigError(f"Budget.{name} must be > 0 or None, got {value}")
        if self.max_forwards < 0:
            raise ConfigError(f"Budget.max_forwards must be >= 0, got {self.max_forwards}")


class BudgetTracker:
    """Counts what a run has used and raises `BudgetExceeded` the moment a limit is passed.

    Example:
        >>> tracker = BudgetTracker(Budget(hops=1))
        >>> tracker.hop()
        >>> tracker.hop()
        Traceback (most recent call last):
        ...
        agora.errors.BudgetExceeded: team budget for hops exceeded: used 2 of 1. ...
    """

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.hops = 0
        self.tokens = 0

    def hop(self) -> None:
        """Count one delivery."""
        self.hops += 1
        if self.budget.hops is not None and self.hops > self.budget.hops:
            raise BudgetExceeded("hops", limit=self.budget.hops, used=self.hops)

    def check_tokens(self) -> None:
        """Raise if the token budget is already spent (called before each model call)."""
        if self.budget.tokens is not None and self.tokens >= self.budget.tokens:
            raise BudgetExceeded("tokens", limit=self.budget.tokens, used=self.tokens)

    def spend_tokens(self, tokens: int) -> None:
        """Count tokens a model call used; raise if that passed the limit."""
        self.tokens += tokens
        if self.budget.tokens is not None and self.tokens > self.budget.tokens:
            raise BudgetExceeded("tokens", limit=self.budget.tokens, used=self.tokens)

    def remaining_hops(self) -> int | None:
        """Deliveries left, for the envelope's budget field."""
        return None if self.budget.hops is None else max(0, self.budget.hops - self.hops)

    def remaining_tokens(self) -> int | None:
        """Tokens left, for the envelope's budget field."""
        return None if self.budget.tokens is None else max(0, self.budget.tokens - self.tokens)

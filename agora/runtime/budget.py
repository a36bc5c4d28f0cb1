"""Team-wide budgets: hops, tokens and wall time, enforced across every agent of a run."""

from __future__ import annotations

from dataclasses import dataclass
from math import inf

from agora.errors import BudgetExceeded, ConfigError
from agora.models.base import Usage

__all__ = ["Budget", "BudgetTracker"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """Limits for one team run (``None`` means unlimited).

    Attributes:
        hops: envelope deliveries in the whole run.
        tokens: prompt plus completion tokens over all agents.
        cost_usd: US dollars over all agents (models with a `agora.Price`).
        wall_time_s: seconds from start to answer.
        max_forwards: forwards along one task's path; after that its holder is offered no
            neighbours and must answer (AgentNet uses 3).

    Example:
        >>> Budget(hops=20, tokens=5_000).tokens
        5000
    """

    hops: int | None = 32
    tokens: int | None = None
    cost_usd: float | None = None
    wall_time_s: float | None = 300.0
    max_forwards: int = 3

    def __post_init__(self) -> None:
        for name in ("hops", "tokens", "max_forwards"):
            value = getattr(self, name)
            if value is None and name != "max_forwards":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"Budget.{name} must be a non-negative int, got {value!r}")
        if self.hops is not None and self.hops < 2:
            raise ConfigError(
                f"Budget.hops must be >= 2 (a run needs at least the task and its answer), "
                f"got {self.hops}"
            )
        if self.tokens == 0:
            raise ConfigError("Budget.tokens must be > 0 or None")
        cost = self.cost_usd
        if cost is not None and (
            not isinstance(cost, int | float) or isinstance(cost, bool) or not 0 < cost < inf
        ):
            raise ConfigError(f"Budget.cost_usd must be a positive number or None, got {cost!r}")
        wall = self.wall_time_s
        if wall is not None and (
            not isinstance(wall, int | float) or isinstance(wall, bool) or not 0 < wall < inf
        ):
            raise ConfigError(f"Budget.wall_time_s must be a positive number or None, got {wall!r}")


class BudgetTracker:
    """Counts what a run has used and raises `BudgetExceeded` the moment a limit is passed.

    Example:
        >>> tracker = BudgetTracker(Budget(hops=2))
        >>> tracker.hop(); tracker.hop()
        >>> tracker.hop()
        Traceback (most recent call last):
        ...
        agora.errors.BudgetExceeded: team budget for hops exceeded: used 3 of 2. ...
    """

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.hops = 0
        self.tokens = 0
        self.cost_usd = 0.0

    def hop(self) -> None:
        """Count one delivery."""
        self.hops += 1
        if self.budget.hops is not None and self.hops > self.budget.hops:
            raise BudgetExceeded("hops", limit=self.budget.hops, used=self.hops)

    def check_tokens(self) -> None:
        """Raise if the token or cost budget is already spent (called before each model call)."""
        if self.budget.tokens is not None and self.tokens >= self.budget.tokens:
            raise BudgetExceeded("tokens", limit=self.budget.tokens, used=self.tokens)
        if self.budget.cost_usd is not None and self.cost_usd >= self.budget.cost_usd:
            raise BudgetExceeded("cost_usd", limit=self.budget.cost_usd, used=self.cost_usd)

    def count(self, usage: Usage) -> None:
        """Count usage without checking the limits (a failed step's calls, before its error)."""
        self.tokens += usage.total_tokens
        self.cost_usd += usage.cost_usd

    def spend(self, usage: Usage) -> None:
        """Count a model call's tokens and cost; raise if either passed its limit."""
        self.cost_usd += usage.cost_usd
        self.spend_tokens(usage.total_tokens)
        if self.budget.cost_usd is not None and self.cost_usd > self.budget.cost_usd:
            raise BudgetExceeded("cost_usd", limit=self.budget.cost_usd, used=self.cost_usd)

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

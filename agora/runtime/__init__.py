"""Running teams: the network of agents, budgets, events and results, on LangGraph."""

from agora.runtime import events
from agora.runtime.budget import Budget, BudgetTracker
from agora.runtime.result import Result
from agora.runtime.team import Team

__all__ = ["Budget", "BudgetTracker", "Result", "Team", "events"]

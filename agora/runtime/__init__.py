"""Running teams: the evolving network of agents, budgets, events, results and durable runs."""

from agora.runtime import events
from agora.runtime.budget import Budget, BudgetTracker
from agora.runtime.journal import Journal, JournalEpisode, RunInfo, StepRecord
from agora.runtime.network import Network
from agora.runtime.result import Result, RouteRecord
from agora.runtime.team import Team, langgraph_file

__all__ = [
    "Budget",
    "BudgetTracker",
    "JournalEpisode",
    "Journal",
    "Network",
    "Result",
    "RouteRecord",
    "RunInfo",
    "StepRecord",
    "Team",
    "events",
    "langgraph_file",
]

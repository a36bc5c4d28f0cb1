"""Agents: the `Agent`, its typed decisions, its tools, the `Router` and answer aggregation."""

from agora.agents.agent import Agent, Decided
from agora.agents.aggregate import (
    Aggregate,
    Vote,
    aggregate,
    confidence_weighted,
    majority_vote,
    normalize_answer,
)
from agora.agents.decision import (
    AnswerDecision,
    ConsultDecision,
    DecisionOptions,
    ForwardDecision,
    SplitDecision,
    decision_type,
)
from agora.agents.router import Route, Router
from agora.agents.tools import Tool, ToolContext, as_tool

__all__ = [
    "Agent",
    "Aggregate",
    "AnswerDecision",
    "ConsultDecision",
    "Decided",
    "DecisionOptions",
    "ForwardDecision",
    "Route",
    "Router",
    "SplitDecision",
    "Tool",
    "ToolContext",
    "Vote",
    "aggregate",
    "as_tool",
    "confidence_weighted",
    "decision_type",
    "majority_vote",
    "normalize_answer",
]

"""Agents: the `Agent`, its typed decisions, and its tools."""

from agora.agents.agent import Agent, Decided
from agora.agents.decision import (
    AnswerDecision,
    DecisionOptions,
    ForwardDecision,
    SplitDecision,
    decision_type,
)
from agora.agents.tools import Tool, as_tool

__all__ = [
    "Agent",
    "AnswerDecision",
    "Decided",
    "DecisionOptions",
    "ForwardDecision",
    "SplitDecision",
    "Tool",
    "as_tool",
    "decision_type",
]

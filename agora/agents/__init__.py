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
from agora.agents.guard_checks import (
    AsyncCheck,
    Check,
    ContradictionCheck,
    CorroborationCheck,
    FactCheck,
    Finding,
    GuardContext,
    IdentityCheck,
    PersuasionCheck,
    Submission,
    TrustBook,
    TrustCheck,
)
from agora.agents.guardian import Guardian, Verdict, default_checks
from agora.agents.router import Route, Router
from agora.agents.tools import Tool, ToolContext, as_tool

__all__ = [
    "Agent",
    "AsyncCheck",
    "Check",
    "ContradictionCheck",
    "CorroborationCheck",
    "FactCheck",
    "Finding",
    "GuardContext",
    "Guardian",
    "IdentityCheck",
    "PersuasionCheck",
    "Submission",
    "TrustBook",
    "TrustCheck",
    "Verdict",
    "default_checks",
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

"""Agents: the `Agent`, its decisions and tools, the `Router`, guardians, and cross teams.

`CrossTeam` (with its `Pool`, scorers and the grouping arithmetic) runs several teams on one
task and merges their proposals (Cross-Team Collaboration).
"""

from agora.agents.agent import Agent, Decided
from agora.agents.aggregate import (
    Aggregate,
    Vote,
    aggregate,
    confidence_weighted,
    majority_vote,
    normalize_answer,
)
from agora.agents.crossteam import CrossTeam, CrossTeamResult, Merge
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
from agora.agents.pool import (
    Pool,
    aggregation_depth,
    aggregation_temperature,
    partition,
    top_half,
)
from agora.agents.routing import Route, Router
from agora.agents.scoring import (
    CodeScorer,
    Example,
    Scorer,
    count_unimplemented,
    docstring_examples,
    extract_code,
)
from agora.agents.tools import Tool, ToolContext, as_tool

__all__ = [
    "Agent",
    # cross teams
    "CodeScorer",
    "CrossTeam",
    "CrossTeamResult",
    "Example",
    "Merge",
    "Pool",
    "Scorer",
    "aggregation_depth",
    "aggregation_temperature",
    "count_unimplemented",
    "docstring_examples",
    "extract_code",
    "partition",
    "top_half",
    # guardians
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

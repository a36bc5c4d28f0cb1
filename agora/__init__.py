"""agora: teams of LLM agents with typed messages and a decentralized task network.

Example:
    >>> from agora import Agent, Team
    >>> from agora.testing import ScriptedModel
    >>> solo = Agent("solo", ScriptedModel(['{"action": "answer", "answer": "4"}']))
    >>> Team([solo]).run_sync("What is 2 + 2?").answer
    '4'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agora._version import __version__
from agora.agents import (
    Agent,
    CrossTeam,
    CrossTeamResult,
    Decided,
    Guardian,
    Route,
    Router,
    Tool,
    ToolContext,
    Verdict,
)
from agora.embeddings import Embedder, HashEmbedder, MiniLMEmbedder, default_embedder
from agora.errors import (
    AgoraError,
    BudgetExceeded,
    ConfigError,
    DeliveryError,
    IdentityError,
    InvalidRecordError,
    MissingDependencyError,
    ModelError,
    ModelOutputError,
    ModelTransientError,
    ModelUnavailableError,
    ProtocolError,
    RecordNotFoundError,
    RunError,
    ScopeError,
    StoreError,
    ToolError,
    UserError,
)
from agora.identity import Keyring
from agora.memory import (
    Community,
    Entity,
    Episode,
    Fact,
    Goal,
    NetworkXStore,
    Scope,
    SQLiteStore,
    Store,
)
from agora.models import (
    CircuitBreaker,
    FunctionModel,
    Message,
    Model,
    ModelResponse,
    ModelSettings,
    Price,
    RetryPolicy,
    ScriptedModel,
    Usage,
    model_from_spec,
)
from agora.protocols import (
    Alert,
    Answer,
    ClaimSubgoal,
    Conversation,
    Critique,
    Envelope,
    Forward,
    HandOver,
    HelpRequest,
    Insight,
    KnowledgeClaim,
    Proposal,
    ShareDiscovery,
    Split,
    SplitPart,
    Task,
    parse_envelope,
)
from agora.runtime import Budget, Network, Result, Team, events

if TYPE_CHECKING:
    from agora.models.llamacpp import LlamaCppModel
    from agora.models.openai import OpenAIModel

__all__ = [
    "__version__",
    # agents and teams
    "Agent",
    "Budget",
    "CrossTeam",
    "CrossTeamResult",
    "Decided",
    "Guardian",
    "Network",
    "Result",
    "Route",
    "Router",
    "Team",
    "Tool",
    "ToolContext",
    "Verdict",
    "events",
    # identity
    "Keyring",
    # memory
    "Community",
    "Entity",
    "Episode",
    "Fact",
    "Goal",
    "NetworkXStore",
    "SQLiteStore",
    "Scope",
    "Store",
    # embeddings
    "Embedder",
    "HashEmbedder",
    "MiniLMEmbedder",
    "default_embedder",
    # models
    "CircuitBreaker",
    "FunctionModel",
    "LlamaCppModel",
    "Message",
    "Model",
    "ModelResponse",
    "ModelSettings",
    "OpenAIModel",
    "Price",
    "RetryPolicy",
    "ScriptedModel",
    "Usage",
    "model_from_spec",
    # protocols
    "Alert",
    "Answer",
    "Conversation",
    "Critique",
    "Envelope",
    "Forward",
    "Insight",
    "KnowledgeClaim",
    "Proposal",
    "Split",
    "SplitPart",
    "Task",
    "ShareDiscovery",
    "ClaimSubgoal",
    "HelpRequest",
    "HandOver",
    "parse_envelope",
    # errors
    "AgoraError",
    "BudgetExceeded",
    "ConfigError",
    "DeliveryError",
    "IdentityError",
    "InvalidRecordError",
    "MissingDependencyError",
    "ModelError",
    "ModelOutputError",
    "ModelTransientError",
    "ModelUnavailableError",
    "ProtocolError",
    "RecordNotFoundError",
    "RunError",
    "ScopeError",
    "StoreError",
    "ToolError",
    "UserError",
]


def __getattr__(name: str) -> Any:
    if name in ("LlamaCppModel", "OpenAIModel"):
        from agora import models

        return getattr(models, name)
    raise AttributeError(f"module 'agora' has no attribute {name!r}")

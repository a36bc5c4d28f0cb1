"""Typed messages between agents: the `Envelope`, its payload kinds, validation on receipt.

Example:
    >>> from agora.protocols import Envelope, Task, parse_envelope
    >>> env = Envelope(sender="user", recipients=["a"], payload=Task(text="hello"))
    >>> parse_envelope(env.model_dump_json()) == env
    True
"""

from agora.protocols.conversation import USER, Conversation, Holding
from agora.protocols.envelope import (
    MAX_ENVELOPE_BYTES,
    Envelope,
    EnvelopeBudget,
    new_id,
    parse_envelope,
)
from agora.protocols.payloads import (
    PLANNING_KINDS,
    TASK_CARRIERS,
    AgentName,
    Alert,
    Answer,
    ClaimSubgoal,
    Critique,
    Forward,
    HandOver,
    HelpRequest,
    Insight,
    KnowledgeClaim,
    Payload,
    Proposal,
    ShareDiscovery,
    Split,
    SplitPart,
    Task,
)
from agora.protocols.schema import PAYLOAD_TYPES, all_schemas, schema_hash

__all__ = [
    # envelope and parsing
    "Envelope",
    "EnvelopeBudget",
    "MAX_ENVELOPE_BYTES",
    "new_id",
    "parse_envelope",
    # payloads
    "AgentName",
    "Alert",
    "Answer",
    "Critique",
    "Forward",
    "Insight",
    "KnowledgeClaim",
    "Payload",
    "Proposal",
    "Split",
    "SplitPart",
    "Task",
    "TASK_CARRIERS",
    # cooperative planning payloads
    "ShareDiscovery",
    "ClaimSubgoal",
    "HelpRequest",
    "HandOver",
    "PLANNING_KINDS",
    # conversations and schemas
    "Conversation",
    "Holding",
    "USER",
    "PAYLOAD_TYPES",
    "all_schemas",
    "schema_hash",
]

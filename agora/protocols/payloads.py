"""The typed payloads that travel inside an `Envelope`, one class per message kind.

Each payload carries a ``kind`` literal, so `Payload` is a pydantic discriminated union and a
document names its kind explicitly. Free text is bounded (``max_length``) so a hostile or
looping sender cannot make a receiver buffer without limit. Fields are as strict as the JSON
Schema: an integer or number field takes no ``true`` and no ``"1"``, a string field no bytes
and no lone surrogate.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, Strict

from agora._checks import encodable
from agora.protocols._errors import ValidatedModel

__all__ = [
    "AgentName",
    "Alert",
    "Answer",
    "ClaimSubgoal",
    "Critique",
    "Forward",
    "HandOver",
    "HelpRequest",
    "Insight",
    "KnowledgeClaim",
    "PLANNING_KINDS",
    "Payload",
    "Proposal",
    "ShareDiscovery",
    "Split",
    "SplitPart",
    "Task",
    "TASK_CARRIERS",
    "Text",
]


def _utf8(value: str) -> str:
    if not encodable(value):
        raise ValueError("the text holds a lone surrogate, which UTF-8 cannot hold")
    return value


#: A string field: a str (no bytes) that UTF-8 can hold.
Text = Annotated[str, Strict(), AfterValidator(_utf8)]
#: Agent names: 1-64 characters of letters, digits, ``_``, ``-`` and ``.``, the whole string
#: (pydantic's Rust regex engine: ``$`` matches only at the very end, never before a ``\n``).
AgentName = Annotated[str, Strict(), Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")]
#: A probability or confidence: a JSON number in [0, 1] (``true`` is not one).
Probability = Annotated[float, Strict(), Field(ge=0.0, le=1.0)]
#: A JSON integer (``true`` and ``"1"`` are not one).
Int = Annotated[int, Strict()]

MAX_TEXT = 32_000
MAX_SHORT = 500


class _Payload(ValidatedModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Task(_Payload):
    """A request to work on `text`.

    Example:
        >>> Task(text="What is 2 + 2?").kind
        'task'
    """

    kind: Literal["task"] = "task"
    text: Text = Field(min_length=1, max_length=MAX_TEXT, description="What to do.")
    context: Text = Field(
        default="", max_length=MAX_TEXT, description="Background the sender adds."
    )


class Answer(_Payload):
    """The result of a task, sent to whoever awaits it.

    Example:
        >>> Answer(text="4").confidence is None
        True
    """

    kind: Literal["answer"] = "answer"
    text: Text = Field(max_length=MAX_TEXT, description="The answer.")
    confidence: Probability | None = None


class Forward(_Payload):
    """Hands a held task to a neighbour, who then holds it, with the sender's work so far.

    `contribution` is what the sender did on the task before handing it on (notes, a
    draft, partial results); the receiver sees it, and every earlier contribution of the
    same hand-off chain, so a pipeline of agents can each build on the previous output.

    Example:
        >>> Forward(text="Translate 'chat'", reason="language expert").kind
        'forward'
        >>> Forward(text="Write a haiku", contribution="Draft: autumn moon...").contribution
        'Draft: autumn moon...'
    """

    kind: Literal["forward"] = "forward"
    text: Text = Field(min_length=1, max_length=MAX_TEXT, description="The task being handed on.")
    reason: Text = Field(default="", max_length=MAX_SHORT, description="Why this neighbour.")
    contribution: Text = Field(
        default="",
        max_length=MAX_TEXT,
        description="The sender's work on the task so far (notes, a draft, partial results).",
    )


class SplitPart(_Payload):
    """One part of a split: which agent does what."""

    to: AgentName
    text: Text = Field(min_length=1, max_length=MAX_TEXT)
    weight: Probability | None = Field(
        default=None, description="The router's probability for this expert."
    )


class Split(_Payload):
    """Splits a held task into parts, each for one recipient; answers come back to the sender.

    With ``mode="experts"`` every part is the whole task, sent to several experts at once (the
    router's top-K); their answers are combined by `aggregate`: ``"vote"`` (majority),
    ``"weighted"`` (router probability × stated confidence) or ``"synthesize"`` (the sender
    writes one answer from them).

    Example:
        >>> s = Split(text="Plan a trip", parts=[SplitPart(to="flights", text="Find flights")])
        >>> s.parts[0].to
        'flights'
    """

    kind: Literal["split"] = "split"
    text: Text = Field(min_length=1, max_length=MAX_TEXT, description="The task being split.")
    parts: list[SplitPart] = Field(min_length=1, max_length=16)
    mode: Literal["parts", "experts"] = "parts"
    aggregate: Literal["synthesize", "vote", "weighted"] = "synthesize"


class KnowledgeClaim(_Payload):
    """An assertion an agent wants shared: a subject-relation-object triple plus text.

    Example:
        >>> KnowledgeClaim(subject="Paris", relation="capital_of", object="France").kind
        'knowledge_claim'
    """

    kind: Literal["knowledge_claim"] = "knowledge_claim"
    subject: Text = Field(min_length=1, max_length=MAX_SHORT)
    relation: Text = Field(min_length=1, max_length=MAX_SHORT)
    object: Text = Field(min_length=1, max_length=MAX_SHORT)
    text: Text = Field(default="", max_length=MAX_TEXT)
    confidence: Probability = 0.5


class Critique(_Payload):
    """A review of an earlier message (named by the envelope's ``parent_id``)."""

    kind: Literal["critique"] = "critique"
    verdict: Literal["agree", "disagree", "unsure"]
    text: Text = Field(default="", max_length=MAX_TEXT)


class Alert(_Payload):
    """A warning to the team, for example from a guardian about suspicious knowledge."""

    kind: Literal["alert"] = "alert"
    level: Literal["info", "warning", "critical"] = "warning"
    text: Text = Field(min_length=1, max_length=MAX_TEXT)


class Proposal(_Payload):
    """A team's candidate solution to a task several teams work on (`agora.agents.CrossTeam`).

    The envelope's sender is the team (or the aggregator that merged it) and its signature
    is that team's; the envelope's ``parent_id`` names the shared task.

    Example:
        >>> Proposal(text="def f(): return 1").layer
        0
        >>> Proposal(text="merged", layer=1, sources=["a1", "b2"]).sources
        ['a1', 'b2']
    """

    kind: Literal["proposal"] = "proposal"
    text: Text = Field(min_length=1, max_length=MAX_TEXT, description="The solution.")
    layer: int = Field(
        default=0,
        ge=0,
        le=64,
        strict=True,
        description="0: a team's own solution; n: merged at aggregation depth n.",
    )
    sources: list[Annotated[Text, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        max_length=64,
        description="Ids of the proposals this one merges or revises.",
    )


class Insight(_Payload):
    """A lesson a team shares with the other teams about its work on a common task.

    The envelope's ``parent_id`` names the proposal the lesson comes from.

    Example:
        >>> Insight(text="runs; passes 2 of 3 examples").kind
        'insight'
    """

    kind: Literal["insight"] = "insight"
    text: Text = Field(min_length=1, max_length=MAX_TEXT, description="The lesson.")


# --- cooperative planning: what agents share while they work toward one goal -------------
# DAMCS-style: agents share discoveries and summaries of their goal and unmet prerequisites,
# never raw history; items move by a typed, signed hand-over.


class ShareDiscovery(_Payload):
    """Announces where something useful was found (a resource, a station) for teammates.

    Example:
        >>> ShareDiscovery(what="iron", position=[12, 40]).position
        [12, 40]
    """

    kind: Literal["share_discovery"] = "share_discovery"
    what: Text = Field(min_length=1, max_length=MAX_SHORT, description="What was found.")
    position: list[Int] = Field(
        min_length=2, max_length=3, description="Where, in the world's coordinates."
    )
    text: Text = Field(default="", max_length=MAX_TEXT, description="Anything to add.")


class ClaimSubgoal(_Payload):
    """Claims a subgoal so teammates divide the work, or says it is done or released.

    It carries the sender's goal summary, not its history: the goal the subgoal serves and
    the prerequisites still unmet. Receivers that depend on the subgoal re-plan on a change.

    Example:
        >>> c = ClaimSubgoal(subgoal="collect iron", goal="collect diamond",
        ...                  unmet=["stone_pickaxe"])
        >>> c.status, c.unmet
        ('claimed', ['stone_pickaxe'])
    """

    kind: Literal["claim_subgoal"] = "claim_subgoal"
    subgoal: Text = Field(min_length=1, max_length=MAX_SHORT, description="What the sender does.")
    goal: Text = Field(default="", max_length=MAX_SHORT, description="The goal it serves.")
    status: Literal["claimed", "done", "released"] = "claimed"
    unmet: list[Text] = Field(
        default_factory=list, max_length=64, description="Prerequisites still unmet."
    )
    target: list[Int] | None = Field(
        default=None, min_length=2, max_length=3, description="Where the sender is heading."
    )


class HelpRequest(_Payload):
    """Asks teammates for `count` of an item (``count=0`` withdraws an earlier request).

    Example:
        >>> HelpRequest(need="stone", count=4, goal="place furnace").count
        4
    """

    kind: Literal["help_request"] = "help_request"
    need: Text = Field(min_length=1, max_length=MAX_SHORT, description="The item needed.")
    count: Int = Field(ge=0, le=1_000_000, description="How many are still needed.")
    goal: Text = Field(default="", max_length=MAX_SHORT, description="What they are for.")
    unmet: list[Text] = Field(
        default_factory=list, max_length=64, description="The sender's unmet prerequisites."
    )


class HandOver(_Payload):
    """Gives `count` of an item to teammate `to`; the world moves it once it checks the sender.

    Example:
        >>> HandOver(item="wood", count=1, to="agent0", reason="for the table").to
        'agent0'
    """

    kind: Literal["hand_over"] = "hand_over"
    item: Text = Field(min_length=1, max_length=MAX_SHORT, description="The item given.")
    count: Int = Field(default=1, ge=1, le=1_000_000, description="How many.")
    to: AgentName = Field(description="The teammate who receives it.")
    reason: Text = Field(default="", max_length=MAX_SHORT, description="Why.")


#: Every payload kind, discriminated by ``kind``.
Payload = Annotated[
    Task
    | Answer
    | Forward
    | Split
    | KnowledgeClaim
    | Critique
    | Alert
    | Proposal
    | Insight
    | ShareDiscovery
    | ClaimSubgoal
    | HelpRequest
    | HandOver,
    Field(discriminator="kind"),
]

#: The kinds of cooperative planning (`agora.evals.planning` plays them).
PLANNING_KINDS: frozenset[str] = frozenset(
    {"share_discovery", "claim_subgoal", "help_request", "hand_over"}
)

#: Kinds whose receiver holds a task afterwards (and may answer, forward or split it).
TASK_CARRIERS: frozenset[str] = frozenset({"task", "forward", "split"})

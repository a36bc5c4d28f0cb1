"""The records memory holds: L0 episodes, L1 entities and facts, L2 communities, L3 goals.

Times are seconds since the epoch (UTC, ``time.time()``); ``valid_to=None`` means still valid.
Records check their own fields on construction and raise `InvalidRecordError` naming the field.

Example:
    >>> paris = Entity.named("Paris", type="city")
    >>> france = Entity.named("France", type="country")
    >>> fact = Fact.triple(paris, "capital_of", france, agent="a1", valid_from=0.0)
    >>> fact.text, fact.scope.key, fact.status
    ('Paris capital_of France', 'agent:a1', 'active')
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Literal, get_args

from agora._checks import NAME_RULE, encodable, is_name, is_number, shown
from agora.errors import InvalidRecordError
from agora.memory.scope import Scope

__all__ = [
    "Community",
    "Entity",
    "Episode",
    "Fact",
    "FactStatus",
    "Goal",
    "GoalStatus",
    "new_id",
    "normalize_name",
]

#: Lifecycle of a fact. Quarantined facts are hidden from default reads; superseded ones are
#: history: their ``valid_to`` is closed and time-filtered reads still find them.
FactStatus = Literal["active", "disputed", "quarantined", "superseded"]
#: Lifecycle of a goal.
GoalStatus = Literal["open", "done", "abandoned"]

FACT_STATUSES: tuple[FactStatus, ...] = get_args(FactStatus)
GOAL_STATUSES: tuple[GoalStatus, ...] = get_args(GoalStatus)
MAX_TEXT = 32_000
MAX_SHORT = 500
#: Times records accept, in seconds since the epoch: years 1 to 9999 (what `datetime`, and
#: so every date rendering of a fact, can represent; a float holds them exactly enough).
MIN_TIME = -62_135_596_800.0
MAX_TIME = 253_402_300_799.0
_SPACES = re.compile(r"\s+")


def _own_scope() -> Scope:
    # Default of ``scope`` fields, replaced by the owning agent's own scope on construction.
    # Built past Scope's own checks: it is the one invalid scope, and it never leaves here.
    sentinel = object.__new__(Scope)
    for name, value in (("level", "agent"), ("agent_id", ""), ("team_id", None)):
        object.__setattr__(sentinel, name, value)
    return sentinel


_OWN = _own_scope()


def new_id(prefix: str) -> str:
    """A fresh random id such as ``f_3f2a...``.

    Example:
        >>> new_id("f").startswith("f_")
        True
    """
    return f"{prefix}_{uuid.uuid4().hex}"


def normalize_name(name: str) -> str:
    """The form entity names are matched in: case-folded, spaces collapsed.

    Example:
        >>> normalize_name("  New   York ")
        'new york'
    """
    if not isinstance(name, str):
        raise InvalidRecordError(
            f"an entity name is a string, got {type(name).__name__}", field="name"
        )
    return _SPACES.sub(" ", name).strip().casefold()


def _text(value: str, name: str, *, limit: int = MAX_SHORT, empty: bool = False) -> None:
    if (
        not isinstance(value, str)
        or (not empty and not value.strip())
        or len(value) > limit
        or not encodable(value)
    ):
        surrogate = isinstance(value, str) and not encodable(value)
        raise InvalidRecordError(
            f"{name} must be a {'' if empty else 'non-empty '}string of at most {limit} "
            f"characters{' that UTF-8 can hold (no lone surrogates)' if surrogate else ''}, "
            f"got {shown(value)}",
            field=name,
        )


def _name(value: str, name: str) -> None:
    if not is_name(value):
        raise InvalidRecordError(
            f"{name} {shown(value)} is not a valid agent name: use {NAME_RULE}", field=name
        )


def _ids(values: tuple[str, ...], name: str, what: str) -> None:
    if not isinstance(values, tuple):
        raise InvalidRecordError(
            f"{name} must be a tuple of {what} ids, got {type(values).__name__}", field=name
        )
    for value in values:
        _text(value, name)


def _time(value: float | None, name: str) -> None:
    if type(value) is float and MIN_TIME <= value <= MAX_TIME:  # the common case, fast (NaN fails)
        return
    if value is not None and not (is_number(value) and MIN_TIME <= value <= MAX_TIME):
        raise InvalidRecordError(
            f"{name} must be an epoch time in seconds (years 1-9999, a finite int or float), "
            f"got {shown(value)}",
            field=name,
        )


def _scope(scope: Scope) -> None:
    if not isinstance(scope, Scope):
        raise InvalidRecordError(
            f"scope must be an agora.memory.Scope, got {type(scope).__name__}; "
            "build one with Scope.agent(name, team=...)",
            field="scope",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Episode:
    """L0: a raw message or observation, as one agent saw it.

    An episode of a message (what a team run writes for each envelope) also names the
    message, its conversation and recipients, and whether its signature was checked; the
    agent is then the sender (``user`` for the caller's task). The message fields stay
    ``None`` (or empty) for an observation.

    Example:
        >>> Episode(agent="a1", text="The sky is blue").scope.key
        'agent:a1'
        >>> said = Episode(agent="a1", text="Paris", kind="answer", message_id="m2",
        ...                conversation_id="c1", recipients=("user",))
        >>> said.recipients, said.verified
        (('user',), None)
    """

    agent: str
    """The agent that saw or said it (for a message: its sender)."""
    text: str
    """The raw content."""
    kind: str = "observation"
    """What it is: ``message``, ``observation``, ``answer``..."""
    scope: Scope = field(default=_OWN)
    """Who may read it; defaults to the agent's own scope."""
    id: str = field(default_factory=lambda: new_id("ep"))
    """Unique id."""
    created_at: float = field(default_factory=time.time)
    """When it happened."""
    conversation_id: str | None = None
    """For a message: the conversation (team run) it belongs to."""
    message_id: str | None = None
    """For a message: the id of its envelope."""
    parent_id: str | None = None
    """For a message: the id of the envelope it replies to or continues."""
    recipients: tuple[str, ...] = ()
    """For a message: who it was sent to (``user`` for the caller)."""
    verified: bool | None = None
    """For a message: ``True``/``False`` when its signature was checked and held or failed;
    ``None`` when nothing was checked (an unsigned run, or not a message)."""

    def __post_init__(self) -> None:
        _name(self.agent, "agent")
        _text(self.text, "text", limit=MAX_TEXT)
        _text(self.kind, "kind", limit=64)
        _text(self.id, "id")
        _time(self.created_at, "created_at")
        if self.scope is _OWN:
            object.__setattr__(self, "scope", Scope.agent(self.agent))
        _scope(self.scope)
        for name in ("conversation_id", "message_id", "parent_id"):
            if getattr(self, name) is not None:
                _text(getattr(self, name), name)
        if not isinstance(self.recipients, tuple):
            raise InvalidRecordError(
                f"recipients must be a tuple of agent names, got {type(self.recipients).__name__}",
                field="recipients",
            )
        for recipient in self.recipients:
            _name(recipient, "recipients")
        if self.verified is not None and not isinstance(self.verified, bool):
            raise InvalidRecordError(
                f"verified must be True, False or None, got {shown(self.verified)}",
                field="verified",
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class Entity:
    """L1: a thing facts are about. Its id is derived from its normalized name and type.

    Example:
        >>> Entity.named("Paris").id == Entity.named("  paris ").id
        True
    """

    id: str
    """Unique id."""
    name: str
    """Display name."""
    type: str = ""
    """Optional type such as ``person`` or ``city``."""
    norm: str = ""
    """Normalized name; computed from `name` when empty."""

    def __post_init__(self) -> None:
        _text(self.id, "id")
        _text(self.name, "name")
        _text(self.type, "type", limit=64, empty=True)
        if self.norm == "":
            object.__setattr__(self, "norm", normalize_name(self.name))
        _text(self.norm, "norm", empty=True)

    @classmethod
    def named(cls, name: str, *, type: str = "") -> Entity:
        """The entity for `name` (and `type`), with its deterministic id.

        Example:
            >>> Entity.named("Paris", type="city").id
            'e_...'
        """
        _text(name, "name")
        _text(type, "type", limit=64, empty=True)
        digest = hashlib.blake2b(f"{normalize_name(name)}\x1f{type}".encode(), digest_size=10)
        return cls(id=f"e_{digest.hexdigest()}", name=name, type=type)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """L1: a subject-relation-object triple with text, provenance, confidence and validity.

    The object is another entity (`object_id`) or a literal value (`literal`), never both.

    Example:
        >>> Fact(subject="e_1", relation="age", literal="42", agents=("a1",)).object_id is None
        True
    """

    subject: str
    """Id of the subject entity."""
    relation: str
    """The relation, e.g. ``capital_of``."""
    object_id: str | None = None
    """Id of the object entity, when the object is an entity."""
    literal: str | None = None
    """The object value, when it is not an entity."""
    text: str = ""
    """The fact in words (searched by full-text search)."""
    agents: tuple[str, ...] = ()
    """Provenance: the agents that asserted it (at least one)."""
    episodes: tuple[str, ...] = ()
    """Provenance: ids of the episodes it came from."""
    confidence: float = 0.5
    """Belief in the fact, within 0..1."""
    valid_from: float = field(default_factory=time.time)
    """Start of validity in the world."""
    valid_to: float | None = None
    """End of validity, or ``None`` while still valid."""
    recorded_at: float = field(default_factory=time.time)
    """When memory learnt it."""
    status: FactStatus = "active"
    """Lifecycle state."""
    scope: Scope = field(default=_OWN)
    """Who may read it; defaults to the first asserting agent's own scope."""
    promoted_by: str | None = None
    """The agent or process that last promoted it to a wider scope."""
    id: str = field(default_factory=lambda: new_id("f"))
    """Unique id."""

    def __post_init__(self) -> None:
        _text(self.id, "id")
        _text(self.subject, "subject")
        _text(self.relation, "relation")
        _text(self.text, "text", limit=MAX_TEXT, empty=True)
        if (self.object_id is None) == (self.literal is None):
            raise InvalidRecordError(
                "a fact needs exactly one of object_id (an entity) or literal (a value)",
                field="object_id",
            )
        if self.object_id is not None:
            _text(self.object_id, "object_id")
        else:
            _text(self.literal, "literal")  # type: ignore[arg-type]
        self._check_provenance()
        if not is_number(self.confidence) or not 0.0 <= self.confidence <= 1.0:
            raise InvalidRecordError(
                f"confidence must be within 0..1, got {self.confidence!r}", field="confidence"
            )
        for name in ("valid_from", "valid_to", "recorded_at"):
            _time(getattr(self, name), name)
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise InvalidRecordError("valid_to must not precede valid_from", field="valid_to")
        if not isinstance(self.status, str) or self.status not in FACT_STATUSES:
            raise InvalidRecordError(
                f"status must be one of {FACT_STATUSES}, got {self.status!r}", field="status"
            )
        if self.scope is _OWN:
            object.__setattr__(self, "scope", Scope.agent(self.agents[0]))
        _scope(self.scope)
        if self.promoted_by is not None:
            _text(self.promoted_by, "promoted_by")

    def _check_provenance(self) -> None:
        if not isinstance(self.agents, tuple) or not self.agents:
            raise InvalidRecordError(
                "agents must be a non-empty tuple: every fact is attributable", field="agents"
            )
        for agent in self.agents:
            _name(agent, "agents")
        _ids(self.episodes, "episodes", "episode")

    @classmethod
    def triple(
        cls, subject: Entity, relation: str, obj: Entity | str, *, agent: str, **fields: object
    ) -> Fact:
        """A fact between entities (or an entity and a literal), its text made from the names.

        Example:
            >>> Fact.triple(Entity.named("Ada"), "born", "1815", agent="a1").literal
            '1815'
        """
        name = obj.name if isinstance(obj, Entity) else obj
        ref = {"object_id": obj.id} if isinstance(obj, Entity) else {"literal": obj}
        fields.setdefault("text", f"{subject.name} {relation} {name}")
        return cls(subject=subject.id, relation=relation, agents=(agent,), **ref, **fields)  # type: ignore[arg-type]

    def valid_at(self, when: float) -> bool:
        """Whether the fact held at time `when`.

        Example:
            >>> Fact(subject="e", relation="r", literal="x", agents=("a",),
            ...      valid_from=10.0, valid_to=20.0).valid_at(15.0)
            True
        """
        return self.valid_from <= when and (self.valid_to is None or when < self.valid_to)


@dataclass(frozen=True, slots=True, kw_only=True)
class Community:
    """L2: a group of related entities with a short summary (a topic).

    Example:
        >>> Community(id="c1", members=("e_1", "e_2"), summary="a topic").level
        0
    """

    id: str
    """Unique id."""
    members: tuple[str, ...]
    """Ids of the member entities."""
    summary: str = ""
    """What the community is about."""
    level: int = 0
    """Hierarchy level: 0 groups entities, higher levels group lower communities."""

    def __post_init__(self) -> None:
        _text(self.id, "id")
        _text(self.summary, "summary", limit=MAX_TEXT, empty=True)
        if not isinstance(self.members, tuple) or not self.members:
            raise InvalidRecordError("members must be a non-empty tuple", field="members")
        _ids(self.members, "members", "entity")
        if len(set(self.members)) < len(self.members):
            raise InvalidRecordError("members must not repeat an entity id", field="members")
        if not isinstance(self.level, int) or isinstance(self.level, bool) or self.level < 0:
            raise InvalidRecordError(
                f"level must be an int >= 0, got {shown(self.level)}", field="level"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class Goal:
    """L3: a goal or long-term plan, linked to the facts that support it.

    Example:
        >>> g = Goal(agent="a1", text="craft a pickaxe")
        >>> g.status, g.parent, g.scope.key
        ('open', None, 'agent:a1')
    """

    agent: str
    """The agent that owns it."""
    text: str
    """What the goal is."""
    parent: str | None = None
    """The long-term goal this one serves, if any."""
    status: GoalStatus = "open"
    """Lifecycle state."""
    facts: tuple[str, ...] = ()
    """Ids of the facts that support it."""
    scope: Scope = field(default=_OWN)
    """Who may read it; defaults to the agent's own scope."""
    id: str = field(default_factory=lambda: new_id("g"))
    """Unique id."""

    def __post_init__(self) -> None:
        _text(self.id, "id")
        _name(self.agent, "agent")
        _text(self.text, "text", limit=MAX_TEXT)
        if self.parent is not None:
            _text(self.parent, "parent")
        if not isinstance(self.status, str) or self.status not in GOAL_STATUSES:
            raise InvalidRecordError(
                f"status must be one of {GOAL_STATUSES}, got {self.status!r}", field="status"
            )
        _ids(self.facts, "facts", "fact")
        if self.parent == self.id:
            raise InvalidRecordError("a goal cannot be its own parent", field="parent")
        if self.scope is _OWN:
            object.__setattr__(self, "scope", Scope.agent(self.agent))
        _scope(self.scope)

"""Write rules shared by every backend (internal).

Who may write which scope, which statuses a caller may set, and the text tokens both
full-text indexes agree on.
"""

from __future__ import annotations

import re

from agora.errors import InvalidRecordError, ScopeError, UserError
from agora.memory.records import Entity, Episode, Fact, FactStatus, Goal
from agora.memory.scope import Scope

SETTABLE: tuple[FactStatus, ...] = ("active", "disputed", "quarantined")
# Same split as SQLite FTS5's default unicode61 tokenizer: runs of letters and digits.
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Lower-cased letter/digit runs of `text`, as FTS5's unicode61 tokenizer splits them."""
    return _TOKEN.findall(text.lower())


def check_query(text: object) -> None:
    """Raise `UserError` unless `text` is a search query string."""
    if not isinstance(text, str):
        raise UserError(f"search() takes the query as text, got {type(text).__name__}")


def require(value: object, kind: type, what: str) -> None:
    """Raise `InvalidRecordError` unless `value` is a `kind` (a record, not a dict or text)."""
    if not isinstance(value, kind):
        raise InvalidRecordError(
            f"expected {what} as an agora.memory.{kind.__name__}, got {type(value).__name__}; "
            f"build one with {kind.__name__}(...)",
            field=what,
        )


def check_entity(entity: Entity) -> None:
    """Raise `InvalidRecordError` unless `entity` is an `Entity`."""
    require(entity, Entity, "entity")


def check_episode(episode: Episode) -> None:
    """Raise `ScopeError` unless the episode sits in its own agent's scope."""
    require(episode, Episode, "episode")
    _own(episode.scope, episode.agent, "episode")


def check_fact(fact: Fact) -> None:
    """Raise `ScopeError` unless the fact sits in the scope of one of its asserting agents."""
    require(fact, Fact, "fact")
    scope = fact.scope
    if scope.level != "agent" or scope.agent_id not in fact.agents:
        raise ScopeError(
            f"fact {fact.id} is written to {scope.key}, but an agent writes only its own scope "
            f"(one of {', '.join(fact.agents)}); reach team or global scope with promote()"
        )


def check_goal(goal: Goal, stored: Scope | None) -> None:
    """Raise `ScopeError` unless the goal is in its owner's scope, or keeps its stored scope."""
    require(goal, Goal, "goal")
    if stored is None or goal.scope != stored:
        _own(goal.scope, goal.agent, "goal")


def check_settable(status: str) -> None:
    """Raise `InvalidRecordError` unless `status` may be set directly."""
    if status not in SETTABLE:
        raise InvalidRecordError(
            f"status {status!r} cannot be set directly; use one of {SETTABLE} "
            "(a fact becomes superseded through supersede())",
            field="status",
        )


def check_supersede(old: Fact, new: Fact) -> None:
    """Raise `InvalidRecordError` unless `new` may replace `old`."""
    if old.status == "superseded":
        raise InvalidRecordError(
            f"fact {old.id} is already superseded; supersede its successor instead",
            field="status",
        )
    if new.valid_from < old.valid_from:
        raise InvalidRecordError(
            f"the new fact's valid_from ({new.valid_from}) precedes the old one's "
            f"({old.valid_from}); a newer fact must start no earlier than the one it replaces",
            field="valid_from",
        )
    check_fact(new)


def closed(old: Fact, at: float) -> float:
    """The valid_to of `old` once superseded at `at` (never later than it already was)."""
    return at if old.valid_to is None else min(old.valid_to, at)


def _own(scope: Scope, agent: str, what: str) -> None:
    if scope != Scope.agent(agent, team=scope.team_id) or scope.level != "agent":
        raise ScopeError(
            f"this {what} is written to {scope.key}, but agent {agent!r} writes only its own "
            "scope; reach team or global scope with promote()"
        )

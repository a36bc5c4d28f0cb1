"""Write rules shared by every backend (internal).

Who may write which scope, which statuses a caller may set, and the text tokens both
full-text indexes agree on.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import lru_cache
from typing import TypeVar

from agora._checks import check_int, check_number, check_text, shown
from agora.errors import InvalidRecordError, ScopeError, UserError
from agora.memory.records import (
    FACT_STATUSES,
    GOAL_STATUSES,
    MAX_SHORT,
    MAX_TIME,
    MIN_TIME,
    Community,
    Entity,
    Episode,
    Fact,
    FactStatus,
    Goal,
)
from agora.memory.scope import Scope

R = TypeVar("R")
#: The largest `limit` (or community level) a call takes; a larger int would not fit an
#: SQLite integer.
MAX_LIMIT = 2**31 - 1

SETTABLE: tuple[FactStatus, ...] = ("active", "disputed", "quarantined")
# Same split as SQLite FTS5's default unicode61 tokenizer: runs of letters and digits.
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Lower-cased letter/digit runs of `text`, as FTS5's unicode61 tokenizer splits them."""
    return _TOKEN.findall(text.lower())


def check_query(text: object, limit: object) -> None:
    """Raise `UserError` unless `text` is a search query string and `limit` an int."""
    if not isinstance(text, str):
        raise UserError(f"search() takes the query as text, got {type(text).__name__}")
    check_text(text, "search() query", error=UserError)
    check_limit(limit)


# -- arguments of reads --------------------------------------------------------------------


def check_id(value: object, name: str) -> None:
    """Raise `UserError` unless `value` is a record id: text SQLite can hold."""
    check_text(value, name, error=UserError)


def check_filters(
    *,
    scope: object = None,
    valid_at: object = None,
    statuses: object = None,
    limit: object = None,
    limit_none: bool = True,
) -> None:
    """Raise `UserError` unless the standard read filters are well-typed.

    `scope` is ``None`` or a `Scope`; `valid_at` ``None`` or a finite time; `statuses`
    ``None`` or a collection (not a string) of fact statuses; `limit` an int (or ``None``
    where `limit_none`).
    """
    if scope is not None and not isinstance(scope, Scope):
        raise UserError(
            f"scope must be a Scope (e.g. Scope.agent('a1', team='t1')) or None, got "
            f"{type(scope).__name__}; parse a key with Scope.parse()"
        )
    check_number(valid_at, "valid_at", low=MIN_TIME, high=MAX_TIME, none=True, error=UserError)
    if statuses is not None:
        if isinstance(statuses, str) or not isinstance(statuses, Collection):
            raise UserError(
                f"statuses must be a collection of statuses such as ['active'], got "
                f"{shown(statuses)}"
            )
        for status in statuses:
            if not isinstance(status, str) or status not in FACT_STATUSES:
                raise UserError(
                    f"statuses holds {shown(status)}, not a fact status; use {FACT_STATUSES}"
                )
    check_limit(limit, none=limit_none)


def check_text_filters(**filters: object) -> None:
    """Raise `UserError` unless each of `filters` is ``None`` or text (an id, a relation)."""
    for name, value in filters.items():
        check_text(value, name, none=True, error=UserError)


def check_int_filters(**filters: object) -> None:
    """Raise `UserError` unless each of `filters` is ``None`` or an int SQLite can bind."""
    for name, value in filters.items():
        check_int(value, name, low=-MAX_LIMIT, high=MAX_LIMIT, none=True, error=UserError)


def check_goal_filters(scope: object, parent: object, status: object) -> None:
    """Raise `UserError` unless the filters of `Store.goals` are well-typed."""
    check_filters(scope=scope)
    check_text(parent, "parent", none=True, error=UserError)
    if status is not None and not (isinstance(status, str) and status in GOAL_STATUSES):
        raise UserError(f"status must be one of {GOAL_STATUSES} or None, got {shown(status)}")


def check_ids(values: object, name: str) -> list[str]:
    """Raise `UserError` unless `values` is a collection of ids (not one id); list them."""
    if isinstance(values, str):
        raise UserError(f"{name} takes a collection of ids; wrap a single id in a list")
    if not isinstance(values, Iterable):
        raise UserError(f"{name} must be a collection of ids, got {type(values).__name__}")
    items = list(values)
    for item in items:
        check_id(item, name)
    return items


def check_hops(hops: object, limit: object = 1) -> None:
    """Raise `UserError` unless `hops` is an int >= 0 and `limit` an int."""
    check_int(hops, "hops", low=0, error=UserError)
    check_limit(limit)


def check_limit(limit: object, *, none: bool = False) -> None:
    """Raise `UserError` unless `limit` is an int SQLite can bind (at most `MAX_LIMIT`)."""
    check_int(limit, "limit", high=MAX_LIMIT, none=none, error=UserError)


# -- records --------------------------------------------------------------------------------


def records(items: object, kind: type[R], what: str) -> list[R]:
    """`items` as a list, each one checked to be a `kind` (`require`)."""
    if isinstance(items, kind | str | bytes | dict):
        raise InvalidRecordError(
            f"expected an iterable of agora.memory.{kind.__name__} as {what}s, got "
            f"{type(items).__name__}; pass a list, e.g. [{what}]",
            field=what,
        )
    try:
        listed: list[R] = list(items)  # type: ignore[call-overload]
    except TypeError:
        raise InvalidRecordError(
            f"expected an iterable of agora.memory.{kind.__name__} as {what}s, got "
            f"{type(items).__name__}",
            field=what,
        ) from None
    for item in listed:
        require(item, kind, what)
    return listed


def require(value: object, kind: type, what: str) -> None:
    """Raise `InvalidRecordError` unless `value` is a `kind` (a record, not a dict or text).

    Records check their fields on construction, so a store needs only the type; the scope,
    which decides whether a row can be read back, is checked again (`check_scope`) in case
    it was built past its constructor (``object.__new__``, ``pickle``).
    """
    if not isinstance(value, kind):
        raise InvalidRecordError(
            f"expected {what} as an agora.memory.{kind.__name__}, got {type(value).__name__}; "
            f"build one with {kind.__name__}(...)",
            field=what,
        )


def check_scope(scope: object) -> None:
    """Raise `InvalidRecordError` unless `scope` is a well-formed `Scope` (`valid_scope`)."""
    if not valid_scope(scope):
        raise InvalidRecordError(
            f"the record's scope {shown(scope)} is malformed (built past Scope's checks); build "
            "scopes with Scope.agent(), Scope.team() or Scope.GLOBAL",
            field="scope",
        )


def valid_scope(scope: object) -> bool:
    """Whether `scope` is a `Scope` whose key parses back to it (so its rows stay readable).

    Example:
        >>> valid_scope(Scope.team("t1")), valid_scope("team:t1")
        (True, False)
    """
    if not isinstance(scope, Scope):
        return False
    try:
        return _round_trips(scope)
    except (TypeError, AttributeError):  # unhashable or missing fields: built past the checks
        return False


@lru_cache(maxsize=1024)
def _round_trips(scope: Scope) -> bool:
    try:
        return Scope.parse(scope.key) == scope
    except InvalidRecordError:
        return False


def check_level(level: object) -> None:
    """Raise `InvalidRecordError` unless `level` is a community level (an int >= 0)."""
    check_int(level, "level", low=0, high=MAX_LIMIT, error=InvalidRecordError)


def check_promotion(to: object, by: object) -> None:
    """Raise unless `to` is a `Scope` and `by` names who promotes (text of up to 500 chars)."""
    if not isinstance(to, Scope):
        raise UserError(
            f"promote() takes the target as a Scope (e.g. Scope.team('t1')), got "
            f"{type(to).__name__}"
        )
    check_scope(to)
    check_text(by, "by", empty=False, limit=MAX_SHORT, error=InvalidRecordError)


def check_entity(entity: Entity) -> None:
    """Raise `InvalidRecordError` unless `entity` is an `Entity`."""
    require(entity, Entity, "entity")


def check_community(community: Community) -> None:
    """Raise `InvalidRecordError` unless `community` is a `Community`."""
    require(community, Community, "community")


def check_episode(episode: Episode) -> None:
    """Raise `ScopeError` unless the episode sits in its own agent's scope."""
    require(episode, Episode, "episode")
    check_scope(episode.scope)
    _own(episode.scope, episode.agent, "episode")


def check_fact(fact: Fact) -> None:
    """Raise `ScopeError` unless the fact sits in a well-formed scope of one of its agents."""
    check_fact_owner(fact)
    check_scope(fact.scope)


def check_fact_owner(fact: Fact) -> None:
    """`check_fact` but for the scope's form (the bulk path checks each distinct scope once)."""
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
    check_scope(goal.scope)
    if stored is None or goal.scope != stored:
        _own(goal.scope, goal.agent, "goal")


def check_settable(status: str) -> None:
    """Raise `InvalidRecordError` unless `status` may be set directly."""
    if not isinstance(status, str) or status not in SETTABLE:
        raise InvalidRecordError(
            f"status {shown(status)} cannot be set directly; use one of {SETTABLE} "
            "(a fact becomes superseded through supersede())",
            field="status",
        )


def check_supersede(old: Fact, new: Fact) -> None:
    """Raise `InvalidRecordError` unless `new` may replace `old`."""
    require(new, Fact, "fact")
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

"""Row encoding and query fragments of `SQLiteStore` (internal)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Collection, Iterable
from functools import lru_cache
from typing import Any, TypeVar

from agora.errors import InvalidRecordError
from agora.memory import _rules
from agora.memory.records import Community, Entity, Episode, Fact, Goal
from agora.memory.scope import Scope
from agora.memory.store import default_statuses

FACT_COLUMNS = (
    "f.id, s.id, f.relation, o.id, f.literal, f.text, f.agents, f.episodes, f.confidence, "
    "f.valid_from, f.valid_to, f.recorded_at, f.status, f.scope, f.promoted_by"
)
#: Joins a fact row ``f`` to its entities, for the ids in `FACT_COLUMNS`.
ENTITY_JOINS = "JOIN entities s ON s.rowid = f.subject LEFT JOIN entities o ON o.rowid = f.object"
FACT_FROM = f"facts f {ENTITY_JOINS}"
INSERT_FACT = (
    "INSERT INTO facts(id, subject, relation, object, literal, text, agents, episodes, "
    "confidence, valid_from, valid_to, recorded_at, status, scope, promoted_by) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
GOAL_COLUMNS = "id, agent, text, parent, status, facts, scope"
EPISODE_COLUMNS = (
    "id, scope, agent, kind, text, created_at, conversation_id, message_id, parent_id, "
    "recipients, verified"
)
R = TypeVar("R")
#: What decoding a row may raise when an older agora wrote it with a field this one rejects
#: (a scope key that does not parse, provenance that is not a JSON list).
_UNREADABLE = (InvalidRecordError, ValueError, TypeError)


@lru_cache(maxsize=4096)
def scope_of(key: str) -> Scope:
    """The `Scope` stored as `key` (cached: few distinct scopes, many rows)."""
    return Scope.parse(key)


def fact_row(fact: Fact, subject: int, obj: int | None) -> tuple[Any, ...]:
    """The INSERT_FACT parameters of one `fact`, its entities given as rowids (no checks)."""
    return _row(
        fact, subject, obj, fact.scope.key, json.dumps(fact.agents), json.dumps(fact.episodes)
    )


def fact_rows(facts: list[Fact], rowids: dict[str, int]) -> tuple[list[tuple[Any, ...]], list[int]]:
    """INSERT_FACT parameters of `facts` in one pass, checking each fact (`_rules.check_fact`).

    Entities are looked up in `rowids` (entity id -> rowid). Returns the rows and the
    positions of the facts naming an entity missing from `rowids`, whose rows are left as
    ``()`` for the caller to fill once it has resolved them.

    This is the hot loop of a bulk insert (about 1.5 us a fact): it reads each fact once and
    caches the text of scopes and provenance tuples, which repeat.
    """
    rows: list[tuple[Any, ...]] = []
    pending: list[int] = []
    keys: dict[int, str] = {}  # id(scope) -> scope key (the facts keep their scopes alive)
    lists: dict[tuple[str, ...], str] = {}  # provenance tuple -> JSON text
    append, check, get = rows.append, _rules.check_fact_owner, rowids.get
    for position, fact in enumerate(facts):
        check(fact)
        subject, obj, scope = get(fact.subject), fact.object_id, fact.scope
        obj_rowid = None if obj is None else get(obj)
        if subject is None or (obj is not None and obj_rowid is None):
            pending.append(position)
            append(())
            continue
        agents, episodes = fact.agents, fact.episodes
        key = keys.get(id(scope))
        if key is None:
            _rules.check_scope(scope)
            key = keys[id(scope)] = scope.key
        agents_text = lists.get(agents)
        if agents_text is None:
            agents_text = lists[agents] = json.dumps(agents)
        episodes_text = lists.get(episodes)
        if episodes_text is None:
            episodes_text = lists[episodes] = json.dumps(episodes)
        append(_row(fact, subject, obj_rowid, key, agents_text, episodes_text))
    return rows, pending


def _row(
    fact: Fact, subject: int, obj: int | None, scope: str, agents: str, episodes: str
) -> tuple[Any, ...]:
    # Numbers go in as they are: the REAL columns store an int as a float.
    return (
        fact.id, subject, fact.relation, obj, fact.literal, fact.text, agents, episodes,
        fact.confidence, fact.valid_from, fact.valid_to, fact.recorded_at, fact.status, scope,
        fact.promoted_by,
    )  # fmt: skip


_FACT_FIELDS = (
    "id", "subject", "relation", "object_id", "literal", "text", "agents", "episodes",
    "confidence", "valid_from", "valid_to", "recorded_at", "status", "scope", "promoted_by",
)  # fmt: skip
# The slots' own setters: they skip the frozen dataclass's __setattr__ (about 2x faster).
_FACT_SETTERS = tuple(getattr(Fact, name).__set__ for name in _FACT_FIELDS)


@lru_cache(maxsize=65536)
def json_tuple(text: str) -> tuple[str, ...]:
    """The JSON array `text` as a tuple (cached: provenance lists repeat across rows)."""
    return tuple(json.loads(text))


def fact_of(row: tuple[Any, ...]) -> Fact:
    """The `Fact` of a row selected with FACT_COLUMNS.

    Rows were validated when written, so the fact is built without re-running the checks
    of `Fact.__post_init__` (reads of many facts spend most of their time there otherwise).
    """
    values = list(row)
    values[6], values[7], values[13] = json_tuple(row[6]), json_tuple(row[7]), scope_of(row[13])
    fact = object.__new__(Fact)
    for setter, value in zip(_FACT_SETTERS, values, strict=True):
        setter(fact, value)
    return fact


def _built(cls: type[R], values: dict[str, Any]) -> R:
    """A record of `values` without its constructor's checks (see `fact_of`)."""
    record = object.__new__(cls)
    for name, value in values.items():
        object.__setattr__(record, name, value)
    return record


def entity_of(row: tuple[Any, ...]) -> Entity:
    """The `Entity` of an ``id, name, norm, type`` row."""
    return _built(Entity, {"id": row[0], "name": row[1], "norm": row[2], "type": row[3]})


def episode_row(ep: Episode) -> tuple[Any, ...]:
    """The INSERT parameters of `ep`, in EPISODE_COLUMNS order (``verified`` as 0/1/NULL)."""
    return (
        ep.id, ep.scope.key, ep.agent, ep.kind, ep.text, float(ep.created_at),
        ep.conversation_id, ep.message_id, ep.parent_id, json.dumps(ep.recipients),
        None if ep.verified is None else int(ep.verified),
    )  # fmt: skip


def episode_of(row: tuple[Any, ...]) -> Episode:
    """The `Episode` of a row selected with EPISODE_COLUMNS."""
    return _built(Episode, {
        "id": row[0], "scope": scope_of(row[1]), "agent": row[2], "kind": row[3],
        "text": row[4], "created_at": row[5], "conversation_id": row[6],
        "message_id": row[7], "parent_id": row[8], "recipients": json_tuple(row[9]),
        "verified": None if row[10] is None else bool(row[10]),
    })  # fmt: skip


def goal_of(row: tuple[Any, ...]) -> Goal:
    """The `Goal` of a row selected with GOAL_COLUMNS."""
    return _built(Goal, {
        "id": row[0], "agent": row[1], "text": row[2], "parent": row[3], "status": row[4],
        "facts": json_tuple(row[5]), "scope": scope_of(row[6]),
    })  # fmt: skip


def community_of(row: tuple[Any, ...], members: list[str]) -> Community:
    """The `Community` of an ``id, level, summary`` row and its member ids."""
    return _built(
        Community, {"id": row[0], "members": tuple(members), "summary": row[2], "level": row[1]}
    )


def decoded(rows: Iterable[tuple[Any, ...]], decode: Callable[[tuple[Any, ...]], R]) -> list[R]:
    """`decode` of every row, leaving out (with a warning) rows this version cannot read.

    Rows are checked when written, so every row this version wrote decodes; an older
    version accepted a few values it should not have (a scope such as ``team:bad name``).
    One such row must not make every read of the store fail: it is skipped, and a
    `RuntimeWarning` names it so it can be repaired.
    """
    out: list[R] = []
    append = out.append
    for row in rows:
        try:
            append(decode(row))
        except _UNREADABLE as exc:
            skipped(row, exc)
    return out


def decoded_one(row: tuple[Any, ...] | None, decode: Callable[[tuple[Any, ...]], R]) -> R | None:
    """`decode` of `row`, or ``None`` for no row or an unreadable one (see `decoded`)."""
    if row is None:
        return None
    found = decoded([row], decode)
    return found[0] if found else None


def skipped(row: tuple[Any, ...], exc: Exception) -> None:
    """Warn that the row (its id first) is left out of a read because it cannot be decoded."""
    warnings.warn(
        f"memory store row {row[0]!r} cannot be read and is left out ({exc}); it was "
        "written by an older agora. Repair or delete that row with the sqlite3 shell.",
        RuntimeWarning,
        stacklevel=4,
    )


def scope_filter(column: str, scope: Scope | None) -> tuple[str, list[Any]]:
    """SQL (``AND ...``) keeping rows whose `column` a reader in `scope` may read."""
    if scope is None:
        return "", []
    keys = [s.key for s in scope.readable()]
    return f" AND {column} IN ({','.join('?' * len(keys))})", keys


def fact_filter(
    alias: str,
    *,
    scope: Scope | None,
    valid_at: float | None,
    statuses: Collection[str] | None,
) -> tuple[str, list[Any]]:
    """SQL (``AND ...``) applying the standard read filters to facts aliased `alias`."""
    wanted = list(default_statuses(valid_at) if statuses is None else statuses)
    sql = f" AND {alias}.status IN ({','.join('?' * len(wanted))})" if wanted else " AND 0"
    params: list[Any] = list(wanted)
    scoped, keys = scope_filter(f"{alias}.scope", scope)
    sql += scoped
    params += keys
    if valid_at is not None:
        sql += (
            f" AND {alias}.valid_from <= ? AND ({alias}.valid_to IS NULL OR {alias}.valid_to > ?)"
        )
        params += [valid_at, valid_at]
    return sql, params

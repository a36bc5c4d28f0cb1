"""Bad input to records and stores: a typed error, the store unchanged and still readable."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from memory_fixtures import fill

from agora.errors import InvalidRecordError, UserError
from agora.memory import (
    Community,
    Entity,
    Episode,
    Fact,
    Goal,
    Scope,
    SQLiteStore,
    Store,
)
from agora.memory.records import MAX_TIME, MIN_TIME

A1 = Scope.agent("a1", team="t1")


def bypassed_scope(level: str, agent_id: object, team_id: object) -> Scope:
    """A scope built past its constructor, as pickle or ``object.__new__`` can."""
    scope = object.__new__(Scope)
    for name, value in (("level", level), ("agent_id", agent_id), ("team_id", team_id)):
        object.__setattr__(scope, name, value)
    return scope


def fact_in(scope: Scope, ada: Entity, **fields: Any) -> Fact:
    fact = Fact.triple(ada, "r", "x", agent="a1", scope=A1, **fields)
    object.__setattr__(fact, "scope", scope)
    return fact


@pytest.mark.parametrize(
    "args",
    [
        ("team", None, "bad name"),
        ("team", None, None),
        ("team", "a1", "t1"),
        ("agent", None, None),
        ("agent", "geo\n", None),
        ("agent", "a1", ""),
        ("global", "a1", None),
        ("global", None, "t1"),
        ("world", None, None),
        (["agent"], "a1", None),
        ("agent", 7, None),
    ],
)
def test_an_invalid_scope_cannot_be_built(args: tuple[Any, Any, Any]) -> None:
    with pytest.raises(InvalidRecordError):
        Scope(*args)


def test_valid_scopes_still_build_and_parse() -> None:
    assert Scope("team", None, "t1") == Scope.team("t1")
    assert Scope("agent", "a1", "t1") == Scope.parse("agent:t1/a1")
    assert Scope("global") is not Scope.GLOBAL and Scope("global") == Scope.GLOBAL
    with pytest.raises(InvalidRecordError):
        Scope.parse(42)  # type: ignore[arg-type]


def test_a_scope_built_past_its_checks_is_refused_and_the_store_stays_readable(
    store: Store,
) -> None:
    w = fill(store)
    before = store.export()
    bad = [bypassed_scope("team", None, "bad name"), bypassed_scope("agent", "a1", "x y")]
    for scope in [*bad, bypassed_scope("agent", ["a1"], None)]:
        with pytest.raises(UserError, match="scope"):  # InvalidRecordError or ScopeError
            store.add_fact(fact_in(scope, w.ada))
        with pytest.raises(UserError, match="scope"):
            store.add_facts([Fact.triple(w.ada, "r", "y", agent="a1"), fact_in(scope, w.ada)])
        goal = Goal(agent="a1", text="plan")
        object.__setattr__(goal, "scope", scope)
        with pytest.raises(UserError, match="scope"):
            store.put_goal(goal)
        episode = Episode(agent="a1", text="x")
        object.__setattr__(episode, "scope", scope)
        with pytest.raises(UserError, match="scope"):
            store.add_episode(episode)
    for scope in bad:
        with pytest.raises(InvalidRecordError, match="scope"):
            store.promote(w.worked.id, scope, by="fusion")
    assert store.export() == before
    assert store.history(w.ada.id) and store.graph().number_of_edges() == 4


LITERAL: dict[str, Any] = {"subject": "e", "relation": "r", "literal": "x", "agents": ("a1",)}
BAD_RECORDS: list[tuple[Any, dict[str, Any]]] = [
    (Fact, LITERAL | {"text": "\ud800"}),
    (Fact, LITERAL | {"subject": "e\udfff"}),
    (Fact, LITERAL | {"episodes": (1,)}),
    (Fact, LITERAL | {"episodes": "ep"}),
    (Fact, LITERAL | {"agents": ("a 1",)}),
    (Fact, LITERAL | {"confidence": True}),
    (Fact, LITERAL | {"confidence": math.nan}),
    (Fact, LITERAL | {"valid_from": 10**30}),
    (Fact, LITERAL | {"valid_from": True}),
    (Fact, LITERAL | {"recorded_at": -1e12}),
    (Fact, LITERAL | {"promoted_by": 3}),
    (Fact, LITERAL | {"scope": "agent:a1"}),
    (Fact, LITERAL | {"status": ["active"]}),
    (Entity.named, {"name": "Paris", "type": "\ud800"}),
    (Entity, {"id": "e_1", "name": "x", "norm": 5}),
    (Episode, {"agent": "a1", "text": "\ud83d"}),
    (Episode, {"agent": "a1", "text": "x", "created_at": MAX_TIME * 2}),
    (Episode, {"agent": "a1", "text": "x", "conversation_id": ""}),
    (Episode, {"agent": "a1", "text": "x", "message_id": 7}),
    (Episode, {"agent": "a1", "text": "x", "parent_id": "p\udfff"}),
    (Episode, {"agent": "a1", "text": "x", "recipients": ["a2"]}),
    (Episode, {"agent": "a1", "text": "x", "recipients": ("a 2",)}),
    (Episode, {"agent": "a1", "text": "x", "verified": 1}),
    (Community, {"id": "c", "members": ("e_1", "e_1")}),
    (Community, {"id": "c", "members": ("e_1",), "level": True}),
    (Community, {"id": "c", "members": (None,)}),
    (Goal, {"agent": "a1", "text": "x", "parent": 5}),
    (Goal, {"agent": "a1", "text": "x", "facts": ("f", 2)}),
]


@pytest.mark.parametrize(("build", "fields"), BAD_RECORDS)
def test_records_refuse_what_a_store_cannot_hold(build: Any, fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidRecordError):
        build(**fields)


def test_the_whole_time_range_round_trips(store: Store) -> None:
    ada = Entity.named("Ada")
    store.upsert_entities([ada])
    early = Fact.triple(ada, "r", "x", agent="a1", valid_from=MIN_TIME, recorded_at=MIN_TIME)
    late = Fact.triple(ada, "r", "y", agent="a1", valid_from=MAX_TIME, recorded_at=MAX_TIME)
    store.add_facts([early, late])
    assert store.history(ada.id) == [early, late]


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.facts(statuses="active"),
        lambda s: s.facts(statuses=["actve"]),
        lambda s: s.facts(limit=True),
        lambda s: s.facts(limit=1.5),
        lambda s: s.facts(scope="team:t1"),
        lambda s: s.facts(valid_at=math.nan),
        lambda s: s.facts(about=["e_1"]),
        lambda s: s.episodes(limit=None),
        lambda s: s.get_fact(["f"]),
        lambda s: s.get_fact("\ud800"),
        lambda s: s.get_facts([1]),
        lambda s: s.get_entity(None),
        lambda s: s.find_entities(3),
        lambda s: s.history(["e"]),
        lambda s: s.search("x", limit=None),
        lambda s: s.search("\ud800"),
        lambda s: s.neighbours("e", hops=1.5),
        lambda s: s.neighbours("e", hops=-1),
        lambda s: s.graph(around="e_1"),
        lambda s: s.graph(hops=True),
        lambda s: s.goals(status="opn"),
        lambda s: s.communities(level="0"),
        lambda s: s.export(scope="global"),
        lambda s: s.promote("f", "team:t1", by="x"),
    ],
)
def test_bad_read_arguments_raise_user_errors(store: Store, call: Callable[[Store], Any]) -> None:
    fill(store)
    with pytest.raises(UserError):
        call(store)


@pytest.mark.parametrize(
    "call",
    [
        lambda s, w: s.add_facts(w.studied),
        lambda s, w: s.add_facts(5),
        lambda s, w: s.upsert_entities(w.ada),
        lambda s, w: s.add_episodes(None),
        lambda s, w: s.put_communities([Community(id="c", members=(w.ada.id,))], level=-1),
        lambda s, w: s.put_communities([Community(id="c", members=(w.ada.id,))], level=True),
        lambda s, w: s.put_communities(["c"]),
        lambda s, w: s.put_goal({"agent": "a1"}),
        lambda s, w: s.supersede(w.studied.id, "new"),
        lambda s, w: s.promote(w.worked.id, Scope.team("t1"), by=""),
        lambda s, w: s.promote(w.worked.id, Scope.team("t1"), by="\ud800"),
        lambda s, w: s.set_status(w.studied.id, ["active"]),
    ],
)
def test_bad_writes_raise_typed_errors_and_change_nothing(
    store: Store, call: Callable[[Store, Any], Any]
) -> None:
    w = fill(store)
    before = store.export()
    with pytest.raises(UserError):
        call(store, w)
    assert store.export() == before


def _write_bad_row(path: Path, fact_id: str, scope_key: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO facts(id, subject, relation, object, literal, text, agents, episodes, "
            "confidence, valid_from, valid_to, recorded_at, status, scope, promoted_by) "
            "SELECT ?, subject, relation, object, literal, text, agents, episodes, confidence, "
            "valid_from, valid_to, recorded_at, status, ?, promoted_by FROM facts LIMIT 1",
            (fact_id, scope_key),
        )
    conn.close()


def test_a_bad_row_an_older_version_wrote_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with SQLiteStore(path) as store:
        w = fill(store)
    _write_bad_row(path, "f_old", "team:bad name")
    with SQLiteStore(path) as store:
        with pytest.warns(RuntimeWarning, match="f_old"):
            facts = store.facts()
        assert [f.id for f in facts] == [w.studied.id, w.lived.id, w.worked.id, w.built.id]
        with pytest.warns(RuntimeWarning, match="f_old"):
            assert store.get_fact("f_old") is None
        with pytest.warns(RuntimeWarning, match="f_old"):
            assert len(store.export().facts) == 4
        with pytest.warns(RuntimeWarning, match="f_old"):
            assert len(store.history(w.ada.id)) == 3
        with pytest.warns(RuntimeWarning, match="f_old"):
            assert store.graph().number_of_edges() == 4
        assert store.facts(scope=A1) == [w.studied, w.lived]  # a scoped read never meets it

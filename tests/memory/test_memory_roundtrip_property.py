"""Property: every record a store accepts reads back through every read, also after reopening.

Random sequences of writes with hostile-but-possibly-valid values (any unicode, lone
surrogates and control characters, scopes built through the dataclass constructor or past
it, extreme times and confidences, NaN) run against each backend. Each write either raises an
agora error and leaves the export unchanged, or succeeds; then every read of the store works,
and an SQLite file reopened reads back the same export.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agora.errors import AgoraError
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
from agora.memory.records import FACT_STATUSES, MAX_TIME, MIN_TIME

HOSTILE_CHARS = st.characters(categories=["Cs", "Cc", "Cf", "Zs", "Lu", "Ll", "Nd", "Mn", "So"])


def mostly(
    valid: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """`valid` eleven draws in twelve, so that many writes get past their dozen fields.

    (Not ``one_of(*[valid] * 11, hostile)``: one_of drops repeated branches.)
    """
    return st.sampled_from([True] * 11 + [False]).flatmap(lambda ok: valid if ok else hostile)


texts = mostly(
    st.text(st.characters(categories=["L", "N", "P", "S", "Mn"]), min_size=1, max_size=12),
    st.one_of(
        st.text(alphabet=HOSTILE_CHARS, max_size=12),
        st.sampled_from(["", " ", "\ud800", "a\x00b", "\udfffx", "x" * 501, "\u0301\u200b"]),
    ),
)
names = mostly(
    st.sampled_from(["a1", "a2", "t1", "t.2-x_0"]),
    st.one_of(st.sampled_from(["geo\n", "a b"]), texts),
)
optional_names = st.one_of(st.none(), names)
optional_texts = st.one_of(st.none(), texts)
times = mostly(
    st.one_of(st.floats(MIN_TIME, MAX_TIME), st.integers(int(MIN_TIME), int(MAX_TIME))),
    st.one_of(
        st.floats(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.sampled_from([MIN_TIME - 1, MAX_TIME + 1, -0.0, True, math.nan]),
    ),
)
confidences = mostly(
    st.floats(0.0, 1.0), st.one_of(st.floats(), st.booleans(), st.sampled_from([5e-324, -0.0]))
)
scope_args = mostly(
    st.one_of(
        st.tuples(st.just("agent"), names, st.one_of(st.none(), names)),
        st.tuples(st.just("team"), st.none(), names),
        st.just(("global", None, None)),
    ),
    st.tuples(
        st.sampled_from(["agent", "team", "global", "world"]), optional_names, optional_names
    ),
)
bypass = mostly(st.just(False), st.just(True))  # past Scope's checks, as pickle can
unknown = mostly(st.just(False), st.just(True))  # an id the store does not hold


def make_scope(args: tuple[Any, Any, Any], past_checks: bool) -> Scope:
    if not past_checks:
        return Scope(*args)
    scope = object.__new__(Scope)
    for name, value in zip(("level", "agent_id", "team_id"), args, strict=True):
        object.__setattr__(scope, name, value)
    return scope


_NAMES = ("episode", "entities", "fact", "communities", "goal", "promote", "supersede", "status")
_KINDS = (0, 1, 2, 2, 2, 2, 3, 4, 5, 5, 6, 6, 7)  # facts, their promotion and succession weigh most


class World:
    """The store under test and what was written to it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.entities: list[str] = []
        self.facts: list[str] = []
        self.kind = ""

    def entity(self, data: st.DataObject) -> Any:
        if not self.entities or data.draw(unknown):
            return data.draw(texts)  # often unknown: the store must say so
        return data.draw(st.sampled_from(self.entities))

    def fact_id(self, data: st.DataObject) -> Any:
        if not self.facts or data.draw(unknown):
            return data.draw(texts)
        return data.draw(st.sampled_from(self.facts))

    def new_fact(self, data: st.DataObject) -> Fact:
        fields: dict[str, Any] = {  # (agents as a list, not a tuple, is refused too)
            "subject": self.entity(data),
            "relation": data.draw(texts),
            "text": data.draw(texts),
            "agents": data.draw(mostly(st.lists(names, min_size=1, max_size=2), st.just([]))),
            "episodes": data.draw(st.lists(texts, max_size=2).map(tuple)),
            "confidence": data.draw(confidences),
            "valid_from": data.draw(times),
            "valid_to": data.draw(mostly(st.none(), times)),
            "recorded_at": data.draw(times),
            "status": data.draw(mostly(st.sampled_from(FACT_STATUSES), st.just("gone"))),
        }
        if data.draw(st.booleans()):
            fields["object_id"] = self.entity(data)
        else:
            fields["literal"] = data.draw(texts)
        if isinstance(fields["agents"], list) and data.draw(mostly(st.just(True), st.just(False))):
            fields["agents"] = tuple(fields["agents"])
        if data.draw(st.booleans()):
            fields["scope"] = make_scope(data.draw(scope_args), data.draw(bypass))
        return Fact(**fields)

    def write(self, data: st.DataObject, first: bool) -> None:
        """One random write; records are built inside, so their checks count as the write's."""
        store, kind = self.store, 1 if first else data.draw(st.sampled_from(_KINDS))
        self.kind = _NAMES[kind]
        if kind == 0:
            agent = data.draw(names)
            scope = make_scope(data.draw(scope_args), data.draw(bypass))
            store.add_episode(
                Episode(
                    agent=agent,
                    text=data.draw(texts),
                    scope=scope,
                    created_at=data.draw(times),
                    conversation_id=data.draw(optional_texts),
                    message_id=data.draw(optional_texts),
                    parent_id=data.draw(optional_texts),
                    recipients=data.draw(
                        mostly(st.lists(names, max_size=2).map(tuple), st.lists(names, max_size=1))
                    ),
                    verified=data.draw(
                        mostly(st.sampled_from([None, True, False]), st.sampled_from([0, 1, "no"]))
                    ),
                )
            )
        elif kind == 1:
            made = [
                Entity.named(data.draw(texts), type=data.draw(texts))
                for _ in range(data.draw(st.integers(1, 3)))
            ]
            store.upsert_entities(made)
            self.entities += [e.id for e in made]
        elif kind == 2:
            fact = self.new_fact(data)
            store.add_fact(fact)
            assert store.get_fact(fact.id) == fact
            self.facts.append(fact.id)
        elif kind == 3:
            members = tuple(self.entity(data) for _ in range(data.draw(st.integers(1, 3))))
            community = Community(id=data.draw(texts), members=members, summary=data.draw(texts))
            store.put_communities([community], level=data.draw(st.integers(-1, 2)))
        elif kind == 4:
            goal = Goal(
                agent=data.draw(names),
                text=data.draw(texts),
                parent=data.draw(st.one_of(st.none(), texts)),
                facts=data.draw(st.lists(texts, max_size=2).map(tuple)),
                scope=make_scope(data.draw(scope_args), data.draw(bypass)),
            )
            store.put_goal(goal)
            assert store.get_goal(goal.id) == goal
        elif kind == 5:
            target = make_scope(data.draw(scope_args), data.draw(bypass))
            store.promote(self.fact_id(data), target, by=data.draw(texts))
        elif kind == 6:
            new = self.new_fact(data)
            store.supersede(self.fact_id(data), new)
            self.facts.append(new.id)
        else:
            status = data.draw(st.sampled_from([*FACT_STATUSES, "nope"]))
            store.set_status(self.fact_id(data), status)  # type: ignore[arg-type]


def read_everything(store: Store, world: World) -> None:
    """Every read of the `Store` protocol, over everything written."""
    everything = store.export()
    scopes = {f.scope for f in everything.facts} | {Scope.GLOBAL, Scope.agent("a1", team="t1")}
    for scope in scopes:
        store.export(scope=scope)
        store.facts(scope=scope, valid_at=0.0)
        store.goals(scope=scope)
        store.episodes(scope=scope)
        store.edges(scope=scope)
    for entity_id in world.entities:
        store.get_entity(entity_id)
        store.history(entity_id)
        store.facts_about(entity_id, statuses=FACT_STATUSES)
        store.neighbours(entity_id, hops=2)
    for fact in everything.facts:
        assert store.get_fact(fact.id) == fact
        store.search(fact.text)
    assert store.get_facts([f.id for f in everything.facts]) == {f.id: f for f in everything.facts}
    for episode in everything.episodes:
        assert store.get_episode(episode.id) == episode
    for goal in everything.goals:
        assert store.get_goal(goal.id) == goal
    for entity in everything.entities:
        store.find_entities(entity.name)
    store.communities()
    store.stats()
    store.graph()
    store.graph(around=world.entities[:3], hops=1)


BACKENDS: dict[str, Callable[[Path], Store]] = {
    "sqlite-file": lambda path: SQLiteStore(path),
    "networkx": lambda path: NetworkXStore(),
}


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.param


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_what_a_store_accepts_reads_back_everywhere(backend: str, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "memory.db"
        store = BACKENDS[backend](path)
        world = World(store)
        try:
            for step in range(data.draw(st.integers(2, 12), label="writes")):
                before = store.export()
                try:
                    world.write(data, first=step == 0)
                except AgoraError as exc:
                    event(f"refused {world.kind}: {type(exc).__name__}")
                    assert store.export() == before  # a refused write changes nothing
                else:
                    event(f"accepted {world.kind}")
            read_everything(store, world)
            if isinstance(store, SQLiteStore):
                snapshot = store.export()
                store.close()
                store = SQLiteStore(path)
                assert store.export() == snapshot
                read_everything(store, world)
        finally:
            store.close()

"""Scopes, records, the new errors and the graph helpers, without a store."""

from __future__ import annotations

import pickle

import networkx as nx
import numpy as np
import pytest

import agora.errors as errors
from agora.errors import InvalidRecordError, RecordNotFoundError, ScopeError, StoreError, UserError
from agora.memory import (
    EdgeList,
    Entity,
    Fact,
    Goal,
    Scope,
    label_propagation,
    neighbourhood,
    personalized_pagerank,
)


@pytest.mark.parametrize(
    ("cls", "parent"),
    [
        (InvalidRecordError, UserError),
        (RecordNotFoundError, UserError),
        (ScopeError, UserError),
        (StoreError, errors.AgoraError),
    ],
)
def test_memory_errors_sit_in_the_tree_and_pickle(
    cls: type[errors.AgoraError], parent: type
) -> None:
    assert cls.__bases__ == (parent,)
    assert cls.__name__ in errors.__all__ and errors.__doc__ and cls.__name__ in errors.__doc__
    exc = InvalidRecordError("bad", field="confidence") if cls is InvalidRecordError else cls("bad")
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is cls and vars(copy) == vars(exc) and str(copy) == "bad"


@pytest.mark.parametrize("key", ["global", "team:t1", "agent:a1", "agent:t1/a1"])
def test_scope_keys_round_trip(key: str) -> None:
    assert Scope.parse(key).key == key


@pytest.mark.parametrize("key", ["", "planet:mars", "team:", "agent:", "team:bad name", "global:x"])
def test_bad_scope_keys_name_the_field(key: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        Scope.parse(key)
    assert info.value.field in {"scope", "team", "agent"}


def test_read_and_write_rules() -> None:
    a1, a2 = Scope.agent("a1", team="t1"), Scope.agent("a2", team="t1")
    assert a1.can_read(Scope.team("t1")) and a1.can_read(Scope.GLOBAL) and not a1.can_read(a2)
    assert not a1.can_read(Scope.team("t2"))
    assert a1.can_write(a1) and not a1.can_write(a2) and not a1.can_write(Scope.GLOBAL)
    assert not Scope.team("t1").can_write(Scope.team("t1"))
    Scope.agent("solo").check_promotion(Scope.GLOBAL)
    with pytest.raises(ScopeError):
        Scope.agent("solo").check_promotion(Scope.team("t1"))
    with pytest.raises(ScopeError):
        Scope.GLOBAL.check_promotion(Scope.GLOBAL)


def test_records_default_to_their_owners_scope() -> None:
    ada = Entity.named("Ada")
    assert Fact.triple(ada, "r", "x", agent="a1").scope == Scope.agent("a1")
    assert Goal(agent="a1", text="t").scope == Scope.agent("a1")
    assert Fact.triple(ada, "r", "x", agent="a1", scope=Scope.GLOBAL).scope == Scope.GLOBAL
    with pytest.raises(InvalidRecordError) as info:
        Goal(agent="a1", text="t", status="maybe")  # type: ignore[arg-type]
    assert info.value.field == "status"


def test_label_propagation_recovers_planted_clusters() -> None:
    rng = np.random.default_rng(0)
    n, size = 2000, 50
    src = rng.integers(0, n, 20 * n)
    dst = np.where(
        rng.random(len(src)) < 0.95,
        (src // size) * size + rng.integers(0, size, len(src)),
        rng.integers(0, n, len(src)),
    )
    edges = EdgeList(
        src, dst, np.zeros(len(src), dtype=np.int64), [str(i) for i in range(n)], ["r"]
    )
    labels = label_propagation(edges)
    pure = sum(len(set(labels[c * size : (c + 1) * size].tolist())) == 1 for c in range(n // size))
    assert pure >= 0.9 * (n // size)
    assert len(set(labels.tolist())) <= 1.2 * (n // size)


def test_graph_helpers() -> None:
    g = nx.MultiDiGraph()
    g.add_edge("a", "b", confidence=1.0)
    g.add_edge("b", "c", confidence=0.1)
    g.add_edge("b", "d", confidence=0.9)
    assert neighbourhood(g, "c", hops=2) == {"a", "b", "d"}
    scores = personalized_pagerank(g, ["a"])
    assert scores["d"] > scores["c"]
    assert abs(sum(scores.values()) - 1.0) < 1e-6
    assert personalized_pagerank(g, ["zz"]) == {}


@pytest.mark.parametrize("backend", ["sqlite", "networkx"])
def test_records_of_the_wrong_type_are_typed_errors_and_change_nothing(backend: str) -> None:
    from agora import InvalidRecordError
    from agora.memory import Entity, NetworkXStore, SQLiteStore

    store = SQLiteStore(":memory:") if backend == "sqlite" else NetworkXStore()
    with pytest.raises(InvalidRecordError, match="Fact"):
        store.add_fact("Paris is in France")  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError, match="Entity"):
        store.upsert_entities([Entity.named("Paris"), {"name": "France"}])  # type: ignore[list-item]
    with pytest.raises(InvalidRecordError, match="Episode"):
        store.add_episode("hello")  # type: ignore[arg-type]
    assert store.get_entity(Entity.named("Paris").id) is None
    store.close()

"""The networkx view of memory: a working set of facts as a graph, and algorithms on it.

networkx is the in-memory view for graph algorithms over the working set, not the database:
build a graph around a few entities, then rank or walk it.

Example:
    >>> from agora.memory import Entity, Fact, NetworkXStore
    >>> store = NetworkXStore()
    >>> a, b, c = (Entity.named(n) for n in "ABC")
    >>> store.upsert_entities([a, b, c])
    3
    >>> store.add_facts([Fact.triple(a, "r", b, agent="x"), Fact.triple(b, "r", c, agent="x")])
    2
    >>> g = store.graph(around=[a.id], hops=2)
    >>> sorted(g.nodes[n]["name"] for n in g)
    ['A', 'B', 'C']
    >>> ranked = personalized_pagerank(g, [a.id])
    >>> ranked[a.id] > ranked[c.id]
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from agora.memory import _rules
from agora.memory.records import Fact
from agora.memory.scope import Scope

if TYPE_CHECKING:
    from agora.memory.store import Store

__all__ = ["fact_graph", "neighbourhood", "personalized_pagerank", "working_set"]


def working_set(
    store: Store,
    *,
    scope: Scope | None = None,
    around: Iterable[str] | None = None,
    hops: int = 2,
    valid_at: float | None = None,
    limit: int = 10_000,
) -> nx.MultiDiGraph:
    """The facts of `store` among the entities within `hops` of `around`, as a graph.

    With ``around=None`` the whole store readable from `scope` (keep that for small stores).
    Nodes are entity ids (attributes ``name``, ``type``) and literal values
    (``literal:VALUE``, attribute ``kind="literal"``); each edge is one fact, keyed by its id.
    """
    _rules.check_hops(hops, limit)
    if around is None:
        return fact_graph(store, store.facts(scope=scope, valid_at=valid_at))
    nodes: set[str] = set()
    for entity_id in _rules.check_ids(around, "around"):
        nodes.add(entity_id)
        nodes.update(
            store.neighbours(entity_id, hops=hops, scope=scope, valid_at=valid_at, limit=limit)
        )
    facts: dict[str, Fact] = {}
    for entity_id in nodes:
        for fact in store.facts(about=entity_id, scope=scope, valid_at=valid_at):
            if fact.object_id is None or (fact.subject in nodes and fact.object_id in nodes):
                facts[fact.id] = fact
    return fact_graph(store, facts.values(), nodes=nodes)


def fact_graph(
    store: Store, facts: Iterable[Fact], *, nodes: Iterable[str] = ()
) -> nx.MultiDiGraph:
    """`facts` as a `networkx.MultiDiGraph`, entity attributes read from `store`."""
    graph = nx.MultiDiGraph()
    for node in nodes:
        _add_entity(graph, store, node)
    for fact in facts:
        _add_entity(graph, store, fact.subject)
        if fact.object_id is None:
            target = f"literal:{fact.literal}"
            graph.add_node(target, kind="literal", name=fact.literal)
        else:
            target = fact.object_id
            _add_entity(graph, store, target)
        graph.add_edge(fact.subject, target, key=fact.id, **_edge_attributes(fact))
    return graph


def neighbourhood(graph: nx.MultiDiGraph, node: str, *, hops: int = 1) -> set[str]:
    """Nodes within `hops` edges of `node`, in either direction, `node` excluded.

    Example:
        >>> g = nx.MultiDiGraph([("a", "b"), ("c", "b"), ("c", "d")])
        >>> sorted(neighbourhood(g, "a", hops=2))
        ['b', 'c']
    """
    lengths = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), node, hops)
    return set(lengths) - {node}


def personalized_pagerank(
    graph: nx.MultiDiGraph, seeds: Iterable[str], *, alpha: float = 0.85, tolerance: float = 1e-9
) -> dict[str, float]:
    """PageRank restarted at `seeds`: how relevant each node is to the seeds.

    Edges count in both directions, weighted by fact confidence. Power iteration with numpy.

    Example:
        >>> g = nx.MultiDiGraph([("a", "b"), ("b", "c"), ("x", "y")])
        >>> scores = personalized_pagerank(g, ["a"])
        >>> scores["b"] > scores["c"] > scores["x"]
        True
    """
    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    restart = np.zeros(len(nodes))
    for seed in seeds:
        if seed in index:
            restart[index[seed]] = 1.0
    if not restart.any():
        return {}
    restart /= restart.sum()
    rows, cols, weights = [], [], []
    for u, v, data in graph.edges(data=True):
        weight = float(data.get("confidence", 1.0))
        rows += [index[u], index[v]]
        cols += [index[v], index[u]]
        weights += [weight, weight]
    src, dst, w = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(weights)
    out = np.bincount(src, weights=w, minlength=len(nodes))
    rank = restart.copy()
    for _ in range(100):
        share = np.divide(rank, out, out=np.zeros_like(rank), where=out > 0)
        dangling = rank[out == 0].sum()
        spread = np.bincount(dst, weights=share[src] * w, minlength=len(nodes))
        new = alpha * (spread + dangling * restart) + (1 - alpha) * restart
        done = np.abs(new - rank).sum() < tolerance
        rank = new
        if done:
            break
    return {node: float(rank[i]) for i, node in enumerate(nodes)}


def _add_entity(graph: nx.MultiDiGraph, store: Store, entity_id: str) -> None:
    if entity_id in graph:
        return
    entity = store.get_entity(entity_id)
    name = entity.name if entity else entity_id
    graph.add_node(entity_id, kind="entity", name=name, type=entity.type if entity else "")


def _edge_attributes(fact: Fact) -> dict[str, Any]:
    # GraphML cannot hold None: open validity and missing values are left out.
    attributes: dict[str, Any] = {
        "relation": fact.relation,
        "text": fact.text,
        "confidence": float(fact.confidence),
        "status": fact.status,
        "scope": fact.scope.key,
        "agents": ",".join(fact.agents),
        "valid_from": float(fact.valid_from),
        "recorded_at": float(fact.recorded_at),
    }
    if fact.valid_to is not None:
        attributes["valid_to"] = float(fact.valid_to)
    return attributes

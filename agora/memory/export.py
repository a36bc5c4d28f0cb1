"""Export a store to JSON (every record) or GraphML (the fact graph, for Gephi or yEd).

Example:
    >>> from agora.memory import Entity, Fact, NetworkXStore
    >>> store = NetworkXStore()
    >>> a, b = Entity.named("A"), Entity.named("B")
    >>> _ = store.upsert_entities([a, b])
    >>> store.add_fact(Fact.triple(a, "likes", b, agent="x", valid_from=0.0, recorded_at=0.0))
    >>> to_json(store)["facts"][0]["scope"]
    'agent:x'
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import networkx as nx

from agora.memory.scope import Scope
from agora.memory.store import Store

__all__ = ["to_json", "write_graphml", "write_json"]


def to_json(store: Store, *, scope: Scope | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every record readable from `scope` as JSON-ready dicts, keyed by kind."""
    snapshot = store.export(scope=scope)
    return {
        kind.name: [_plain(record) for record in getattr(snapshot, kind.name)]
        for kind in dataclasses.fields(snapshot)
    }


def write_json(store: Store, path: str | Path, *, scope: Scope | None = None) -> None:
    """Write `to_json` to `path`."""
    Path(path).write_text(json.dumps(to_json(store, scope=scope), indent=1), encoding="utf-8")


def write_graphml(store: Store, path: str | Path, *, scope: Scope | None = None) -> None:
    """Write the current facts readable from `scope` as a GraphML graph to `path`."""
    graph: nx.MultiDiGraph = store.graph(scope=scope)
    nx.write_graphml(graph, str(path))


def _plain(record: Any) -> dict[str, Any]:
    fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    return {
        name: value.key
        if isinstance(value, Scope)
        else list(value)
        if isinstance(value, tuple)
        else value
        for name, value in fields.items()
    }

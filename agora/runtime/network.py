"""`Network`: who may hand tasks to whom, with edge weights that evolve with outcomes.

A directed graph (networkx) over agent names. Edge weights start at 1 and follow AgentNet's
rule after each judged task: ``w ← α·w + (1−α)·success`` for every edge the task travelled.
An edge whose weight falls to ``prune_below`` or less is pruned: it leaves the graph (so no
agent routes over it) but is kept in `Network.pruned` with its weight, and `restore` brings
it back. Agents and edges may be added or removed while a team runs; the change is seen by
the next decision.

Example:
    >>> net = Network(["triage", "geo", "chem"])
    >>> net.connect("triage", "geo"); net.connect("triage", "chem")
    >>> net.reinforce([("triage", "chem")], success=0.0)
    >>> net.neighbours("triage")
    ('geo', 'chem')
    >>> round(net.weight("triage", "chem"), 2)
    0.8
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from agora._checks import check_text, check_texts
from agora.errors import ConfigError

__all__ = ["Network"]


class Network:
    """Weighted directed edges between agents, evolving with outcomes.

    Args:
        names: the agents to start with.
        alpha: how much of an edge's weight survives each outcome (AgentNet's α).
        prune_below: weight at or below which an edge is pruned (AgentNet's θw).
    """

    def __init__(
        self, names: Iterable[str] = (), *, alpha: float = 0.8, prune_below: float = 0.2
    ) -> None:
        for label, value in (("alpha", alpha), ("prune_below", prune_below)):
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < 1:
                raise ConfigError(f"Network {label} must be a number in [0, 1), got {value!r}")
        self.alpha = float(alpha)
        self.prune_below = float(prune_below)
        self.graph: nx.DiGraph = nx.DiGraph()
        self.graph.add_nodes_from(check_texts(names, "Network names", each={"empty": False}))
        self.pruned: dict[tuple[str, str], float] = {}
        self._neighbours: dict[str, tuple[str, ...]] = {}

    def __contains__(self, name: object) -> bool:
        return name in self.graph

    @property
    def names(self) -> tuple[str, ...]:
        """The agents in the network."""
        return tuple(self.graph.nodes)

    def add_agent(self, name: str) -> None:
        """Add agent `name` with no edges (no-op when it is already there)."""
        _check_name(name)
        self.graph.add_node(name)

    def remove_agent(self, name: str) -> None:
        """Remove agent `name` and every edge to or from it, pruned ones included."""
        _check_name(name)
        if name not in self.graph:
            raise ConfigError(f"agent {name!r} is not in the network: {list(self.graph)}")
        self.graph.remove_node(name)
        self.pruned = {e: w for e, w in self.pruned.items() if name not in e}
        self._neighbours = {}

    def connect(self, source: str, target: str, *, weight: float = 1.0) -> None:
        """Add (or re-weight) the edge ``source → target``.

        Raises:
            ConfigError: an unknown agent, a self-loop, or a weight outside (0, 1].
        """
        for name in (source, target):
            if not isinstance(name, str) or name not in self.graph:
                raise ConfigError(f"edge names unknown agent {name!r}; members: {list(self.graph)}")
        if source == target:
            raise ConfigError(f"self-loop on {source!r}: an agent cannot forward to itself")
        if not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 < weight <= 1:
            raise ConfigError(f"edge weight must be a number in (0, 1], got {weight!r}")
        self.pruned.pop((source, target), None)
        self.graph.add_edge(source, target, weight=float(weight))
        self._neighbours.pop(source, None)

    def disconnect(self, source: str, target: str) -> None:
        """Remove the edge ``source → target`` for good (a pruned one is forgotten too)."""
        _check_name(source)
        _check_name(target)
        if self.pruned.pop((source, target), None) is not None:
            return
        if not self.graph.has_edge(source, target):
            raise ConfigError(f"there is no edge {source!r} → {target!r}")
        self.graph.remove_edge(source, target)
        self._neighbours.pop(source, None)

    def weight(self, source: str, target: str) -> float:
        """The edge's weight (a pruned edge's last weight; 0 when there never was one)."""
        _check_name(source)
        _check_name(target)
        data = self.graph.get_edge_data(source, target)
        if data is not None:
            return float(data["weight"])
        return self.pruned.get((source, target), 0.0)

    def neighbours(self, name: str) -> tuple[str, ...]:
        """The agents `name` may hand a task to, strongest edge first."""
        cached = self._neighbours.get(name) if isinstance(name, str) else None
        if cached is None:
            _check_name(name)
            if name not in self.graph:
                return ()
            out = sorted(self.graph.out_edges(name, data="weight"), key=lambda e: -e[2])
            cached = self._neighbours[name] = tuple(target for _, target, _ in out)
        return cached

    def reinforce(self, edges: Iterable[tuple[str, str]], success: float) -> None:
        """Move the weights of `edges` toward `success` (1 right, 0 wrong); prune weak ones."""
        if not isinstance(success, int | float) or not 0 <= float(success) <= 1:
            raise ConfigError(f"success must be a number in [0, 1], got {success!r}")
        if isinstance(edges, str) or not isinstance(edges, Iterable):
            raise ConfigError(f"edges must be (source, target) pairs, got {edges!r}")
        pairs = list(edges)
        for edge in pairs:
            if not isinstance(edge, tuple | list) or len(edge) != 2:
                raise ConfigError(f"an edge is a (source, target) pair of names, got {edge!r}")
            _check_name(edge[0])
            _check_name(edge[1])
        for source, target in pairs:
            data = self.graph.get_edge_data(source, target)
            if data is None:
                continue  # removed or pruned meanwhile: nothing to learn
            weight = self.alpha * data["weight"] + (1 - self.alpha) * float(success)
            if weight <= self.prune_below:
                self.graph.remove_edge(source, target)
                self.pruned[(source, target)] = weight
            else:
                data["weight"] = weight
            self._neighbours.pop(source, None)

    def restore(self, source: str, target: str, *, weight: float | None = None) -> None:
        """Bring a pruned edge back, at its old weight or `weight`.

        Raises:
            ConfigError: the edge was not pruned.
        """
        _check_name(source)
        _check_name(target)
        old = self.pruned.get((source, target))
        if old is None:
            raise ConfigError(f"edge {source!r} → {target!r} was not pruned")
        self.connect(source, target, weight=weight if weight is not None else max(old, 1e-6))


def _check_name(name: object) -> None:
    check_text(name, "agent name", empty=False)

"""Graph views over a `agora.memory.Store`.

The working set of facts around some entities, an entity's neighbourhood, personalized PageRank,
and L2 communities by label propagation.

Example:
    >>> import networkx as nx
    >>> from agora.memory.graph import neighbourhood
    >>> sorted(neighbourhood(nx.MultiDiGraph([("a", "b"), ("b", "c")]), "a", hops=2))
    ['b', 'c']
"""

from __future__ import annotations

from agora.memory.graph.communities import build_communities, label_propagation
from agora.memory.graph.views import fact_graph, neighbourhood, personalized_pagerank, working_set

__all__ = [
    "build_communities",
    "fact_graph",
    "label_propagation",
    "neighbourhood",
    "personalized_pagerank",
    "working_set",
]

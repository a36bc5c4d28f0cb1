"""L2 communities: label propagation over the entity graph, vectorised with numpy.

Linear in the number of facts per round (one sort of the edge array), so it runs on a whole
1M-fact store where networkx's Louvain would not fit in memory or time. Summaries are
extractive: the community's best-connected entities and its most frequent relations.

Example:
    >>> from agora.memory import Entity, Fact, NetworkXStore
    >>> store = NetworkXStore()
    >>> people = [Entity.named(n) for n in ["Ann", "Bob", "Cy", "Dee", "Eve", "Fay"]]
    >>> _ = store.upsert_entities(people)
    >>> pairs = [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)]
    >>> _ = store.add_facts(Fact.triple(people[a], "knows", people[b], agent="x") for a, b in pairs)
    >>> found = build_communities(store)
    >>> sorted(len(c.members) for c in found)
    [3, 3]
    >>> found[0].summary  # doctest: +ELLIPSIS
    '3 entities, mainly ...; relations: knows (3)'
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from agora.memory.records import Community
from agora.memory.scope import Scope
from agora.memory.store import EdgeList, Store

__all__ = ["build_communities", "label_propagation"]

Labels = npt.NDArray[np.int64]


def label_propagation(edges: EdgeList, *, rounds: int = 20, seed: int = 0) -> Labels:
    """A community label per entity of `edges` (equal labels: same community).

    Semi-synchronous: each round a random half of the nodes adopts the label most frequent
    among its neighbours (ties keep the current label if it is among them, else are broken at
    random), which avoids
    the oscillation of fully synchronous updates. Stops early once labels settle.

    Example:
        >>> e = EdgeList(np.array([0, 2]), np.array([1, 3]), np.array([0, 0]), list("abcd"), ["r"])
        >>> labels = label_propagation(e)
        >>> bool(labels[0] == labels[1]), bool(labels[1] == labels[2])
        (True, False)
    """
    n = len(edges.entity_ids)
    rng = np.random.default_rng(seed)
    keep = edges.src != edges.dst
    src, dst = edges.src[keep], edges.dst[keep]
    nodes, others = np.concatenate([src, dst]), np.concatenate([dst, src])
    labels = np.arange(n, dtype=np.int64)
    for _ in range(rounds):
        winners, best = _majority(nodes, labels[others], labels, rng)
        unstable = labels[winners] != best
        if np.count_nonzero(unstable) <= n // 1000:
            break
        update = unstable & (rng.random(len(winners)) < 0.5)
        labels[winners[update]] = best[update]
    return labels


def _majority(
    nodes: Labels, neighbour_labels: Labels, labels: Labels, rng: np.random.Generator
) -> tuple[Labels, Labels]:
    """For every node, the label most frequent among `neighbour_labels`.

    Ties keep the node's current label, else go to a random one of the tied labels.
    """
    n = len(labels)
    keys, counts = np.unique(nodes * n + neighbour_labels, return_counts=True)
    owner = keys // n
    own = (keys % n) == labels[owner]
    score = counts + rng.random(len(counts)) * 0.25 + own * 0.5  # bonuses < 1: ties only
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    best = np.maximum.reduceat(score, starts)
    sizes = np.diff(np.r_[starts, len(owner)])
    pick = np.flatnonzero(score == np.repeat(best, sizes))
    pick = pick[np.r_[True, owner[pick][1:] != owner[pick][:-1]]]
    return owner[pick], keys[pick] % n


def build_communities(
    store: Store,
    *,
    scope: Scope | None = None,
    level: int = 0,
    min_size: int = 2,
    seed: int = 0,
    top: int = 5,
) -> list[Community]:
    """Find communities among the current facts of `store`, store them, return them.

    They replace the communities of `level` in one transaction, largest first.
    Communities smaller than `min_size` entities are dropped.
    """
    edges = store.edges(scope=scope)
    labels = label_propagation(edges, seed=seed)
    degree = np.bincount(np.concatenate([edges.src, edges.dst]), minlength=len(labels))
    groups = _groups(labels, degree, min_size)
    relations = _top_relations(edges, labels, top=3)
    communities = []
    for index, members in enumerate(groups):
        names = [_name(store, edges.entity_ids[m]) for m in members[:top]]
        rel = ", ".join(
            f"{edges.relations[r]} ({c})" for r, c in relations.get(int(labels[members[0]]), [])
        )
        summary = f"{len(members)} entities, mainly {', '.join(names)}; relations: {rel or 'none'}"
        ids = tuple(edges.entity_ids[m] for m in members)
        communities.append(
            Community(id=f"c{level}_{index}", members=ids, summary=summary, level=level)
        )
    store.put_communities(communities, level=level)
    return communities


def _groups(labels: Labels, degree: Labels, min_size: int) -> list[Labels]:
    """Member indices per label, best-connected first; groups largest first."""
    order = np.lexsort((-degree, labels))
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    groups = [g for g in np.split(order, cuts) if len(g) >= min_size]
    groups.sort(key=lambda g: (-len(g), int(g[0])))
    return groups


def _top_relations(
    edges: EdgeList, labels: Labels, *, top: int
) -> dict[int, list[tuple[int, int]]]:
    """The `top` most frequent relations inside each community: label -> [(relation, count)]."""
    inside = labels[edges.src] == labels[edges.dst]
    n_rel = max(len(edges.relations), 1)
    keys, counts = np.unique(
        labels[edges.src[inside]] * n_rel + edges.rel[inside], return_counts=True
    )
    owner = keys // n_rel
    order = np.lexsort((-counts, owner))
    result: dict[int, list[tuple[int, int]]] = {}
    for i in order:
        ranked = result.setdefault(int(owner[i]), [])
        if len(ranked) < top:
            ranked.append((int(keys[i] % n_rel), int(counts[i])))
    return result


def _name(store: Store, entity_id: str) -> str:
    entity = store.get_entity(entity_id)
    return entity.name if entity is not None else entity_id

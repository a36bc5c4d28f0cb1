"""The `Store` protocol every memory backend implements, and the values it returns.

Backends: `SQLiteStore` (the default source of truth, file or ``":memory:"``) and
`NetworkXStore` (pure Python, in memory). A new backend (PostgreSQL) plugs in by passing the
contract suite in ``tests/memory/test_memory_contract.py``.

Reads take the same filters: ``scope`` (a reader's scope: it sees what `Scope.readable`
allows; ``None`` sees everything), ``valid_at`` (facts that held at that time, history
included) and ``statuses``. By default reads hide quarantined facts, and, without
``valid_at``, superseded ones too (see `default_statuses`).

Example:
    >>> from agora.memory import NetworkXStore, SQLiteStore
    >>> isinstance(NetworkXStore(), Store)
    True
    >>> with SQLiteStore(":memory:") as store:
    ...     isinstance(store, Store)
    True
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from agora.memory.records import (
    FACT_STATUSES,
    Community,
    Entity,
    Episode,
    Fact,
    FactStatus,
    Goal,
    GoalStatus,
)
from agora.memory.scope import Scope

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["EdgeList", "Snapshot", "Store", "StoreStats", "default_statuses", "snapshot_of"]


def default_statuses(valid_at: float | None) -> tuple[FactStatus, ...]:
    """The statuses reads return when the caller names none.

    Example:
        >>> default_statuses(None)
        ('active', 'disputed')
        >>> default_statuses(0.0)
        ('active', 'disputed', 'superseded')
    """
    return ("active", "disputed") if valid_at is None else ("active", "disputed", "superseded")


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreStats:
    """Record counts of a store.

    Example:
        >>> StoreStats().facts
        0
    """

    episodes: int = 0
    """L0 episodes."""
    entities: int = 0
    """L1 entities."""
    facts: int = 0
    """L1 facts, all statuses."""
    facts_by_status: dict[str, int] = field(default_factory=dict)
    """L1 facts per status."""
    communities: int = 0
    """L2 communities."""
    goals: int = 0
    """L3 goals."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """Everything a store holds (or a scope of it), for export.

    Example:
        >>> Snapshot().facts
        []
    """

    episodes: list[Episode] = field(default_factory=list)
    """L0."""
    entities: list[Entity] = field(default_factory=list)
    """L1 entities."""
    facts: list[Fact] = field(default_factory=list)
    """L1 facts, all statuses."""
    communities: list[Community] = field(default_factory=list)
    """L2."""
    goals: list[Goal] = field(default_factory=list)
    """L3."""


@dataclass(frozen=True, slots=True)
class EdgeList:
    """Entity-to-entity facts as arrays, for vectorised graph algorithms.

    ``src[i] -> dst[i]`` is a fact with relation ``relations[rel[i]]``; node ``k`` is entity
    ``entity_ids[k]``.

    Example:
        >>> e = EdgeList(np.array([0]), np.array([1]), np.array([0]), ["e_a", "e_b"], ["knows"])
        >>> e.entity_ids[int(e.dst[0])]
        'e_b'
    """

    src: npt.NDArray[np.int64]
    dst: npt.NDArray[np.int64]
    rel: npt.NDArray[np.int64]
    entity_ids: list[str]
    relations: list[str]


@runtime_checkable
class Store(Protocol):
    """A memory backend: L0-L3 records, scoped, transactional, with history.

    Every write is atomic: it applies whole or, on error, not at all. Bad input raises
    `agora.InvalidRecordError` naming the field; an unknown id raises
    `agora.RecordNotFoundError`; a write outside the writer's scope raises `agora.ScopeError`;
    a read argument of the wrong type (a `scope` that is not a `Scope`, one string where a
    list of ids or statuses goes, a `limit` that is not an int) raises `agora.UserError`.
    Whatever a store accepts, every read returns.

    A store may be called from several threads at once: a team run writes its episodes
    from a worker thread while its event loop reads (`SQLiteStore` serializes its
    transactions with a lock; `NetworkXStore` relies on atomic dict updates).
    """

    def close(self) -> None:
        """Release the store; later calls raise `agora.StoreError`."""

    # L0
    def add_episode(self, episode: Episode) -> None:
        """Add one episode (agent scope only)."""
        ...

    def add_episodes(self, episodes: Iterable[Episode]) -> int:
        """Add episodes (agent scope only); return how many."""
        ...

    def get_episode(self, episode_id: str) -> Episode | None:
        """The episode, or ``None``."""
        ...

    def episodes(self, *, scope: Scope | None = None, limit: int = 100) -> list[Episode]:
        """The newest episodes readable from `scope`."""
        ...

    # L1
    def upsert_entities(self, entities: Iterable[Entity]) -> int:
        """Insert entities, or update name and type of those whose id exists; return how many."""
        ...

    def get_entity(self, entity_id: str) -> Entity | None:
        """The entity, or ``None``."""
        ...

    def find_entities(self, name: str) -> list[Entity]:
        """Entities whose normalized name equals that of `name`."""
        ...

    def add_fact(self, fact: Fact) -> None:
        """Add one fact (see `add_facts`)."""
        ...

    def add_facts(self, facts: Iterable[Fact]) -> int:
        """Add facts in one transaction (agent scope, known entities, new ids); return how many."""
        ...

    def get_fact(self, fact_id: str) -> Fact | None:
        """The fact in any status, or ``None``."""
        ...

    def get_facts(self, fact_ids: Iterable[str]) -> dict[str, Fact]:
        """The facts of `fact_ids` that exist, in any status, by id (one lookup for many)."""
        ...

    def facts(
        self,
        *,
        about: str | None = None,
        relation: str | None = None,
        scope: Scope | None = None,
        valid_at: float | None = None,
        statuses: Collection[FactStatus] | None = None,
        limit: int | None = None,
    ) -> list[Fact]:
        """Facts matching the filters (`about`: subject or object entity), oldest first.

        At most `limit` of them (``None``: all; 0 or less: none).
        """
        ...

    def facts_about(self, entity_id: str, **filters: Any) -> list[Fact]:
        """Shorthand for ``facts(about=entity_id, **filters)``."""
        ...

    def history(self, subject: str, relation: str | None = None) -> list[Fact]:
        """Every fact about `subject` (and `relation`) in any status, by valid_from."""
        ...

    def supersede(self, old_id: str, new: Fact) -> Fact:
        """Close `old_id` at ``new.valid_from``, mark it superseded, add `new`; return the old."""
        ...

    def set_status(self, fact_id: str, status: FactStatus) -> Fact:
        """Dispute, quarantine or restore (``"active"``) a fact; return it updated."""
        ...

    def promote(self, record_id: str, to: Scope, *, by: str) -> None:
        """Move a fact or goal to the wider scope `to`, recording who promoted it."""
        ...

    def neighbours(
        self,
        entity_id: str,
        *,
        hops: int = 1,
        scope: Scope | None = None,
        valid_at: float | None = None,
        limit: int = 1000,
    ) -> list[str]:
        """Ids of entities within `hops` facts of `entity_id` (both directions), at most `limit`."""
        ...

    def search(
        self,
        text: str,
        *,
        scope: Scope | None = None,
        valid_at: float | None = None,
        statuses: Collection[FactStatus] | None = None,
        limit: int = 10,
    ) -> list[tuple[str, float]]:
        """Fact ids ranked by BM25 over fact text, best first, with scores (higher is better).

        At most `limit` of them (0 or less: none). A query whose words match more facts than
        the scoring budget scores a bounded candidate set (see `agora.memory.retrieval._bm25`).

        Hybrid retrieval (BM25 fused with embeddings by reciprocal rank) builds on this ranked
        list; it lives in the retrieval layer, not in stores.
        """
        ...

    def edges(self, *, scope: Scope | None = None) -> EdgeList:
        """Current (active and disputed) entity-to-entity facts as arrays."""
        ...

    # L2
    def put_communities(self, communities: Iterable[Community], *, level: int = 0) -> int:
        """Replace all communities of `level` with `communities`, atomically; return how many."""
        ...

    def communities(
        self, *, level: int | None = None, entity: str | None = None
    ) -> list[Community]:
        """Communities, optionally of one level or containing `entity`."""
        ...

    # L3
    def put_goal(self, goal: Goal) -> None:
        """Insert or replace a goal (agent scope only)."""
        ...

    def get_goal(self, goal_id: str) -> Goal | None:
        """The goal, or ``None``."""
        ...

    def goals(
        self,
        *,
        scope: Scope | None = None,
        parent: str | None = None,
        status: GoalStatus | None = None,
    ) -> list[Goal]:
        """Goals matching the filters."""
        ...

    def delete_goal(self, goal_id: str) -> None:
        """Remove a goal; its sub-goals lose their parent."""
        ...

    # whole store
    def stats(self) -> StoreStats:
        """Record counts."""
        ...

    def export(self, *, scope: Scope | None = None) -> Snapshot:
        """Every record readable from `scope` (all when ``None``)."""
        ...

    def graph(
        self,
        *,
        scope: Scope | None = None,
        around: Iterable[str] | None = None,
        hops: int = 2,
        valid_at: float | None = None,
    ) -> nx.MultiDiGraph:
        """The working set as a networkx graph: entities within `hops` of `around` (all if None)."""
        ...


def snapshot_of(store: Store, entities: list[Entity], *, scope: Scope | None) -> Snapshot:
    """A store's `Snapshot` for `Store.export`, given every entity it holds.

    Facts come in every status; with a `scope`, only the entities its facts use are kept.
    """
    facts = store.facts(scope=scope, statuses=FACT_STATUSES)
    if scope is not None:
        used = {f.subject for f in facts} | {f.object_id for f in facts}
        entities = [e for e in entities if e.id in used]
    return Snapshot(
        episodes=store.episodes(scope=scope, limit=-1),
        entities=entities,
        facts=facts,
        communities=store.communities(),
        goals=store.goals(scope=scope),
    )

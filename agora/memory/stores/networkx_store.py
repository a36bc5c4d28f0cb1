"""`NetworkXStore`: a pure-Python, in-memory `Store` on a networkx graph.

Useful for tests and small runs, and the baseline the SQLite store is benchmarked against.
Writes are atomic the simple way: every check runs before anything changes.

Example:
    >>> from agora.memory import Entity, Fact
    >>> store = NetworkXStore()
    >>> sun, star = Entity.named("Sun"), Entity.named("star")
    >>> store.upsert_entities([sun, star])
    2
    >>> store.add_fact(Fact.triple(sun, "is_a", star, agent="a1"))
    >>> store.neighbours(sun.id) == [star.id]
    True
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import Any

import networkx as nx
import numpy as np

from agora.errors import InvalidRecordError, RecordNotFoundError, StoreError, UserError
from agora.memory import _rules
from agora.memory.graph.views import working_set
from agora.memory.records import FACT_STATUSES, Entity, Fact, FactStatus, normalize_name
from agora.memory.retrieval._bm25 import BM25Index
from agora.memory.scope import Scope
from agora.memory.store import EdgeList, Snapshot, default_statuses, snapshot_of
from agora.memory.stores._nx_levels import NetworkXLevels

__all__ = ["NetworkXStore"]


class NetworkXStore(NetworkXLevels):
    """The `Store` in memory: dicts of records plus a `networkx.MultiDiGraph` of entities."""

    def __init__(self) -> None:
        super().__init__()
        self._entities: dict[str, Entity] = {}
        self._facts: dict[str, Fact] = {}
        self._order: list[str] = []  # fact ids by insertion: BM25 document numbers
        self._about: defaultdict[str, list[str]] = defaultdict(list)
        self._graph = nx.MultiDiGraph()
        self._text = BM25Index()

    def upsert_entities(self, entities: Iterable[Entity]) -> int:
        """Insert entities, or update name and type of those whose id exists; return how many."""
        self._open()
        items = _rules.records(entities, Entity, "entity")  # all checked before any is kept
        for entity in items:
            self._entities[entity.id] = entity
            self._graph.add_node(entity.id)
        return len(items)

    def get_entity(self, entity_id: str) -> Entity | None:
        """The entity, or ``None``."""
        _rules.check_id(entity_id, "entity_id")
        return self._open()._entities.get(entity_id)

    def find_entities(self, name: str) -> list[Entity]:
        """Entities whose normalized name equals that of `name`, by id."""
        _rules.check_id(name, "name")
        norm = normalize_name(name)
        return sorted((e for e in self._open()._entities.values() if e.norm == norm), key=_id)

    def add_fact(self, fact: Fact) -> None:
        """Add one fact (see `add_facts`)."""
        self.add_facts([fact])

    def add_facts(self, facts: Iterable[Fact]) -> int:
        """Add facts: all of them, or on any error none; return how many."""
        self._open()
        items = _rules.records(facts, Fact, "fact")
        seen: set[str] = set()
        for fact in items:
            self._check_new(fact, seen)
        for fact in items:
            self._insert(fact)
        return len(items)

    def _check_new(self, fact: Fact, seen: set[str]) -> None:
        _rules.check_fact(fact)
        if fact.id in self._facts or fact.id in seen:
            raise InvalidRecordError(f"fact id {fact.id!r} is already in the store", field="id")
        seen.add(fact.id)
        for field, entity_id in (("subject", fact.subject), ("object_id", fact.object_id)):
            if entity_id is not None and entity_id not in self._entities:
                raise InvalidRecordError(
                    f"{field} names entity {entity_id!r}, which is not in the store; "
                    "add it with upsert_entities() first",
                    field=field,
                )

    def _insert(self, fact: Fact) -> None:
        self._facts[fact.id] = fact
        self._order.append(fact.id)
        self._text.add(fact.text)
        self._about[fact.subject].append(fact.id)
        if fact.object_id is not None:
            if fact.object_id != fact.subject:
                self._about[fact.object_id].append(fact.id)
            self._graph.add_edge(fact.subject, fact.object_id, key=fact.id)

    def get_fact(self, fact_id: str) -> Fact | None:
        """The fact in any status, or ``None``."""
        _rules.check_id(fact_id, "fact_id")
        return self._open()._facts.get(fact_id)

    def get_facts(self, fact_ids: Iterable[str]) -> dict[str, Fact]:
        """The facts of `fact_ids` that exist, in any status, by id."""
        if isinstance(fact_ids, str):
            raise UserError("get_facts() takes a collection of fact ids; use get_fact(id)")
        held = self._open()._facts
        return {i: held[i] for i in _rules.check_ids(fact_ids, "fact_ids") if i in held}

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
        """Facts matching the filters (`about`: subject or object entity), oldest first."""
        _rules.check_filters(scope=scope, valid_at=valid_at, statuses=statuses, limit=limit)
        _rules.check_text_filters(about=about, relation=relation)
        ids = self._order if about is None else self._open()._about.get(about, [])
        keep = _visible(scope, valid_at, statuses)
        found = [
            f
            for f in (self._facts[i] for i in ids)
            if keep(f) and (relation is None or f.relation == relation)
        ]
        found.sort(key=lambda f: f.valid_from)  # stable: insertion order breaks ties
        return found if limit is None else found[: max(limit, 0)]

    def facts_about(self, entity_id: str, **filters: Any) -> list[Fact]:
        """Shorthand for ``facts(about=entity_id, ...)``."""
        return self.facts(about=entity_id, **filters)

    def history(self, subject: str, relation: str | None = None) -> list[Fact]:
        """Every fact with `subject` (and `relation`), in any status, by valid_from."""
        _rules.check_id(subject, "subject")
        found = self.facts(about=subject, relation=relation, statuses=FACT_STATUSES)
        return [f for f in found if f.subject == subject]

    def supersede(self, old_id: str, new: Fact) -> Fact:
        """Close `old_id` at ``new.valid_from``, mark it superseded, add `new`; return the old."""
        _rules.check_id(old_id, "old_id")
        _rules.require(new, Fact, "fact")
        old = self._require(old_id)
        _rules.check_supersede(old, new)
        self._check_new(new, set())
        closed = dataclasses.replace(
            old, status="superseded", valid_to=_rules.closed(old, new.valid_from)
        )
        self._facts[old_id] = closed
        self._insert(new)
        return closed

    def set_status(self, fact_id: str, status: FactStatus) -> Fact:
        """Dispute, quarantine or restore (``"active"``) a fact; return it updated."""
        _rules.check_id(fact_id, "fact_id")
        _rules.check_settable(status)
        updated = dataclasses.replace(self._require(fact_id), status=status)
        self._facts[fact_id] = updated
        return updated

    def promote(self, record_id: str, to: Scope, *, by: str) -> None:
        """Move a fact or goal to the wider scope `to`, recording `by` as who promoted it."""
        _rules.check_id(record_id, "record_id")
        _rules.check_promotion(to, by)
        if record_id in self._open()._facts:
            fact = self._facts[record_id]
            fact.scope.check_promotion(to)
            self._facts[record_id] = dataclasses.replace(fact, scope=to, promoted_by=by)
        elif record_id in self._goals:
            goal = self._goals[record_id]
            goal.scope.check_promotion(to)
            self._goals[record_id] = dataclasses.replace(goal, scope=to)
        else:
            raise RecordNotFoundError(f"no fact or goal {record_id!r} in the store")

    def neighbours(
        self,
        entity_id: str,
        *,
        hops: int = 1,
        scope: Scope | None = None,
        valid_at: float | None = None,
        limit: int = 1000,
    ) -> list[str]:
        """Ids of entities within `hops` facts of `entity_id`, nearest first, at most `limit`."""
        _rules.check_id(entity_id, "entity_id")
        _rules.check_hops(hops, limit)
        _rules.check_filters(scope=scope, valid_at=valid_at)
        if entity_id not in self._open()._graph:
            return []
        keep = _visible(scope, valid_at, None)
        seen, found, frontier = {entity_id}, list[str](), [entity_id]
        for _ in range(hops):
            nxt = []
            for node in frontier:
                for other, fact_id in self._adjacent(node):
                    if other not in seen and keep(self._facts[fact_id]):
                        seen.add(other)
                        found.append(other)
                        nxt.append(other)
                        if len(found) >= limit:
                            return found
            frontier = nxt
            if not frontier:  # nothing further: a large `hops` must not spin
                break
        return found

    def _adjacent(self, node: str) -> Iterable[tuple[str, str]]:
        for other, keys in self._graph.succ[node].items():
            yield from ((other, k) for k in keys)
        for other, keys in self._graph.pred[node].items():
            yield from ((other, k) for k in keys)

    def search(
        self,
        text: str,
        *,
        scope: Scope | None = None,
        valid_at: float | None = None,
        statuses: Collection[FactStatus] | None = None,
        limit: int = 10,
    ) -> list[tuple[str, float]]:
        """Fact ids ranked by BM25 over fact text (any word matches), best first."""
        _rules.check_query(text, limit)
        _rules.check_filters(scope=scope, valid_at=valid_at, statuses=statuses)
        keep = _visible(scope, valid_at, statuses)
        order, facts = self._open()._order, self._facts
        hits = self._text.search(text, lambda doc: keep(facts[order[doc]]), limit)
        return [(order[doc], score) for doc, score in hits]

    def edges(self, *, scope: Scope | None = None) -> EdgeList:
        """Current (active and disputed) entity-to-entity facts as arrays."""
        _rules.check_filters(scope=scope)
        index = {e: i for i, e in enumerate(self._open()._entities)}
        keep = _visible(scope, None, None)
        codes: dict[str, int] = {}
        triples = [
            (index[f.subject], index[f.object_id], codes.setdefault(f.relation, len(codes)))
            for f in (self._facts[i] for i in self._order)
            if f.object_id is not None and keep(f)
        ]
        columns = np.array(triples, dtype=np.int64).reshape(-1, 3)
        ids = list(self._entities)
        return EdgeList(columns[:, 0], columns[:, 1], columns[:, 2], ids, list(codes))

    def export(self, *, scope: Scope | None = None) -> Snapshot:
        """Every record readable from `scope` (all when ``None``); facts in every status."""
        _rules.check_filters(scope=scope)
        return snapshot_of(self, list(self._entities.values()), scope=scope)

    def graph(
        self,
        *,
        scope: Scope | None = None,
        around: Iterable[str] | None = None,
        hops: int = 2,
        valid_at: float | None = None,
    ) -> nx.MultiDiGraph:
        """The working set as a networkx graph (see `agora.memory.graph.working_set`)."""
        return working_set(self, scope=scope, around=around, hops=hops, valid_at=valid_at)

    def _open(self) -> NetworkXStore:
        if self._closed:
            raise StoreError(f"{type(self).__name__} is closed; create a new store to use it")
        return self

    def _require(self, fact_id: str) -> Fact:
        fact = self._open()._facts.get(fact_id)
        if fact is None:
            raise RecordNotFoundError(f"no fact {fact_id!r} in the store")
        return fact


def _visible(
    scope: Scope | None, valid_at: float | None, statuses: Collection[FactStatus] | None
) -> Callable[[Fact], bool]:
    wanted = frozenset(default_statuses(valid_at) if statuses is None else statuses)
    keys = None if scope is None else frozenset(scope.readable())

    def keep(fact: Fact) -> bool:
        return (
            fact.status in wanted
            and (keys is None or fact.scope in keys)
            and (valid_at is None or fact.valid_at(valid_at))
        )

    return keep


def _id(entity: Entity) -> str:
    return entity.id

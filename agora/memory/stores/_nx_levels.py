"""L0 episodes, L2 communities, L3 goals and lifecycle of `NetworkXStore` (internal)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from agora.errors import InvalidRecordError, RecordNotFoundError, StoreError
from agora.memory import _rules
from agora.memory.records import Community, Entity, Episode, Fact, Goal, GoalStatus
from agora.memory.scope import Scope
from agora.memory.store import StoreStats


class NetworkXLevels:
    """Episodes, communities, goals and counts, kept in dicts."""

    if TYPE_CHECKING:
        _entities: dict[str, Entity]
        _facts: dict[str, Fact]

    def __init__(self) -> None:
        self._closed = False
        self._episodes: dict[str, Episode] = {}
        self._communities: dict[str, Community] = {}
        self._goals: dict[str, Goal] = {}

    def close(self) -> None:
        """Drop the store; later calls raise `agora.StoreError`."""
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"{type(self).__name__} is closed; create a new store to use it")

    def add_episode(self, episode: Episode) -> None:
        """Add one episode (agent scope only)."""
        self.add_episodes([episode])

    def add_episodes(self, episodes: Iterable[Episode]) -> int:
        """Add episodes, all or none; return how many."""
        self._check_open()
        items = _rules.records(episodes, Episode, "episode")
        for ep in items:
            _rules.check_episode(ep)
        ids = [e.id for e in items]
        if len(set(ids)) < len(ids) or any(i in self._episodes for i in ids):
            raise InvalidRecordError("episode id already in the store", field="id")
        self._episodes.update(zip(ids, items, strict=True))
        return len(items)

    def get_episode(self, episode_id: str) -> Episode | None:
        """The episode, or ``None``."""
        _rules.check_id(episode_id, "episode_id")
        self._check_open()
        return self._episodes.get(episode_id)

    def episodes(self, *, scope: Scope | None = None, limit: int = 100) -> list[Episode]:
        """The newest episodes readable from `scope`, newest first (a negative `limit`: all)."""
        _rules.check_filters(scope=scope, limit=limit, limit_none=False)
        self._check_open()
        held = list(self._episodes.values())  # one step: a writer thread may add meanwhile
        found = [e for e in held if scope is None or scope.can_read(e.scope)]
        found.reverse()
        found.sort(key=lambda e: -e.created_at)
        return found if limit < 0 else found[:limit]

    def put_communities(self, communities: Iterable[Community], *, level: int = 0) -> int:
        """Replace all communities of `level` with `communities`, atomically; return how many."""
        self._check_open()
        _rules.check_level(level)
        items = _rules.records(communities, Community, "community")
        items = [c if c.level == level else _at_level(c, level) for c in items]
        for c in items:
            for member in c.members:
                if member not in self._entities:
                    raise InvalidRecordError(
                        f"members names entity {member!r}, which is not in the store",
                        field="members",
                    )
        if len({c.id for c in items}) < len(items):
            raise InvalidRecordError("community ids must be unique", field="id")
        kept = {i: c for i, c in self._communities.items() if c.level != level}
        if any(c.id in kept for c in items):
            raise InvalidRecordError("community id used at another level", field="id")
        kept.update((c.id, c) for c in items)
        self._communities = kept
        return len(items)

    def communities(
        self, *, level: int | None = None, entity: str | None = None
    ) -> list[Community]:
        """Communities, optionally of one level or containing `entity`, by id; members in order."""
        _rules.check_int_filters(level=level)
        _rules.check_text_filters(entity=entity)
        self._check_open()
        return [
            c
            for c in sorted(self._communities.values(), key=lambda c: c.id)
            if (level is None or c.level == level) and (entity is None or entity in c.members)
        ]

    def put_goal(self, goal: Goal) -> None:
        """Insert or replace a goal (its owner's scope, or the scope it was promoted to)."""
        self._check_open()
        _rules.require(goal, Goal, "goal")
        stored = self._goals.get(goal.id)
        _rules.check_goal(goal, None if stored is None else stored.scope)
        self._goals[goal.id] = goal

    def get_goal(self, goal_id: str) -> Goal | None:
        """The goal, or ``None``."""
        _rules.check_id(goal_id, "goal_id")
        self._check_open()
        return self._goals.get(goal_id)

    def goals(
        self,
        *,
        scope: Scope | None = None,
        parent: str | None = None,
        status: GoalStatus | None = None,
    ) -> list[Goal]:
        """Goals matching the filters, by id."""
        _rules.check_goal_filters(scope, parent, status)
        self._check_open()
        return [
            g
            for g in sorted(self._goals.values(), key=lambda g: g.id)
            if (scope is None or scope.can_read(g.scope))
            and (parent is None or g.parent == parent)
            and (status is None or g.status == status)
        ]

    def delete_goal(self, goal_id: str) -> None:
        """Remove a goal; its sub-goals lose their parent."""
        _rules.check_id(goal_id, "goal_id")
        self._check_open()
        if self._goals.pop(goal_id, None) is None:
            raise RecordNotFoundError(f"no goal {goal_id!r} in the store")
        for child in [g for g in self._goals.values() if g.parent == goal_id]:
            self._goals[child.id] = Goal(
                id=child.id, agent=child.agent, text=child.text, status=child.status,
                facts=child.facts, scope=child.scope,
            )  # fmt: skip

    def stats(self) -> StoreStats:
        """Record counts."""
        self._check_open()
        by_status: dict[str, int] = dict(Counter(f.status for f in self._facts.values()))
        return StoreStats(
            episodes=len(self._episodes), entities=len(self._entities),
            facts=len(self._facts), facts_by_status=by_status,
            communities=len(self._communities), goals=len(self._goals),
        )  # fmt: skip


def _at_level(community: Community, level: int) -> Community:
    return Community(
        id=community.id, members=community.members, summary=community.summary, level=level
    )

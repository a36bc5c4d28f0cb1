"""L0 episodes, L2 communities and L3 goals of `SQLiteStore` (internal)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from agora.errors import RecordNotFoundError
from agora.memory import _rules
from agora.memory.records import Community, Episode, Goal, GoalStatus
from agora.memory.scope import Scope
from agora.memory.store import StoreStats
from agora.memory.stores._sqlite_base import SQLiteBase
from agora.memory.stores._sqlite_rows import (
    EPISODE_COLUMNS,
    GOAL_COLUMNS,
    community_of,
    decoded,
    decoded_one,
    episode_of,
    episode_row,
    goal_of,
    scope_filter,
)

_MARKS = ",".join("?" * len(EPISODE_COLUMNS.split(",")))


class SQLiteLevels(SQLiteBase):
    """Episodes, communities, goals and counts."""

    def add_episode(self, episode: Episode) -> None:
        """Add one episode (agent scope only)."""
        self.add_episodes([episode])

    def add_episodes(self, episodes: Iterable[Episode]) -> int:
        """Add episodes in one transaction; return how many."""
        rows = []
        for ep in _rules.records(episodes, Episode, "episode"):
            _rules.check_episode(ep)
            rows.append(episode_row(ep))
        with self._write() as conn:
            conn.executemany(f"INSERT INTO episodes({EPISODE_COLUMNS}) VALUES ({_MARKS})", rows)
        return len(rows)

    def get_episode(self, episode_id: str) -> Episode | None:
        """The episode, or ``None``."""
        _rules.check_id(episode_id, "episode_id")
        sql = f"SELECT {EPISODE_COLUMNS} FROM episodes WHERE id = ?"
        return decoded_one(self._conn.execute(sql, (episode_id,)).fetchone(), episode_of)

    def episodes(self, *, scope: Scope | None = None, limit: int = 100) -> list[Episode]:
        """The newest episodes readable from `scope`, newest first (a negative `limit`: all)."""
        _rules.check_filters(scope=scope, limit=limit, limit_none=False)
        where, params = scope_filter("scope", scope)
        sql = f"SELECT {EPISODE_COLUMNS} FROM episodes WHERE 1{where} "
        sql += "ORDER BY created_at DESC, rowid DESC LIMIT ?"
        return decoded(self._conn.execute(sql, [*params, limit]), episode_of)

    def put_communities(self, communities: Iterable[Community], *, level: int = 0) -> int:
        """Replace all communities of `level` with `communities`, atomically; return how many."""
        items = _rules.records(communities, Community, "community")
        _rules.check_level(level)
        rowids = self._rowids((m for c in items for m in c.members), "members")
        with self._write() as conn:
            old = "SELECT rowid FROM communities WHERE level = ?"
            conn.execute(f"DELETE FROM community_members WHERE community IN ({old})", (level,))
            conn.execute("DELETE FROM communities WHERE level = ?", (level,))
            for c in items:
                cur = conn.execute(
                    "INSERT INTO communities(id, level, summary) VALUES (?,?,?)",
                    (c.id, level, c.summary),
                )
                conn.executemany(
                    "INSERT OR IGNORE INTO community_members VALUES (?,?,?)",
                    [(cur.lastrowid, rowids[m], i) for i, m in enumerate(c.members)],
                )
        return len(items)

    def communities(
        self, *, level: int | None = None, entity: str | None = None
    ) -> list[Community]:
        """Communities, optionally of one level or containing `entity`, by id; members in order."""
        _rules.check_int_filters(level=level)
        _rules.check_text_filters(entity=entity)
        sql, params = "SELECT rowid, id, level, summary FROM communities c WHERE 1", list[Any]()
        if level is not None:
            sql, params = sql + " AND level = ?", [level]
        if entity is not None:
            sql += " AND rowid IN (SELECT community FROM community_members m "
            sql += "JOIN entities e ON e.rowid = m.entity WHERE e.id = ?)"
            params.append(entity)
        rows = self._conn.execute(sql + " ORDER BY id", params).fetchall()
        members: dict[int, list[str]] = defaultdict(list)
        ids = [r[0] for r in rows]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for community, member in self._conn.execute(
                "SELECT m.community, e.id FROM community_members m JOIN entities e "
                f"ON e.rowid = m.entity WHERE m.community IN ({','.join('?' * len(chunk))}) "
                "ORDER BY m.community, m.position",
                chunk,
            ):
                members[community].append(member)
        return [community_of(r[1:], members[r[0]]) for r in rows]

    def put_goal(self, goal: Goal) -> None:
        """Insert or replace a goal (its owner's scope, or the scope it was promoted to)."""
        _rules.require(goal, Goal, "goal")
        with self._write() as conn:
            row = conn.execute("SELECT scope FROM goals WHERE id = ?", (goal.id,)).fetchone()
            _rules.check_goal(goal, None if row is None else Scope.parse(row[0]))
            conn.execute(
                f"INSERT OR REPLACE INTO goals({GOAL_COLUMNS}) VALUES (?,?,?,?,?,?,?)",
                (goal.id, goal.agent, goal.text, goal.parent, goal.status,
                 json.dumps(goal.facts), goal.scope.key),
            )  # fmt: skip

    def get_goal(self, goal_id: str) -> Goal | None:
        """The goal, or ``None``."""
        _rules.check_id(goal_id, "goal_id")
        sql = f"SELECT {GOAL_COLUMNS} FROM goals WHERE id = ?"
        return decoded_one(self._conn.execute(sql, (goal_id,)).fetchone(), goal_of)

    def goals(
        self,
        *,
        scope: Scope | None = None,
        parent: str | None = None,
        status: GoalStatus | None = None,
    ) -> list[Goal]:
        """Goals matching the filters, by id."""
        _rules.check_goal_filters(scope, parent, status)
        where, params = scope_filter("scope", scope)
        if parent is not None:
            where, params = where + " AND parent = ?", [*params, parent]
        if status is not None:
            where, params = where + " AND status = ?", [*params, status]
        sql = f"SELECT {GOAL_COLUMNS} FROM goals WHERE 1{where} ORDER BY id"
        return decoded(self._conn.execute(sql, params), goal_of)

    def delete_goal(self, goal_id: str) -> None:
        """Remove a goal; its sub-goals lose their parent."""
        _rules.check_id(goal_id, "goal_id")
        with self._write() as conn:
            if conn.execute("DELETE FROM goals WHERE id = ?", (goal_id,)).rowcount == 0:
                raise RecordNotFoundError(f"no goal {goal_id!r} in the store")
            conn.execute("UPDATE goals SET parent = NULL WHERE parent = ?", (goal_id,))

    def stats(self) -> StoreStats:
        """Record counts."""
        conn = self._conn

        def count(table: str) -> int:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

        by_status = dict(conn.execute("SELECT status, count(*) FROM facts GROUP BY status"))
        return StoreStats(
            episodes=count("episodes"), entities=count("entities"),
            facts=sum(by_status.values()), facts_by_status=by_status,
            communities=count("communities"), goals=count("goals"),
        )  # fmt: skip

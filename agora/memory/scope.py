"""Memory scopes: agent ⊂ team ⊂ global, with their read and write rules.

An agent reads its own scope, its team's and the global one. It writes only its own scope;
knowledge reaches a team or the global scope by *promotion* (`Store.promote`), which the
fusion layer performs once enough independent agents agree.

Example:
    >>> me = Scope.agent("a1", team="t1")
    >>> [s.key for s in me.readable()]
    ['agent:t1/a1', 'team:t1', 'global']
    >>> me.can_write(Scope.team("t1"))
    False
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal

from agora.errors import InvalidRecordError, ScopeError

__all__ = ["Scope", "ScopeLevel"]

#: How wide a scope is.
ScopeLevel = Literal["agent", "team", "global"]

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_WIDTH: dict[str, int] = {"agent": 0, "team": 1, "global": 2}


def _check_name(value: str, field: str) -> str:
    if not _NAME.match(value):
        raise InvalidRecordError(
            f"{field} {value!r} is not a valid name: use 1-64 letters, digits, '_', '-' or '.'",
            field=field,
        )
    return value


@dataclass(frozen=True, slots=True)
class Scope:
    """Who may read a memory record; build one with `agent`, `team` or `GLOBAL`.

    Example:
        >>> Scope.parse("team:t1") == Scope.team("t1")
        True
        >>> Scope.GLOBAL.key
        'global'
    """

    GLOBAL: ClassVar[Scope]

    level: ScopeLevel
    """How wide the scope is."""
    agent_id: str | None = None
    """The owning agent, for an agent scope."""
    team_id: str | None = None
    """The team, for a team scope or the agent scope of a team member."""

    @classmethod
    def agent(cls, name: str, *, team: str | None = None) -> Scope:
        """The private scope of agent `name`, optionally a member of `team`.

        Example:
            >>> Scope.agent("a1").key
            'agent:a1'
        """
        team_id = None if team is None else _check_name(team, "team")
        return cls("agent", _check_name(name, "agent"), team_id)

    @classmethod
    def team(cls, name: str) -> Scope:
        """The scope shared by the members of team `name`.

        Example:
            >>> Scope.team("t1").level
            'team'
        """
        return cls("team", None, _check_name(name, "team"))

    @classmethod
    def parse(cls, key: str) -> Scope:
        """The scope whose `key` is `key`.

        Example:
            >>> Scope.parse("agent:t1/a1").team_id
            't1'
        """
        kind, _, rest = key.partition(":")
        if kind == "global" and not rest:
            return cls.GLOBAL
        if kind == "team" and rest:
            return cls.team(rest)
        if kind == "agent" and rest:
            team, _, name = rest.rpartition("/")
            return cls.agent(name, team=team or None)
        raise InvalidRecordError(
            f"bad scope {key!r}: write 'global', 'team:NAME' or 'agent:[TEAM/]NAME'", field="scope"
        )

    @property
    def key(self) -> str:
        """The scope as text, as stored: ``global``, ``team:T`` or ``agent:[T/]A``."""
        if self.level == "global":
            return "global"
        if self.level == "team":
            return f"team:{self.team_id}"
        return f"agent:{self.team_id}/{self.agent_id}" if self.team_id else f"agent:{self.agent_id}"

    def readable(self) -> tuple[Scope, ...]:
        """The scopes a reader in this scope sees: itself, its team's, and global.

        Example:
            >>> [s.key for s in Scope.team("t1").readable()]
            ['team:t1', 'global']
        """
        if self.level == "global":
            return (self,)
        if self.level == "team" or self.team_id is None:
            return (self, Scope.GLOBAL)
        return (self, Scope.team(self.team_id), Scope.GLOBAL)

    def can_read(self, other: Scope) -> bool:
        """Whether a reader in this scope sees records in `other`.

        Example:
            >>> Scope.agent("a1", team="t1").can_read(Scope.agent("a2", team="t1"))
            False
        """
        return other in self.readable()

    def can_write(self, other: Scope) -> bool:
        """Whether a writer in this scope may write `other` directly: only its own agent scope.

        Example:
            >>> Scope.agent("a1").can_write(Scope.agent("a1"))
            True
        """
        return self.level == "agent" and other == self

    def check_promotion(self, target: Scope) -> None:
        """Raise `ScopeError` unless `target` is strictly wider than this scope and contains it.

        Example:
            >>> Scope.agent("a1", team="t1").check_promotion(Scope.team("t1"))
            >>> Scope.team("t1").check_promotion(Scope.team("t2"))
            Traceback (most recent call last):
            ...
            agora.errors.ScopeError: cannot promote from team:t1 to team:t2: ...
        """
        if _WIDTH[target.level] <= _WIDTH[self.level] or target not in self.readable():
            raise ScopeError(
                f"cannot promote from {self.key} to {target.key}: the target must be a wider "
                f"scope that contains this one ({', '.join(s.key for s in self.readable()[1:])})"
            )

    def __str__(self) -> str:
        return self.key


Scope.GLOBAL = Scope("global")

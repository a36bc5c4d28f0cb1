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

from dataclasses import dataclass
from typing import ClassVar, Literal

from agora._checks import NAME_RULE, is_name, shown
from agora.errors import InvalidRecordError, ScopeError

__all__ = ["Scope", "ScopeLevel"]

#: How wide a scope is.
ScopeLevel = Literal["agent", "team", "global"]

_WIDTH: dict[str, int] = {"agent": 0, "team": 1, "global": 2}


def _check_name(value: object, field: str) -> None:
    if not is_name(value):
        raise InvalidRecordError(
            f"{field} {shown(value)} is not a valid name: use {NAME_RULE}", field=field
        )


@dataclass(frozen=True, slots=True)
class Scope:
    """Who may read a memory record; build one with `agent`, `team` or `GLOBAL`.

    The constructor checks its fields too, so no invalid scope exists: a global scope names
    nobody, a team scope names a valid team and no agent, an agent scope names a valid agent
    (and maybe its team).

    Raises:
        InvalidRecordError: a level other than ``agent``, ``team`` or ``global``, a bad name,
            or names that do not fit the level.

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

    def __post_init__(self) -> None:
        level = self.level
        if not isinstance(level, str) or level not in _WIDTH:
            raise InvalidRecordError(
                f"scope level must be 'agent', 'team' or 'global', got {shown(level)}",
                field="scope",
            )
        if level == "global":
            if self.agent_id is None and self.team_id is None:
                return
            problem = "a global scope names no agent and no team"
        elif level == "team":
            if self.agent_id is None:
                _check_name(self.team_id, "team")
                return
            problem = "a team scope names no agent: use Scope.agent(name, team=...)"
        else:
            _check_name(self.agent_id, "agent")
            if self.team_id is not None:
                _check_name(self.team_id, "team")
            return
        raise InvalidRecordError(
            f"bad {level} scope ({problem}): build scopes with Scope.agent(name, team=...), "
            "Scope.team(name) or Scope.GLOBAL",
            field="scope",
        )

    @classmethod
    def agent(cls, name: str, *, team: str | None = None) -> Scope:
        """The private scope of agent `name`, optionally a member of `team`.

        Example:
            >>> Scope.agent("a1").key
            'agent:a1'
        """
        return cls("agent", name, team)

    @classmethod
    def team(cls, name: str) -> Scope:
        """The scope shared by the members of team `name`.

        Example:
            >>> Scope.team("t1").level
            'team'
        """
        return cls("team", None, name)

    @classmethod
    def parse(cls, key: str) -> Scope:
        """The scope whose `key` is `key`.

        Example:
            >>> Scope.parse("agent:t1/a1").team_id
            't1'
        """
        if not isinstance(key, str):
            raise InvalidRecordError(
                f"a scope key is text such as 'team:t1', got {type(key).__name__}", field="scope"
            )
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

"""Hierarchical plan memory (DAMCS): step episodes → current-goal nodes → long-term goals.

An agent that works toward a long-term goal records every step it takes. Steps hang under a
*goal node*; a new goal node opens whenever the goal **or the agent's state** (its inventory)
changes, and each node hangs under the long-term-goal node it serves. When a node opens, an
optional recipe check lists the prerequisites still unmet (DAMCS's "semantic memory check").
What an agent shares with its team is `PlanMemory.summary`: its goal and unmet
prerequisites, the effort spent and the goals accomplished — never its raw history.

With a `Store`, the memory writes through to it: steps as L0 `Episode` records (kind
``step``) and goal nodes as L3 `Goal` records (a goal node's parent is its long-term goal),
each in the agent's own scope within its team. The nodes and their edges (long-term goal →
goal → step, goal → next goal) stay in the `PlanMemory` itself, which is what a planner reads.

Example:
    >>> from agora.memory import NetworkXStore
    >>> store = NetworkXStore()
    >>> memory = PlanMemory("a0", team="t", store=store,
    ...                     check=lambda goal, inv: () if inv.get("wood", 0) >= 2 else ("wood 2",))
    >>> _ = memory.set_long_term("collect diamond")
    >>> _ = memory.record(step=1, goal="place table", inventory={"wood": 1}, action="do")
    >>> _ = memory.record(step=2, goal="place table", inventory={"wood": 2}, action="do")
    >>> [(g.text, g.unmet, g.status) for g in memory.goals]
    [('place table', ('wood 2',), 'done'), ('place table', (), 'open')]
    >>> memory.summary().efforts, store.stats().episodes, store.stats().goals
    (2, 2, 3)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from agora._checks import check_int, check_name, check_text
from agora.errors import UserError
from agora.memory.records import Episode, Goal, GoalStatus, new_id
from agora.memory.scope import Scope
from agora.memory.store import Store

__all__ = ["GoalNode", "GoalSummary", "PlanMemory", "PrerequisiteCheck"]

#: Lists the prerequisites of `goal` still unmet given `inventory` (DAMCS's recipe check).
PrerequisiteCheck = Callable[[str, Mapping[str, int]], Sequence[str]]

Inventory = tuple[tuple[str, int], ...]


def _frozen(inventory: Mapping[str, int]) -> Inventory:
    return tuple(sorted((k, v) for k, v in inventory.items() if v))


@dataclass(slots=True, kw_only=True)
class GoalNode:
    """A goal (current or long-term) node, and the steps taken under it.

    Example:
        >>> GoalNode(id="g1", text="place table", opened_at=3).status
        'open'
    """

    id: str
    """Unique id; also the id of its `Goal` record in the store."""
    text: str
    """The goal."""
    opened_at: int
    """The step at which it opened."""
    parent: str | None = None
    """For a goal node: the long-term-goal node it serves."""
    previous: str | None = None
    """The node it follows (goal → next goal, long-term goal → next long-term goal)."""
    inventory: Inventory = ()
    """The agent's (non-zero) inventory when it opened."""
    unmet: tuple[str, ...] = ()
    """Prerequisites the recipe check found unmet when it opened."""
    steps: list[str] = field(default_factory=list)
    """Ids of the step episodes taken under it, in order."""
    status: GoalStatus = "open"
    """``open`` while current; ``done`` when accomplished or continued in a node of the same
    goal (the state changed); ``abandoned`` when the agent turned to another goal."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GoalSummary:
    """What an agent shares about its plan: goal, unmet prerequisites, effort, progress.

    Example:
        >>> s = GoalSummary(agent="a0", long_term="collect diamond", goal="place table",
        ...                 unmet=("wood 2",), efforts=4)
        >>> s.text()
        'a0: goal place table (long-term: collect diamond); unmet: wood 2; 4 steps on it'
    """

    agent: str
    """Whose plan."""
    long_term: str = ""
    """The long-term goal."""
    goal: str = ""
    """The current goal."""
    unmet: tuple[str, ...] = ()
    """Its prerequisites still unmet, as last checked."""
    efforts: int = 0
    """Steps spent on the current goal so far."""
    accomplished: tuple[str, ...] = ()
    """Goals accomplished, oldest first."""
    inventory: Inventory = ()
    """The inventory at the latest step (non-zero items)."""

    def text(self) -> str:
        """The summary in one line, for a teammate or a model's prompt."""
        parts = [f"{self.agent}: goal {self.goal or '(none)'}"]
        if self.long_term:
            parts[0] += f" (long-term: {self.long_term})"
        parts.append(f"unmet: {', '.join(self.unmet) or 'nothing'}")
        parts.append(f"{self.efforts} steps on it")
        if self.accomplished:
            parts.append(f"done: {', '.join(self.accomplished)}")
        return "; ".join(parts)


class PlanMemory:
    """One agent's DAMCS memory: long-term goals → goal nodes → step episodes.

    Args:
        agent: the agent's name.
        team: its team (the scope of what it writes).
        store: where records go too (``None``: kept in this object only).
        check: the recipe check run when a goal node opens (``None``: nothing is unmet).

    Raises:
        ConfigError: a bad name, or `store` that is not a `Store`.
    """

    def __init__(
        self,
        agent: str,
        *,
        team: str | None = None,
        store: Store | None = None,
        check: PrerequisiteCheck | None = None,
    ) -> None:
        check_name(agent, "agent")
        if team is not None:
            check_name(team, "team")
        if store is not None and not isinstance(store, Store):
            raise UserError(f"store must be an agora.memory Store, got {type(store).__name__}")
        self.agent = agent
        self.scope = Scope.agent(agent, team=team)
        self.store = store
        self.check = check
        self.long_terms: list[GoalNode] = []
        self.goals: list[GoalNode] = []
        self.accomplished: list[str] = []
        self._inventory: Inventory = ()
        self._efforts = 0

    @property
    def long_term(self) -> GoalNode | None:
        """The current long-term-goal node, if any."""
        return self.long_terms[-1] if self.long_terms else None

    @property
    def current(self) -> GoalNode | None:
        """The open goal node, if any."""
        node = self.goals[-1] if self.goals else None
        return node if node is not None and node.status == "open" else None

    def set_long_term(self, text: str, *, step: int = 0) -> GoalNode:
        """Make `text` the long-term goal: a new node when it differs from the current one.

        Raises:
            UserError: `text` is not a non-empty string.
        """
        check_text(text, "text", empty=False, limit=500, error=UserError)
        now = self.long_term
        if now is not None and now.text == text:
            return now
        if now is not None:
            self._close(now, "abandoned")
        node = GoalNode(id=new_id("g"), text=text, opened_at=step, previous=now.id if now else None)
        self.long_terms.append(node)
        self._write_goal(node)
        return node

    def record(
        self,
        *,
        step: int,
        goal: str,
        inventory: Mapping[str, int],
        action: str,
        target: str = "",
        note: str = "",
    ) -> str:
        """Record one step taken toward `goal`; return its episode id.

        A new goal node opens first when `goal` or `inventory` differs from the open node's
        (the old one closes ``done`` when only the inventory changed, else ``abandoned``
        unless `finish` closed it).

        Raises:
            UserError: a negative `step`, or an empty `goal` or `action`.
        """
        check_int(step, "step", low=0, error=UserError)
        check_text(action, "action", empty=False, limit=200, error=UserError)
        frozen = _frozen(inventory)
        node = self.current
        if node is None or node.text != goal or frozen != self._inventory:
            node = self._open(goal, inventory, frozen, step)
        text = f"step {step}: {action}" + (f" -> {target}" if target else "")
        text += f" [goal: {goal}]" + (f" {note}" if note else "")
        episode_id = new_id("ep")
        if self.store is not None:
            episode = Episode(
                id=episode_id, agent=self.agent, text=text, kind="step", scope=self.scope
            )
            self.store.add_episode(episode)
        node.steps.append(episode_id)
        self._efforts += 1
        return episode_id

    def finish(self, *, status: GoalStatus = "done") -> GoalNode | None:
        """Close the open goal node (accomplished by default); return it, if there was one."""
        node = self.current
        if node is None:
            return None
        self._close(node, status)
        if status == "done":
            self.accomplished.append(node.text)
        return node

    def steps_of(self, goal_id: str) -> list[str]:
        """The step episode ids under goal node `goal_id` (goal → step edges).

        Raises:
            UserError: no goal node has that id.
        """
        for node in self.goals:
            if node.id == goal_id:
                return list(node.steps)
        raise UserError(f"no goal node {goal_id!r} in {self.agent}'s memory; see .goals")

    def summary(self) -> GoalSummary:
        """The goal summary to share: goal, unmet prerequisites, efforts, accomplished."""
        node = self.goals[-1] if self.goals else None
        long_term = self.long_term
        return GoalSummary(
            agent=self.agent,
            long_term=long_term.text if long_term else "",
            goal=node.text if node else "",
            unmet=node.unmet if node else (),
            efforts=self._efforts if node else 0,
            accomplished=tuple(self.accomplished),
            inventory=self._inventory,
        )

    def _open(
        self, goal: str, inventory: Mapping[str, int], frozen: Inventory, step: int
    ) -> GoalNode:
        check_text(goal, "goal", empty=False, limit=500, error=UserError)
        old = self.current
        if old is not None:
            self._close(old, "done" if old.text == goal else "abandoned")
        if not self.goals or self.goals[-1].text != goal:
            self._efforts = 0
        unmet = tuple(self.check(goal, inventory)) if self.check is not None else ()
        long_term = self.long_term
        node = GoalNode(
            id=new_id("g"),
            text=goal,
            opened_at=step,
            parent=long_term.id if long_term else None,
            previous=self.goals[-1].id if self.goals else None,
            inventory=frozen,
            unmet=unmet,
        )
        self.goals.append(node)
        self._inventory = frozen
        self._write_goal(node)
        return node

    def _close(self, node: GoalNode, status: GoalStatus) -> None:
        node.status = status
        self._write_goal(node)

    def _write_goal(self, node: GoalNode) -> None:
        if self.store is None:
            return
        text = node.text
        if node.inventory:
            text += " | inventory: " + ", ".join(f"{k}={v}" for k, v in node.inventory)
        if node.unmet:
            text += " | unmet: " + ", ".join(node.unmet)
        self.store.put_goal(
            Goal(
                id=node.id,
                agent=self.agent,
                text=text,
                parent=node.parent,
                status=node.status,
                scope=self.scope,
            )
        )

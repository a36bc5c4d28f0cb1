"""Goal decomposition from crafter's recipe table: what to do next, and what is still missing.

`plan` expands "hold `count` of `item`" into the ordered steps that get there from a
`Situation` (an inventory, the materials whose location is known, the stations usable
together): for a made item its stations, then its ingredients, then ``make``; for a collected
item the tools its material requires, then ``explore`` if no such material is known, then
``collect``. Items are used up as the steps consume them, so the plan also yields the *bill*:
the raw items still to collect. `next_step` is the plan's first step, its collect count
batched to the bill (collect all the wood the plan needs while at the trees).

Example:
    >>> from agora.evals.planning.rules import load_rules
    >>> rules = load_rules()
    >>> steps, bill = plan(rules, "diamond", 1, Situation(inventory={}))
    >>> [s.label for s in steps][:4]
    ['explore tree', 'collect wood', 'place table', 'collect wood']
    >>> dict(bill)
    {'wood': 5, 'stone': 5, 'coal': 1, 'iron': 1, 'diamond': 1}
    >>> next_step(rules, "diamond", 1, Situation(inventory={}, known=frozenset({"tree"}))).count
    5
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from agora.errors import ConfigError
from agora.evals.planning.rules import Rules

__all__ = ["Situation", "Step", "StepKind", "milestones", "next_step", "plan", "unmet"]

#: What a step does.
StepKind = Literal["collect", "place", "make", "explore"]

_DEPTH = 32


def _nothing_placed(group: tuple[str, ...]) -> tuple[str, ...]:
    return group


@dataclass(frozen=True, slots=True)
class Step:
    """One action-level subgoal of a plan.

    Example:
        >>> Step("collect", "tree", item="wood", count=5).label
        'collect wood'
        >>> Step("make", "wood_pickaxe").achievement
        'make_wood_pickaxe'
    """

    kind: StepKind
    name: str
    """The material (collect, explore), the station (place) or the tool (make)."""
    item: str = ""
    """For collect: the item the material gives."""
    count: int = 0
    """For collect: how many of `item` to hold when done."""

    @property
    def label(self) -> str:
        """The step as a goal: ``collect wood``, ``place table``, ``explore diamond``."""
        return f"{self.kind} {self.item if self.kind == 'collect' else self.name}"

    @property
    def achievement(self) -> str:
        """Crafter's achievement for it (``""`` for explore)."""
        if self.kind == "explore":
            return ""
        return f"{self.kind}_{self.item if self.kind == 'collect' else self.name}"


@dataclass(frozen=True, slots=True)
class Situation:
    """What a plan starts from.

    Example:
        >>> Situation(inventory={"wood": 2}).missing(("table",))
        ('table',)
    """

    inventory: Mapping[str, int]
    """What the agent holds."""
    known: frozenset[str] = frozenset()
    """Materials it knows a location of."""
    missing: Callable[[tuple[str, ...]], tuple[str, ...]] = field(default=_nothing_placed)
    """The stations of a group (a recipe's ``nearby``) it must still place to use the group
    together, in the group's order (default: all of them)."""


@dataclass(slots=True)
class _Sim:
    rules: Rules
    situation: Situation
    inventory: Counter[str]
    placed: set[str] = field(default_factory=set)
    found: set[str] = field(default_factory=set)
    steps: list[Step] = field(default_factory=list)
    bill: Counter[str] = field(default_factory=Counter)

    def obtain(self, item: str, count: int, depth: int = 0) -> None:
        if depth > _DEPTH:
            raise ConfigError(f"crafter's recipes for {item!r} nest deeper than {_DEPTH}")
        recipe = self.rules.make.get(item)
        while self.inventory[item] < count:
            if recipe is not None:
                for station in self.situation.missing(recipe.nearby):
                    if station not in self.placed:
                        self.place(station, depth + 1)
                for use, k in recipe.uses.items():
                    self.obtain(use, k, depth + 1)
                    self.inventory[use] -= k
                self.inventory[item] += recipe.gives
                self.steps.append(Step("make", item))
                continue
            self.collect(item, count, depth)

    def collect(self, item: str, count: int, depth: int) -> None:
        source = self.rules.source_of(item)
        if source is None:
            raise ConfigError(
                f"crafter's data.yaml has no way to obtain {item!r}: it is neither made "
                "nor collected for sure; pick a goal item it can make or collect"
            )
        for tool, k in source.require.items():
            self.obtain(tool, k, depth + 1)
        known = source.material in self.situation.known or source.material in self.found
        if not known:
            self.steps.append(Step("explore", source.material))
            self.found.add(source.material)
        deficit = count - self.inventory[item]
        self.bill[item] += deficit
        self.inventory[item] = count
        self.steps.append(Step("collect", source.material, item=item, count=count))

    def place(self, station: str, depth: int) -> None:
        rule = self.rules.place.get(station)
        if rule is None:
            raise ConfigError(f"crafter's data.yaml has no rule to place {station!r}")
        for use, k in rule.uses.items():
            self.obtain(use, k, depth + 1)
            self.inventory[use] -= k
        self.placed.add(station)
        self.steps.append(Step("place", station))


def plan(
    rules: Rules, item: str, count: int, situation: Situation
) -> tuple[list[Step], Counter[str]]:
    """The ordered steps from `situation` to holding `count` of `item`, and the raw bill.

    Raises:
        ConfigError: the recipe table has no way to obtain `item`.
    """
    sim = _Sim(rules, situation, Counter({k: v for k, v in situation.inventory.items() if v}))
    sim.obtain(item, count)
    return sim.steps, sim.bill


def next_step(rules: Rules, item: str, count: int, situation: Situation) -> Step | None:
    """The first step toward holding `count` of `item` (``None``: already held).

    A collect step's count is batched: what is held now plus everything the whole plan still
    needs of that item, at most the item's maximum.
    """
    steps, bill = plan(rules, item, count, situation)
    if not steps:
        return None
    first = steps[0]
    if first.kind == "collect":
        held = situation.inventory.get(first.item, 0)
        total = min(rules.items.get(first.item, 9), held + bill[first.item])
        first = replace(first, count=max(first.count, total))
    return first


def unmet(rules: Rules, item: str, count: int, situation: Situation) -> tuple[str, ...]:
    """The prerequisites of holding `count` of `item` still unmet, as short phrases.

    Example:
        >>> from agora.evals.planning.rules import load_rules
        >>> unmet(load_rules(), "wood_pickaxe", 1, Situation(inventory={"wood": 1}))
        ('table', '2 more wood', 'location of tree')
    """
    steps, bill = plan(rules, item, count, situation)
    stations = tuple(dict.fromkeys(s.name for s in steps if s.kind == "place"))
    raw = tuple(f"{v} more {k}" for k, v in bill.items() if v > 0)
    unknown = tuple(f"location of {s.name}" for s in steps if s.kind == "explore")
    return stations + raw + unknown


def milestones(rules: Rules, item: str = "diamond") -> tuple[str, ...]:
    """Crafter's achievements on the way to `item` from nothing, in plan order.

    Example:
        >>> from agora.evals.planning.rules import load_rules
        >>> milestones(load_rules())[:3]
        ('collect_wood', 'place_table', 'make_wood_pickaxe')
    """
    everything = frozenset(rules.collect)
    steps, _ = plan(rules, item, 1, Situation(inventory={}, known=everything))
    return tuple(dict.fromkeys(s.achievement for s in steps if s.achievement))

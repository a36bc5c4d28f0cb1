"""How a planning agent carries out its subgoal, one crafter action at a time (internal).

`Acting` is the half of `agora.evals.planning.agent.PlanningAgent` that turns the chosen
option into an action: supplying a teammate (hand over what it holds, else obtain more),
exploring (first making what tunnels through the mountain's rock), placing fresh stations
when the known ones are far and it carries what they cost, stepping aside when idle, and
the text summary a model chooser reads.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from agora.evals.planning._control import Controller
from agora.evals.planning._grid import KnownMap, around
from agora.evals.planning.choice import Option
from agora.evals.planning.recipes import Situation, Step, next_step, plan
from agora.evals.planning.team import Board, RunContext
from agora.evals.planning.world import Action
from agora.memory import PlanMemory
from agora.protocols import HandOver

__all__ = ["FAR", "TUNNEL_ROCK", "Acting"]

#: Crafter's mountain rock: explorers of mountain materials first make what mines it.
TUNNEL_ROCK = "stone"
#: Farther than this (Manhattan) from its stations, an agent that can places new ones.
FAR = 15


class Acting:
    """Carrying out options (mixed into `PlanningAgent`, which sets these attributes)."""

    name: str
    run: RunContext
    control: Controller
    board: Board
    memory: PlanMemory
    role: str
    delivered: dict[str, list[int]]
    _tick: int

    @property
    def known(self) -> KnownMap:
        """The map it reads (its own, or the team's with shared memory)."""
        return self.run.memory.maps[self.name]

    def _execute(
        self, option: Option, inventory: dict[str, int], situation: Situation, tick: int
    ) -> Action:
        if option.kind == "wait":
            return self._step_aside()
        if option.kind == "supply":
            return self._supply(option, inventory, situation, tick)
        step = option.step
        assert step is not None
        step = self._local_stations(self._tunnel_first(step, inventory, situation), inventory)
        return self._move(step, inventory, tick)

    def _local_stations(self, step: Step, inventory: dict[str, int]) -> Step:
        """Far from the stations a make needs, place them here if it carries what they cost."""
        rules, known = self.run.rules, self.known
        if step.kind != "make":
            return step
        recipe = rules.make[step.name]
        x, y = self.run.world.position(self.name)
        xs, ys = np.indices(self.run.world.area, sparse=True)
        close = (np.abs(xs - x) + np.abs(ys - y)) <= FAR
        together = np.ones(self.run.world.area, dtype=bool)
        for station in recipe.nearby:
            together &= around(known.where(rules.material_id(station)))
        if (together & close).any():
            return step
        cost = Counter(recipe.uses)
        far = [s for s in recipe.nearby if not (known.where(rules.material_id(s)) & close).any()]
        for station in far:
            cost.update(rules.place[station].uses)
        if far and all(inventory.get(k, 0) >= v for k, v in cost.items()):
            return Step("place", far[0])
        return step

    def _step_aside(self) -> str:
        """Idle: stay, unless a teammate is next to it (it may be in the way)."""
        world, me = self.run.world, self.name
        x, y = world.position(me)
        crowded = any(
            abs(p[0] - x) + abs(p[1] - y) <= 1 for n, p in world.occupied().items() if n != me
        )
        if not crowded:
            return "noop"
        lut = self.control.costs(world.inventory(me))
        return self.control._jiggle((x, y), self.known, lut, list(world.occupied().values()))

    def _tunnel_first(self, step: Step, inventory: dict[str, int], situation: Situation) -> Step:
        """Before exploring for a mountain material, make what mines the mountain's rock."""
        rules = self.run.rules
        if step.kind != "explore" or not rules.collect[step.name].require:
            return step
        rock = rules.collect.get(TUNNEL_ROCK)
        for tool, k in (rock.require if rock else {}).items():
            if inventory.get(tool, 0) < k:
                first = next_step(rules, tool, k, situation)
                if first is not None and first.kind != "explore":
                    return first
        return step

    def _move(self, step: Step, inventory: dict[str, int], tick: int) -> str:
        world, me = self.run.world, self.name
        here = world.position(me)
        near_me = [
            p
            for n, p in world.occupied().items()
            if n != me and abs(p[0] - here[0]) <= 4 and abs(p[1] - here[1]) <= 3
        ]
        avoid = [
            claim.target[:2]
            for label, holders in self.board.claims.items()
            if label.startswith("explore ")
            for claim in holders.values()
            if claim.agent != me and claim.target is not None
        ]
        return self.control.act(
            step,
            position=here,
            facing=world.facing(me),
            inventory=inventory,
            known=self.known,
            occupied=near_me,
            avoid=[(t[0], t[1]) for t in avoid],
            tick=tick,
        )

    def _outstanding(self, item: str, lead: str) -> int:
        count = self.board.requests.get(lead, {}).get(item, 0)
        sent = self.board.request_tick.get((lead, item), 0)
        return count - sum(1 for t in self.delivered.get(item, []) if t >= sent)

    def _reserve(self, item: str, inventory: dict[str, int], situation: Situation) -> int:
        """How many of `item` the helper keeps for the tools it needs to collect more."""
        rules = self.run.rules
        source = rules.source_of(item)
        keep = 0
        for tool, k in (source.require if source else {}).items():
            if inventory.get(tool, 0) < k:
                steps, _ = plan(rules, tool, k, situation)
                for s in steps:
                    if s.kind == "make":
                        keep += rules.make[s.name].uses.get(item, 0)
                    elif s.kind == "place":
                        keep += rules.place[s.name].uses.get(item, 0)
        return keep

    def _supply(
        self, option: Option, inventory: dict[str, int], situation: Situation, tick: int
    ) -> Action:
        rules, item, lead = self.run.rules, option.name, option.to
        outstanding = self._outstanding(item, lead)
        if outstanding <= 0:
            return "noop"
        reserve = self._reserve(item, inventory, situation)
        if inventory.get(item, 0) > reserve:
            far = self._too_far(lead)
            if far is not None:
                return far
            goal = self.board.request_goal.get(lead, "")
            reason = f"{lead} asked for {outstanding} {item}" + (f" to {goal}" if goal else "")
            payload = HandOver(item=item, count=1, to=lead, reason=reason)
            return self.run.bus.envelope(self.name, payload, [lead])
        target = reserve + min(outstanding, rules.items.get(item, 9))
        step = next_step(rules, item, target, situation)
        if step is None:
            return "noop"
        return self._move(self._tunnel_first(step, inventory, situation), inventory, tick)

    def _too_far(self, teammate: str) -> str | None:
        """With a hand-over reach, the step toward `teammate` when it is out of reach."""
        world = self.run.world
        if world.reach is None or teammate not in world.alive:
            return None
        (x, y), (tx, ty) = world.position(self.name), world.position(teammate)
        if abs(x - tx) + abs(y - ty) <= world.reach:
            return None
        return self.control.meet(
            (tx, ty),
            world.reach,
            position=(x, y),
            facing=world.facing(self.name),
            inventory=world.inventory(self.name),
            known=self.known,
            occupied=[p for n, p in world.occupied().items() if n != self.name],
            tick=self._tick,
        )

    def _summary(self, inventory: dict[str, int]) -> str:
        """The memory summary a model chooser reads: goal node, map, team board."""
        rules, known, world = self.run.rules, self.known, self.run.world
        x, y = world.position(self.name)
        lines = [
            f"Role: {self.role}. Position: ({x}, {y}).",
            f"Memory: {self.memory.summary().text()}",
            "Inventory: "
            + (
                ", ".join(f"{k}={v}" for k, v in inventory.items() if v and k not in rules.vitals)
                or "nothing"
            ),
        ]
        places = []
        for name in sorted(set(self.run.memory.landmarks.values())):
            cells = np.argwhere(known.where(rules.material_id(name)))
            if len(cells):
                d = np.abs(cells - np.array([x, y])).sum(axis=1)
                cx, cy = cells[int(d.argmin())]
                places.append(f"{name} at ({cx}, {cy}), {int(d.min())} steps")
        lines.append("Known: " + ("; ".join(places) or "nothing yet"))
        team = [
            f"{c.agent} claims '{label}'"
            for label, holders in self.board.claims.items()
            for c in holders.values()
            if c.agent != self.name
        ]
        for who, wanted in self.board.requests.items():
            if who != self.name and wanted:
                team.append(f"{who} needs " + ", ".join(f"{v} {k}" for k, v in wanted.items()))
        lines.append("Team: " + ("; ".join(team) or "no messages"))
        return "\n".join(lines)

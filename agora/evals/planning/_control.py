"""Low-level control: one crafter action toward a step (internal; scripted for every planner).

Given a `Step` (collect, place, make, explore) and what the agent knows, `Controller.act`
returns the next crafter action: walk a shortest path (`_grid.search`) to a cell from which
the step can be done, mining through stone or trees on the way when the agent may, then face
the material and ``do``, place facing a free cell, or make within reach of the stations.
A path is kept while its goal stays valid and replanned when the way is blocked.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from agora.evals.planning._grid import (
    MOVES,
    KnownMap,
    Mask,
    around,
    frontier,
    near,
    reachable,
    search,
    shifted,
)
from agora.evals.planning.recipes import Step
from agora.evals.planning.rules import Rules

__all__ = ["Controller", "placeable_ids"]

_DIRS = tuple(MOVES.items())
#: How close (Manhattan) a teammate's exploration target keeps an explorer away.
SPREAD = 10
#: Ticks a cell where a teammate stood in the way is routed around.
BLOCKED_FOR = 6


def placeable_ids(rules: Rules, station: str) -> frozenset[int]:
    """Material ids `station` may be placed on."""
    return frozenset(rules.material_id(m) for m in rules.place[station].where)


@dataclass(slots=True)
class Controller:
    """One agent's path and the cost table of what it may walk or mine through."""

    rules: Rules
    area: tuple[int, int]
    rng: random.Random
    path: list[int] = field(default_factory=list)
    key: str = ""
    stuck: int = 0
    blocked: dict[int, int] = field(default_factory=dict)
    unreachable: dict[str, int] = field(default_factory=dict)
    target: tuple[int, int] | None = None

    def costs(self, inventory: dict[str, int]) -> npt.NDArray[np.uint8]:
        """Per material id: 1 walkable, 2 minable now (and walkable after), 0 otherwise."""
        lut = np.zeros(len(self.rules.materials) + 1, dtype=np.uint8)
        for m in self.rules.walkable:
            lut[self.rules.material_id(m)] = 1
        for m, rule in self.rules.collect.items():
            tools_ok = all(inventory.get(t, 0) >= k for t, k in rule.require.items())
            if tools_ok and rule.leaves in self.rules.walkable and rule.probability >= 1.0:
                lut[self.rules.material_id(m)] = 2
        return lut

    # -- goals ----------------------------------------------------------------------------

    def goal_cells(
        self,
        step: Step,
        known: KnownMap,
        lut: npt.NDArray[np.uint8],
        avoid: Collection[tuple[int, int]],
    ) -> Mask:
        """Where the agent may stand to do `step`."""
        cells = known.cells
        passable = lut[cells] > 0
        if step.kind == "collect":
            return near(known.where(self.rules.material_id(step.name))) & passable
        if step.kind == "make":
            mask = passable.copy()
            for station in self.rules.make[step.name].nearby:
                mask &= around(known.where(self.rules.material_id(station)))
            return mask
        if step.kind == "place":
            return self._approaches(step.name, known, lut)
        mask = frontier(cells, passable)
        if avoid and mask.any():
            xs, ys = np.indices(self.area)
            spread = mask.copy()
            for tx, ty in avoid:
                spread &= (np.abs(xs - tx) + np.abs(ys - ty)) > SPREAD
            if spread.any():
                return spread
        return mask

    def _approaches(self, station: str, known: KnownMap, lut: npt.NDArray[np.uint8]) -> Mask:
        """Cells B with a stand S = B + d next to a free cell T = S + d to place on.

        Walking from B into S faces T, so the agent can place right after (a walkable cell
        cannot be faced without stepping onto it).
        """
        walk = lut[known.cells] == 1
        stand = walk.copy()
        for anchor in self.anchors(station, known):
            stand &= around(known.where(self.rules.material_id(anchor)))
        free = np.isin(known.cells, np.array(sorted(placeable_ids(self.rules, station))))
        out = np.zeros_like(walk)
        for dx, dy in MOVES.values():
            out |= walk & shifted(stand, dx, dy) & shifted(free, 2 * dx, 2 * dy)
        approach: Mask = out | (stand & near(free))
        return approach

    def anchors(self, station: str, known: KnownMap) -> list[str]:
        """Known stations that `station` must stand next to (they are made with it)."""
        out: list[str] = []
        for recipe in self.rules.make.values():
            if station in recipe.nearby:
                for other in recipe.nearby:
                    known_other = known.where(self.rules.material_id(other)).any()
                    if other != station and other not in out and known_other:
                        out.append(other)
        return out

    # -- acting ---------------------------------------------------------------------------

    def act(
        self,
        step: Step,
        *,
        position: tuple[int, int],
        facing: tuple[int, int],
        inventory: dict[str, int],
        known: KnownMap,
        occupied: Collection[tuple[int, int]],
        avoid: Collection[tuple[int, int]] = (),
        tick: int = 0,
    ) -> str:
        """The crafter action that makes progress on `step` now (``noop`` when none can)."""
        x, y = position
        cells = known.cells
        fx, fy = x + facing[0], y + facing[1]
        ahead = int(cells[fx, fy]) if self._inside(fx, fy) else 0
        if step.kind == "collect" and ahead == self.rules.material_id(step.name):
            return "do"
        if step.kind == "make" and self._in_reach(position, step.name, known):
            return f"make_{step.name}"
        if step.kind == "place" and self._at_stand(step, position, known):
            if ahead in placeable_ids(self.rules, step.name) and (fx, fy) not in occupied:
                return f"place_{step.name}"
            turn = self._turn_to_place(step, position, known, occupied)
            if turn is not None:
                return turn
        if step.kind == "collect":
            for name, (dx, dy) in _DIRS:
                nx, ny = x + dx, y + dy
                if self._inside(nx, ny) and cells[nx, ny] == self.rules.material_id(step.name):
                    return name  # the material is not walkable: moving toward it turns
        lut = self.costs(inventory)
        goal = self.goal_cells(step, known, lut, avoid)
        seen = known.where(self.rules.material_id(step.name)) if step.kind == "collect" else None
        key = f"{step.kind}:{step.name}"
        return self._walk(key, goal, seen, position, facing, known, lut, occupied, tick)

    def meet(
        self,
        target: tuple[int, int],
        within: int,
        *,
        position: tuple[int, int],
        facing: tuple[int, int],
        inventory: dict[str, int],
        known: KnownMap,
        occupied: Collection[tuple[int, int]],
        tick: int = 0,
    ) -> str:
        """Walk to within `within` steps (Manhattan) of `target`, a teammate's position."""
        lut = self.costs(inventory)
        xs, ys = np.indices(self.area, sparse=True)
        close = (np.abs(xs - target[0]) + np.abs(ys - target[1])) <= within
        goal: Mask = (lut[known.cells] > 0) & close
        key = f"meet:{target[0]},{target[1]}"
        return self._walk(key, goal, None, position, facing, known, lut, occupied, tick)

    def _walk(
        self,
        key: str,
        goal: Mask,
        seen: Mask | None,
        position: tuple[int, int],
        facing: tuple[int, int],
        known: KnownMap,
        lut: npt.NDArray[np.uint8],
        occupied: Collection[tuple[int, int]],
        tick: int,
    ) -> str:
        """One step along a path to `goal` (toward the frontier nearest `seen` if none)."""
        h = self.area[1]
        here = position[0] * h + position[1]
        if self.path and self.path[0] == here:
            self.path.pop(0)
        for px, py in occupied:  # a teammate stands there: aim elsewhere
            goal[px, py] = False
        if self.stuck >= 2 and self.rng.random() < 0.3:  # break a lockstep with a teammate
            self.stuck = 0
            self.path = []
            return self._jiggle(position, known, lut, occupied)
        end = self.path[-1] if self.path else None
        holds = end is not None and key == self.key and goal[end // h, end % h]
        if not holds or self.stuck >= 2 or self._off_path(position):
            found = self._replan(goal, seen, here, known, lut, occupied, tick)
            self.key, self.stuck = key, 0
            if found is None:
                self.path = []
                self.unreachable[key] = tick
                return self._jiggle(position, known, lut, occupied)
            self.path = found
            if found:
                self.target = (found[-1] // h, found[-1] % h)
        if not self.path:  # at a goal cell, yet the step could not be done from here
            return self._jiggle(position, known, lut, occupied)
        return self._step_along(position, facing, known, lut, occupied, tick)

    def _replan(
        self,
        goal: Mask,
        seen: Mask | None,
        here: int,
        known: KnownMap,
        lut: npt.NDArray[np.uint8],
        occupied: Collection[tuple[int, int]],
        tick: int,
    ) -> list[int] | None:
        h = self.area[1]
        self.blocked = {c: t for c, t in self.blocked.items() if t > tick}
        blocked = set(self.blocked)
        if self.stuck:
            blocked |= {px * h + py for px, py in occupied}
        cost = lut[known.cells].tobytes()
        found = search(cost, goal.tobytes(), here, self.area, blocked=blocked)
        if found is None and seen is not None:  # seen, but not how to get there
            toward = self._toward(known, lut, seen, reachable(cost, here, self.area))
            found = search(cost, toward.tobytes(), here, self.area, blocked=blocked)
        return found

    def _step_along(
        self,
        position: tuple[int, int],
        facing: tuple[int, int],
        known: KnownMap,
        lut: npt.NDArray[np.uint8],
        occupied: Collection[tuple[int, int]],
        tick: int,
    ) -> str:
        h = self.area[1]
        nxt = self.path[0]
        nx, ny = nxt // h, nxt % h
        dx, dy = nx - position[0], ny - position[1]
        move = next(name for name, d in _DIRS if d == (dx, dy))
        price = int(lut[known.cells[nx, ny]])
        if price == 0:
            self.path = []
            return "noop"
        if price == 2:
            return "do" if facing == (dx, dy) else move
        if (nx, ny) in occupied:
            self.stuck += 1
            self.blocked[nxt] = tick + BLOCKED_FOR  # route around it for a while
            return "noop"
        return move

    def _off_path(self, position: tuple[int, int]) -> bool:
        if not self.path:
            return False
        h = self.area[1]
        nx, ny = self.path[0] // h, self.path[0] % h
        return abs(nx - position[0]) + abs(ny - position[1]) != 1

    def _toward(
        self, known: KnownMap, lut: npt.NDArray[np.uint8], targets: Mask, reach: Mask
    ) -> Mask:
        """The reachable frontier cells closest (Manhattan) to `targets`: explore toward them."""
        edge = frontier(known.cells, lut[known.cells] > 0) & reach
        cells, goals = np.argwhere(edge), np.argwhere(targets)[:64]
        out = np.zeros_like(edge)
        if not len(cells) or not len(goals):
            return out
        dist = np.abs(cells[:, None, :] - goals[None, :, :]).sum(axis=2).min(axis=1)
        for x, y in cells[dist <= dist.min() + 2]:
            out[x, y] = True
        return out

    def _jiggle(
        self,
        position: tuple[int, int],
        known: KnownMap,
        lut: npt.NDArray[np.uint8],
        occupied: Collection[tuple[int, int]],
    ) -> str:
        x, y = position
        free = [
            name
            for name, (dx, dy) in _DIRS
            if self._inside(x + dx, y + dy)
            and lut[known.cells[x + dx, y + dy]] == 1
            and (x + dx, y + dy) not in occupied
        ]
        return self.rng.choice(free) if free else "noop"

    def _inside(self, x: int, y: int) -> bool:
        return 0 <= x < self.area[0] and 0 <= y < self.area[1]

    def _in_reach(self, position: tuple[int, int], tool: str, known: KnownMap) -> bool:
        x, y = position
        window = known.cells[max(0, x - 1) : x + 2, max(0, y - 1) : y + 2]
        return all(
            (window == self.rules.material_id(s)).any() for s in self.rules.make[tool].nearby
        )

    def _at_stand(self, step: Step, position: tuple[int, int], known: KnownMap) -> bool:
        x, y = position
        window = known.cells[max(0, x - 1) : x + 2, max(0, y - 1) : y + 2]
        return all(
            (window == self.rules.material_id(a)).any() for a in self.anchors(step.name, known)
        )

    def _turn_to_place(
        self,
        step: Step,
        position: tuple[int, int],
        known: KnownMap,
        occupied: Collection[tuple[int, int]],
    ) -> str | None:
        """Step to a neighbour that is a stand too and faces a cell to place on, if any."""
        x, y = position
        ok = placeable_ids(self.rules, step.name)
        walk = {self.rules.material_id(m) for m in self.rules.walkable}
        for name, (dx, dy) in _DIRS:
            nx, ny, tx, ty = x + dx, y + dy, x + 2 * dx, y + 2 * dy
            if not (self._inside(nx, ny) and self._inside(tx, ty)):
                continue
            if (nx, ny) in occupied or (tx, ty) in occupied:
                continue
            faces = int(known.cells[nx, ny]) in walk and int(known.cells[tx, ty]) in ok
            if faces and self._at_stand(step, (nx, ny), known):
                return name
        return None

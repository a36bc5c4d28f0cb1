"""Maps and path-finding for the planning world (internal).

A `KnownMap` is what an agent (or, with shared memory, the whole team) has seen of the world:
crafter's material ids, 0 where nothing was seen. `search` is a shortest-path search over it
(Dial's algorithm: stepping onto a walkable cell costs 1, onto a cell that must be mined
first — stone with a pickaxe, a tree — costs 2) that stops at the nearest goal cell. Goal
cells come as numpy masks (`near`, `around`, `frontier`), so one search serves "stand next to
a tree", "stand within reach of a table and a furnace" and "go where nothing is known yet".
Cells are flattened as ``x * height + y``, crafter's ``(x, y)`` order.
"""

from __future__ import annotations

import functools
from collections.abc import Collection

import numpy as np
import numpy.typing as npt

__all__ = [
    "KnownMap",
    "Mask",
    "around",
    "frontier",
    "near",
    "neighbours",
    "reachable",
    "search",
    "shifted",
]

Mask = npt.NDArray[np.bool_]

#: Crafter's moves: action name and (dx, dy).
MOVES: dict[str, tuple[int, int]] = {
    "move_left": (-1, 0),
    "move_right": (1, 0),
    "move_up": (0, -1),
    "move_down": (0, 1),
}


@functools.cache
def neighbours(width: int, height: int) -> tuple[tuple[int, ...], ...]:
    """The 4-neighbours of every flattened cell of a ``width`` x ``height`` grid."""
    out: list[tuple[int, ...]] = []
    for x in range(width):
        for y in range(height):
            cells = []
            if x > 0:
                cells.append((x - 1) * height + y)
            if x < width - 1:
                cells.append((x + 1) * height + y)
            if y > 0:
                cells.append(x * height + y - 1)
            if y < height - 1:
                cells.append(x * height + y + 1)
            out.append(tuple(cells))
    return tuple(out)


class KnownMap:
    """What has been seen of the world: material ids by cell (0: unknown).

    Example:
        >>> m = KnownMap((4, 3))
        >>> m.see(0, 0, np.array([[2, 2], [3, 2]], dtype=np.uint8))
        [(0, 0, 2), (0, 1, 2), (1, 0, 3), (1, 1, 2)]
        >>> int(m.cells[1, 0]), m.seen
        (3, 4)
    """

    def __init__(self, area: tuple[int, int]) -> None:
        self.area = area
        self.cells = np.zeros(area, dtype=np.uint8)

    @property
    def seen(self) -> int:
        """How many cells are known."""
        return int(np.count_nonzero(self.cells))

    def see(self, x0: int, y0: int, view: npt.NDArray[np.uint8]) -> list[tuple[int, int, int]]:
        """Write `view` (its corner at ``(x0, y0)``); return the cells that changed."""
        w, h = view.shape
        window = self.cells[x0 : x0 + w, y0 : y0 + h]
        changed = np.nonzero(window != view)
        if not len(changed[0]):
            return []
        out = [
            (x0 + int(dx), y0 + int(dy), int(view[dx, dy]))
            for dx, dy in zip(changed[0], changed[1], strict=True)
        ]
        window[...] = view
        return out

    def set(self, x: int, y: int, material: int) -> bool:
        """Write one cell (what a teammate reported); return whether it changed."""
        if self.cells[x, y] == material:
            return False
        self.cells[x, y] = material
        return True

    def where(self, material: int) -> Mask:
        """The cells known to hold `material`."""
        mask: Mask = self.cells == material
        return mask


def near(mask: Mask, *, diagonal: bool = False) -> Mask:
    """Cells next to a cell of `mask`: its 4-neighbours, or all 8 with `diagonal`."""
    out = np.zeros_like(mask)
    out[1:, :] |= mask[:-1, :]
    out[:-1, :] |= mask[1:, :]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    if diagonal:
        out[1:, 1:] |= mask[:-1, :-1]
        out[:-1, :-1] |= mask[1:, 1:]
        out[1:, :-1] |= mask[:-1, 1:]
        out[:-1, 1:] |= mask[1:, :-1]
    return out


def shifted(mask: Mask, dx: int, dy: int) -> Mask:
    """``out[x, y] = mask[x + dx, y + dy]`` (False beyond the edge).

    Example:
        >>> shifted(np.array([[False, True]]), 0, 1).tolist()
        [[True, False]]
    """
    out = np.zeros_like(mask)
    w, h = mask.shape
    xs, xd = slice(max(dx, 0), w + min(dx, 0)), slice(max(-dx, 0), w + min(-dx, 0))
    ys, yd = slice(max(dy, 0), h + min(dy, 0)), slice(max(-dy, 0), h + min(-dy, 0))
    out[xd, yd] = mask[xs, ys]
    return out


def around(mask: Mask) -> Mask:
    """Cells within one step of `mask` in any of 8 directions, the cells themselves included."""
    return near(mask, diagonal=True) | mask


def frontier(cells: npt.NDArray[np.uint8], passable: Mask) -> Mask:
    """Passable known cells with an unknown 4-neighbour: where exploring reveals most."""
    return passable & near(cells == 0)


def reachable(cost: bytes, start: int, area: tuple[int, int]) -> Mask:
    """Every cell a path from `start` can reach (cost > 0), as a mask.

    Example:
        >>> reachable(bytes([1, 0, 1, 1]), 0, (2, 2)).tolist()
        [[True, False], [True, True]]
    """
    links = neighbours(*area)
    seen = bytearray(len(cost))
    seen[start] = 1
    todo = [start]
    while todo:
        cell = todo.pop()
        for nb in links[cell]:
            if cost[nb] and not seen[nb]:
                seen[nb] = 1
                todo.append(nb)
    mask: Mask = np.frombuffer(bytes(seen), dtype=np.uint8).reshape(area).astype(bool)
    return mask


def search(
    cost: bytes,
    goal: bytes,
    start: int,
    area: tuple[int, int],
    *,
    blocked: Collection[int] = (),
) -> list[int] | None:
    """The cheapest path from `start` to the nearest goal cell, start excluded.

    Args:
        cost: per cell, 0 (impassable), 1 (walk) or 2 (mine, then walk).
        goal: per cell, non-zero where a path may end.
        start: the flattened start cell.
        area: the grid's (width, height).
        blocked: cells to avoid (teammates in the way).

    Returns:
        The cells to step through, the goal last (``[]`` when `start` is a goal); ``None``
        when no goal is reachable.

    Example:
        >>> cost, goal = bytes([1, 1, 0, 1]), bytes([0, 0, 0, 1])
        >>> search(cost, goal, 0, (2, 2))
        [1, 3]
    """
    if goal[start]:
        return []
    links = neighbours(*area)
    dist = [-1] * len(cost)
    prev = [-1] * len(cost)
    dist[start] = 0
    buckets: list[list[int]] = [[start], [], []]
    pending, d = 1, 0
    while pending:
        bucket = buckets[d % 3]
        while bucket:
            cell = bucket.pop()
            pending -= 1
            if dist[cell] != d:
                continue
            if goal[cell] and cell != start:
                path = [cell]
                while prev[path[-1]] != start:
                    path.append(prev[path[-1]])
                return path[::-1]
            for nb in links[cell]:
                step = cost[nb]
                if not step or nb in blocked:
                    continue
                nd = d + step
                if dist[nb] < 0 or nd < dist[nb]:
                    dist[nb] = nd
                    prev[nb] = cell
                    buckets[nd % 3].append(nb)
                    pending += 1
        d += 1
    return None

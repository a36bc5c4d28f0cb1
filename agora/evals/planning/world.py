"""Several players in one crafter world: crafter's engine and terrain, a team on top.

PyPI ``crafter`` is single-player. `CoopWorld` builds the terrain with crafter's own world
generation (`crafter.worldgen.generate_world`, seeded; cached per seed, since generating a
64 x 64 world takes most of a second) and puts several crafter `Player` objects in one
`crafter.engine.World`. Each tick every player acts once, in team order, through crafter's own
`Player.update`: moving, ``do`` (collect), ``place_*`` and ``make_*`` follow data.yaml exactly
as in crafter. Two things differ, on purpose:

- **Peaceful**: no zombies, skeletons or cows, and no hunger, thirst or fatigue (crafter's
  survival layer is off): the eval measures planning, not survival. Lava still kills.
- **Hand-over**: a player may spend its action on a `HandOver` envelope instead, giving items
  to a teammate. The world checks it like any receiver: the envelope's signature (the
  sender's key), that the sender is the player acting, holds the items and the teammate has
  room; then it moves them. At most `HANDOVER_PER_TICK` items move per action (DAMCS's
  ``share`` moves one item a step). By default the teammate may be anywhere (DAMCS's rule);
  ``reach=N`` requires it within N steps (Manhattan).

Example:
    >>> world = CoopWorld(seed=0, agents=["a0", "a1"])
    >>> world.tick({"a0": "noop", "a1": "noop"})
    []
    >>> world.ticks, sorted(world.names), world.inventory("a0")["wood"]
    (1, ['a0', 'a1'], 0)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from agora.errors import AgoraError, ConfigError
from agora.evals.planning.rules import Rules, crafter_module, load_rules
from agora.identity import Keyring, verify
from agora.protocols import Envelope, HandOver

__all__ = [
    "HANDOVER_PER_TICK",
    "VIEW",
    "Action",
    "CoopWorld",
    "HandOverResult",
    "seeds_with",
]

#: Crafter's local view: 9 x 7 cells around the player (its 9 x 9 view less 2 item rows).
VIEW = (9, 7)
#: Items one hand-over action may move.
HANDOVER_PER_TICK = 1
#: A player's action: a crafter action name, or a signed `HandOver` envelope.
Action = str | Envelope


@dataclass(frozen=True, slots=True)
class HandOverResult:
    """What became of one hand-over."""

    envelope: Envelope
    ok: bool
    reason: str = ""


@functools.cache
def _player_class() -> Any:
    objects = crafter_module("crafter.objects")

    class PeacefulPlayer(objects.Player):  # type: ignore[misc, name-defined]
        """Crafter's player with its survival layer off (no hunger, thirst or fatigue)."""

        def _update_life_stats(self) -> None:
            pass

        def _degen_or_regen_health(self) -> None:
            pass

    return PeacefulPlayer


@functools.lru_cache(maxsize=64)
def _terrain(seed: int, area: tuple[int, int]) -> npt.NDArray[np.uint8]:
    engine = crafter_module("crafter.engine")
    worldgen = crafter_module("crafter.worldgen")
    constants = crafter_module("crafter.constants")
    world = engine.World(area, constants.materials, (12, 12))
    world.reset(seed=seed)
    player = _player_class()(world, (area[0] // 2, area[1] // 2))
    world.add(player)
    worldgen.generate_world(world, player)
    terrain: npt.NDArray[np.uint8] = world._mat_map.copy()
    terrain.setflags(write=False)
    return terrain


def seeds_with(
    material: str, count: int, *, area: tuple[int, int] = (64, 64), start: int = 0
) -> tuple[list[int], list[int]]:
    """The first `count` world seeds from `start` whose terrain holds `material`, and those skipped.

    Crafter's world generation leaves some worlds without a diamond (it is rare); a run on one
    of them measures nothing about planning, so the eval plays only worlds that have one.

    Raises:
        ConfigError: `material` is not crafter's, or `count` < 1.

    Example:
        >>> seeds_with("diamond", 2)
        ([1, 2], [0])
    """
    if count < 1:
        raise ConfigError(f"count must be >= 1, got {count}")
    wanted = load_rules().material_id(material)
    kept: list[int] = []
    skipped: list[int] = []
    seed = start
    while len(kept) < count:
        (kept if (_terrain(seed, area) == wanted).any() else skipped).append(seed)
        seed += 1
    return kept, skipped


class CoopWorld:
    """A seeded crafter world with a team of players.

    Args:
        seed: the world's seed (terrain and every random draw of the engine).
        agents: the players' names, in the order they act each tick.
        area: the world's size (crafter's default is 64 x 64).
        keyring: checks hand-over signatures (``None``: hand-overs are refused).
        reach: how far a hand-over may go (``None``: to any teammate).
        rules: crafter's rules (default: `load_rules`).

    Raises:
        ConfigError: no agents, repeated names, or an area too small.
        MissingDependencyError: ``crafter`` is not installed.
    """

    def __init__(
        self,
        *,
        seed: int,
        agents: Sequence[str],
        area: tuple[int, int] = (64, 64),
        keyring: Keyring | None = None,
        reach: int | None = None,
        rules: Rules | None = None,
    ) -> None:
        names = list(agents)
        if not names or len(set(names)) < len(names):
            raise ConfigError(f"agents must be distinct names, at least one; got {names!r}")
        if min(area) < 16:
            raise ConfigError(f"area must be at least 16 x 16, got {area!r}")
        self.rules = rules or load_rules()
        engine = crafter_module("crafter.engine")
        self.names = tuple(names)
        self.area = area
        self.keyring = keyring
        self.reach = reach
        self.ticks = 0
        self.world = engine.World(area, list(self.rules.materials), (12, 12))
        self.world.reset(seed=seed)
        np.copyto(self.world._mat_map, _terrain(seed, area))
        if self.world._mat_ids.get(self.rules.materials[0]) != 1:
            raise ConfigError("crafter's world numbers its materials differently than data.yaml")
        cls = _player_class()
        starts = self._starts(len(names))
        self.players = {n: cls(self.world, p) for n, p in zip(names, starts, strict=True)}
        for player in self.players.values():
            self.world.add(player)
        self.alive = set(names)
        self.handovers: list[HandOverResult] = []

    def _starts(self, count: int) -> list[tuple[int, int]]:
        cx, cy = self.area[0] // 2, self.area[1] // 2
        walkable = {self.rules.material_id(m) for m in self.rules.walkable}
        cells = self.world._mat_map
        free = [
            (abs(x - cx) + abs(y - cy), x, y)
            for x in range(cx - 6, cx + 7)
            for y in range(cy - 6, cy + 7)
            if int(cells[x, y]) in walkable
        ]
        starts = [(x, y) for _, x, y in sorted(free)][:count]
        if len(starts) < count:
            raise ConfigError(f"no room for {count} players near the world's centre")
        return starts

    # -- what players see ---------------------------------------------------------------

    def position(self, name: str) -> tuple[int, int]:
        """Where `name` stands."""
        x, y = self.players[name].pos
        return int(x), int(y)

    def facing(self, name: str) -> tuple[int, int]:
        """The direction `name` faces."""
        dx, dy = self.players[name].facing
        return int(dx), int(dy)

    def inventory(self, name: str) -> dict[str, int]:
        """A copy of `name`'s inventory (crafter's item names)."""
        return {k: int(v) for k, v in self.players[name].inventory.items()}

    def achievements(self, name: str) -> dict[str, int]:
        """How often `name` unlocked each of crafter's achievements."""
        return {k: int(v) for k, v in self.players[name].achievements.items()}

    def view(self, name: str) -> tuple[int, int, npt.NDArray[np.uint8]]:
        """What `name` sees: the corner ``(x0, y0)`` and the material ids of its view."""
        x, y = self.position(name)
        hx, hy = VIEW[0] // 2, VIEW[1] // 2
        x0, y0 = max(0, x - hx), max(0, y - hy)
        x1, y1 = min(self.area[0], x + hx + 1), min(self.area[1], y + hy + 1)
        return x0, y0, self.world._mat_map[x0:x1, y0:y1].copy()

    def occupied(self) -> dict[str, tuple[int, int]]:
        """Every living player's position."""
        return {n: self.position(n) for n in self.names if n in self.alive}

    # -- acting -------------------------------------------------------------------------

    def tick(self, actions: Mapping[str, Action]) -> list[HandOverResult]:
        """Every living player acts once, in team order; return this tick's hand-overs.

        A player with no action does ``noop``. An unknown action name is a `ConfigError`.
        """
        self.ticks += 1
        results: list[HandOverResult] = []
        for name in self.names:
            if name not in self.alive:
                continue
            action = actions.get(name, "noop")
            player = self.players[name]
            if isinstance(action, Envelope):
                results.append(self._hand_over(name, action))
                action = "noop"
            if action not in self.rules.actions:
                raise ConfigError(f"{action!r} is not a crafter action; use {self.rules.actions}")
            player.action = action
            player.update()
            if player.health <= 0:
                self.alive.discard(name)
                self.world.remove(player)
        self.handovers.extend(results)
        return results

    def _hand_over(self, actor: str, env: Envelope) -> HandOverResult:
        payload = env.payload
        try:
            if self.keyring is None:
                return HandOverResult(env, False, "this world checks no signatures")
            verify(env, self.keyring)
        except AgoraError as exc:
            return HandOverResult(env, False, f"refused: {exc}")
        if not isinstance(payload, HandOver) or env.sender != actor:
            return HandOverResult(env, False, "not a hand-over by the acting player")
        problem = self._check_hand_over(actor, payload)
        if problem:
            return HandOverResult(env, False, problem)
        self.players[actor].inventory[payload.item] -= payload.count
        self.players[payload.to].inventory[payload.item] += payload.count
        return HandOverResult(env, True)

    def _check_hand_over(self, actor: str, payload: HandOver) -> str:
        item, to = payload.item, payload.to
        if to == actor or to not in self.alive:
            return f"{to!r} is not a living teammate"
        if item not in self.rules.items or item in self.rules.vitals:
            return f"{item!r} is not an item that can be handed over"
        if payload.count > HANDOVER_PER_TICK:
            return f"at most {HANDOVER_PER_TICK} item(s) move per hand-over"
        if self.players[actor].inventory[item] < payload.count:
            return f"{actor} holds fewer than {payload.count} {item}"
        if self.players[to].inventory[item] + payload.count > self.rules.items[item]:
            return f"{to} has no room for more {item} (at most {self.rules.items[item]})"
        if self.reach is not None:
            (ax, ay), (bx, by) = self.position(actor), self.position(to)
            if abs(ax - bx) + abs(ay - by) > self.reach:
                return f"{to} is farther than {self.reach} steps"
        return ""

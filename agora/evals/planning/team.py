"""A planning team's memory and protocol: who knows what, who said what (internal to the eval).

- `TeamMemory`: one `Store` for the team. Each agent has a `PlanMemory` (step episodes → goal
  nodes → long-term goal, in its own scope) and a `KnownMap` of the world. With **shared
  memory** the agents read one team map and every discovery (an L1 fact ``<material>
  seen_at x,y``, one per material and crafter chunk) is promoted to the team scope; without
  it each agent reads only what it saw itself or was told.
- `Bus`: typed messages (`ShareDiscovery`, `ClaimSubgoal`, `HelpRequest`, `HandOver`) in
  signed envelopes, sent as JSON and on receipt parsed (`parse_envelope`) and verified
  (`agora.identity.verify`), delivered at the start of the next tick. Without
  **communication** nothing is sent and no hand-over is possible.
- `Board`: one agent's view of the team's claims and help requests, built from what it
  received. A subgoal's owner is its earliest claimant (ties: the lower name), so two agents
  that claim the same subgoal at once settle it on the next tick.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from agora.errors import AgoraError
from agora.evals.planning._grid import KnownMap
from agora.evals.planning.rules import Rules
from agora.evals.planning.world import CoopWorld
from agora.identity import Keyring, sign, verify
from agora.memory import Entity, Fact, NetworkXStore, PlanMemory, Scope, Store
from agora.memory.lineage import message_episode
from agora.memory.plan import PrerequisiteCheck
from agora.protocols import (
    ClaimSubgoal,
    Envelope,
    HandOver,
    HelpRequest,
    Payload,
    ShareDiscovery,
    parse_envelope,
)

__all__ = ["CHUNK", "Board", "Bus", "Claim", "RunContext", "TeamMemory", "Variant"]

#: Crafter's chunk size: discoveries are summarised per material and chunk.
CHUNK = 12


@dataclass(frozen=True, slots=True)
class Variant:
    """Which of agora's two team mechanisms a run uses.

    Example:
        >>> Variant("independent", shared_memory=False, communication=False).label
        'independent (no shared memory, no communication)'
    """

    name: str
    shared_memory: bool = True
    communication: bool = True

    @property
    def label(self) -> str:
        """The variant in words."""
        if self.shared_memory and self.communication:
            return f"{self.name} (shared memory + protocol)"
        parts = [] if self.shared_memory else ["no shared memory"]
        parts += [] if self.communication else ["no communication"]
        return f"{self.name} ({', '.join(parts)})"


@dataclass(frozen=True, slots=True)
class Claim:
    """One agent's claim on a subgoal, as a board saw it."""

    agent: str
    tick: int
    status: str
    goal: str = ""
    unmet: tuple[str, ...] = ()
    target: tuple[int, ...] | None = None


@dataclass(slots=True)
class Board:
    """An agent's view of its team's claims and help requests."""

    claims: dict[str, dict[str, Claim]] = field(default_factory=dict)
    requests: dict[str, dict[str, int]] = field(default_factory=dict)
    request_goal: dict[str, str] = field(default_factory=dict)
    request_tick: dict[tuple[str, str], int] = field(default_factory=dict)

    def note(self, sender: str, payload: Payload, tick: int) -> None:
        """Take in one claim or help request sent at `tick` (other payloads are ignored)."""
        if isinstance(payload, ClaimSubgoal):
            holders = self.claims.setdefault(payload.subgoal, {})
            if payload.status != "claimed":
                holders.pop(sender, None)
                return
            old = holders.get(sender)
            holders[sender] = Claim(
                sender,
                old.tick if old is not None else tick,
                payload.status,
                payload.goal,
                tuple(payload.unmet),
                tuple(payload.target) if payload.target is not None else None,
            )
        elif isinstance(payload, HelpRequest):
            wanted = self.requests.setdefault(sender, {})
            if payload.count > 0:
                wanted[payload.need] = payload.count
            else:
                wanted.pop(payload.need, None)
            self.request_goal[sender] = payload.goal
            self.request_tick[(sender, payload.need)] = tick

    def owner(self, subgoal: str) -> str | None:
        """Who holds `subgoal`: its earliest claimant, the lower name on a tie."""
        holders = self.claims.get(subgoal)
        if not holders:
            return None
        return min(holders.values(), key=lambda c: (c.tick, c.agent)).agent

    def claimants(self, subgoal: str) -> list[Claim]:
        """Everyone claiming `subgoal`."""
        return list(self.claims.get(subgoal, {}).values())


class Bus:
    """Signed, validated messages between teammates, one tick in flight.

    Args:
        names: the team.
        keyring: signs and verifies (HMAC keys of the team).
        enabled: ``False`` sends nothing (the no-communication ablation).
    """

    def __init__(self, names: Sequence[str], keyring: Keyring, *, enabled: bool) -> None:
        self.names = tuple(names)
        self.keyring = keyring
        self.enabled = enabled
        self._outbox: list[tuple[str, bytes]] = []
        self.sent: Counter[str] = Counter()
        self.refused = 0

    def envelope(self, sender: str, payload: Payload, to: Sequence[str]) -> Envelope:
        """`payload` from `sender` to `to`, signed."""
        return sign(Envelope(sender=sender, recipients=list(to), payload=payload), self.keyring)

    def send(self, sender: str, payload: Payload, *, to: Sequence[str] | None = None) -> None:
        """Queue `payload` for `to` (default: every teammate); nothing when disabled."""
        recipients = [n for n in (to or self.names) if n != sender]
        if not self.enabled or not recipients:
            return
        env = self.envelope(sender, payload, recipients)
        self.sent[payload.kind] += 1
        self._outbox.append((sender, env.model_dump_json().encode()))

    def deliver(self) -> dict[str, list[Envelope]]:
        """Parse and verify what was queued; return each recipient's envelopes."""
        inbox: dict[str, list[Envelope]] = {n: [] for n in self.names}
        queued, self._outbox = self._outbox, []
        for _, raw in queued:
            try:
                env = verify(parse_envelope(raw), self.keyring)
            except AgoraError:
                self.refused += 1
                continue
            for name in env.recipients:
                inbox[name].append(env)
        return inbox


class TeamMemory:
    """The team's store, each agent's plan memory and the maps they read.

    Args:
        names: the team.
        rules: crafter's rules.
        area: the world's size.
        shared: whether the agents share one map and promote discoveries to the team scope.
        check: the recipe check each `PlanMemory` runs on a new goal node.
        team: the team's name (its memory scope).
        store: where records go (default: a fresh `NetworkXStore`).
    """

    def __init__(
        self,
        names: Sequence[str],
        rules: Rules,
        area: tuple[int, int],
        *,
        shared: bool,
        check: PrerequisiteCheck | None = None,
        team: str = "team",
        store: Store | None = None,
    ) -> None:
        self.rules = rules
        self.team = team
        self.shared = shared
        self.store: Store = store if store is not None else NetworkXStore()
        self.plans = {n: PlanMemory(n, team=team, store=self.store, check=check) for n in names}
        team_map = KnownMap(area)
        self.maps = {n: team_map if shared else KnownMap(area) for n in names}
        self._noted: set[tuple[str, str, int, int]] = set()
        self._messages: set[str] = set()
        self._entities: dict[str, Entity] = {}
        self.facts = 0
        sources = {
            c.material
            for c in rules.collect.values()
            if c.probability >= 1.0 and set(c.receive) - rules.vitals
        }
        stations = {n for n, p in rules.place.items() if p.type == "material"}
        #: Materials whose sightings are facts and announcements: sources and stations.
        self.landmarks = {rules.material_id(m): m for m in sorted(sources | stations)}

    def _reader(self, agent: str) -> str:
        return self.team if self.shared else agent

    def observe(
        self, agent: str, x0: int, y0: int, view: npt.NDArray[np.uint8]
    ) -> list[tuple[str, tuple[int, int]]]:
        """Write what `agent` sees into its map; return the discoveries new to its reader."""
        changed = self.maps[agent].see(x0, y0, view)
        found = []
        for x, y, material in changed:
            name = self.landmarks.get(material)
            if name is not None and self._note(agent, name, x, y, episode=None):
                found.append((name, (x, y)))
        return found

    def learn(self, agent: str, env: Envelope) -> bool:
        """Take a teammate's `ShareDiscovery` into `agent`'s map; return whether it was new."""
        payload = env.payload
        if not isinstance(payload, ShareDiscovery) or payload.what not in self.rules.materials:
            return False
        x, y = payload.position[0], payload.position[1]
        if not (0 <= x < self.maps[agent].area[0] and 0 <= y < self.maps[agent].area[1]):
            return False
        changed = self.maps[agent].set(x, y, self.rules.material_id(payload.what))
        if not self.shared:
            self._message(env)
            self._note(agent, payload.what, x, y, episode=env.id)
        return changed

    def _note(self, agent: str, material: str, x: int, y: int, *, episode: str | None) -> bool:
        key = (self._reader(agent), material, x // CHUNK, y // CHUNK)
        if key in self._noted:
            return False
        self._noted.add(key)
        entity = self._entities.get(material)
        if entity is None:
            entity = self._entities[material] = Entity.named(material, type="material")
            self.store.upsert_entities([entity])
        fact = Fact.triple(
            entity,
            "seen_at",
            f"{x},{y}",
            agent=agent,
            scope=Scope.agent(agent, team=self.team),
            episodes=(episode,) if episode else (),
            confidence=1.0,
        )
        self.store.add_fact(fact)
        if self.shared:
            self.store.promote(fact.id, Scope.team(self.team), by=agent)
        self.facts += 1
        return True

    def handed(self, env: Envelope) -> None:
        """Record a hand-over that happened, as the giver's message episode."""
        if isinstance(env.payload, HandOver):
            self._message(env)

    def _message(self, env: Envelope) -> None:
        if env.id not in self._messages:  # a broadcast reaches several readers: one episode
            self._messages.add(env.id)
            self.store.add_episode(message_episode(env, team=self.team))


@dataclass(slots=True)
class RunContext:
    """What every agent of one run shares: rules, world, memory, protocol, variant."""

    rules: Rules
    world: CoopWorld
    memory: TeamMemory
    bus: Bus
    variant: Variant
    goal: str = "diamond"
    boards: dict[str, Board] = field(default_factory=dict)

    @property
    def goal_label(self) -> str:
        """The long-term goal as a subgoal label."""
        return f"collect {self.goal}"

"""One planning agent: its role, its options, its claims and requests, its next action.

Each tick an agent reads its memory (the map it can see: its own, or the team's), settles its
role through the protocol, and picks a subgoal through its `Chooser`:

- **Roles.** Every agent first claims the team's long-term goal (``collect diamond``). The
  board's owner of that claim — the earliest claimant — is the *lead*; the others release it
  and become *helpers*. Without communication every agent is its own lead.
- **Lead.** It follows the recipe plan to the goal (`recipes.plan`), collecting each raw item
  in one batch (the whole bill of it), and counts what a helper has claimed to supply as on
  its way: it first does the steps that frees it for, and collects the item itself only when
  nothing else is feasible. Whenever its bill changes it sends a `HelpRequest` per raw item
  (its goal summary's unmet prerequisites go with it); ``count=0`` withdraws one.
- **Helpers.** Their options are the lead's open requests (``supply <item> to <lead>``) and
  exploring for the materials the team still has to find; each option is claimed with a
  `ClaimSubgoal` so two helpers never pursue the same one. Scripted priorities: find the
  goal's material first (DAMCS's last agent hunts the diamond), then supply in the lead's plan
  order, then explore for anything else unknown. A helper hands an item over (`HandOver`, one
  per action) as soon as it holds one the lead still needs.
- **Re-planning.** A message that changes what an agent depends on — the lead's request for
  the item it supplies, a discovery of the material it looks for, an earlier claim on its
  subgoal, an item handed to it — makes it choose again at once (counted in ``replans``).

Explorers of mountain materials first make the tool that mines crafter's mountain rock
(``stone`` needs a ``wood_pickaxe`` in data.yaml) so that they can tunnel.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from agora.evals.planning._acting import Acting
from agora.evals.planning._control import Controller
from agora.evals.planning._grid import around
from agora.evals.planning.choice import Choice, Chooser, Option
from agora.evals.planning.recipes import Situation, Step, next_step, plan, unmet
from agora.evals.planning.team import Board, RunContext
from agora.evals.planning.world import Action, HandOverResult
from agora.protocols import ClaimSubgoal, Envelope, HandOver, HelpRequest, ShareDiscovery

__all__ = ["PlanningAgent", "RunContext"]

_UNREACHABLE_FOR = 40
#: The share of helpers that hunt for the goal's material while it is unknown (at least one).
HUNTERS = 0.5


class PlanningAgent(Acting):
    """One agent of a planning team (see the module docstring for its policy).

    Args:
        name: its name (also its world player and memory scope).
        run: the run it plays in.
        chooser: who picks its subgoals.
        seed: for tie-breaking moves.
    """

    def __init__(self, name: str, run: RunContext, chooser: Chooser, *, seed: int = 0) -> None:
        self.name = name
        self.run = run
        self.chooser = chooser
        self.board = run.boards.setdefault(name, Board())
        rng = random.Random(f"{seed}/{name}")
        self.control = Controller(run.rules, run.world.area, rng)
        self.role = "lead"
        self.option: Option | None = None
        self.claimed: str | None = None
        self.requested: dict[str, int] = {}
        self.delivered: dict[str, list[int]] = {}
        self.replan = True
        self.replans = 0
        self.decisions = 0
        self._last_claim_tick = -100
        self._stations: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.memory = run.memory.plans[name]
        self.memory.check = self._unmet
        self.memory.set_long_term(run.goal_label)
        self._tick = 0

    # -- messages ---------------------------------------------------------------------------

    def _say(self, payload: ClaimSubgoal | HelpRequest, tick: int) -> None:
        self.board.note(self.name, payload, tick)
        self.run.bus.send(self.name, payload)

    def receive(self, envelopes: Sequence[Envelope], tick: int) -> None:
        """Take in the envelopes delivered this tick; re-plan when one changes a dependency."""
        for env in envelopes:
            payload = env.payload
            if isinstance(payload, ShareDiscovery):
                new = self.run.memory.learn(self.name, env)
                looking = self.option is not None and self.option.kind == "explore"
                if new and looking and self.option is not None and payload.what == self.option.name:
                    self._trigger()
                continue
            self.board.note(env.sender, payload, tick - 1)
            if self._depends_on(payload):
                self._trigger()

    def _depends_on(self, payload: object) -> bool:
        """Whether a claim or request changes what this agent's subgoal relies on."""
        option = self.option
        if option is None:
            return False
        if isinstance(payload, HelpRequest):
            return option.kind == "supply" and option.name == payload.need
        if isinstance(payload, ClaimSubgoal):
            taken = self.board.owner(option.label) != self.name
            return payload.subgoal == option.label and taken and option.kind == "supply"
        return False

    def handed(self, result: HandOverResult, tick: int) -> None:
        """Learn what became of a hand-over this agent made, or received (then re-plan)."""
        payload = result.envelope.payload
        if not result.ok or not isinstance(payload, HandOver):
            return
        if result.envelope.sender == self.name:
            self.delivered.setdefault(payload.item, []).append(tick)
        elif payload.to == self.name:
            self._trigger()

    def _trigger(self) -> None:
        if not self.replan:
            self.replans += 1
        self.replan = True

    # -- what it knows ----------------------------------------------------------------------

    def situation(self, inventory: dict[str, int], tick: int) -> Situation:
        """Its inventory, the materials it knows a reachable location of, its stations."""
        rules, known = self.run.rules, self.known
        materials = {c.material for c in rules.collect.values()}
        recent = {
            k.split(":", 1)[1]
            for k, t in self.control.unreachable.items()
            if tick - t < _UNREACHABLE_FOR and k.startswith("collect:")
        }
        seen = frozenset(
            m for m in materials if m not in recent and known.where(rules.material_id(m)).any()
        )
        self._stations = {}
        return Situation(inventory=inventory, known=seen, missing=self._missing)

    def _missing(self, group: tuple[str, ...]) -> tuple[str, ...]:
        """The stations of `group` to place: those not known, or the last if none are together."""
        if group in self._stations:
            return self._stations[group]
        rules, known = self.run.rules, self.known
        masks = [known.where(rules.material_id(s)) for s in group]
        absent = tuple(s for s, m in zip(group, masks, strict=True) if not m.any())
        if not absent:
            together = np.ones_like(masks[0])
            for mask in masks:
                together &= around(mask)
            absent = () if together.any() else group[-1:]
        self._stations[group] = absent
        return absent

    def _unmet(self, goal: str, inventory: Mapping[str, int]) -> tuple[str, ...]:
        """The recipe check a new goal node records: what its goal still lacks."""
        option, rules = self.option, self.run.rules
        if option is None or option.label != goal:
            return ()
        situation = self.situation(dict(inventory), self._tick)
        held = inventory.get(option.item or option.name, 0)
        if option.kind == "collect":
            return unmet(rules, option.item, max(option.count, held + 1), situation)
        if option.kind in ("make", "supply"):
            return unmet(rules, option.name, held + 1, situation)
        if option.kind == "place":
            uses = rules.place[option.name].uses.items()
            return tuple(
                f"{k - inventory.get(u, 0)} more {u}" for u, k in uses if inventory.get(u, 0) < k
            )
        if option.kind == "explore":
            return (f"location of {option.name}",)
        return ()

    # -- roles, requests, claims --------------------------------------------------------------

    def _settle_role(self, tick: int) -> None:
        if not self.run.variant.communication:
            self.role = "lead"
            return
        goal = self.run.goal_label
        owner = self.board.owner(goal)
        if owner is None:
            self._say(ClaimSubgoal(subgoal=goal, goal=goal), tick)
            owner = self.name
        if owner == self.name:
            self.role = "lead"
        elif self.role == "lead":
            self._say(ClaimSubgoal(subgoal=goal, goal=goal, status="released"), tick)
            self.role = "helper"
            self.requested = {}
            self._trigger()

    def _request_help(self, bill: Counter[str], tick: int) -> None:
        wanted = {k: v for k, v in bill.items() if v > 0 and k != self.run.goal}
        unmet = list(self.memory.summary().unmet)[:16]
        label = self.option.label if self.option is not None else self.run.goal_label
        for item in list(self.requested) + [i for i in wanted if i not in self.requested]:
            count = wanted.get(item, 0)
            if self.requested.get(item, 0) != count:
                self._say(HelpRequest(need=item, count=count, goal=label, unmet=unmet), tick)
        self.requested = wanted

    def _claim(self, old: Option | None, new: Option, tick: int) -> None:
        if not self.run.variant.communication or self.role != "helper":
            return
        if old is not None and old.kind in ("supply", "explore") and old.label != new.label:
            self._say(ClaimSubgoal(subgoal=old.label, status="released"), tick)
            self.claimed = None
        if new.kind in ("supply", "explore") and new.label != self.claimed:
            summary = self.memory.summary()
            target = list(self.control.target) if self.control.target else None
            claim = ClaimSubgoal(
                subgoal=new.label,
                goal=self.run.goal_label,
                unmet=list(summary.unmet)[:16],
                target=target,
            )
            self._say(claim, tick)
            self.claimed, self._last_claim_tick = new.label, tick

    def _refresh_target(self, tick: int) -> None:
        """Re-announce an exploration claim with its new target, at most every 8 ticks."""
        option = self.option
        if option is None or option.kind != "explore" or self.claimed != option.label:
            return
        if tick - self._last_claim_tick >= 8 and self.control.target is not None:
            target = list(self.control.target)
            self._say(
                ClaimSubgoal(subgoal=option.label, goal=self.run.goal_label, target=target), tick
            )
            self._last_claim_tick = tick

    # -- options --------------------------------------------------------------------------

    def _lead_options(
        self, inventory: dict[str, int], situation: Situation
    ) -> tuple[list[Option], Option, Counter[str]]:
        """Feasible steps of its plan; it counts claimed supplies as on their way."""
        rules, goal = self.run.rules, self.run.goal
        steps, bill = plan(rules, goal, 1, situation)
        if not steps:
            return [Option("wait")], Option("wait"), bill
        coming = {
            item: count
            for item, count in bill.items()
            if self.board.owner(f"supply {item} to {self.name}") not in (None, self.name)
        }
        ahead: list[Step] = []
        if coming:
            virtual = dict(inventory)
            for item, count in coming.items():
                virtual[item] = virtual.get(item, 0) + count
            ahead, _ = plan(rules, goal, 1, replace(situation, inventory=virtual))
        options: dict[str, Option] = {}
        for step in [*ahead, *steps]:
            if step.label in options or not self._feasible(step, inventory, situation):
                continue
            if step.kind == "collect":
                total = min(rules.items[step.item], inventory.get(step.item, 0) + bill[step.item])
                step = Step("collect", step.name, item=step.item, count=max(step.count, total))
            options[step.label] = Option.of(step)
        first = next_step(rules, goal, 1, situation)
        fallback = Option.of(first) if first is not None else Option("wait")
        recommended = next(iter(options.values()), fallback)
        options.setdefault(fallback.label, fallback)
        batch = self.option  # a batch being collected goes on until its count is reached
        if batch is not None and batch.kind == "collect" and batch.step is not None:
            going = inventory.get(batch.item, 0) < batch.count and bill[batch.item] > 0
            if going and self._feasible(batch.step, inventory, situation):
                recommended = options[batch.label] = batch
        return list(options.values()), recommended, bill

    def _feasible(self, step: Step, inventory: dict[str, int], situation: Situation) -> bool:
        rules = self.run.rules
        if step.kind == "explore":
            return True
        if step.kind == "collect":
            rule = rules.collect[step.name]
            tools = all(inventory.get(t, 0) >= k for t, k in rule.require.items())
            return tools and step.name in situation.known
        if step.kind == "place":
            return all(inventory.get(u, 0) >= k for u, k in rules.place[step.name].uses.items())
        recipe = rules.make[step.name]
        held = all(inventory.get(u, 0) >= k for u, k in recipe.uses.items())
        return held and not situation.missing(recipe.nearby)

    def _helper_options(self, situation: Situation) -> tuple[list[Option], Option]:
        """Supplies the lead asked for and explorations; ranked by the scripted priorities."""
        board, rules, me = self.board, self.run.rules, self.name
        lead = board.owner(self.run.goal_label)
        wanted = board.requests.get(lead, {}) if lead else {}
        supplies = [  # latest-needed first: the lead is least likely to get it itself
            Option("supply", item, to=lead, count=count)
            for item, count in reversed(list(wanted.items()))
            if lead and board.owner(f"supply {item} to {lead}") in (None, me)
        ]
        sources = [rules.source_of(i) for i in (self.run.goal, *wanted)]
        unknown = [s.material for s in sources if s and s.material not in situation.known]
        explores = [Option("explore", m) for m in dict.fromkeys(unknown)]
        goal_source = rules.source_of(self.run.goal)
        hunt = [o for o in explores if goal_source and o.name == goal_source.material]
        if hunt and not self._hunts(hunt[0].label):
            hunt = []
        free = [o for o in explores if board.owner(o.label) in (None, me)]
        ranked = hunt + supplies + free + explores + [Option("wait")]
        return list(dict.fromkeys(ranked)), ranked[0]

    def _hunts(self, label: str) -> bool:
        """Whether this helper is among the first `HUNTERS` share of the team on `label`."""
        helpers = len(self.run.world.names) - 1
        quota = max(1, round(helpers * HUNTERS))
        claims = sorted(
            (c.tick, c.agent) for c in self.board.claimants(label) if c.agent != self.name
        )
        mine = next((c.tick for c in self.board.claimants(label) if c.agent == self.name), None)
        ahead = [c for c in claims if mine is None or c < (mine, self.name)]
        return len(ahead) < quota

    # -- deciding and acting ------------------------------------------------------------------

    def act(self, tick: int) -> Action:
        """This tick's action (a crafter action name, or a signed hand-over)."""
        world, me = self.run.world, self.name
        self._tick = tick
        inventory = world.inventory(me)
        situation = self.situation(inventory, tick)
        self._settle_role(tick)
        if self.role == "lead":
            options, recommended, bill = self._lead_options(inventory, situation)
            if self.run.variant.communication:
                self._request_help(bill, tick)
        else:
            options, recommended = self._helper_options(situation)
        option = self._decide(options, recommended, inventory, tick)
        action = self._execute(option, inventory, situation, tick)
        self._refresh_target(tick)
        shown = action if isinstance(action, str) else f"hand_over {option.name}"
        self.memory.record(step=tick, goal=option.label, inventory=inventory, action=shown)
        return action

    def _decide(
        self, options: list[Option], recommended: Option, inventory: dict[str, int], tick: int
    ) -> Option:
        current = self.option
        labels = {o.label: o for o in options}
        keep = current is not None and current.label in labels and not self.replan
        if keep and not self.chooser.every_tick:
            assert current is not None
            self.option = labels[current.label]
            return self.option
        choice = Choice(
            agent=self.name,
            role=self.role,
            options=tuple(options),
            recommended=recommended,
            summary=self._summary(inventory) if not self.chooser.every_tick else "",
            tick=tick,
        )
        picked = self.chooser.choose(choice)
        picked = labels.get(picked.label, recommended)
        self.decisions += 1
        self.replan = False
        if current is None or current.label != picked.label:
            if current is not None:
                done = current.label not in labels
                self.memory.finish(status="done" if done else "abandoned")
            self._claim(current, picked, tick)
        self.option = picked
        return picked

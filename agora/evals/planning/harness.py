"""One seeded run of the cooperative planning world: a team plays until it holds a diamond.

A *tick* is one world step in which every living agent acts once (DAMCS counts environment
steps); a run's *agent actions* are ticks times agents, so a bigger team pays for its size.
Each tick: last tick's messages are delivered (parsed and verified), every agent sees its
9 x 7 view (written into its memory; new discoveries are announced with `ShareDiscovery`),
reads its inbox and acts; the world applies the actions in team order. A milestone's tick is
the first tick any agent unlocked that crafter achievement; the team wins when any agent
holds a diamond.

Example:
    >>> from agora.evals.planning.team import Variant
    >>> result = play(seed=1, agents=2, variant=Variant("full"), cap=60)
    >>> result.milestones["collect_wood"] is not None, result.ticks <= 60
    (True, True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agora.errors import ConfigError
from agora.evals.planning.agent import PlanningAgent, RunContext
from agora.evals.planning.choice import Chooser, ScriptedChooser
from agora.evals.planning.recipes import milestones as milestones_of
from agora.evals.planning.rules import load_rules
from agora.evals.planning.team import Bus, TeamMemory, Variant
from agora.evals.planning.world import CoopWorld
from agora.identity import Keyring
from agora.protocols import ShareDiscovery

__all__ = ["ChooserFactory", "RunResult", "play"]

#: Makes each agent's chooser, given its name.
ChooserFactory = Callable[[str], Chooser]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """What one run measured."""

    seed: int
    agents: int
    variant: str
    won: bool
    """Whether an agent held a diamond within the cap."""
    ticks: int
    """Ticks played: to the diamond, or the cap."""
    milestones: dict[str, int | None]
    """Crafter achievement -> first tick any agent unlocked it (``None``: not within the cap)."""
    messages: dict[str, int] = field(default_factory=dict)
    """Messages sent, by kind (hand-overs included)."""
    handovers: int = 0
    """Items handed over."""
    handovers_refused: int = 0
    replans: int = 0
    """Choices forced by a message (or a hand-over) that changed a dependency."""
    goal_nodes: int = 0
    """Goal nodes all agents' memories opened."""
    steps: int = 0
    """Step episodes recorded (agent actions)."""
    facts: int = 0
    """Discovery facts written."""
    model_calls: int = 0
    """Subgoal choices a model was asked for (0 for scripted planners)."""
    model_failures: int = 0
    """Of those, replies still invalid after the repair retry (the recommendation was taken)."""

    @property
    def agent_actions(self) -> int:
        """Ticks times agents."""
        return self.ticks * self.agents


def _team(
    seed: int, agents: int, variant: Variant, area: tuple[int, int], reach: int | None
) -> RunContext:
    rules = load_rules()
    names = [f"agent{i}" for i in range(agents)]
    keyring = Keyring.generate(names)
    world = CoopWorld(seed=seed, agents=names, area=area, keyring=keyring, reach=reach, rules=rules)
    memory = TeamMemory(names, rules, area, shared=variant.shared_memory)
    bus = Bus(names, keyring, enabled=variant.communication)
    return RunContext(rules, world, memory, bus, variant)


def play(
    *,
    seed: int,
    agents: int,
    variant: Variant,
    cap: int = 1000,
    chooser: ChooserFactory | None = None,
    area: tuple[int, int] = (64, 64),
    reach: int | None = None,
) -> RunResult:
    """Play one run: `agents` agents on world `seed` until a diamond or `cap` ticks.

    Raises:
        ConfigError: fewer than one agent or a cap below one.
        MissingDependencyError: ``crafter`` is not installed.
    """
    if agents < 1 or cap < 1:
        raise ConfigError(f"agents and cap must be >= 1, got agents={agents} cap={cap}")
    run = _team(seed, agents, variant, area, reach)
    make = chooser or (lambda name: ScriptedChooser())
    team = [PlanningAgent(n, run, make(n), seed=seed) for n in run.world.names]
    wanted = milestones_of(run.rules, run.goal)
    first: dict[str, int] = {}
    final = f"collect_{run.goal}"
    tick = 0
    while tick < cap and final not in first:
        tick += 1
        _tick(run, team, tick)
        for name in run.world.names:
            for achievement, count in run.world.achievements(name).items():
                if count and achievement in wanted and achievement not in first:
                    first[achievement] = tick
    world = run.world
    return RunResult(
        seed=seed,
        agents=agents,
        variant=variant.name,
        won=final in first,
        ticks=first.get(final, tick),
        milestones={m: first.get(m) for m in wanted},
        messages=dict(run.bus.sent),
        handovers=sum(r.ok for r in world.handovers),
        handovers_refused=sum(not r.ok for r in world.handovers),
        replans=sum(a.replans for a in team),
        goal_nodes=sum(len(p.goals) for p in run.memory.plans.values()),
        steps=sum(len(g.steps) for p in run.memory.plans.values() for g in p.goals),
        facts=run.memory.facts,
        model_calls=sum(getattr(a.chooser, "calls", 0) for a in team),
        model_failures=sum(getattr(a.chooser, "failures", 0) for a in team),
    )


def _tick(run: RunContext, team: list[PlanningAgent], tick: int) -> None:
    inbox = run.bus.deliver()
    world = run.world
    for agent in team:
        if agent.name not in world.alive:
            continue
        x0, y0, view = world.view(agent.name)
        for what, (x, y) in run.memory.observe(agent.name, x0, y0, view):
            run.bus.send(agent.name, ShareDiscovery(what=what, position=[x, y]))
        agent.receive(inbox[agent.name], tick)
    actions = {a.name: a.act(tick) for a in team if a.name in world.alive}
    for result in world.tick(actions):
        run.bus.sent[result.envelope.payload.kind] += 1
        if result.ok:
            run.memory.handed(result.envelope)
        for agent in team:
            agent.handed(result, tick)

"""One seed's world: the agents, their skill matrix, the sparse network and the split.

Everything here is drawn from the seed with constants fixed before any run (none was chosen
by looking at a result):

- **Agents**: one *specialist* per BBH family (``expert-<family>``) and `GENERALISTS`
  generalists (``generalist-<i>``), each covering `GENERALIST_FAMILIES` families drawn at
  random. An agent's profile is its families' BIG-bench description and keywords, verbatim
  (`agora.evals.bigbench.source.Family.profile`), joined; nothing is written by hand.
- **Skill matrix**: agent × family → the chance that the agent's attempt at an example of
  that family is right. Every cell is a draw from a Beta distribution picked only by the
  agent's kind and whether the family is one of its own (`SPECIALIST_OWN`,
  `SPECIALIST_OTHER`, `GENERALIST_OWN`, `GENERALIST_OTHER`); no cell is set by hand.
- **Network**: a ring over a seeded order of the agents (so every agent can reach every
  other) plus random edges until each agent has `DEGREE` out-neighbours: a sparse graph in
  which a holder sees only its few neighbours, as in AgentNet's DAG.
- **Split**: `agora.evals.bigbench.evaluate.make_split` with no family held out: each
  family's pool of `PER_FAMILY` examples is halved into train and test by the seed.

Example:
    >>> from agora.evals.bigbench.source import Family
    >>> fams = [Family(name=n, description=f"about {n}", keywords=(), total=4,
    ...                examples=tuple(f"{n} {i}" for i in range(4))) for n in "abcdef"]
    >>> world = make_world(fams, seed=0, per_family=4)
    >>> len(world.agents), len(world.train), len(world.test)
    (10, 12, 12)
    >>> all(len(world.neighbours(a.name)) == DEGREE for a in world.agents)
    True
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from agora.errors import UserError
from agora.evals.bigbench.evaluate import make_split
from agora.evals.bigbench.methods import Example
from agora.evals.bigbench.source import Family

__all__ = [
    "DEGREE",
    "GENERALISTS",
    "GENERALIST_FAMILIES",
    "GENERALIST_OTHER",
    "GENERALIST_OWN",
    "PER_FAMILY",
    "SPECIALIST_OTHER",
    "SPECIALIST_OWN",
    "AgentSpec",
    "World",
    "make_world",
]

#: Generalists in the network, besides one specialist per family.
GENERALISTS = 4
#: Families each generalist's profile (and higher skill) covers.
GENERALIST_FAMILIES = 3
#: Out-neighbours of every agent (a ring edge plus random ones).
DEGREE = 4
#: Examples per family in a seed's pool, half train and half test.
PER_FAMILY = 30
#: Beta(a, b) of a specialist's skill on its own family (mean 0.8) ...
SPECIALIST_OWN = (8.0, 2.0)
#: ... and on every other family (mean 0.25: about chance on BBH's multiple choice).
SPECIALIST_OTHER = (2.0, 6.0)
#: Beta(a, b) of a generalist's skill on its own families (mean 0.67) ...
GENERALIST_OWN = (6.0, 3.0)
#: ... and on every other family (mean 0.5).
GENERALIST_OTHER = (4.0, 4.0)


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """One agent of the network.

    Attributes:
        name: its name in the team.
        families: the families it is built for (one for a specialist).
        profile: its expertise text: its families' descriptions and keywords.
        generalist: whether it is a generalist.
    """

    name: str
    families: tuple[str, ...]
    profile: str
    generalist: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class World:
    """Everything one seed fixes before the variants run.

    Attributes:
        seed: the seed it was drawn from.
        agents: the agents, specialists first.
        skill: ``skill[agent][family]``, the chance an attempt is right.
        edges: the network's directed edges.
        train: the examples routed with feedback.
        test: the examples scored (they design nothing).
    """

    seed: int
    agents: tuple[AgentSpec, ...]
    skill: dict[str, dict[str, float]]
    edges: tuple[tuple[str, str], ...]
    train: tuple[Example, ...]
    test: tuple[Example, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The agents' names."""
        return tuple(agent.name for agent in self.agents)

    @property
    def families(self) -> tuple[str, ...]:
        """The families, sorted."""
        return tuple(sorted({e.family for e in (*self.train, *self.test)}))

    def neighbours(self, name: str) -> tuple[str, ...]:
        """The out-neighbours of agent `name`."""
        return tuple(target for source, target in self.edges if source == name)

    def family_of(self) -> dict[str, str]:
        """``text -> family`` for every train and test example."""
        return {e.text: e.family for e in (*self.train, *self.test)}

    def best_skill(self, family: str) -> float:
        """The highest skill any agent has on `family` (the oracle's chance)."""
        return max(row[family] for row in self.skill.values())


def _agents(families: Sequence[Family], rng: random.Random) -> list[AgentSpec]:
    agents = [AgentSpec(f"expert-{f.name}", (f.name,), f.profile) for f in families]
    by_name = {f.name: f for f in families}
    count = min(GENERALIST_FAMILIES, len(families))
    for index in range(1, GENERALISTS + 1):
        picked = tuple(sorted(rng.sample(sorted(by_name), count)))
        profile = " ".join(by_name[name].profile for name in picked)
        agents.append(AgentSpec(f"generalist-{index}", picked, profile, generalist=True))
    return agents


def _skill(
    agents: Sequence[AgentSpec], families: Sequence[str], rng: random.Random
) -> dict[str, dict[str, float]]:
    skill: dict[str, dict[str, float]] = {}
    for agent in agents:
        own, other = (
            (GENERALIST_OWN, GENERALIST_OTHER)
            if agent.generalist
            else (SPECIALIST_OWN, SPECIALIST_OTHER)
        )
        skill[agent.name] = {
            family: rng.betavariate(*(own if family in agent.families else other))
            for family in families
        }
    return skill


def _edges(names: Sequence[str], rng: random.Random) -> tuple[tuple[str, str], ...]:
    degree = min(DEGREE, len(names) - 1)
    order = list(names)
    rng.shuffle(order)
    out: dict[str, list[str]] = {
        name: [order[(i + 1) % len(order)]] if len(order) > 1 else []
        for i, name in enumerate(order)
    }
    for name in names:
        others = [n for n in names if n != name and n not in out[name]]
        out[name] += rng.sample(others, degree - len(out[name]))
    return tuple((source, target) for source in names for target in out[source])


def make_world(families: Sequence[Family], *, seed: int, per_family: int = PER_FAMILY) -> World:
    """Draw one seed's agents, skill matrix, network and train/test split.

    Raises:
        UserError: fewer than two families, or `per_family` < 2.
    """
    if len(families) < 2 or per_family < 2:
        raise UserError(
            f"the AgentNet eval needs >= 2 families and per_family >= 2, got "
            f"{len(families)} and {per_family}"
        )
    ordered = sorted(families, key=lambda f: f.name)
    rng = random.Random(f"agentnet-world-{seed}")
    agents = _agents(ordered, rng)
    names = [f.name for f in ordered]
    split = make_split(ordered, seed=seed, held_out=0, per_family=per_family)
    return World(
        seed=seed,
        agents=tuple(agents),
        skill=_skill(agents, names, rng),
        edges=_edges([a.name for a in agents], rng),
        train=tuple(split.train),
        test=tuple(split.test),
    )

"""The generated world of `agora.evals.fusion` and `agora.evals.knfu`: made-up facts, noisy agents.

`ENTITIES` made-up names (three syllables each, no two too alike), three functional relations
(one object per subject) and three non-functional ones; `make_world` lets each agent assert
each true triple with probability `COVERAGE`, noisily at the agent's noise rate (the first
`UNRELIABLE` agents much more often). A noisy assertion is a wrong object, a typo or alias
variant of a name, or a wrong relation: the noise the fuser's rules were written to catch.
`make_skewed_world` is the topic-skewed layout of `agora.evals.knfu`.

Example:
    >>> world = make_world(0, entities=10)
    >>> len(world.names), sorted({a.noise for a in world.assertions}) <= ["", "object",
    ...                                                                 "relation", "variant"]
    (10, True)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from agora.memory.fusion import name_key, shingle_jaccard
from agora.protocols.payloads import KnowledgeClaim

__all__ = [
    "AWAY_COVERAGE",
    "AWAY_NOISE",
    "COVERAGE",
    "ENTITIES",
    "FUNCTIONAL",
    "GROUPS",
    "HOME_COVERAGE",
    "HOME_NOISE",
    "NON_FUNCTIONAL",
    "PER_TOPIC",
    "TOPICS",
    "UNRELIABLE",
    "Assertion",
    "Errors",
    "SkewedWorld",
    "Triple",
    "World",
    "make_skewed_world",
    "make_world",
    "noisy",
    "random_names",
    "random_truth",
]

FUNCTIONAL = ("located_in", "founded_by", "led_by")
NON_FUNCTIONAL = ("trades_with", "allied_with", "knows")
ENTITIES = 60
COVERAGE = 0.5
UNRELIABLE = 2
_SYLLABLES = ("ka", "lo", "mi", "ra", "ve", "tu", "sen", "dor", "bal", "qui", "zan", "fe", "ri",
              "mok", "tal", "pen", "gus", "hir", "ol", "ax")  # fmt: skip

Triple = tuple[str, str, str]
Errors = Literal["independent", "shared"]
TOPICS = 6
GROUPS = 3
PER_TOPIC = 10
HOME_COVERAGE = 0.5
AWAY_COVERAGE = 0.04
HOME_NOISE = 0.05
AWAY_NOISE = 0.5


@dataclass(frozen=True, slots=True)
class Assertion:
    """One agent's (possibly noisy) claim."""

    agent: str
    subject: str
    relation: str
    object: str
    confidence: float
    noise: str
    """``""`` when faithful, else ``object``, ``variant`` or ``relation``."""


@dataclass(frozen=True, slots=True)
class World:
    """Ground truth and the agents' assertions about it."""

    names: list[str]
    truth: set[Triple]
    assertions: list[Assertion]


def random_names(rng: random.Random, count: int) -> list[str]:
    """`count` made-up names, no two sharing 40% or more of their letter pairs.

    Example:
        >>> random_names(random.Random(0), 2)
        ['Rimoklo', 'Balguspen']
    """
    names: list[str] = []
    while len(names) < count:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
        if all(shingle_jaccard(name, other) < 0.4 for other in names):
            names.append(name)
    return names


def random_truth(rng: random.Random, names: list[str]) -> set[Triple]:
    """Ground-truth triples over `names`.

    Each subject has each functional relation with probability 0.6 and 0 to 2 objects for
    each non-functional one.
    """
    truth: set[Triple] = set()
    for subject in names:
        others = [n for n in names if n != subject]
        for relation in FUNCTIONAL:
            if rng.random() < 0.6:
                truth.add((subject, relation, rng.choice(others)))
        for relation in NON_FUNCTIONAL:
            for obj in rng.sample(others, rng.randint(0, 2)):
                truth.add((subject, relation, obj))
    return truth


def _variant(rng: random.Random, name: str) -> str:
    if rng.random() < 0.5:
        return rng.choice([name.upper(), f" {name.lower()} ", f"{name}."])
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]  # transposition typo


def noisy(rng: random.Random, triple: Triple, names: list[str]) -> tuple[Triple, str]:
    """A noisy version of `triple` and its kind: ``object``, ``variant`` or ``relation``."""
    s, r, o = triple
    kind = rng.choice(("object", "variant", "relation"))
    if kind == "object":
        return (s, r, rng.choice([n for n in names if n not in (s, o)])), kind
    if kind == "relation":
        return (s, rng.choice([x for x in FUNCTIONAL + NON_FUNCTIONAL if x != r]), o), kind
    if rng.random() < 0.5:
        return (_variant(rng, s), r, o), kind
    return (s, r, _variant(rng, o)), kind


def make_world(
    seed: int = 0, *, agents: int = 8, noise: float = 0.3, entities: int = ENTITIES
) -> World:
    """A seeded world: truth over `entities` names plus `agents` agents' assertions.

    About `noise` of the assertions are noisy.

    Example:
        >>> world = make_world(0)
        >>> len(world.names), len({a.agent for a in world.assertions})
        (60, 8)
    """
    rng = random.Random(seed)
    names = random_names(rng, entities)
    truth = random_truth(rng, names)
    unreliable = min(UNRELIABLE, agents - 1)
    bad_rate = min(0.9, 2 * noise)
    good_rate = max(0.0, (noise * agents - bad_rate * unreliable) / (agents - unreliable))
    assertions: list[Assertion] = []
    for index in range(agents):
        rate = bad_rate if index < unreliable else good_rate
        for triple in sorted(truth):
            if rng.random() >= COVERAGE:
                continue
            said, kind = noisy(rng, triple, names) if rng.random() < rate else (triple, "")
            conf = round(rng.uniform(0.6, 0.95), 2)
            assertions.append(Assertion(f"agent{index}", *said, conf, kind))
    rng.shuffle(assertions)
    return World(names, truth, assertions)


@dataclass(frozen=True, slots=True)
class SkewedWorld:
    """Ground truth, topics, and agents that are reliable only on their home topics."""

    names: list[str]
    topic: dict[str, int]
    """Entity name, as `name_key` gives it, → topic."""
    home: dict[str, tuple[int, ...]]
    """Agent → its home topics."""
    truth: set[Triple]
    assertions: list[Assertion]

    def topic_of(self, claim: KnowledgeClaim) -> str:
        """The topic of `claim`'s subject; ``"unknown"`` for a typo of a name."""
        return str(self.topic.get(name_key(claim.subject), "unknown"))


def make_skewed_world(
    seed: int = 0, *, agents: int = 12, errors: Errors = "independent", per_topic: int = PER_TOPIC
) -> SkewedWorld:
    """A seeded world of `agents` agents with skewed topics (see `agora.evals.knfu`).

    Each of the `TOPICS` topics has `per_topic` entities.

    Example:
        >>> world = make_skewed_world(0)
        >>> len(world.names), len(world.home), world.home["agent0"][0] in (0, 1)
        (60, 12, True)
    """
    rng = random.Random(seed)
    names = random_names(rng, TOPICS * per_topic)
    topic = {name_key(name): i // per_topic for i, name in enumerate(names)}
    truth = random_truth(rng, names)
    decoys = random.Random(f"decoys-{seed}")
    decoy = {t: decoys.choice([n for n in names if n not in (t[0], t[2])]) for t in sorted(truth)}
    home: dict[str, tuple[int, ...]] = {}
    assertions: list[Assertion] = []
    for index in range(agents):
        owned = tuple(range(TOPICS))[index % GROUPS :: GROUPS][:2]
        agent = f"agent{index}"
        home[agent] = owned if rng.random() < 0.5 else (rng.choice(owned),)
        for triple in sorted(truth):
            at_home = topic[name_key(triple[0])] in home[agent]
            if rng.random() >= (HOME_COVERAGE if at_home else AWAY_COVERAGE):
                continue
            said, kind = triple, ""
            if at_home and rng.random() < HOME_NOISE:
                said, kind = noisy(rng, triple, names)
            elif not at_home and rng.random() < AWAY_NOISE:
                wrong = rng.choice([n for n in names if n not in (triple[0], triple[2])])
                wrong = decoy[triple] if errors == "shared" else wrong
                said, kind = (triple[0], triple[1], wrong), "object"
            conf = round(rng.uniform(0.6, 0.95), 2)
            assertions.append(Assertion(agent, *said, conf, kind))
    rng.shuffle(assertions)
    return SkewedWorld(names, topic, home, truth, assertions)

"""The world of the real-facts fusion eval: true facts from CounterFact / zsRE, noisy agents.

Ground truth is the data's own: each record of a CounterFact or zsRE file (read where it
lies with `agora.evals.spread_data.load_cases`) is one true triple ``(subject, relation,
object)``, the relation being the record's prompt with the subject cut out (``"{} is
located in"``; CounterFact shares templates across cases) and the object its true answer.
The record's counterfactual target (``target_new`` / ``alt``, written by the data's authors)
is kept beside it; the two CounterFact files share their facts, so a fact read from both has
two targets.

Agents each get a reliability drawn from a Beta distribution with mean ``1 - noise``
(`CONCENTRATION` sets its spread), assert each fact with probability `coverage`, and get an
assertion wrong with probability ``1 - reliability``. A wrong assertion is one of `KINDS`,
chosen among those that apply to the fact:

- ``counterfactual``: the object is the data's own counterfactual target;
- ``object``: the object is another answer of the same relation (another record's truth or
  target), not this one's truth;
- ``typo``: the subject or the object carries 1–3 keyboard/OCR edits
  (`agora.evals.fusion_noise.typo`);
- ``qualifier``: the subject or the object is shortened or reordered
  (`agora.evals.fusion_noise.qualifier_variants`).

A typo or qualifier variant names the right thing, so a method that maps it back to the
data's spelling is right; one that emits the variant is wrong (scoring is exact match).

**Skewed** worlds (for KnFu) copy the layout of `agora.evals.knfu`: the relations are split
into `TOPICS` topics, agents fall into `GROUPS` interest groups of two topics each and have
one or both as their *home*. At home an agent covers `coverage` of the facts with its drawn
reliability (mean ``1 - noise / 4``: 0.95 at the default noise, knfu's home rate);
elsewhere it covers `AWAY_COVERAGE` of them and `AWAY_NOISE` of what it says there is wrong.

Example:
    >>> facts = [TrueFact("Paris", "{} is the capital of", "France", ("Italy",))]
    >>> world = make_world(facts, seed=0, agents=3, noise=0.0)
    >>> {(a.subject, a.object) for a in world.assertions}
    {('Paris', 'France')}
"""

from __future__ import annotations

import random
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from agora.errors import ConfigError
from agora.evals.fusion_noise import qualifier_variants, typo
from agora.evals.spread_data import load_cases

__all__ = [
    "KINDS",
    "Assertion",
    "Kind",
    "TrueFact",
    "World",
    "load_facts",
    "make_world",
    "topic_of",
]

Kind = Literal["counterfactual", "object", "typo", "qualifier"]
KINDS: tuple[Kind, ...] = get_args(Kind)
CONCENTRATION = 6.0
TOPICS = 6
GROUPS = 3
AWAY_COVERAGE = 0.04
AWAY_NOISE = 0.5


@dataclass(frozen=True, slots=True)
class TrueFact:
    """One true triple of the data, with the counterfactual targets the data gives for it."""

    subject: str
    relation: str
    """The prompt with ``{}`` for the subject."""
    object: str
    targets: tuple[str, ...] = ()

    @property
    def triple(self) -> tuple[str, str, str]:
        """``(subject, relation, object)``."""
        return (self.subject, self.relation, self.object)


@dataclass(frozen=True, slots=True)
class Assertion:
    """One agent's claim about one fact, possibly wrong."""

    agent: str
    subject: str
    relation: str
    object: str
    confidence: float
    noise: Kind | None
    """``None`` when faithful."""


@dataclass(frozen=True, slots=True)
class World:
    """The facts of one seed, the agents' assertions about them, and the agents' makeup."""

    facts: list[TrueFact]
    assertions: list[Assertion]
    reliability: dict[str, float]
    """Agent → its drawn reliability (at home, in a skewed world)."""
    topic: dict[str, str] = field(default_factory=dict)
    """Relation → topic (skewed worlds only)."""
    home: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Agent → its home topics (skewed worlds only)."""


def load_facts(paths: Iterable[str | Path]) -> list[TrueFact]:
    """The true facts of CounterFact / zsRE files, merged (a fact read twice keeps both targets).

    Raises:
        ConfigError: a missing or unreadable file, or one in neither layout.
    """
    merged: dict[tuple[str, str, str], list[str]] = {}
    for path in paths:
        if not Path(path).is_file():
            raise ConfigError(
                f"--data {path}: no such file; pass a CounterFact or zsRE file, e.g. "
                "../shared/data/knowledge-spread/counterfact-edit-evidence-1k.json"
            )
        for case in load_cases(path):
            if case.subject not in case.prompt or not case.truth.strip():
                continue
            relation = " ".join(case.prompt.replace(case.subject, "{}", 1).split())
            targets = merged.setdefault((case.subject, relation, case.truth.strip()), [])
            target = case.target.strip()
            if target and target.casefold() != case.truth.strip().casefold():
                targets.append(target)
    return [TrueFact(*key, tuple(dict.fromkeys(t))) for key, t in merged.items()]


def _reliability(rng: random.Random, noise: float) -> float:
    if noise <= 0.0:
        return 1.0
    return rng.betavariate(CONCENTRATION * (1.0 - noise), CONCENTRATION * noise)


def _answers(facts: Sequence[TrueFact]) -> dict[str, list[str]]:
    """Relation → every answer the data gives for it (truths and targets), sorted."""
    pool: defaultdict[str, set[str]] = defaultdict(set)
    for fact in facts:
        pool[fact.relation].update((fact.object, *fact.targets))
    return {relation: sorted(answers) for relation, answers in pool.items()}


def _wrong(
    rng: random.Random, fact: TrueFact, kinds: Sequence[Kind], answers: dict[str, list[str]]
) -> tuple[tuple[str, str], Kind] | None:
    """A wrong (subject, object) for `fact` by one applicable kind of noise."""
    s, o = fact.subject, fact.object
    others = [a for a in answers.get(fact.relation, ()) if a.casefold() != o.casefold()]
    options: list[tuple[tuple[str, str], Kind]] = []
    for kind in kinds:
        if kind == "counterfactual" and fact.targets:
            options.append(((s, rng.choice(fact.targets)), kind))
        elif kind == "object" and others:
            options.append(((s, rng.choice(others)), kind))
        elif kind == "typo":
            options.append(((typo(rng, s), o) if rng.random() < 0.5 else (s, typo(rng, o)), kind))
        elif kind == "qualifier":
            variants = [(v, o) for v in qualifier_variants(s)]
            variants += [(s, v) for v in qualifier_variants(o)]
            if variants:
                options.append((rng.choice(variants), kind))
    return rng.choice(options) if options else None


def _assert(
    rng: random.Random,
    agent: str,
    fact: TrueFact,
    error: float,
    kinds: Sequence[Kind],
    answers: dict[str, list[str]],
) -> Assertion:
    said, kind = (fact.subject, fact.object), None
    if rng.random() < error:
        wrong = _wrong(rng, fact, kinds, answers)
        if wrong is not None:
            said, kind = wrong
    confidence = round(rng.uniform(0.5, 0.95), 2)
    return Assertion(agent, said[0], fact.relation, said[1], confidence, kind)


def topic_of(relation: str) -> str:
    """The topic of a relation in a skewed world: a stable hash of its text into `TOPICS`.

    Example:
        >>> topic_of("{} is located in") == topic_of("{} is located in")
        True
    """
    return f"t{zlib.crc32(relation.encode()) % TOPICS}"


def make_world(
    facts: Sequence[TrueFact],
    seed: int = 0,
    *,
    agents: int = 8,
    coverage: float = 0.5,
    noise: float = 0.2,
    kinds: Sequence[Kind] = KINDS,
    sample: int | None = None,
    skewed: bool = False,
) -> World:
    """One seed's world: a sample of `facts` and what `agents` agents assert about them.

    Example:
        >>> facts = [TrueFact(f"S{i}", "{} plays", "chess", ("go",)) for i in range(50)]
        >>> world = make_world(facts, seed=1, noise=0.3, kinds=["counterfactual"])
        >>> {a.object for a in world.assertions} == {"chess", "go"}
        True
    """
    rng = random.Random(seed)
    chosen = list(facts) if sample is None or sample >= len(facts) else rng.sample(facts, sample)
    answers = _answers(facts)
    names = [f"agent{i}" for i in range(agents)]
    reliability = {a: _reliability(rng, noise / 4 if skewed else noise) for a in names}
    topic = {f.relation: topic_of(f.relation) for f in chosen} if skewed else {}
    home: dict[str, tuple[str, ...]] = {}
    assertions: list[Assertion] = []
    for index, agent in enumerate(names):
        owned = (f"t{index % GROUPS}", f"t{index % GROUPS + GROUPS}")
        if skewed:
            home[agent] = owned if rng.random() < 0.5 else (rng.choice(owned),)
        for fact in chosen:
            at_home = not skewed or topic[fact.relation] in home[agent]
            if rng.random() >= (coverage if at_home else AWAY_COVERAGE):
                continue
            error = 1.0 - reliability[agent] if at_home else AWAY_NOISE
            assertions.append(_assert(rng, agent, fact, error, kinds, answers))
    rng.shuffle(assertions)
    return World(chosen, assertions, reliability, topic, home)

"""Fusion eval: N agents assert facts from a ground-truth KG, 30% noisily; how good is the fused KG?

Run it with ``python -m agora.evals.fusion`` (``--json`` for machine-readable output;
``--seed``, ``--agents``, ``--noise`` to vary the world). Everything is seeded and offline.

The world: `ENTITIES` made-up entity names, three functional relations (one object per
subject) and three non-functional ones. Each agent asserts each true triple with probability
`COVERAGE`; an assertion is noisy with the agent's noise rate (unreliable agents much more
often), so that `noise` of all assertions are noisy. A noisy assertion is one of: a wrong
object, a typo or alias variant of a name (harmless once resolved), or a wrong relation.

Methods, scored by precision and recall of their triples against the truth:

- **naive union**: every asserted triple, names compared case-insensitively.
- **majority vote**: triples asserted by at least two agents; for a functional relation only
  the object with most votes.
- **fused, k=2 promoted**: `agora.memory.Fuser` (entity resolution, trust-weighted noisy-OR,
  disputes, promotion at k=2) over an in-memory SQLite store; its promoted view
  (`Fuser.fused`): active facts that two independent agents assert.
- **fused**: the same fuser's accepted view (`Fuser.accepted`): the promoted facts plus
  single-source facts from agents whose claims others mostly corroborate, when nothing
  contradicts them; trust is learnt from the whole batch after fusing it, never from the truth.
- **fused + KnFu gate**: the accepted view, excluding senders whose past claims proved
  ineffective while fusing.

Example:
    >>> report = run(seed=0)
    >>> fused = report.method("fused + KnFu gate")
    >>> fused.precision >= 0.95 and fused.recall >= 0.9
    True
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from agora.embeddings import HashEmbedder
from agora.memory import SQLiteStore
from agora.memory.fusion import name_key
from agora.memory.fusion.fuser import Fuser, FusionConfig
from agora.protocols.payloads import KnowledgeClaim

__all__ = ["Assertion", "FusionReport", "MethodScore", "World", "main", "make_world", "run"]

FUNCTIONAL = ("located_in", "founded_by", "led_by")
NON_FUNCTIONAL = ("trades_with", "allied_with", "knows")
ENTITIES = 60
COVERAGE = 0.5
UNRELIABLE = 2
_SYLLABLES = tuple(
    [
        "ka",
        "lo",
        "mi",
        "ra",
        "ve",
        "tu",
        "sen",
        "dor",
        "bal",
        "qui",
        "zan",
        "fe",
        "ri",
        "mok",
        "tal",
        "pen",
        "gus",
        "hir",
        "ol",
        "ax",
    ]
)

Triple = tuple[str, str, str]


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


@dataclass(frozen=True, slots=True)
class MethodScore:
    """How one method's KG compares with the truth."""

    method: str
    triples: int
    precision: float
    recall: float


@dataclass(frozen=True, slots=True)
class FusionReport:
    """Everything the eval measured."""

    seed: int
    agents: int
    assertions: int
    noisy_share: float
    truth: int
    methods: list[MethodScore]

    def method(self, name: str) -> MethodScore:
        """The score of the method called `name`."""
        return next(m for m in self.methods if m.method == name)

    def to_dict(self) -> dict[str, object]:
        """The report as plain JSON-ready data."""
        return asdict(self)


def _names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
        if all(_bigram_overlap(name, other) < 0.4 for other in names):
            names.append(name)
    return names


def _bigram_overlap(a: str, b: str) -> float:
    from agora.memory.fusion import shingle_jaccard

    return shingle_jaccard(a, b)


def _truth(rng: random.Random, names: list[str]) -> set[Triple]:
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


def _noisy(rng: random.Random, triple: Triple, names: list[str]) -> tuple[Triple, str]:
    s, r, o = triple
    kind = rng.choice(("object", "variant", "relation"))
    if kind == "object":
        return (s, r, rng.choice([n for n in names if n not in (s, o)])), kind
    if kind == "relation":
        return (s, rng.choice([x for x in FUNCTIONAL + NON_FUNCTIONAL if x != r]), o), kind
    if rng.random() < 0.5:
        return (_variant(rng, s), r, o), kind
    return (s, r, _variant(rng, o)), kind


def make_world(seed: int = 0, *, agents: int = 8, noise: float = 0.3) -> World:
    """A seeded world: truth plus `agents` agents' assertions, `noise` of them noisy.

    Example:
        >>> world = make_world(0)
        >>> len(world.names), len({a.agent for a in world.assertions})
        (60, 8)
    """
    rng = random.Random(seed)
    names = _names(rng, ENTITIES)
    truth = _truth(rng, names)
    unreliable = min(UNRELIABLE, agents - 1)
    bad_rate = min(0.9, 2 * noise)
    good_rate = max(0.0, (noise * agents - bad_rate * unreliable) / (agents - unreliable))
    assertions: list[Assertion] = []
    for index in range(agents):
        rate = bad_rate if index < unreliable else good_rate
        for triple in sorted(truth):
            if rng.random() >= COVERAGE:
                continue
            said, kind = _noisy(rng, triple, names) if rng.random() < rate else (triple, "")
            conf = round(rng.uniform(0.6, 0.95), 2)
            assertions.append(Assertion(f"agent{index}", *said, conf, kind))
    rng.shuffle(assertions)
    return World(names, truth, assertions)


def _score(method: str, found: set[Triple], truth: set[Triple]) -> MethodScore:
    right = len(found & truth)
    precision = right / len(found) if found else 1.0
    return MethodScore(method, len(found), precision, right / len(truth) if truth else 1.0)


def _key(s: str, r: str, o: str) -> Triple:
    return (name_key(s), r, name_key(o))


def _majority(world: World) -> set[Triple]:
    votes: Counter[Triple] = Counter(
        _key(a.subject, a.relation, a.object) for a in world.assertions
    )
    kept = {t for t, n in votes.items() if n >= 2}
    best: dict[tuple[str, str], Triple] = {}
    for t in sorted(kept, key=lambda t: (-votes[t], t)):
        if t[1] in FUNCTIONAL:
            best.setdefault(t[:2], t)
    return {t for t in kept if t[1] not in FUNCTIONAL or best[t[:2]] == t}


def _fused(world: World, *, gate: bool, promoted: bool = False) -> tuple[set[Triple], set[Triple]]:
    config = FusionConfig(functional=FUNCTIONAL, min_effectiveness=0.35 if gate else 0.0)
    with SQLiteStore(":memory:") as store:
        fuser = Fuser(store, config, embedder=HashEmbedder())
        for a in world.assertions:
            claim = KnowledgeClaim(
                subject=a.subject, relation=a.relation, object=a.object, confidence=a.confidence
            )
            fuser.fuse(claim, agent=a.agent, team="eval", valid_from=0.0)
        view = fuser.fused() if promoted else fuser.accepted()
        found = {(f.subject, f.relation, f.object_id or "") for f in view}
        ids = defaultdict[str, str](str)
        for name in world.names:
            ids[name] = fuser.resolver.resolve(name).entity.id
        truth = {(ids[s], r, ids[o]) for s, r, o in world.truth}
    return found, truth


def run(seed: int = 0, *, agents: int = 8, noise: float = 0.3) -> FusionReport:
    """Build the world for `seed` and score every method on it."""
    world = make_world(seed, agents=agents, noise=noise)
    truth_keys = {_key(*t) for t in world.truth}
    union = {_key(a.subject, a.relation, a.object) for a in world.assertions}
    methods = [
        _score("naive union", union, truth_keys),
        _score("majority vote", _majority(world), truth_keys),
    ]
    fused = (("fused, k=2 promoted", False, True), ("fused", False, False))
    for label, gate, promoted in (*fused, ("fused + KnFu gate", True, False)):
        found, truth = _fused(world, gate=gate, promoted=promoted)
        methods.append(_score(label, found, truth))
    noisy = sum(bool(a.noise) for a in world.assertions) / max(1, len(world.assertions))
    return FusionReport(seed, agents, len(world.assertions), noisy, len(world.truth), methods)


def _render(report: FusionReport) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"Fused KG vs truth: seed {report.seed}, {report.agents} agents, "
        f"{report.assertions} assertions ({100 * report.noisy_share:.0f}% noisy), "
        f"{report.truth} true triples",
        box=box.SIMPLE_HEAD,
    )
    for name in ("method", "triples", "precision", "recall"):
        table.add_column(name, justify="left" if name == "method" else "right")
    for m in report.methods:
        table.add_row(m.method, str(m.triples), f"{m.precision:.3f}", f"{m.recall:.3f}")
    Console().print(table)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status.

    Example:
        >>> main(["--json"])  # doctest: +ELLIPSIS
        {...}
        0
    """
    parser = argparse.ArgumentParser(prog="python -m agora.evals.fusion", description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--noise", type=float, default=0.3)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if args.agents < 2 or not 0.0 <= args.noise <= 0.5:
        print("UserError: --agents must be >= 2 and --noise within 0..0.5", file=sys.stderr)
        return 1
    report = run(args.seed, agents=args.agents, noise=args.noise)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        _render(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

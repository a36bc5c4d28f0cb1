"""KnFu eval: personalised vs uniform vs no fusion, on sources with skewed topics.

Run it with ``python -m agora.evals.knfu`` (seeds 0–4, both error kinds; ``--seed N`` for one
seed, ``--errors independent|shared`` for one kind, ``--json`` for machine-readable output,
``--agents``, ``--receivers``, ``--beta``, ``--floor`` to vary it). Everything is seeded and
offline; no embedder model is loaded (`HashEmbedder` only resolves entity names).

The world: `TOPICS` topics of `PER_TOPIC` made-up entities each, with the ground-truth
triples of `agora.evals.fusion` (a triple's topic is its subject's). Agents form `GROUPS`
interest groups, each owning two topics; an agent's *home* is both of its group's topics or
one of them. It asserts a true triple of a home topic with probability `HOME_COVERAGE`,
noisily `HOME_NOISE` of the time (as in `agora.evals.fusion`), and one of any other topic
with probability `AWAY_COVERAGE`, with a wrong object `AWAY_NOISE` of the time. So every
agent mostly talks about its home and is right there, yet half it says elsewhere is wrong.
Off-home errors are **independent** (a random wrong object) or **shared** (every off-home
agent picks the same wrong object for a triple: a common misconception); the two worlds
differ in nothing else.

The first `receivers` agents are receivers. Each is scored on its home topics only: the
precision and recall, against the truth of those topics, of the facts its fused view accepts
(`Fuser.accepted`; the receiver trusts its own claims fully in every mode). The modes:

- **none**: only the receiver's own claims.
- **uniform**: every agent's claims, fused by the existing `Fuser` (trust learnt from the
  batch, the same for every receiver).
- **personalised**: `agora.memory.fusion.knfu`: topic profiles from each agent's claims, weights
  ``exp(-beta * JS divergence)`` normalised per receiver, sources under the floor dropped
  (their claims stay private), the rest fused with trust scaled by their weight.
- **personalised, no floor**: the same weights, no source dropped.

Example:
    >>> report = run(seeds=[0], agents=6, receivers=2, errors="shared")
    >>> list(report.modes)[:3]
    ['none', 'uniform', 'personalised']
    >>> report.modes["none"].dropped
    5.0
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from rich import box
from rich.console import Console
from rich.table import Table

from agora.embeddings import HashEmbedder
from agora.errors import ConfigError
from agora.evals.fusion import FUNCTIONAL, Assertion, Triple, _names, _noisy, _truth
from agora.memory import Fuser, FusionConfig, NetworkXStore
from agora.memory.fusion import name_key
from agora.memory.fusion.knfu import Profile, source_weights, topic_profiles
from agora.protocols.payloads import KnowledgeClaim

__all__ = ["KnfuReport", "ModeScore", "SkewedWorld", "main", "make_world", "run"]

Mode = Literal["none", "uniform", "personalised", "personalised, no floor"]
MODES: tuple[Mode, ...] = ("none", "uniform", "personalised", "personalised, no floor")
Errors = Literal["independent", "shared"]
TOPICS = 6
GROUPS = 3
PER_TOPIC = 10
HOME_COVERAGE = 0.5
AWAY_COVERAGE = 0.04
HOME_NOISE = 0.05
AWAY_NOISE = 0.5


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


@dataclass(frozen=True, slots=True)
class ModeScore:
    """One mode's scores, averaged over receivers (and seeds)."""

    precision: float
    recall: float
    f1: float
    triples: float
    """Accepted facts on the receiver's home topics."""
    kept: float
    """Sources fused per receiver (the receiver itself not counted)."""
    dropped: float
    """Sources left out per receiver (by the floor, or all of them for ``none``)."""


@dataclass(frozen=True, slots=True)
class KnfuReport:
    """Everything the eval measured."""

    seeds: list[int]
    agents: int
    receivers: int
    beta: float
    floor: float
    errors: Errors
    modes: dict[Mode, ModeScore]
    """Scores by mode, in the order of `MODES`."""


def make_world(seed: int = 0, *, agents: int = 12, errors: Errors = "independent") -> SkewedWorld:
    """A seeded world of `agents` agents with skewed topics (see the module docstring).

    Example:
        >>> world = make_world(0)
        >>> len(world.names), len(world.home), world.home["agent0"][0] in (0, 1)
        (60, 12, True)
    """
    rng = random.Random(seed)
    names = _names(rng, TOPICS * PER_TOPIC)
    topic = {name_key(name): i // PER_TOPIC for i, name in enumerate(names)}
    truth = _truth(rng, names)
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
                said, kind = _noisy(rng, triple, names)
            elif not at_home and rng.random() < AWAY_NOISE:
                wrong = rng.choice([n for n in names if n not in (triple[0], triple[2])])
                wrong = decoy[triple] if errors == "shared" else wrong
                said, kind = (triple[0], triple[1], wrong), "object"
            conf = round(rng.uniform(0.6, 0.95), 2)
            assertions.append(Assertion(agent, *said, conf, kind))
    rng.shuffle(assertions)
    return SkewedWorld(names, topic, home, truth, assertions)


def _claim(a: Assertion) -> KnowledgeClaim:
    return KnowledgeClaim(
        subject=a.subject, relation=a.relation, object=a.object, confidence=a.confidence
    )


def _score(world: SkewedWorld, receiver: str, weights: dict[str, float] | None) -> list[float]:
    """Precision, recall, F1 and fact count of `receiver`'s accepted view on its topics."""
    config = FusionConfig(functional=FUNCTIONAL)
    fuser = Fuser(
        NetworkXStore(), config, embedder=HashEmbedder(), trust={receiver: 1.0}, weights=weights
    )
    for a in world.assertions:
        fuser.fuse(_claim(a), agent=a.agent, team="eval", valid_from=0.0)
    ids = {name: fuser.resolver.resolve(name).entity.id for name in world.names}
    mine = {ids[n] for n in world.names if world.topic[name_key(n)] in world.home[receiver]}
    truth = {(ids[s], r, ids[o]) for s, r, o in world.truth if ids[s] in mine}
    found = {(f.subject, f.relation, f.object_id or "") for f in fuser.accepted()}
    found = {t for t in found if t[0] in mine}
    right = len(found & truth)
    precision = right / len(found) if found else 1.0
    recall = right / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if right else 0.0
    return [precision, recall, f1, float(len(found))]


def _plans(
    profiles: Mapping[str, Profile], receiver: str, *, beta: float, floor: float
) -> dict[Mode, tuple[dict[str, float] | None, int]]:
    """Per mode: the `Fuser` weights for `receiver` and how many sources they keep."""
    plan = source_weights(receiver, profiles, beta=beta, floor=floor)
    soft = source_weights(receiver, profiles, beta=beta, floor=0.0)
    return {
        "none": ({receiver: 1.0}, 0),
        "uniform": (None, len(profiles) - 1),
        "personalised": (plan.trust(), len(plan.kept)),
        "personalised, no floor": (soft.trust(), len(soft.kept)),
    }


def run(
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    *,
    agents: int = 12,
    receivers: int = 6,
    beta: float = 10.0,
    floor: float = 0.05,
    errors: Errors = "independent",
) -> KnfuReport:
    """Score every mode for the first `receivers` agents of each seed's world.

    Raises:
        ConfigError: a bad `beta` or `floor` (see `agora.memory.knfu.source_weights`).
    """
    rows: dict[Mode, list[list[float]]] = {mode: [] for mode in MODES}
    count = min(receivers, agents)
    for seed in seeds:
        world = make_world(seed, agents=agents, errors=errors)
        claims = ((a.agent, _claim(a)) for a in world.assertions)
        profiles = topic_profiles(claims, topic=world.topic_of)
        for receiver in (f"agent{i}" for i in range(count)):
            for mode, (weights, kept) in _plans(profiles, receiver, beta=beta, floor=floor).items():
                fused = _score(world, receiver, weights)
                rows[mode].append([*fused, kept, agents - 1 - kept])
    modes = {
        mode: ModeScore(*(statistics.fmean(col) for col in zip(*rows[mode], strict=True)))
        for mode in MODES
    }
    return KnfuReport(list(seeds), agents, count, beta, floor, errors, modes)


def _render(report: KnfuReport, console: Console) -> None:
    seeds = ",".join(map(str, report.seeds))
    table = Table(
        title=f"{report.errors.capitalize()} off-home errors",
        caption=f"Seeds {seeds}; {report.agents} agents, {report.receivers} receivers; beta "
        f"{report.beta:g}, floor {report.floor:g}. Means over receivers (each scored on its "
        "home topics) and seeds; fused and dropped count sources.",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in ("mode", "precision", "recall", "F1", "facts", "fused", "dropped"):
        table.add_column(name, justify="left" if name == "mode" else "right", no_wrap=True)
    for mode, m in report.modes.items():
        cells = (m.precision, m.recall, m.f1)
        table.add_row(
            mode,
            *(f"{x:.3f}" for x in cells),
            *(f"{x:.1f}" for x in (m.triples, m.kept, m.dropped)),
        )
    console.print(table)
    uniform, personal = report.modes["uniform"], report.modes["personalised"]
    console.print(
        f"personalised - uniform: precision {personal.precision - uniform.precision:+.3f}, "
        f"recall {personal.recall - uniform.recall:+.3f}, F1 {personal.f1 - uniform.f1:+.3f}\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status.

    Example:
        >>> main(["--json", "--seed", "0", "--agents", "6", "--receivers", "1"])
        ... # doctest: +ELLIPSIS
        [...]
        0
    """
    parser = argparse.ArgumentParser(prog="python -m agora.evals.knfu", description=__doc__)
    parser.add_argument("--seed", type=int, help="one seed (default: seeds 0-4)")
    parser.add_argument("--agents", type=int, default=12)
    parser.add_argument("--receivers", type=int, default=6)
    parser.add_argument("--beta", type=float, default=10.0)
    parser.add_argument("--floor", type=float, default=0.05)
    parser.add_argument("--errors", choices=["independent", "shared", "both"], default="both")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    if args.agents < 2 or args.receivers < 1:
        print("UserError: --agents must be >= 2 and --receivers >= 1", file=sys.stderr)
        return 1
    seeds = list(range(5)) if args.seed is None else [args.seed]
    kinds: list[Errors] = ["independent", "shared"] if args.errors == "both" else [args.errors]
    try:
        reports = [
            run(
                seeds,
                agents=args.agents,
                receivers=args.receivers,
                beta=args.beta,
                floor=args.floor,
                errors=kind,
            )
            for kind in kinds
        ]
    except ConfigError as exc:
        print(f"ConfigError: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([asdict(r) for r in reports], indent=2))
        return 0
    console = Console()
    for report in reports:
        _render(report, console)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""KnFu eval: personalised vs uniform vs no fusion, on sources with skewed topics.

Run it with ``python -m agora.evals.knfu`` (seeds 0..4, both error kinds; ``--seeds N``,
``--errors independent|shared`` for one kind, ``--json OUT`` to write the report,
``--model SPEC``, ``--agents``, ``--receivers``, ``--beta``, ``--floor``, ``--per-topic``,
``--max-assertions`` to vary it). Everything is seeded and offline; no embedder model is
loaded (`HashEmbedder` only resolves entity names). Progress goes to standard error.

The world (`agora.evals.synthetic_world.make_skewed_world`): `TOPICS` topics of `PER_TOPIC`
made-up entities each, with the ground-truth triples of `agora.evals.fusion`'s generated
world (a triple's topic is its subject's). Agents form ``GROUPS`` interest groups, each owning
two topics; an agent's *home* is both of its group's topics or one of them. It asserts a true
triple of a home topic with probability `HOME_COVERAGE`, noisily ``HOME_NOISE`` of the time
(as in `agora.evals.fusion`), and one of any other topic with probability
``AWAY_COVERAGE``, with a wrong object ``AWAY_NOISE`` of the time. So every agent mostly
talks about its home and is right there, yet half it says elsewhere is wrong. Off-home errors
are **independent** (a random wrong object) or **shared** (every off-home agent picks the
same wrong object for a triple: a common misconception); the two worlds differ in nothing else.

The first `receivers` agents are receivers. Each is scored on its home topics only: the
precision and recall, against the truth of those topics, of the facts its fused view accepts
(`Fuser.accepted`; the receiver trusts its own claims fully in every mode). The modes:

- **none** (the baseline: the simplest thing that could work, no fusion at all): only the
  receiver's own claims.
- **uniform**: every agent's claims, fused by the existing `Fuser` (trust learnt from the
  batch, the same for every receiver).
- **personalised**: `agora.memory.fusion.knfu`: topic profiles from each agent's claims, weights
  ``exp(-beta * JS divergence)`` normalised per receiver, sources under the floor dropped
  (their claims stay private), the rest fused with trust scaled by their weight.
- **personalised, no floor**: the same weights, no source dropped.

Each mode's precision, recall and F1 is the mean over receivers per seed, then the mean over
seeds with a 95% Student-t interval (clipped to 0..1); ``personalised - uniform`` is paired by
seed. With ``--model SPEC`` every agent says its assertions as sentences and the model
extracts the claims (`agora.evals._synthetic.said_by_model`); topic profiles and fusion then
work on what the model heard.

Example:
    >>> report = run(seeds=[0], agents=6, receivers=2, errors="shared")
    >>> list(report.modes)[:3]
    ['none', 'uniform', 'personalised']
    >>> report.modes["none"].dropped, report.modes["none"].baseline
    (5.0, True)
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

from rich import box
from rich.console import Console
from rich.table import Table

from agora.embeddings import HashEmbedder
from agora.errors import AgoraError, ConfigError
from agora.evals._synthetic import (
    Interval,
    add_seed_arguments,
    add_world_arguments,
    cell,
    fail,
    interval,
    said_by_model,
    seeds_of,
    signed,
    stderr_progress,
    write_json,
)
from agora.evals.synthetic_world import (
    FUNCTIONAL,
    HOME_COVERAGE,
    PER_TOPIC,
    TOPICS,
    Assertion,
    Errors,
    SkewedWorld,
)
from agora.evals.synthetic_world import make_skewed_world as make_world
from agora.memory import Fuser, FusionConfig, NetworkXStore
from agora.memory.fusion import name_key
from agora.memory.fusion.knfu import Profile, source_weights, topic_profiles
from agora.protocols.payloads import KnowledgeClaim

if TYPE_CHECKING:
    from agora.models.base import Model

__all__ = [
    "HOME_COVERAGE",
    "MODES",
    "PER_TOPIC",
    "TOPICS",
    "KnfuReport",
    "ModeScore",
    "SkewedWorld",
    "main",
    "make_world",
    "run",
]

Mode = Literal["none", "uniform", "personalised", "personalised, no floor"]
MODES: tuple[Mode, ...] = ("none", "uniform", "personalised", "personalised, no floor")
#: The baseline row: no fusion, the receiver's own claims only.
BASELINE: Mode = "none"
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ModeScore:
    """One mode's scores: per seed the mean over receivers, then over seeds (95% intervals)."""

    precision: Interval
    recall: Interval
    f1: Interval
    triples: float
    """Accepted facts on the receiver's home topics."""
    kept: float
    """Sources fused per receiver (the receiver itself not counted)."""
    dropped: float
    """Sources left out per receiver (by the floor, or all of them for ``none``)."""
    baseline: bool = False
    """Whether this is the table's baseline row (`BASELINE`)."""


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
    personal_gain: dict[str, Interval] = field(default_factory=dict)
    """``personalised - uniform`` for precision, recall and F1, paired by seed."""
    assertions: float = 0.0
    """Assertions fused per seed, mean (with a model: those it extracted)."""
    agents_are: str = "direct assertions (no model)"


def _claim(a: Assertion) -> KnowledgeClaim:
    return KnowledgeClaim(
        subject=a.subject, relation=a.relation, object=a.object, confidence=a.confidence
    )


def _score(
    world: SkewedWorld,
    said: Sequence[Assertion],
    receiver: str,
    weights: dict[str, float] | None,
) -> list[float]:
    """Precision, recall, F1 and fact count of `receiver`'s accepted view on its topics."""
    config = FusionConfig(functional=FUNCTIONAL)
    fuser = Fuser(
        NetworkXStore(), config, embedder=HashEmbedder(), trust={receiver: 1.0}, weights=weights
    )
    for a in said:
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


def _seed_rows(
    said: Sequence[Assertion],
    world: SkewedWorld,
    receivers: int,
    *,
    beta: float,
    floor: float,
) -> dict[Mode, list[float]]:
    """One seed, per mode: means over receivers of precision, recall, F1, facts, kept, dropped."""
    agents = len(world.home)
    profiles = topic_profiles(((a.agent, _claim(a)) for a in said), topic=world.topic_of)
    rows: dict[Mode, list[list[float]]] = {mode: [] for mode in MODES}
    for receiver in (f"agent{i}" for i in range(receivers)):
        if receiver not in profiles:  # said nothing the model could extract
            continue
        for mode, (weights, kept) in _plans(profiles, receiver, beta=beta, floor=floor).items():
            fused = _score(world, said, receiver, weights)
            rows[mode].append([*fused, kept, agents - 1 - kept])
    return {
        mode: [statistics.fmean(col) for col in zip(*rows[mode], strict=True)]
        for mode in MODES
        if rows[mode]
    }


def run(
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    *,
    agents: int = 12,
    receivers: int = 6,
    beta: float = 10.0,
    floor: float = 0.05,
    errors: Errors = "independent",
    per_topic: int = PER_TOPIC,
    max_assertions: int | None = None,
    model: Model | None = None,
    progress: Progress | None = None,
) -> KnfuReport:
    """Score every mode for the first `receivers` agents of each seed's world.

    Args:
        seeds: one world per seed.
        agents: agents in each world (at least 2).
        receivers: the first this many agents are scored.
        beta: sharpness of the personalised weights.
        floor: sources whose weight falls under it are dropped.
        errors: ``"independent"`` or ``"shared"`` off-home errors.
        per_topic: entities per topic.
        max_assertions: fuse only each world's first this many assertions (they come
            shuffled; default all), to keep a run on a slow model small.
        model: when given, agents' assertions reach fusion through it (`said_by_model`).
        progress: told one line per seed.

    Raises:
        ConfigError: a bad `beta` or `floor` (see `agora.memory.fusion.knfu.source_weights`).
    """
    say = progress or (lambda line: None)
    count = min(receivers, agents)
    per_seed: list[dict[Mode, list[float]]] = []
    sizes: list[int] = []
    for seed in seeds:
        world = make_world(seed, agents=agents, errors=errors, per_topic=per_topic)
        said = world.assertions[:max_assertions]
        if model is not None:
            said = said_by_model(model, said, progress=say)
        rows = _seed_rows(said, world, count, beta=beta, floor=floor)
        if rows:
            per_seed.append(rows)
        sizes.append(len(said))
        say(f"{errors} errors, seed {seed}: {len(said)} assertions")
    if not per_seed:
        raise ConfigError("no receiver said anything usable on any seed; raise --seeds")
    modes: dict[Mode, ModeScore] = {}
    for mode in MODES:
        facts, kept, dropped = (statistics.fmean(s[mode][i] for s in per_seed) for i in (3, 4, 5))
        modes[mode] = ModeScore(
            interval([s[mode][0] for s in per_seed]),
            interval([s[mode][1] for s in per_seed]),
            interval([s[mode][2] for s in per_seed]),
            facts,
            kept,
            dropped,
            baseline=mode == BASELINE,
        )
    gain = {
        name: interval([s["personalised"][i] - s["uniform"][i] for s in per_seed], clip=False)
        for i, name in enumerate(("precision", "recall", "f1"))
    }
    return KnfuReport(
        list(seeds),
        agents,
        count,
        beta,
        floor,
        errors,
        modes,
        gain,
        assertions=statistics.fmean(sizes),
        agents_are=model.name if model is not None else "direct assertions (no model)",
    )


def _render(report: KnfuReport, console: Console) -> None:
    seeds = ",".join(map(str, report.seeds))
    table = Table(
        title=f"{report.errors.capitalize()} off-home errors",
        caption=f"Seeds {seeds}; {report.agents} agents, {report.receivers} receivers; beta "
        f"{report.beta:g}, floor {report.floor:g}; agents: {report.agents_are}. Per seed the "
        "mean over receivers (each scored on its home topics), then the mean over seeds with "
        "a 95% Student-t interval; fused and dropped count sources.",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for name in ("mode", "precision", "recall", "F1", "facts", "fused", "dropped"):
        table.add_column(name, justify="left" if name == "mode" else "right", no_wrap=True)
    for mode, m in report.modes.items():
        table.add_row(
            f"{mode} (baseline)" if m.baseline else mode,
            *(cell(x) for x in (m.precision, m.recall, m.f1)),
            *(f"{x:.1f}" for x in (m.triples, m.kept, m.dropped)),
        )
    console.print(table)
    gain = report.personal_gain
    console.print(
        f"personalised - uniform (paired by seed): precision {signed(gain['precision'])}, "
        f"recall {signed(gain['recall'])}, F1 {signed(gain['f1'])}\n"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m agora.evals.knfu",
        description="KnFu eval: personalised vs uniform vs no fusion (the baseline) on "
        "sources with skewed topics, over seeds with 95%% intervals.",
    )
    add_seed_arguments(parser)
    parser.add_argument("--agents", type=int, default=12)
    parser.add_argument("--receivers", type=int, default=6)
    parser.add_argument("--beta", type=float, default=10.0)
    parser.add_argument("--floor", type=float, default=0.05)
    parser.add_argument("--per-topic", type=int, default=PER_TOPIC, help="entities per topic")
    parser.add_argument("--errors", choices=["independent", "shared", "both"], default="both")
    add_world_arguments(parser)
    return parser


def _seeds(args: argparse.Namespace) -> list[int]:
    """The seeds to run; raises `ConfigError` for the first bad argument."""
    return seeds_of(
        args,
        (
            (args.agents < 2, f"--agents must be at least 2, got {args.agents}"),
            (args.receivers < 1, f"--receivers must be at least 1, got {args.receivers}"),
            (args.per_topic < 2, f"--per-topic must be at least 2, got {args.per_topic}"),
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (errors print as ``Type: message``).

    Example:
        >>> main(["--agents", "1"])
        1
    """
    args = _parser().parse_args(argv)
    kinds: list[Errors] = ["independent", "shared"] if args.errors == "both" else [args.errors]
    try:
        seeds = _seeds(args)
        from agora.models.spec import model_from_spec  # looked up per call (tests patch it)

        model = model_from_spec(args.model) if args.model else None
        reports = [
            run(
                seeds,
                agents=args.agents,
                receivers=args.receivers,
                beta=args.beta,
                floor=args.floor,
                errors=kind,
                per_topic=args.per_topic,
                max_assertions=args.max_assertions,
                model=model,
                progress=stderr_progress("knfu"),
            )
            for kind in kinds
        ]
        if args.json:
            write_json(args.json, {"reports": [asdict(r) for r in reports]})
    except AgoraError as exc:
        return fail(exc)
    console = Console(width=max(140, Console().width))
    for report in reports:
        _render(report, console)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

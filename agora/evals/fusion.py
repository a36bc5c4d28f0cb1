"""Fusion eval on a generated world: a regression check for the fuser, not a figure to cite.

Run it with ``python -m agora.evals.fusion`` (seeds 0..4; ``--seeds N``, ``--agents``,
``--noise``, ``--entities``, ``--json OUT``, ``--model SPEC``, ``--max-assertions N``).
Everything is seeded and offline. Progress goes to standard error.

**What this eval is.** The world of `agora.evals.synthetic_world`: `ENTITIES` made-up names,
agents asserting true triples, `noise` of the assertions noisy (a wrong object, a typo or
alias variant of a name, or a wrong relation). That noise is exactly what the fuser's rules
were written to catch (issue 13), so the table checks that they still do; it does not show
the fuser beats simple rules on noise it was not built around. The figure to cite is
`agora.evals.fusion_real` (real facts from CounterFact and zsRE, noise from the data).
Methods, scored by precision, recall and F1 of their triples against the truth:

- **naive union** (baseline): every asserted triple, names compared by `name_key`.
- **majority vote** (baseline): triples at least two agents assert; for a functional
  relation only the object with most votes.
- **two-agree rule** (baseline): `agora.evals.fusion_baselines.two_agree_rule`, the simple
  rule issue 13 set beside the fuser (one-edit spellings merged, what two agents assert,
  plus single-source triples of agents others confirm 75% of the time when nothing
  confirmed contradicts them).
- **fused, k=2 promoted**: `agora.memory.Fuser` (entity resolution, trust-weighted
  noisy-OR, disputes, promotion at k=2) over an in-memory SQLite store; its promoted view
  (`Fuser.fused`): active facts that two independent agents assert.
- **fused**: the same fuser's accepted view (`Fuser.accepted`): the promoted facts plus
  single-source facts from agents whose claims others mostly corroborate, when nothing
  contradicts them; trust is learnt from the batch after fusing it, never from the truth.

Each row is a mean over seeds with a 95% Student-t interval (clipped to 0..1); the last
column is the fused F1 minus the row's, paired by seed. Personalised fusion (KnFu) has its
own eval, `agora.evals.knfu`: gating senders by effectiveness never changed this table (a
"fused + KnFu gate" row equalled "fused" on seeds 0..9), so the row went.

With ``--model SPEC`` each assertion is said as a sentence and the model extracts the claim
(`agora.evals._synthetic.said_by_model`): the table then measures fusion of what a model
heard, extraction errors included.

Example:
    >>> report = run(seeds=[0])
    >>> fused = report.row("fused")
    >>> fused.precision.mean >= 0.95 and fused.recall.mean >= 0.9
    True
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from agora.embeddings import HashEmbedder
from agora.errors import AgoraError
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
from agora.evals.fusion_baselines import two_agree_rule
from agora.evals.synthetic_world import (
    ENTITIES,
    FUNCTIONAL,
    Assertion,
    Triple,
    World,
    make_world,
)
from agora.memory import SQLiteStore
from agora.memory.fusion import Fuser, FusionConfig, name_key
from agora.protocols.payloads import KnowledgeClaim

if TYPE_CHECKING:
    from rich.console import Console

    from agora.models.base import Model

__all__ = [
    "METHODS",
    "Assertion",
    "FusionReport",
    "MethodRow",
    "MethodScore",
    "World",
    "main",
    "make_world",
    "render",
    "run",
    "score_world",
]

#: The methods in table order, each with whether it is a baseline.
METHODS = (
    ("naive union", True),
    ("majority vote", True),
    ("two-agree rule", True),
    ("fused, k=2 promoted", False),
    ("fused", False),
)
FUSED = "fused"

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class MethodScore:
    """How one method's KG compares with the truth on one seed."""

    method: str
    triples: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class MethodRow:
    """One method's scores over the seeds: means with 95% intervals."""

    method: str
    baseline: bool
    triples: float
    """Triples it output, mean over seeds."""
    precision: Interval
    recall: Interval
    f1: Interval
    fused_gain: Interval | None
    """F1 of "fused" minus this row's, paired by seed (``None`` on the fused row)."""


@dataclass(slots=True)
class FusionReport:
    """Everything the eval measured, with the setup that produced it."""

    setup: dict[str, object]
    rows: list[MethodRow] = field(default_factory=list)
    per_seed: list[dict[str, object]] = field(default_factory=list)
    """Per seed: its assertions, noisy share, true triples and every method's score."""

    def row(self, method: str) -> MethodRow:
        """The row of `method`."""
        return next(r for r in self.rows if r.method == method)

    def to_dict(self) -> dict[str, object]:
        """The report as plain JSON-ready data."""
        return asdict(self)


def _score(method: str, found: set[Triple], truth: set[Triple]) -> MethodScore:
    right = len(found & truth)
    precision = right / len(found) if found else 1.0
    recall = right / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if right else 0.0
    return MethodScore(method, len(found), precision, recall, f1)


def _key(s: str, r: str, o: str) -> Triple:
    return (name_key(s), r, name_key(o))


def _majority(said: Sequence[Assertion]) -> set[Triple]:
    votes: Counter[Triple] = Counter(_key(a.subject, a.relation, a.object) for a in said)
    kept = {t for t, n in votes.items() if n >= 2}
    best: dict[tuple[str, str], Triple] = {}
    for t in sorted(kept, key=lambda t: (-votes[t], t)):
        if t[1] in FUNCTIONAL:
            best.setdefault(t[:2], t)
    return {t for t in kept if t[1] not in FUNCTIONAL or best[t[:2]] == t}


def _two_agree(said: Sequence[Assertion]) -> set[Triple]:
    rows = [(a.agent, a.subject, a.relation, a.object) for a in said]
    return {_key(*t) for t in two_agree_rule(rows)}


def _fused(world: World, said: Sequence[Assertion]) -> list[MethodScore]:
    """The promoted and accepted views, each scored on the fuser's own entity ids."""
    with SQLiteStore(":memory:") as store:
        fuser = Fuser(store, FusionConfig(functional=FUNCTIONAL), embedder=HashEmbedder())
        for a in said:
            claim = KnowledgeClaim(
                subject=a.subject, relation=a.relation, object=a.object, confidence=a.confidence
            )
            fuser.fuse(claim, agent=a.agent, team="eval", valid_from=0.0)
        ids = {name: fuser.resolver.resolve(name).entity.id for name in world.names}
        truth = {(ids[s], r, ids[o]) for s, r, o in world.truth}
        views = (("fused, k=2 promoted", fuser.fused()), (FUSED, fuser.accepted()))
        return [
            _score(label, {(f.subject, f.relation, f.object_id or "") for f in view}, truth)
            for label, view in views
        ]


def score_world(world: World, said: Sequence[Assertion] | None = None) -> list[MethodScore]:
    """Every method of `METHODS` scored on `said` (default: the world's own assertions).

    Example:
        >>> [s.method for s in score_world(make_world(0, entities=12))][:3]
        ['naive union', 'majority vote', 'two-agree rule']
    """
    said = world.assertions if said is None else said
    truth = {_key(*t) for t in world.truth}
    union = {_key(a.subject, a.relation, a.object) for a in said}
    return [
        _score("naive union", union, truth),
        _score("majority vote", _majority(said), truth),
        _score("two-agree rule", _two_agree(said), truth),
        *_fused(world, said),
    ]


def _rows(scores: list[dict[str, MethodScore]]) -> list[MethodRow]:
    def gain(method: str) -> Interval | None:
        if method == FUSED:
            return None
        return interval([s[FUSED].f1 - s[method].f1 for s in scores], clip=False)

    return [
        MethodRow(
            method,
            baseline,
            sum(s[method].triples for s in scores) / len(scores),
            interval([s[method].precision for s in scores]),
            interval([s[method].recall for s in scores]),
            interval([s[method].f1 for s in scores]),
            gain(method),
        )
        for method, baseline in METHODS
    ]


def run(
    seeds: Sequence[int] = range(5),
    *,
    agents: int = 8,
    noise: float = 0.3,
    entities: int = ENTITIES,
    max_assertions: int | None = None,
    model: Model | None = None,
    progress: Progress | None = None,
) -> FusionReport:
    """Build each seed's world and score every method on it (nothing is printed).

    Args:
        seeds: one world per seed.
        agents: agents asserting facts (at least 2).
        noise: share of noisy assertions (0..0.5).
        entities: entity names in each world.
        max_assertions: fuse only each world's first this many assertions (they come
            shuffled; default all), to keep a run on a slow model small. Recall is still
            against the whole truth.
        model: when given, agents' assertions reach fusion through this model
            (`said_by_model`); the JSON's ``per_seed`` says how many it kept.
        progress: told one line per seed (and per 25 extractions with a model).
    """
    say = progress or (lambda line: None)
    report = FusionReport(
        {
            "seeds": list(seeds),
            "agents": agents,
            "noise": noise,
            "entities": entities,
            "max_assertions": max_assertions,
            "agents_are": model.name if model is not None else "direct assertions (no model)",
        }
    )
    scores: list[dict[str, MethodScore]] = []
    for seed in seeds:
        world = make_world(seed, agents=agents, noise=noise, entities=entities)
        said = world.assertions[:max_assertions]
        if model is not None:
            said = said_by_model(model, said, progress=say)
        seed_scores = {s.method: s for s in score_world(world, said)}
        scores.append(seed_scores)
        noisy = sum(bool(a.noise) for a in said) / max(1, len(said))
        report.per_seed.append(
            {
                "seed": seed,
                "asserted": len(world.assertions),
                "fused_assertions": len(said),
                "noisy_share": noisy,
                "truth": len(world.truth),
                "scores": [asdict(s) for s in seed_scores.values()],
            }
        )
        say(f"seed {seed}: {len(said)} assertions ({100 * noisy:.0f}% noisy)")
    if scores:
        report.rows = _rows(scores)
    return report


def render(report: FusionReport, console: Console | None = None) -> None:
    """Print the report as one rich table (default console: standard output).

    Example:
        >>> import io
        >>> from rich.console import Console
        >>> console = Console(record=True, file=io.StringIO(), width=140)
        >>> render(run(seeds=[0], entities=12), console)
        >>> "two-agree rule (baseline)" in console.export_text()
        True
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    out = console or Console(width=max(140, Console().width))
    setup, seeds = report.setup, report.per_seed
    said = sum(int(str(s["fused_assertions"])) for s in seeds) / max(1, len(seeds))
    noisy = sum(float(str(s["noisy_share"])) for s in seeds) / max(1, len(seeds))
    table = Table(
        title=f"Fused KG vs truth (generated world: a regression check), {len(seeds)} seeds, "
        f"{setup['agents']} agents, {said:.0f} assertions/seed ({100 * noisy:.0f}% noisy)",
        caption="Mean over seeds, 95% Student-t interval over seeds; last column paired by "
        f"seed. Agents: {setup['agents_are']}. Cite agora.evals.fusion_real, not this table.",
        box=box.SIMPLE_HEAD,
    )
    for name in ("method", "triples", "precision", "recall", "F1", "fused F1 - row F1"):
        table.add_column(name, justify="left" if name == "method" else "right", no_wrap=True)
    for r in report.rows:
        label = f"{r.method} (baseline)" if r.baseline else r.method
        cells = map(cell, (r.precision, r.recall, r.f1))
        table.add_row(label, f"{r.triples:.0f}", *cells, signed(r.fused_gain))
    out.print(table)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m agora.evals.fusion",
        description="Fusion on a generated world (a regression check; cite "
        "agora.evals.fusion_real): naive union, majority vote and the two-agree rule "
        "(baselines) against agora's fuser, over seeds with 95%% intervals.",
    )
    add_seed_arguments(parser)
    parser.add_argument("--agents", type=int, default=8, help="agents asserting (default 8)")
    parser.add_argument("--noise", type=float, default=0.3, help="noisy share, 0..0.5")
    parser.add_argument("--entities", type=int, default=ENTITIES, help="names per world")
    add_world_arguments(parser)
    return parser


def _seeds(args: argparse.Namespace) -> list[int]:
    """The seeds to run; raises `ConfigError` for the first bad argument."""
    return seeds_of(
        args,
        (
            (args.agents < 2, f"--agents must be at least 2, got {args.agents}"),
            (not 0.0 <= args.noise <= 0.5, f"--noise must be within 0..0.5, got {args.noise}"),
            (args.entities < 3, f"--entities must be at least 3, got {args.entities}"),
        ),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (errors print as ``Type: message``).

    Example:
        >>> main(["--seeds", "0"])
        1
    """
    args = _parser().parse_args(argv)
    try:
        seeds = _seeds(args)
        from agora.models.spec import model_from_spec  # looked up per call (tests patch it)

        model = model_from_spec(args.model) if args.model else None
        report = run(
            seeds,
            agents=args.agents,
            noise=args.noise,
            entities=args.entities,
            max_assertions=args.max_assertions,
            model=model,
            progress=stderr_progress("fusion"),
        )
        if args.json:
            write_json(args.json, report.to_dict())
    except AgoraError as exc:
        return fail(exc)
    render(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

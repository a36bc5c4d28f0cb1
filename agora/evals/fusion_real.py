"""Fusion on real facts: agora's fuser against simple rules, on CounterFact and zsRE truth.

Run it with ``python -m agora.evals.fusion_real --data FILE [--data FILE ...]`` on the
CounterFact / zsRE files (``../shared/data/knowledge-spread/``, read where they lie);
``--seeds 5 --facts 500 --agents 8 --noise 0.2``, ``--settings mixed,typo``, ``--json OUT``,
``--model SPEC`` (agents say their claims and the model extracts them:
`agora.evals.fusion_extract`). Progress goes to standard error.

The world (`agora.evals.fusion_world`): each seed samples ``--facts`` true facts from the
files, draws each agent's reliability from a Beta distribution, and lets agents assert facts,
wrongly with the data's own counterfactual targets, another answer of the same relation, a
general typo model, or dropped and swapped name qualifiers. Settings:

- ``mixed``: all four kinds of noise; ``counterfactual``, ``object``, ``typo``,
  ``qualifier``: one kind alone, at the same rate.
- ``skewed``: relations split into topics, `SKEWED_AGENTS` agents reliable on their home
  topics only (the layout of `agora.evals.knfu`); each of the first ``--receivers`` agents
  is scored on its home topics, and a seed's score is the mean over its receivers.

Methods (`agora.evals.fusion_baselines` for the first three):

- **naive union**, **majority vote**, **two-agree rule** (keep what two agents say after
  merging one-edit spellings, plus single-source triples of agents others confirm 75% of the
  time, unless a confirmed triple contradicts them);
- **agora promoted**: `Fuser.fused`, facts two agents agree on and that win their relation;
- **agora accepted**: `Fuser.accepted`, the promoted facts plus trusted single-source ones;
- **agora accepted, most-said spelling**: a diagnostic, the same facts with each entity
  named by the spelling its claims used most, not the first one the fuser heard;
- **KnFu personalised** (skewed, with ``--knfu`` only): the receiver's accepted view with
  sources weighted by topic-profile similarity (`agora.memory.fusion.knfu`); "agora accepted" there
  is the uniform view with the receiver's own claims fully trusted. It is off by default: on
  these files it lowers recall and leaves precision where it was (docs/evals.md), so it
  does not change the outcome for the better and the default table leaves it out.

Every relation is declared functional (each record asks one question with one answer). The
fuser runs with its default thresholds and `HashEmbedder`; nothing here is tuned on the data.
Scoring is exact match to the data's strings after case-folding and collapsing whitespace;
precision, recall and F1 are means over seeds with 95% Student-t intervals, clipped to 0..1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from agora.errors import AgoraError, ConfigError
from agora.evals.fusion_baselines import Score
from agora.evals.fusion_extract import extract_assertions
from agora.evals.fusion_methods import plain_scores, skewed_scores
from agora.evals.fusion_world import (
    KINDS,
    Kind,
    TrueFact,
    load_facts,
    make_world,
)
from agora.evals.stats import mean_ci
from agora.models.base import Model

__all__ = ["SETTINGS", "FusionRealReport", "Interval", "MethodRow", "SettingReport", "main", "run"]

SETTINGS: dict[str, tuple[Kind, ...]] = {
    "mixed": KINDS,
    **{kind: (kind,) for kind in KINDS},
    "skewed": KINDS,
}
SKEWED_AGENTS = 12
ACCEPTED = "agora accepted"
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Interval:
    """A mean over seeds and its 95% interval."""

    mean: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class MethodRow:
    """One method's scores in one setting."""

    method: str
    triples: float
    """Triples it output, mean over seeds (and receivers)."""
    precision: Interval
    recall: Interval
    f1: Interval
    accepted_gain: Interval | None = None
    """F1 of "agora accepted" minus this row's, paired by seed (not clipped; ``None`` on the
    accepted row itself): above 0 where agora's fuser does better."""


@dataclass(frozen=True, slots=True)
class SettingReport:
    """One setting's table."""

    setting: str
    kinds: list[str]
    assertions: float
    """Assertions per seed, mean."""
    noisy_share: float
    rows: list[MethodRow]


@dataclass(slots=True)
class FusionRealReport:
    """Everything the eval measured, with the setup that produced it."""

    setup: dict[str, object]
    settings: list[SettingReport] = field(default_factory=list)

    def row(self, setting: str, method: str) -> MethodRow:
        """The row of `method` in `setting`."""
        table = next(s for s in self.settings if s.setting == setting)
        return next(r for r in table.rows if r.method == method)

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {"setup": self.setup, "settings": [asdict(s) for s in self.settings]}


def _interval(values: Sequence[float]) -> Interval:
    mean, low, high = mean_ci(values)
    return Interval(mean, max(0.0, low), min(1.0, high))


def _table(
    setting: str, scores: list[dict[str, Score]], sizes: list[int], noisy: list[float]
) -> SettingReport:
    def gain(method: str) -> Interval | None:
        if method == ACCEPTED:
            return None
        return Interval(*mean_ci([s[ACCEPTED].f1 - s[method].f1 for s in scores]))

    rows = [
        MethodRow(
            method,
            sum(s[method].triples for s in scores) / len(scores),
            _interval([s[method].precision for s in scores]),
            _interval([s[method].recall for s in scores]),
            _interval([s[method].f1 for s in scores]),
            gain(method),
        )
        for method in scores[0]
    ]
    kinds: list[str] = list(SETTINGS[setting])
    return SettingReport(setting, kinds, sum(sizes) / len(sizes), sum(noisy) / len(noisy), rows)


def run(
    facts: Sequence[TrueFact],
    *,
    seeds: Sequence[int] = range(5),
    settings: Sequence[str] = tuple(SETTINGS),
    agents: int = 8,
    coverage: float = 0.5,
    noise: float = 0.2,
    sample: int | None = 500,
    receivers: int = 3,
    knfu: bool = False,
    model: Model | None = None,
    progress: Progress | None = None,
) -> FusionRealReport:
    """Score every method in every setting over `seeds` (see the module docstring).

    Example:
        >>> facts = [TrueFact(f"S{i}", "{} plays", "chess", ("go",)) for i in range(30)]
        >>> report = run(facts, seeds=[0, 1], settings=["counterfactual"])
        >>> union, vote = (report.row("counterfactual", m).precision.mean
        ...                for m in ("naive union", "majority vote"))
        >>> union < vote
        True
    """
    say = progress or (lambda line: None)
    report = FusionRealReport(
        {"facts_pool": len(facts), "facts_per_seed": min(sample or len(facts), len(facts))}
    )
    for setting in settings:
        scores: list[dict[str, Score]] = []
        sizes: list[int] = []
        noisy: list[float] = []
        for seed in seeds:
            start = time.perf_counter()
            world = make_world(
                facts,
                seed,
                agents=SKEWED_AGENTS if setting == "skewed" else agents,
                coverage=coverage,
                noise=noise,
                kinds=SETTINGS[setting],
                sample=sample,
                skewed=setting == "skewed",
            )
            said = world.assertions
            if model is not None:
                said = extract_assertions(model, said, progress=say)
            sizes.append(len(said))
            noisy.append(sum(a.noise is not None for a in said) / max(1, len(said)))
            if setting == "skewed":
                skewed = skewed_scores(world, said, receivers, knfu=knfu)
                scores += [skewed] if skewed is not None else []
            else:
                scores.append(plain_scores(world, said))
            took = time.perf_counter() - start
            say(f"{setting} seed {seed}: {len(said)} assertions, {took:.1f} s")
        if scores:
            report.settings.append(_table(setting, scores, sizes, noisy))
    return report


def _cell(value: Interval | None) -> str:
    if value is None:
        return "-"
    return f"{value.mean:.3f} [{value.low:.2f}, {value.high:.2f}]"


def _signed(value: Interval | None) -> str:
    if value is None:
        return "-"
    return f"{value.mean:+.3f} [{value.low:+.2f}, {value.high:+.2f}]"


def render(report: FusionRealReport, console: Console | None = None) -> None:
    """Print one rich table per setting (default console: standard output).

    Example:
        >>> import io
        >>> facts = [TrueFact(f"S{i}", "{} plays", "chess", ("go",)) for i in range(10)]
        >>> console = Console(record=True, file=io.StringIO(), width=120)
        >>> render(run(facts, seeds=[0], settings=["mixed"]), console)
        >>> "two-agree rule" in console.export_text()
        True
    """
    out = console or Console(width=max(150, Console().width))
    setup = report.setup
    for s in report.settings:
        scope = "receivers' home topics" if s.setting == "skewed" else "all sampled facts"
        table = Table(
            title=f"Fusion on real facts: {s.setting} ({', '.join(s.kinds)})",
            caption=f"{setup.get('seeds', '?')} seeds x {setup['facts_per_seed']} facts, "
            f"{s.assertions:.0f} assertions/seed ({100 * s.noisy_share:.0f}% noisy); scored "
            f"on {scope}; mean and 95% CI over seeds",
            box=box.SIMPLE_HEAD,
        )
        for name in ("method", "triples", "precision", "recall", "F1", "accepted F1 - row F1"):
            table.add_column(name, justify="left" if name == "method" else "right", no_wrap=True)
        for r in s.rows:
            cells = map(_cell, (r.precision, r.recall, r.f1))
            table.add_row(r.method, f"{r.triples:.0f}", *cells, _signed(r.accepted_gain))
        out.print(table)


def _check(args: argparse.Namespace) -> None:
    """Raise `ConfigError` for the first argument out of range, saying what works."""
    if not args.data:
        raise ConfigError(
            "--data: give at least one CounterFact or zsRE file, e.g. --data "
            "../shared/data/knowledge-spread/counterfact-edit-evidence-1k.json"
        )
    unknown = [s for s in args.settings.split(",") if s not in SETTINGS]
    checks = (
        (args.agents < 2, "--agents must be at least 2"),
        (args.seeds < 1, "--seeds must be at least 1"),
        (args.facts < 1, "--facts must be at least 1"),
        (not 0.0 <= args.noise <= 0.9, "--noise must be within 0..0.9"),
        (not 0.0 < args.coverage <= 1.0, "--coverage must be within (0, 1]"),
        (
            not 1 <= args.receivers <= SKEWED_AGENTS,
            f"--receivers must be within 1..{SKEWED_AGENTS}",
        ),
        (bool(unknown), f"--settings: unknown {unknown}; use some of {','.join(SETTINGS)}"),
    )
    for bad, message in checks:
        if bad:
            raise ConfigError(message)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m agora.evals.fusion_real", description=__doc__)
    parser.add_argument("--data", type=Path, action="append", help="a CounterFact or zsRE file")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    parser.add_argument("--facts", type=int, default=500, help="facts sampled per seed")
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument(
        "--coverage", type=float, default=0.5, help="share of facts an agent asserts"
    )
    parser.add_argument("--noise", type=float, default=0.2, help="mean share of wrong assertions")
    parser.add_argument("--receivers", type=int, default=3, help="receivers scored in 'skewed'")
    parser.add_argument("--settings", default=",".join(SETTINGS), help="comma-separated")
    parser.add_argument(
        "--knfu", action="store_true", help="add KnFu's personalised view to 'skewed'"
    )
    parser.add_argument("--model", metavar="SPEC", help="agents' claims are extracted by it")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the report here too")
    args = parser.parse_args(argv)
    try:
        _check(args)
        facts = load_facts(args.data)
        if not facts:
            raise ConfigError(f"--data {args.data}: no usable records (subject in prompt)")
        model = None
        if args.model:
            from agora.models.spec import model_from_spec

            model = model_from_spec(args.model)
        report = run(
            facts,
            seeds=range(args.seeds),
            settings=args.settings.split(","),
            agents=args.agents,
            coverage=args.coverage,
            noise=args.noise,
            sample=args.facts,
            receivers=args.receivers,
            knfu=args.knfu,
            model=model,
            progress=lambda line: print(f"fusion-real: {line}", file=sys.stderr, flush=True),
        )
    except AgoraError as exc:
        Console(stderr=True).print(f"[red]{type(exc).__name__}: {exc}[/]", markup=True)
        return 1
    report.setup |= {
        "data": [str(p) for p in args.data],
        "seeds": args.seeds,
        "agents": args.agents,
        "coverage": args.coverage,
        "noise": args.noise,
        "receivers": args.receivers,
        "knfu": args.knfu,
        "agents_are": model.name if model is not None else "direct assertions (no model)",
    }
    if args.json:
        args.json.write_text(json.dumps(report.to_dict(), indent=2))
    render(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

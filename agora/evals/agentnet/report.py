"""The ablation's numbers over seeds: rows with 95% intervals, and the evolving-vs-frozen curve.

Every figure is a mean over seeds with its Student-t 95% interval (`agora.evals.stats.mean_ci`;
one seed gives a zero-width interval). A variant's accuracy is its test pass after the last
train round; ``Δ`` is the paired per-seed difference to ``decentralized``. AgentNet's own BBH
figures (its Fig. 5 router ablation and Table 3 evolution ablation, GPT-4o-mini, 3 agents)
ride along for comparison, never as targets.

Example:
    >>> from agora.evals.agentnet.evaluate import Pass, VariantRun
    >>> p = Pass(accuracy=0.5, hops=1.0, count=10)
    >>> runs = [{v: VariantRun(variant=v, seed=s, test=[p, p]) for v in ("decentralized", "frozen")}
    ...         for s in (0, 1)]
    >>> report = summarize(runs, [{"oracle": 0.9}, {"oracle": 0.8}], setup={})
    >>> round(report.row("oracle").accuracy.mean, 3), [c.round for c in report.curve]
    (0.85, [0, 1])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from agora.evals.agentnet.baselines import BASELINES
from agora.evals.agentnet.evaluate import VARIANTS, VariantRun
from agora.evals.bigbench.evaluate import Interval
from agora.evals.stats import mean_ci

__all__ = ["LABELS", "PAPER", "CurvePoint", "Report", "Row", "summarize"]

#: What each row is, as the table shows it.
LABELS = {
    "decentralized": "decentralized: holder routes among its neighbours (AgentNet entry)",
    "decentralized-random-entry": "decentralized, task enters at a random agent",
    "global": "one global router picks the solver",
    "random-next": "random next agent",
    "random-op": "random operation",
    "frozen": "decentralized, frozen (no feedback, no edge evolution)",
    "one random agent": "baseline: one random agent answers",
    "best generalist": "baseline: best generalist (picked on train) answers",
    "oracle": "ceiling: best agent per family (reads the skill matrix)",
}
#: AgentNet's BBH accuracy for the rows it reports (Fig. 5; Table 3's "without evolution"
#: for the frozen network, beside its 0.86 with evolution).
PAPER = {
    "decentralized": 0.86,
    "global": 0.83,
    "random-next": 0.82,
    "random-op": 0.71,
    "frozen": 0.76,
}


def _interval(values: Sequence[float]) -> Interval:
    mean, low, high = mean_ci(list(values))
    return Interval(mean, low, high)


@dataclass(kw_only=True)
class Row:
    """One line of the main table.

    Attributes:
        name: the variant or baseline key (see `LABELS`).
        kind: ``"variant"``, ``"baseline"`` or ``"ceiling"``.
        accuracy: test accuracy after the last round, over seeds.
        hops: hand-offs per test task (``None`` for baselines: nothing is handed on).
        delta: the paired per-seed difference to ``decentralized`` (``None`` for it).
        paper: AgentNet's BBH figure for this row, where it reports one.
        per_seed: the accuracy of each seed.
    """

    name: str
    kind: str
    accuracy: Interval
    hops: Interval | None
    delta: Interval | None
    paper: float | None
    per_seed: list[float]

    @property
    def label(self) -> str:
        """The row's description."""
        return LABELS.get(self.name, self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class CurvePoint:
    """Test accuracy after `round` train rounds: evolving vs frozen decentralized network."""

    round: int
    evolving: Interval
    frozen: Interval
    delta: Interval
    pruned: Interval | None = None
    """Edges the evolving network had pruned by then (of its agents × degree)."""


@dataclass(kw_only=True)
class Report:
    """Everything a run measured (`to_dict` for JSON)."""

    setup: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    curve: list[CurvePoint] = field(default_factory=list)
    runs: list[dict[str, VariantRun]] = field(default_factory=list)
    baselines: list[dict[str, float]] = field(default_factory=list)

    def row(self, name: str) -> Row:
        """The row called `name`."""
        return next(r for r in self.rows if r.name == name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (with every seed's passes)."""
        return asdict(self)


def _variant_row(name: str, runs: Sequence[Mapping[str, VariantRun]]) -> Row:
    final = [r[name].test[-1].accuracy for r in runs]
    hops = [r[name].test[-1].hops for r in runs]
    delta = None
    if name != "decentralized" and all("decentralized" in r for r in runs):
        base = [r["decentralized"].test[-1].accuracy for r in runs]
        delta = _interval([a - b for a, b in zip(final, base, strict=True)])
    return Row(
        name=name,
        kind="variant",
        accuracy=_interval(final),
        hops=_interval(hops),
        delta=delta,
        paper=PAPER.get(name),
        per_seed=final,
    )


def _baseline_row(
    name: str, scores: Sequence[Mapping[str, float]], runs: Sequence[Mapping[str, VariantRun]]
) -> Row:
    values = [s[name] for s in scores]
    delta = None
    if runs and all("decentralized" in r for r in runs):
        base = [r["decentralized"].test[-1].accuracy for r in runs]
        delta = _interval([a - b for a, b in zip(values, base, strict=True)])
    return Row(
        name=name,
        kind="ceiling" if name == "oracle" else "baseline",
        accuracy=_interval(values),
        hops=None,
        delta=delta,
        paper=None,
        per_seed=values,
    )


def _curve(runs: Sequence[Mapping[str, VariantRun]]) -> list[CurvePoint]:
    if not runs or not all("decentralized" in r and "frozen" in r for r in runs):
        return []
    points = []
    for number in range(len(runs[0]["decentralized"].test)):
        evolving = [r["decentralized"].test[number].accuracy for r in runs]
        frozen = [r["frozen"].test[number].accuracy for r in runs]
        pruned = [
            float(r["decentralized"].pruned[number])
            for r in runs
            if number < len(r["decentralized"].pruned)
        ]
        points.append(
            CurvePoint(
                round=number,
                evolving=_interval(evolving),
                frozen=_interval(frozen),
                delta=_interval([a - b for a, b in zip(evolving, frozen, strict=True)]),
                pruned=_interval(pruned) if len(pruned) == len(runs) else None,
            )
        )
    return points


def summarize(
    runs: Sequence[Mapping[str, VariantRun]],
    baselines: Sequence[Mapping[str, float]],
    *,
    setup: Mapping[str, Any],
) -> Report:
    """The `Report` of per-seed `runs` and `baselines` (the same seeds, in the same order)."""
    names = [v for v in VARIANTS if runs and all(v in r for r in runs)]
    rows = [_variant_row(name, runs) for name in names]
    rows += [
        _baseline_row(name, baselines, runs)
        for name in BASELINES
        if baselines and all(name in s for s in baselines)
    ]
    return Report(
        setup=dict(setup),
        rows=rows,
        curve=_curve(runs),
        runs=[dict(r) for r in runs],
        baselines=[dict(s) for s in baselines],
    )

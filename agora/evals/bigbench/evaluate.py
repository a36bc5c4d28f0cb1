"""Running the eval: seeded splits, every method scored per seed, 95% intervals over seeds.

A *seed* decides two things: which families sit out with no expert (their examples test
abstention) and, within every family, which examples are train and which test (half each, of
a fixed pool of up to ``per_family`` examples). Methods are fitted on the experts' profiles
and the train split only; the test split and the held-out families design nothing (the
baselines' temperatures and thresholds come from train, the router's settings from
`agora.evals.router_settings.make_router`, chosen with ``dev=True``: a dev split carved from
train, see `make_split`). On the ``domains`` suite the routing set's two-domain tasks (never
trained on) also measure whether dynamic K takes both of their experts (`SeedScore.covers`).

Example:
    >>> from agora.evals.bigbench.suites import domains_suite
    >>> report = run("domains", embedder="hash", seeds=[0, 1], learn_rounds=1)
    >>> row = report.row("router")
    >>> row.n_test > 0 and 0.0 <= row.top1.mean <= 1.0
    True
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agora.embeddings import CachedEmbedder, Embedder, HashEmbedder
from agora.errors import UserError
from agora.evals.bigbench import metrics
from agora.evals.bigbench.methods import (
    BM25Method,
    CentroidMethod,
    Example,
    Method,
    NearestMethod,
    Ranking,
    RouterFactory,
    RouterMethod,
    decompose_router,
    default_router,
)
from agora.evals.bigbench.source import Family, load_families
from agora.evals.bigbench.suites import (
    SuiteName,
    bigbench_suite,
    domains_pairs,
    domains_suite,
    held_out_count,
)
from agora.evals.stats import mean_ci
from agora.models.base import Model

__all__ = [
    "TOP_K",
    "Interval",
    "Paired",
    "Report",
    "Row",
    "SeedScore",
    "Split",
    "make_split",
    "paired",
    "run",
]

#: The K of top-K (the `Router` default).
TOP_K = 3
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Split:
    """One seed's split: experts with profiles, train and test examples, unseen examples."""

    seed: int
    experts: dict[str, str]
    held_out: tuple[str, ...]
    train: list[Example]
    test: list[Example]
    unseen: list[Example]
    pairs: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    """Two-family texts (``domains`` suite) whose families all have experts this seed."""


def make_split(
    families: Sequence[Family], *, seed: int, held_out: int, per_family: int, dev: bool = False
) -> Split:
    """Hold out `held_out` families and split every family's pool in half, by `seed`.

    With `dev`, the test split is never touched: each family's train half is split again,
    its first half trains and its second half is scored (the held-out families' train
    halves are the unseen examples). Router designs are compared this way.

    Example:
        >>> fams = [Family(name=n, description=n, keywords=(), examples=("a", "b"), total=2)
        ...         for n in "xyz"]
        >>> s = make_split(fams, seed=0, held_out=1, per_family=2)
        >>> len(s.experts), len(s.train), len(s.test), len(s.unseen)
        (2, 2, 2, 1)
    """
    if not 0 <= held_out < len(families):
        raise UserError(f"cannot hold out {held_out} of {len(families)} families")
    rng = random.Random(seed)
    ordered = sorted(families, key=lambda f: f.name)
    out = set(rng.sample([f.name for f in ordered], held_out))
    experts: dict[str, str] = {}
    train: list[Example] = []
    test: list[Example] = []
    unseen: list[Example] = []
    for family in ordered:
        pool = list(family.examples[:per_family])
        rng.shuffle(pool)
        half = len(pool) // 2
        if dev:  # the test half is dropped: its train half is split in two instead
            pool = pool[:half]
            half = len(pool) // 2
        tests = [Example(family.name, text) for text in pool[half:]]
        if family.name in out:
            unseen += tests
            continue
        experts[family.name] = family.profile
        train += [Example(family.name, text) for text in pool[:half]]
        test += tests
    return Split(
        seed=seed,
        experts=experts,
        held_out=tuple(sorted(out)),
        train=train,
        test=test,
        unseen=unseen,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedScore:
    """One method on one seed: shares in [0, 1], ``mean_k`` a count.

    A method that ranks one expert only (the model row) has ``top_k == dynamic == top1``.
    """

    seed: int
    top1: float
    top_k: float
    dynamic: float
    mean_k: float
    ece: float
    abstain: float
    false_abstain: float
    test: int
    unseen: int
    covers: float | None = None
    """Share of two-family texts whose every family dynamic K took (``domains`` suite)."""
    ece_floor: float = 0.0
    """The ECE a perfectly calibrated method with these confidences scores on as many
    examples (`metrics.ece_floor`): what sampling alone puts into `ece`."""


@dataclass(frozen=True, slots=True)
class Interval:
    """A mean over seeds and its 95% Student-t interval."""

    mean: float
    low: float
    high: float


@dataclass(kw_only=True)
class Row:
    """One method's line of the table: every metric as an `Interval` over seeds."""

    method: str
    kind: str
    top1: Interval
    top_k: Interval
    dynamic: Interval
    mean_k: Interval
    ece: Interval
    abstain: Interval
    false_abstain: Interval
    n_test: int
    n_unseen: int
    reliability: list[metrics.Bin]
    seeds: list[SeedScore]
    covers: Interval | None = None
    """`SeedScore.covers` over seeds (None when the suite has no two-family texts)."""
    ece_floor: Interval | None = None
    """`SeedScore.ece_floor` over seeds."""
    ece_pooled: float | None = None
    """ECE over every seed's test examples together (as `reliability` pools them): on
    ``n_test`` examples sampling adds far less than on one seed's."""
    ece_pooled_floor: float | None = None
    """`metrics.ece_floor` of the pooled confidences: what sampling alone puts into
    `ece_pooled`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Paired:
    """A router row's top-1 minus a baseline's, paired by seed (the same split each seed).

    Attributes:
        method: the router row.
        baseline: the baseline row.
        diff: the mean per-seed difference (a share; negative when behind) and its 95%
            Student-t interval over seeds.
        ahead: seeds on which the router row is ahead; `level` and `behind` likewise.
    """

    method: str
    baseline: str
    diff: Interval
    ahead: int
    level: int
    behind: int


def paired(rows: Sequence[Row]) -> list[Paired]:
    """Every router row against every baseline row, paired by seed.

    Example:
        >>> s = [SeedScore(seed=0, top1=t, top_k=t, dynamic=t, mean_k=1.0, ece=0.0, abstain=0.0,
        ...                false_abstain=0.0, test=1, unseen=1) for t in (0.9, 0.8)]
        >>> i = Interval(0.0, 0.0, 0.0)
        >>> rows = [Row(method=m, kind=k, top1=i, top_k=i, dynamic=i, mean_k=i, ece=i,
        ...             abstain=i, false_abstain=i, n_test=1, n_unseen=1, reliability=[],
        ...             seeds=[x]) for m, k, x in (("r", "router", s[0]), ("b", "baseline", s[1]))]
        >>> p = paired(rows)[0]
        >>> (p.method, p.baseline, round(p.diff.mean, 3), p.ahead, p.behind)
        ('r', 'b', 0.1, 1, 0)
    """
    out: list[Paired] = []
    for row in rows:
        if row.kind != "router":
            continue
        for base in rows:
            if base.kind != "baseline":
                continue
            diffs = [a.top1 - b.top1 for a, b in zip(row.seeds, base.seeds, strict=True)]
            out.append(
                Paired(
                    method=row.method,
                    baseline=base.method,
                    diff=Interval(*mean_ci(diffs)),
                    ahead=sum(d > 0 for d in diffs),
                    level=sum(d == 0 for d in diffs),
                    behind=sum(d < 0 for d in diffs),
                )
            )
    return out


@dataclass(kw_only=True)
class Report:
    """Everything one run measured."""

    suite: str
    embedder: str
    seeds: list[int]
    families: list[str]
    held_out: int
    per_family: int
    dev: bool = False
    """Scored on a dev split carved from train (`make_split`), not on the test split."""
    rows: list[Row] = field(default_factory=list)
    paired: list[Paired] = field(default_factory=list)
    """Router rows minus baseline rows, top-1 paired by seed (`paired`)."""

    def row(self, method: str) -> Row:
        """The row whose method name is `method`."""
        return next(r for r in self.rows if r.method == method)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return asdict(self)


def score(method: Method, split: Split, *, sample: int | None = None) -> tuple[SeedScore, Any]:
    """Fit `method` on `split` and score it; also returns its (confidence, right) pairs.

    `sample` caps the test and unseen examples scored (a seeded draw; for slow models).
    """
    test, unseen = split.test, split.unseen
    if sample is not None:
        rng = random.Random(split.seed)
        test = rng.sample(test, min(sample, len(test)))
        unseen = rng.sample(unseen, min(sample, len(unseen)))
    method.fit(split.experts, split.train)
    ranked = method.rank([e.text for e in test])
    away = method.rank([e.text for e in unseen])
    n = max(1, len(test))

    def top(r: Ranking, k: int, family: str) -> bool:
        return any(name == family for name, _ in r.ranked[:k])

    covers = None
    if split.pairs:
        both = method.rank([text for _, text in split.pairs])
        took = [set(r.dynamic()).issuperset(f) for r, (f, _) in zip(both, split.pairs, strict=True)]
        covers = sum(took) / len(took)
    right = [top(r, 1, e.family) for r, e in zip(ranked, test, strict=True)]
    confidences = [r.ranked[0][1] if r.ranked else 0.0 for r in ranked]
    clipped = [min(1.0, max(0.0, c)) for c in confidences]
    chosen = [r.dynamic() for r in ranked]
    result = SeedScore(
        seed=split.seed,
        top1=sum(right) / n,
        top_k=sum(top(r, TOP_K, e.family) for r, e in zip(ranked, test, strict=True)) / n,
        dynamic=sum(e.family in c for c, e in zip(chosen, test, strict=True)) / n,
        mean_k=sum(len(c) for c in chosen) / n,
        ece=metrics.ece(clipped, right),
        ece_floor=metrics.ece_floor(clipped, seed=split.seed),
        abstain=sum(r.abstain for r in away) / max(1, len(away)),
        false_abstain=sum(r.abstain for r in ranked) / n,
        test=len(test),
        unseen=len(unseen),
        covers=covers,
    )
    return result, list(zip(confidences, right, strict=True))


def _interval(values: Sequence[float]) -> Interval:
    mean, low, high = mean_ci(values)
    return Interval(mean, max(0.0, low), min(1.0, high))  # shares: clipped to [0, 1]


def _row(method: str, kind: str, seeds: list[SeedScore], pairs: list[Any]) -> Row:
    confidences = [min(1.0, max(0.0, c)) for c, _ in pairs]
    right = [r for _, r in pairs]
    return Row(
        method=method,
        kind=kind,
        top1=_interval([s.top1 for s in seeds]),
        top_k=_interval([s.top_k for s in seeds]),
        dynamic=_interval([s.dynamic for s in seeds]),
        mean_k=Interval(*mean_ci([s.mean_k for s in seeds])),
        ece=_interval([s.ece for s in seeds]),
        abstain=_interval([s.abstain for s in seeds]),
        false_abstain=_interval([s.false_abstain for s in seeds]),
        n_test=sum(s.test for s in seeds),
        n_unseen=sum(s.unseen for s in seeds),
        reliability=metrics.reliability(confidences, right),
        seeds=seeds,
        covers=_interval(covered)
        if (covered := [s.covers for s in seeds if s.covers is not None])
        else None,
        ece_floor=_interval([s.ece_floor for s in seeds]),
        ece_pooled=metrics.ece(confidences, right) if pairs else None,
        ece_pooled_floor=metrics.ece_floor(confidences) if pairs else None,
    )


def make_embedder(name: str) -> Embedder:
    """``"minilm"`` (offline MiniLM) or ``"hash"`` (fast, lexical), cached for the whole run."""
    if name == "hash":
        return CachedEmbedder(HashEmbedder(), maxsize=1 << 17)
    if name == "minilm":
        from agora.embeddings import default_embedder

        return CachedEmbedder(default_embedder(), maxsize=1 << 17)
    raise UserError(f"unknown embedder {name!r}; use 'minilm' or 'hash'")


def suite_families(suite: SuiteName, sdist: Path | None, progress: Progress) -> list[Family]:
    """The families of `suite` (reading the sdist, or its index, for the BIG-bench suites)."""
    if suite == "domains":
        return domains_suite()
    if suite not in ("bbh", "all"):
        raise UserError(f"unknown suite {suite!r}; use 'bbh', 'all' or 'domains'")
    return bigbench_suite(load_families(sdist, progress=progress), suite)


def _methods(
    emb: Embedder, seed: int, factory: RouterFactory, learn_rounds: int
) -> list[tuple[str, Method]]:
    rows: list[tuple[str, Method]] = [("router", RouterMethod(emb, factory=factory, seed=seed))]
    if learn_rounds:
        for feedback, label in (("own", "own-route"), ("forward", "forwarding")):
            name = f"router + {label} feedback ({learn_rounds} rounds)"
            learned = RouterMethod(
                emb,
                name=name,
                factory=factory,
                learn_rounds=learn_rounds,
                feedback=feedback,  # type: ignore[arg-type]
                seed=seed,
            )
            rows.append(("router", learned))
        if factory is default_router:  # the same router, its dynamic K by decomposition
            name = f"router + forwarding feedback ({learn_rounds} rounds), K by decomposition"
            mixed = RouterMethod(
                emb, name=name, factory=decompose_router, learn_rounds=learn_rounds, seed=seed
            )
            rows.append(("router", mixed))
        name = f"router + train examples + forwarding feedback ({learn_rounds} rounds)"
        taught = RouterMethod(
            emb, name=name, factory=factory, learn_rounds=learn_rounds, teach=True, seed=seed
        )
        rows.append(("router", taught))
    rows += [
        ("baseline", BM25Method()),
        ("baseline", NearestMethod(emb)),
        ("baseline", CentroidMethod(emb)),
    ]
    return rows


def run(
    suite: SuiteName = "bbh",
    *,
    embedder: str = "minilm",
    seeds: Sequence[int] = range(5),
    per_family: int = 40,
    sdist: Path | None = None,
    model: Model | str | None = None,
    model_sample: int = 20,
    router: RouterFactory = default_router,
    learn_rounds: int = 2,
    dev: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Run the eval on `suite` and return its numbers (nothing is printed).

    Args:
        suite: ``"bbh"``, ``"all"`` or ``"domains"`` (see `agora.evals.bigbench.suites`).
        embedder: ``"minilm"`` or ``"hash"``.
        seeds: one split per seed; intervals are over seeds.
        per_family: pool of examples per family (half train, half test).
        sdist: the BIG-bench sdist (default: the cached one; never downloaded here).
        model: adds a row where this model picks the expert from the profiles.
        model_sample: test and unseen examples the model row scores per seed.
        router: builds the router under test from an embedder and a seed.
        learn_rounds: feedback rounds of the learned router row (0 leaves the row out).
        dev: score on a dev split carved from each family's train half, leaving the test
            split untouched (`make_split`): designs are compared this way.
        progress: called with a line of progress now and then.

    Raises:
        ConfigError: the sdist is missing or fails verification (BIG-bench suites).
        UserError: an argument is out of range.
    """
    say = progress or (lambda _: None)
    seeds = list(seeds)
    if not seeds or per_family < 2 or model_sample < 1 or learn_rounds < 0:
        raise UserError("need >= 1 seed, per_family >= 2, model_sample >= 1, learn_rounds >= 0")
    families = suite_families(suite, sdist, say)
    held = held_out_count(suite, len(families))
    emb = make_embedder(embedder)
    texts = [f.profile for f in families] + [t for f in families for t in f.examples[:per_family]]
    for start in range(0, len(texts), 512):
        say(f"embedding {min(start + 512, len(texts))}/{len(texts)} texts ({embedder})")
        emb.embed(texts[start : start + 512])
    report = Report(
        suite=suite,
        embedder=embedder,
        seeds=seeds,
        families=sorted(f.name for f in families),
        held_out=held,
        per_family=per_family,
        dev=dev,
    )
    picker = None
    if model is not None:
        from agora.models.spec import model_from_spec

        picker = model_from_spec(model)  # loaded once, for every seed
    scores: dict[str, tuple[str, list[SeedScore], list[Any]]] = {}
    for seed in seeds:
        split = make_split(families, seed=seed, held_out=held, per_family=per_family, dev=dev)
        if suite == "domains" and not dev:  # the two-domain tasks are test data
            split.pairs.extend(p for p in domains_pairs() if set(p[0]) <= split.experts.keys())
        methods = _methods(emb, seed, router, learn_rounds)
        if picker is not None:
            from agora.evals.bigbench.llm import ModelMethod

            methods.append(("model", ModelMethod(picker)))
        for kind, method in methods:
            say(f"seed {seed}: {method.name}")
            sample = model_sample if kind == "model" else None
            result, pairs = score(method, split, sample=sample)
            entry = scores.setdefault(method.name, (kind, [], []))
            entry[1].append(result)
            entry[2].extend(pairs)
    report.rows = [_row(name, kind, s, p) for name, (kind, s, p) in scores.items()]
    report.paired = paired(report.rows)
    return report

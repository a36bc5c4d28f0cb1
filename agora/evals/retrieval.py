"""Retrieval eval: can agora's memory find a fact again from its question or a rephrasing?

Run it with::

    python -m agora.evals.retrieval --data PATH [--data PATH ...] [--seeds 5] [--cases 200]
        [--embedders hash,minilm] [--tune] [--json OUT]

Each ``--data`` file of *Flooding Spread of Manipulated Knowledge* (CounterFact or zsRE
layout, read where it lies) becomes a corpus of its true facts plus its locality facts as
distractors, and two queries per case whose one relevant document is the case's own fact: the
prompt and the rephrase (see `agora.evals.retrieval_data`; the two kinds are separate rows,
and CounterFact's "rephrases" are generation prompts that only name the subject).

Methods (`agora.evals._retrieval_bench`): a word-overlap baseline, BM25 (`SQLiteStore.search`),
vector search per embedder (``hash``: `HashEmbedder`; ``minilm``: `MiniLMEmbedder`, when it
loads offline) and hybrid (`Retriever.retrieve`: RRF of both, rerank; expansion off).

Metrics: recall@1/5/10 and MRR@10 of the relevant document, per seed the mean over the
queries of ``--cases`` held-out cases drawn by that seed, then the mean over seeds 0..N-1 and
its 95% Student-t interval (`agora.evals.stats.mean_ci`). Latency p50/p95 is over every
query evaluated, each call timed whole: **the query embedding is included**; building the
store and embedding the corpus are not (they are reported apart), nor is the first model
load (one warm-up query per method runs untimed).

``--tune`` sweeps the common-word share and the RRF k and weights on the *dev* half of the
cases (`agora.evals._retrieval_tune`), then scores the chosen values against the defaults
on the same held-out samples, through `Retriever.retrieve` itself. The halves come from a
hash of each case's id (`agora.evals.retrieval_data.split_of`); tuning reads no held-out case.

There is no ``--model``: nothing here calls a language model (no reranker or query
rewriter), so a model flag would change nothing.

Example:
    >>> from agora.evals.retrieval_data import Corpus
    >>> from agora.evals.spread_data import shipped_cases
    >>> report = run([Corpus.of(shipped_cases(0, 12), name="capitals")], seeds=2, cases=4)
    >>> row = report.row("capitals", "prompt", "BM25")
    >>> row.metrics["recall@10"][0]
    1.0
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agora.embeddings import Embedder, HashEmbedder
from agora.errors import AgoraError, ConfigError
from agora.evals._retrieval_bench import Bench, Ranked
from agora.evals._retrieval_tune import Tuned, tune
from agora.evals.retrieval_data import QUERY_KINDS, Corpus, Query, load_corpus
from agora.evals.stats import bootstrap_mean, mean_ci
from agora.memory.retrieval import _bm25

__all__ = ["METRICS", "Delta", "RetrievalReport", "Row", "load_embedders", "main", "run", "scores"]

METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10")
Progress = Callable[[str], None]


def scores(ids: Sequence[str], relevant: str) -> dict[str, float]:
    """Recall@1/5/10 (0 or 1) and reciprocal rank within the top 10 of one ranking.

    Example:
        >>> scores(["a", "b", "c"], "b")
        {'recall@1': 0.0, 'recall@5': 1.0, 'recall@10': 1.0, 'mrr@10': 0.5}
    """
    top = list(ids[:10])
    rank = top.index(relevant) + 1 if relevant in top else None
    return {
        "recall@1": float(rank == 1),
        "recall@5": float(rank is not None and rank <= 5),
        "recall@10": float(rank is not None),
        "mrr@10": 0.0 if rank is None else 1.0 / rank,
    }


@dataclass(frozen=True, slots=True)
class Row:
    """One method on one kind of query over one corpus."""

    data: str
    kind: str
    method: str
    queries: int
    """Queries per seed."""
    metrics: dict[str, tuple[float, float, float]]
    """Metric name to (mean over seeds, 95% low, 95% high)."""
    p50_ms: float
    p95_ms: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        metrics = {k: {"mean": m, "low": lo, "high": hi} for k, (m, lo, hi) in self.metrics.items()}
        return {"data": self.data, "queries": self.kind, "method": self.method,
                "queries_per_seed": self.queries, **metrics,
                "p50_ms": self.p50_ms, "p95_ms": self.p95_ms}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Delta:
    """Tuned minus default MRR@10 on every held-out query of one kind (paired)."""

    data: str
    kind: str
    default: str
    tuned: str
    queries: int
    mrr: tuple[float, float, float]
    """(mean difference, bootstrap 95% low, high)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        mean, low, high = self.mrr
        return {"data": self.data, "queries": self.kind, "default": self.default,
                "tuned": self.tuned, "n": self.queries,
                "delta_mrr@10": {"mean": mean, "low": low, "high": high}}  # fmt: skip


@dataclass(slots=True)
class RetrievalReport:
    """Every row, the setup, and the tuning result when asked for."""

    setup: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    tuned: Tuned | None = None
    held_out: list[Row] = field(default_factory=list)
    """With tuning: the default and tuned settings on the held-out samples."""
    deltas: list[Delta] = field(default_factory=list)
    """With tuning: tuned minus default on every held-out query."""

    def row(self, data: str, kind: str, method: str) -> Row:
        """The row of `method` on `kind` queries of `data`."""
        for r in (*self.rows, *self.held_out):
            if (r.data, r.kind, r.method) == (data, kind, method):
                return r
        raise KeyError((data, kind, method))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        out: dict[str, Any] = {"setup": self.setup, "rows": [r.to_dict() for r in self.rows]}
        if self.tuned is not None:
            out["tuning"] = {
                **self.tuned.to_dict(),
                "held_out": [r.to_dict() for r in self.held_out],
                "held_out_deltas": [d.to_dict() for d in self.deltas],
            }
        return out


def load_embedders(
    names: Sequence[str], *, progress: Progress = lambda _: None
) -> dict[str, Embedder]:
    """The embedders named (``hash``, ``minilm``), less ``minilm`` if it does not load offline.

    A left-out ``minilm`` is told to `progress` with the reason.

    Raises:
        ConfigError: an unknown name.
    """
    out: dict[str, Embedder] = {}
    for name in names:
        if name == "hash":
            out[name] = HashEmbedder()
        elif name == "minilm":
            from agora.embeddings import default_embedder

            try:
                minilm = default_embedder()
                minilm.embed(["warm up"])
            except AgoraError as exc:
                progress(f"minilm left out: {type(exc).__name__}: {exc}")
                continue
            out[name] = minilm
        else:
            raise ConfigError(
                f"--embedders: unknown {name!r}; use hash, minilm or both (hash,minilm)"
            )
    return out


def run(
    corpora: Sequence[Corpus],
    *,
    embedders: dict[str, Embedder] | None = None,
    seeds: int = 5,
    cases: int = 200,
    tuning: bool = False,
    progress: Progress = lambda _: None,
) -> RetrievalReport:
    """Evaluate every method on every corpus (see the module docstring).

    Example:
        >>> from agora.evals.retrieval_data import Corpus
        >>> from agora.evals.spread_data import shipped_cases
        >>> run([Corpus.of(shipped_cases(0, 6), name="c")], seeds=1, cases=2).setup["seeds"]
        1
    """
    embedders = {"hash": HashEmbedder()} if embedders is None else embedders
    report = RetrievalReport(setup={
        "data": [c.name for c in corpora], "seeds": seeds, "cases_per_seed": cases,
        "embedders": {label: e.name for label, e in embedders.items()},
        "common_share": _bm25.COMMON_SHARE, "latency": "whole call, query embedding included",
    })  # fmt: skip
    benches: list[Bench] = []
    try:
        for corpus in corpora:
            benches.append(bench := Bench(corpus.docs, embedders))
            progress(f"{corpus.name}: {len(corpus.docs)} documents in {bench.build_s:.1f} s")
            for key, value in (("documents", len(corpus.docs)), ("index_s", bench.build_s),
                               ("held_out_cases", len(corpus.cases("held-out")))):  # fmt: skip
                report.setup.setdefault(key, {})[corpus.name] = value
            report.rows += _evaluate(bench, corpus, bench.methods, seeds, cases, progress)[0]
        if tuning:
            _tune(report, benches, corpora, seeds, cases, progress)
    finally:
        for bench in benches:
            bench.close()
    return report


def _tune(
    report: RetrievalReport,
    benches: Sequence[Bench],
    corpora: Sequence[Corpus],
    seeds: int,
    cases: int,
    progress: Progress,
) -> None:
    """Tune on the dev halves, then add the held-out comparison to `report`."""
    together = list(zip(benches, corpora, strict=True))
    report.tuned = tune([(b, [q for q in c.queries if q.split == "dev"]) for b, c in together],
                        progress=progress)  # fmt: skip
    for bench, corpus in together:
        pairs = _add_tuned(bench, report.tuned)
        names = list(dict.fromkeys(name for pair in pairs for name in pair))
        rows, ranked = _evaluate(bench, corpus, names, seeds, cases, progress, every=True)
        report.held_out += rows
        report.deltas += _deltas(corpus, ranked, pairs)


def _add_tuned(bench: Bench, tuned: Tuned) -> list[tuple[str, str]]:
    """Add the tuned variants to `bench`; return (default, tuned) method name pairs."""
    share = tuned.share
    pairs = [("BM25", f"BM25 share={share}")]
    bench.add_bm25(pairs[0][1], share=share)
    for label, (k, weight) in tuned.fusion.items():
        default = f"hybrid ({label})"
        variants = {f"{default} share={share} k={k} w={weight}": (k, weight)}
        variants[f"{default} share={share} k={tuned.shared_k} w=1.0"] = (tuned.shared_k, 1.0)
        for name, (k_, w_) in variants.items():
            bench.add_hybrid(name, of=label, share=share, rrf_k=k_, weights={"vector": w_})
            pairs.append((default, name))
    return pairs


def _evaluate(
    bench: Bench,
    corpus: Corpus,
    methods: Sequence[str],
    seeds: int,
    cases: int,
    progress: Progress,
    *,
    every: bool = False,
) -> tuple[list[Row], dict[tuple[str, str, str], Ranked]]:
    """Rows over the seeds' samples, and every ranking made (all held-out queries if `every`)."""
    samples = [corpus.sample("held-out", seed=seed, count=cases) for seed in range(seeds)]
    pool = [q for q in corpus.queries if q.split == "held-out"] if every else []
    wanted = list({(q.case, q.kind): q for q in [*pool, *(q for s in samples for q in s)]}.values())
    progress(f"{corpus.name}: {len(wanted)} held-out queries x {len(methods)} methods")
    ranked: dict[tuple[str, str, str], Ranked] = {}
    for method in methods:
        bench.rank(method, "warm up")  # untimed: first model and cache loads
        for q in wanted:
            ranked[(method, q.case, q.kind)] = bench.rank(method, q.text)
        spent = sum(ranked[(method, q.case, q.kind)].seconds for q in wanted)
        progress(f"{corpus.name}: {method} done ({spent:.1f} s in queries)")
    rows = []
    for kind in QUERY_KINDS:
        for method in methods:
            per_seed = [
                _mean_scores(ranked, method, [q for q in s if q.kind == kind]) for s in samples
            ]
            times = sorted(
                ranked[(method, q.case, q.kind)].seconds for q in wanted if q.kind == kind
            )
            rows.append(Row(
                data=corpus.name, kind=kind, method=method,
                queries=sum(q.kind == kind for q in samples[0]),
                metrics={m: mean_ci([s[m] for s in per_seed]) for m in METRICS},
                p50_ms=1e3 * statistics.median(times), p95_ms=1e3 * _p95(times),
            ))  # fmt: skip
    return rows, ranked


def _deltas(
    corpus: Corpus, ranked: dict[tuple[str, str, str], Ranked], pairs: Sequence[tuple[str, str]]
) -> list[Delta]:
    """Tuned minus default MRR@10 over every held-out query, paired, bootstrap 95%."""
    out = []
    for kind in QUERY_KINDS:
        queries = [q for q in corpus.queries if q.split == "held-out" and q.kind == kind]
        for default, tuned in pairs:
            diffs = [
                scores(ranked[(tuned, q.case, kind)].ids, q.relevant)["mrr@10"]
                - scores(ranked[(default, q.case, kind)].ids, q.relevant)["mrr@10"]
                for q in queries
            ]
            out.append(Delta(corpus.name, kind, default, tuned, len(diffs), bootstrap_mean(diffs)))
    return out


def _mean_scores(
    ranked: dict[tuple[str, str, str], Ranked], method: str, queries: list[Query]
) -> dict[str, float]:
    each = [scores(ranked[(method, q.case, q.kind)].ids, q.relevant) for q in queries]
    return {m: statistics.fmean(s[m] for s in each) for m in METRICS}


def _p95(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m agora.evals.retrieval", description=__doc__)
    parser.add_argument("--data", type=Path, action="append", required=True,
                        help="a CounterFact or zsRE file of the paper (repeatable)")  # fmt: skip
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    parser.add_argument("--cases", type=int, default=200, help="held-out cases per seed")
    parser.add_argument("--embedders", default="hash,minilm", help="hash, minilm or both")
    parser.add_argument("--tune", action="store_true", help="tune on dev, compare on held-out")
    parser.add_argument("--json", type=Path, help="write the report here too")
    args = parser.parse_args(argv)

    def progress(line: str) -> None:
        print(f"retrieval: {line}", file=sys.stderr, flush=True)

    try:
        if args.seeds < 1 or args.cases < 1:
            raise ConfigError("--seeds and --cases must be >= 1")
        corpora = [load_corpus(path) for path in args.data]
        embedders = load_embedders(args.embedders.split(","), progress=progress)
        report = run(corpora, embedders=embedders, seeds=args.seeds, cases=args.cases,
                     tuning=args.tune, progress=progress)  # fmt: skip
    except AgoraError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        try:
            args.json.write_text(json.dumps(report.to_dict(), indent=2))
        except OSError as exc:
            print(f"ConfigError: --json {args.json}: {exc}; pass a writable file", file=sys.stderr)
            return 1
    from agora.evals._retrieval_render import render

    render(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Routing decision time over 10,000 candidate agents: `Router.route` against naive scoring.

10,000 agents get distinct, seeded expertise texts (random pseudo-words plus the agent's own
id word) embedded with ``HashEmbedder(dim=384)``. The decision cost does not depend on the
embedder once the task vector exists, so every decision is timed as
``router.route(task_vector, ...)`` with a precomputed task vector: **the task embedding is
excluded** from the decision time and measured on its own at the end.

Cases: ``top1``, ``topk`` (K=3) and ``dynamic`` (top-p) over every agent; an explicit
candidate list naming all agents; a visited set excluded; and, after ``--learn`` routed tasks
were recorded (so topics, memories and Beta reliabilities exist), ``top1`` and ``dynamic``
again, the holder's view (candidates plus a visited set) and ``dynamic`` with
``dynamic_rule="decompose"`` (K by a non-negative decomposition over the shortlist); then the
same router routes the task *texts* (their embeddings cached beforehand) with lexical evidence
on, BM25 over the shortlist's expertise and solved tasks, with either dynamic rule.

Each case runs side by side with a naive baseline in the same process, interleaved so machine
noise hits both alike: the *same* router with its shortlist widened to every agent
(``router.shortlist = N``: one matrix-vector product, then every candidate reranked with
memories, reliability and load, a softmax and a full sort — two-stage scoring switched off).
For ``top1`` a pure-Python loop that scores every candidate (dot product, reliability and load
per agent) runs a few times too.

Run:  python benchmarks/routing_speed.py [--agents 10000] [--decisions 1000]

numpy's BLAS uses every core for the matrix-vector product; on a small, busy machine
``OPENBLAS_NUM_THREADS=1`` can be faster. The thread setting is printed with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from agora.agents.routing import Router
from agora.embeddings import Embedder, HashEmbedder

TARGET_US = 1000.0
#: The lexical weight of the text cases (`agora.evals.routing.make_router`'s).
LEXICAL_WEIGHT = 0.1
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    """`size` distinct pseudo-words of two to four syllables."""
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES, int(rng.integers(2, 5)))))
    return sorted(words)


def expertise_texts(count: int, vocab: list[str], rng: np.random.Generator) -> list[str]:
    """Six vocabulary words per agent plus its own id word, so every text is distinct."""
    return [" ".join([*rng.choice(vocab, 6), f"agent{i}"]) for i in range(count)]


def task_texts(count: int, vocab: list[str], rng: np.random.Generator) -> list[str]:
    return [" ".join(rng.choice(vocab, 5)) for _ in range(count)]


@contextmanager
def without_shortlist(router: Router) -> Iterator[None]:
    """The naive baseline: the same router, reranking every candidate (no shortlist)."""
    saved = router.shortlist
    router.shortlist = max(len(router), 1)
    try:
        yield
    finally:
        router.shortlist = saved


def pure_python_top1(
    profiles: list[list[float]], names: list[str], query: list[float], router: Router
) -> str:
    """Score every candidate in a Python loop (similarity, reliability, load); return the best."""
    best, best_score = "", -1e9
    for name, row in zip(names, profiles, strict=True):
        sim = sum(a * b for a, b in zip(row, query, strict=True))
        score = sim + router.reliability_weight * (router.reliability(name, 0) - 0.5)
        if score > best_score:
            best, best_score = name, score
    return best


@dataclass
class Row:
    case: str
    router_us: list[float]
    naive_us: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.router_us)

    @property
    def p95(self) -> float:
        return float(np.percentile(self.router_us, 95))

    @property
    def naive_median(self) -> float:
        return statistics.median(self.naive_us)


def timed_us(fn: Callable[..., object], *args: object) -> float:
    started = time.perf_counter_ns()
    fn(*args)
    return (time.perf_counter_ns() - started) / 1000


def measure(
    case: str,
    router: Router,
    decide: Callable[[Any], object],
    queries: Sequence[Any],
    args: argparse.Namespace,
) -> Row:
    """Time `decide` per query, and the no-shortlist baseline on every n-th, interleaved."""
    for query in queries[:20]:  # warm-up: caches, code paths, topic matrix
        decide(query)
    with without_shortlist(router):
        decide(queries[0])
    row = Row(case, [], [])
    every = max(1, args.decisions // max(1, args.baseline_decisions))
    for i in range(args.decisions):
        query = queries[i % len(queries)]
        row.router_us.append(timed_us(decide, query))
        if i % every == 0 and len(row.naive_us) < args.baseline_decisions:
            with without_shortlist(router):
                row.naive_us.append(timed_us(decide, query))
    return row


def learn(router: Router, tasks: list[str], count: int, rng: np.random.Generator) -> None:
    """Route `count` tasks and record outcomes: topics, memories and reliabilities appear."""
    for i in range(count):
        text = tasks[i % len(tasks)]
        route = router.route(text, mode="topk")
        router.record(route, route.primary, bool(rng.random() < 0.8), task=text)
        for name, _ in route.ranked[1:3]:
            router.record(route, name, bool(rng.random() < 0.3), task=text)


def embedding_costs(texts: list[str], use_minilm: bool) -> list[tuple[str, float]]:
    """Median µs to embed one new task text (what `route(text)` pays on a cache miss)."""
    costs: list[tuple[str, float]] = []
    hashing = HashEmbedder(dim=384)
    costs.append(("HashEmbedder(dim=384)", _embed_median(hashing, texts)))
    if use_minilm:
        try:
            from agora.embeddings import MiniLMEmbedder

            minilm = MiniLMEmbedder()
            minilm.embed(["warm up the session"])
            costs.append(("MiniLMEmbedder (int8 ONNX)", _embed_median(minilm, texts[:40])))
        except Exception as exc:  # a missing optional extra: report and go on
            print(f"MiniLM embedding cost skipped: {type(exc).__name__}: {exc}")
    return costs


def _embed_median(embedder: Embedder, texts: list[str]) -> float:
    return statistics.median(timed_us(embedder.embed, [text]) for text in texts)


def report(rows: list[Row], python_us: list[float], args: argparse.Namespace) -> None:
    print(
        f"{'case':<38} {'router median/p95 µs':>22} {'ratio to 1 ms':>14} "
        f"{'no-shortlist median µs':>23} {'speedup':>8}"
    )
    for row in rows:
        print(
            f"{row.case:<38} {row.median:>10,.0f} / {row.p95:>9,.0f} "
            f"{row.median / TARGET_US:>14.2f} {row.naive_median:>23,.0f} "
            f"{row.naive_median / row.median:>7.1f}x"
        )
    if python_us:
        top1 = rows[0].median
        print(
            f"pure-Python loop over {args.agents:,} agents (top1, {len(python_us)} decisions): "
            f"median {statistics.median(python_us):,.0f} µs, ratio to router top1 "
            f"{statistics.median(python_us) / top1:.0f}x"
        )


def decompose(router: Router, task: Any) -> object:
    """`router.route` in dynamic mode with ``dynamic_rule="decompose"`` (K by decomposition)."""
    router.dynamic_rule = "decompose"
    try:
        return router.route(task, mode="dynamic")
    finally:
        router.dynamic_rule = "cumulative"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=1000, help="timed per case")
    parser.add_argument("--baseline-decisions", type=int, default=50, help="no-shortlist, per case")
    parser.add_argument("--python-decisions", type=int, default=5, help="pure-Python loop; 0: off")
    parser.add_argument("--learn", type=int, default=1000, help="routed tasks recorded")
    parser.add_argument("--no-minilm", action="store_true", help="skip MiniLM embedding cost")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    vocab = vocabulary(3000, rng)
    embedder = HashEmbedder(dim=384)
    router = Router(embedder, k=3, p=0.6, k_max=4)
    started = time.perf_counter()
    for i, text in enumerate(expertise_texts(args.agents, vocab, rng)):
        router.register(f"agent{i}", text)
    setup_s = time.perf_counter() - started
    tasks = task_texts(512, vocab, rng)
    queries = embedder.embed(tasks)
    names = list(router.names)
    visited = set(rng.choice(names, min(10, len(names) - 1), replace=False))
    holder_pool = [n for n in names if n not in visited]

    blas = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default"
    print(
        f"Routing over {args.agents:,} agents: HashEmbedder(dim=384), "
        f"shortlist {router.shortlist}, registered in {setup_s:.1f} s; "
        f"BLAS threads: {blas}, CPUs: {os.cpu_count()}"
    )
    print(
        "Decision time = router.route(task_vector, ...) only; the task embedding is excluded "
        "(text cases: the embedding is cached; tokenizing and BM25 are timed)."
    )

    cases: list[tuple[str, Callable[[npt.NDArray[np.float32]], object]]] = [
        ("top1", lambda q: router.route(q, mode="top1")),
        ("topk (K=3)", lambda q: router.route(q, mode="topk")),
        ("dynamic (p=0.6)", lambda q: router.route(q, mode="dynamic")),
        ("top1, candidates = all names", lambda q: router.route(q, names, mode="top1")),
        ("top1, exclude 10 visited", lambda q: router.route(q, exclude=visited, mode="top1")),
    ]
    rows = [measure(case, router, decide, queries, args) for case, decide in cases]
    python_us: list[float] = []
    if args.python_decisions > 0:
        matrix = embedder.embed([router.expertise(n) for n in names])
        profiles = [list(map(float, row)) for row in matrix]
        for query in queries[: args.python_decisions]:
            as_list = list(map(float, query))
            python_us.append(timed_us(pure_python_top1, profiles, names, as_list, router))

    learned_s = time.perf_counter()
    learn(router, tasks, args.learn, rng)
    learned_s = time.perf_counter() - learned_s
    learned = [
        ("learned: top1", lambda q: router.route(q, mode="top1")),
        ("learned: dynamic", lambda q: router.route(q, mode="dynamic")),
        (
            "learned: dynamic, candidates+visited",
            lambda q: router.route(q, holder_pool, exclude=visited, mode="dynamic"),
        ),
        ("learned: dynamic, decompose", lambda q: decompose(router, q)),
    ]
    rows += [measure(case, router, decide, queries, args) for case, decide in learned]
    for text in tasks:  # text routes below: the embeddings are cached, as excluded above
        router.embed(text)
    router.lexical_weight = LEXICAL_WEIGHT
    router.lexical_relative = True  # as make_router sets it
    by_text = [
        (
            f"learned: dynamic, task text, lexical {LEXICAL_WEIGHT}",
            lambda t: router.route(t, mode="dynamic"),
        ),
        (
            f"learned: holder view, task text, lexical {LEXICAL_WEIGHT}",
            lambda t: router.route(t, holder_pool, exclude=visited, mode="dynamic"),
        ),
        (
            f"learned: dynamic, decompose, text, lex {LEXICAL_WEIGHT}",
            lambda t: decompose(router, t),
        ),
    ]
    rows += [measure(case, router, decide, tasks, args) for case, decide in by_text]
    print(f"(learned state: {args.learn} routed tasks recorded in {learned_s:.1f} s)")
    report(rows, python_us, args)

    costs = embedding_costs(task_texts(200, vocab, rng), not args.no_minilm)
    for label, us in costs:
        print(f"embedding one new task text (excluded above): {label} median {us:,.0f} µs")
    worst = max(row.median for row in rows)
    print(
        f"routing ratio to the 1 ms target: top1 {rows[0].median / TARGET_US:.2f}, "
        f"worst case {worst / TARGET_US:.2f} (target <= 1)"
    )
    print(
        json.dumps(
            {
                "agents": args.agents,
                "median_us": {row.case: round(row.median, 1) for row in rows},
                "p95_us": {row.case: round(row.p95, 1) for row in rows},
                "no_shortlist_median_us": {row.case: round(row.naive_median, 1) for row in rows},
                "embed_us": {label: round(us, 1) for label, us in costs},
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

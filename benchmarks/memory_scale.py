"""Memory at scale: SQLiteStore (file) against the networkx-only NetworkXStore, side by side.

Generates N facts (default 1,000,000; seeded) over N/10 entities grouped in clusters of 100
(90% of facts inside a cluster), a few hundred relations and short texts, then measures for
each backend, each in its own child process so RSS is its own:

- insert rate (facts/s, `add_facts` batches of 50k; generating the facts not counted), both
  as a bulk load (inside `SQLiteStore.bulk_load()`, in its own child: indexing deferred to
  one pass at the end, which is counted) and incrementally (plain `add_facts` calls, each
  indexed in its own transaction; this store is then measured),
- full-text BM25 query p50/p95 (SQLite FTS5; NetworkXStore: an in-memory inverted index),
  with the scoring budget (the default) and, in alternating blocks of 100 queries, with
  every match scored (the budget lifted; see `agora.memory.retrieval._bm25`),
- 2-hop neighbourhood p50/p95 from random entities (capped at 100 results),
- L2 community build (label propagation + summaries + write-back),
- hybrid retrieval p50/p95 (`Retriever`: BM25 + embeddings by reciprocal rank, 1-hop
  expansion, rerank, 500-token budget; again with every match scored, in alternating
  blocks), the query embedding excluded and timed apart;
  embeddings: `HashEmbedder(dim=128, char_ngrams=False)` in an int8 `VectorIndex` (IVF
  search, recall@10 against exact search reported); MiniLM would be dim 384 (3x the matrix),
- peak RSS (ru_maxrss), embedding index included.

Both SQLite insert paths are crash-safe (every `add_facts` call is one committed
transaction). NetworkXStore has one insert path; it is compared with both.

Targets (issue 5): >= 50k facts/s insert, 2-hop <= 1 ms, RSS <= 1.5 GB, hybrid retrieval
p95 <= 10 ms.

Run:  python benchmarks/memory_scale.py [--facts 1000000] [--queries 1000] [--seed 0] [--dir D]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from agora.embeddings import HashEmbedder
from agora.memory import (
    Entity,
    Fact,
    NetworkXStore,
    Retriever,
    Scope,
    SQLiteStore,
    Store,
    VectorIndex,
    build_communities,
)
from agora.memory.retrieval import _bm25

BATCH = 50_000
AB_BLOCK = 100  # queries per block when two variants are timed side by side
T = TypeVar("T")
CLUSTER = 100
AGENTS = [Scope.agent(f"a{i}", team=f"t{i % 4}") for i in range(16)]


def entities(n: int) -> list[Entity]:
    return [Entity(id=f"e{i}", name=f"ent{i}", type=f"type{i % 20}") for i in range(n)]


def fact_batches(n_facts: int, seed: int) -> Iterator[list[Fact]]:
    rng = random.Random(seed)
    n_entities = max(n_facts // 10, 2 * CLUSTER)
    relations = [f"rel{k}" for k in range(300)]
    words = [f"w{k}" for k in range(2000)]
    batch: list[Fact] = []
    for i in range(n_facts):
        s = rng.randrange(n_entities)
        if rng.random() < 0.9:
            o = (s // CLUSTER) * CLUSTER + rng.randrange(CLUSTER)
        else:
            o = rng.randrange(n_entities)
        o = o if o != s else (s + 1) % n_entities
        rel, scope = rng.choice(relations), rng.choice(AGENTS)
        text = f"ent{s} {rel} ent{o} {rng.choice(words)} {rng.choice(words)}"
        batch.append(
            Fact(
                id=f"f{i}", subject=f"e{s}", relation=rel, object_id=f"e{o}", text=text,
                agents=(str(scope.agent_id),), scope=scope, confidence=rng.random(),
                valid_from=1_700_000_000.0 + i, recorded_at=1_700_000_000.0 + i,
            )
        )  # fmt: skip
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def every_match_scored() -> Iterator[None]:
    """Lift the BM25 scoring budget (search scores every match, as before the budget)."""
    old, _bm25.MIN_BUDGET = _bm25.MIN_BUDGET, 1 << 60
    try:
        yield
    finally:
        _bm25.MIN_BUDGET = old


def time_ab(
    queries: list[str], call: Callable[[str], T]
) -> tuple[list[float], list[float], list[T]]:
    """Seconds per `call(q)` by default and with every match scored, side by side.

    The two run in alternating blocks of `AB_BLOCK` queries (query by query, the heavier
    variant would evict the caches of the other). Also returns the default run's results.
    """
    default: list[float] = []
    every: list[float] = []
    results: list[T] = []
    for block in range(0, len(queries), AB_BLOCK):
        chunk = queries[block : block + AB_BLOCK]
        for q in chunk:
            start = time.perf_counter()
            results.append(call(q))
            default.append(time.perf_counter() - start)
        with every_match_scored():
            for q in chunk:
                start = time.perf_counter()
                call(q)
                every.append(time.perf_counter() - start)
    return default, every, results


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return statistics.median(ordered) * 1e3, p95 * 1e3


def measure_hybrid(retriever: Retriever, queries: list[str]) -> dict[str, float]:
    """Hybrid retrieval p50/p95 (query embedding timed apart) and IVF recall@10.

    Recall counts an IVF hit whose score ties the exact 10th score as found: hashed texts
    of five words give many equal scores.
    """
    assert retriever.index is not None
    start = time.perf_counter()
    retriever.index.search(retriever.embed_query(queries[0]), k=10)  # type: ignore[arg-type]
    train_s = time.perf_counter() - start
    embed, vectors = [], {}
    for q in queries:
        start = time.perf_counter()
        vectors[q] = retriever.embed_query(q)
        embed.append(time.perf_counter() - start)
    retrieve, retrieve_all, found = time_ab(
        queries, lambda q: retriever.retrieve(q, query_vector=vectors[q], token_budget=500)
    )
    sizes = [len(r.facts) for r in found]
    hits = 0
    for q in queries[:20]:
        vector = retriever.embed_query(q)
        approx = retriever.index.search(vector, k=10)  # type: ignore[arg-type]
        exact = retriever.index.search(vector, k=10, exact=True)  # type: ignore[arg-type]
        hits += sum(score >= exact[-1][1] - 1e-6 for _, score in approx)  # ties count as hits
    r50, r95 = percentiles(retrieve)
    a50, a95 = percentiles(retrieve_all)
    e50, e95 = percentiles(embed)
    return {
        "p50": r50, "p95": r95, "all_p50": a50, "all_p95": a95, "embed_p50": e50,
        "embed_p95": e95, "train_s": train_s,
        "recall10": hits / (10 * len(queries[:20])), "facts": statistics.mean(sizes),
    }  # fmt: skip


def insert(store: Store, n_facts: int, seed: int, retriever: Retriever | None) -> dict[str, float]:
    insert_s = insert_cpu_s = embed_s = 0.0
    for batch in fact_batches(n_facts, seed):
        start, cpu = time.perf_counter(), time.process_time()
        store.add_facts(batch)
        insert_s += time.perf_counter() - start
        insert_cpu_s += time.process_time() - cpu
        if retriever is not None:
            start = time.perf_counter()
            retriever.index_facts(batch)
            embed_s += time.perf_counter() - start
    return {
        "insert_per_s": n_facts / insert_s, "insert_per_cpu_s": n_facts / insert_cpu_s,
        "index_per_s": n_facts / embed_s if embed_s else 0.0,
        "insert_s": insert_s, "insert_cpu_s": insert_cpu_s,
    }  # fmt: skip


def run_bulk(n_facts: int, seed: int, where: str | None) -> dict[str, object]:
    """SQLite insert rate inside `bulk_load()`, its final indexing included; nothing else.

    As for the other paths, generating the facts is not counted.
    """
    tmp = tempfile.mkdtemp(prefix="agora-memory-", dir=where)
    store = SQLiteStore(Path(tmp) / "memory.db")
    store.upsert_entities(entities(max(n_facts // 10, 2 * CLUSTER)))
    bulk = store.bulk_load()
    start, cpu = time.perf_counter(), time.process_time()
    bulk.__enter__()
    enter_s, enter_cpu = time.perf_counter() - start, time.process_time() - cpu
    rates = insert(store, n_facts, seed, None)
    start, cpu = time.perf_counter(), time.process_time()
    bulk.__exit__(None, None, None)
    wall = enter_s + rates["insert_s"] + time.perf_counter() - start
    cpu_s = enter_cpu + rates["insert_cpu_s"] + time.process_time() - cpu
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return {"insert_per_s": n_facts / wall, "insert_per_cpu_s": n_facts / cpu_s,
            "load": os.getloadavg()[0]}  # fmt: skip


def run_backend(
    backend: str, n_facts: int, n_queries: int, seed: int, where: str | None
) -> dict[str, object]:
    tmp = tempfile.mkdtemp(prefix="agora-memory-", dir=where)
    store: Store = SQLiteStore(Path(tmp) / "memory.db") if backend == "sqlite" else NetworkXStore()
    n_entities = max(n_facts // 10, 2 * CLUSTER)
    store.upsert_entities(entities(n_entities))
    embedder = HashEmbedder(dim=128, char_ngrams=False)
    retriever = Retriever(store, embedder=embedder, index=VectorIndex(128, quantization="int8"))
    rates = insert(store, n_facts, seed, retriever)
    load = os.getloadavg()[0]
    rng = random.Random(seed + 1)
    queries = [f"ent{rng.randrange(n_entities)} w{rng.randrange(2000)}" for _ in range(n_queries)]
    search, search_all, _ = time_ab(queries, lambda q: store.search(q, limit=10))
    hops, sizes = [], []
    for _ in range(n_queries):
        entity = f"e{rng.randrange(n_entities)}"
        start = time.perf_counter()
        found = store.neighbours(entity, hops=2, limit=100)
        hops.append(time.perf_counter() - start)
        sizes.append(len(found))
    hybrid = measure_hybrid(retriever, queries)
    start = time.perf_counter()
    communities = build_communities(store)
    community_s = time.perf_counter() - start
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        **rates,
        "load": load,
        "search_ms": percentiles(search),
        "search_all_ms": percentiles(search_all),
        "two_hop_ms": percentiles(hops),
        "two_hop_mean_results": statistics.mean(sizes),
        "community_s": community_s,
        "communities": len(communities),
        "hybrid": hybrid,
        "index_mb": retriever.index.nbytes / 2**20 if retriever.index else 0.0,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", backend, "--facts", str(args.facts)]
    cmd += ["--queries", str(args.queries), "--seed", str(args.seed)]
    cmd += ["--dir", args.dir] if args.dir else []
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    sq, nx, bulk = results["sqlite"], results["networkx"], results["sqlite-bulk"]
    sh, nh = sq["hybrid"], nx["hybrid"]

    def row(label: str, a: float, b: float, unit: str, target: str = "") -> None:
        ratio = a / b if b else float("nan")
        print(f"{label:<30}{a:>14,.3f}{b:>14,.3f}  {unit:<9}{ratio:>8.2f}x  {target}")

    print(f"memory_scale: {args.facts:,} facts, {max(args.facts // 10, 200):,} entities, "
          f"{args.queries} queries, seed {args.seed}")  # fmt: skip
    print(f"{'':<30}{'SQLiteStore':>14}{'NetworkXStore':>14}  {'unit':<9}{'SQL/NX':>9}")
    row("bulk insert (bulk_load)", bulk["insert_per_s"], nx["insert_per_s"], "facts/s",
        "target >= 50,000")  # fmt: skip
    row("  per CPU-second", bulk["insert_per_cpu_s"], nx["insert_per_cpu_s"], "facts/s")
    row("incremental insert (add_facts)", sq["insert_per_s"], nx["insert_per_s"], "facts/s",
        "indexed per call")  # fmt: skip
    row("  per CPU-second", sq["insert_per_cpu_s"], nx["insert_per_cpu_s"], "facts/s")
    row("  load average then", sq["load"], nx["load"], "(1-min)")
    row("  (bulk_load child)", bulk["load"], nx["load"], "(1-min)")
    for key, label, target in [
        ("search_ms", "BM25 search", ""),
        ("search_all_ms", "  every match scored", ""),
        ("two_hop_ms", "2-hop (cap 100)", "target <= 1 ms"),
    ]:
        (s50, s95), (n50, n95) = sq[key], nx[key]
        row(f"{label} p50", s50, n50, "ms")
        row(f"{label} p95", s95, n95, "ms", target)
    row("2-hop mean results", sq["two_hop_mean_results"], nx["two_hop_mean_results"], "entities")
    row("hybrid retrieval p50", sh["p50"], nh["p50"], "ms", "query embedding excluded")
    row("hybrid retrieval p95", sh["p95"], nh["p95"], "ms", "target <= 10 ms")
    row("  p50, every match scored", sh["all_p50"], nh["all_p50"], "ms", "A/B, blocks of 100")
    row("  p95, every match scored", sh["all_p95"], nh["all_p95"], "ms")
    row("hybrid facts returned (mean)", sh["facts"], nh["facts"], "facts", "500-token budget")
    row("query embedding p50 (hash)", sh["embed_p50"], nh["embed_p50"], "ms",
        "MiniLM (default_embedder) ~8 ms")  # fmt: skip
    row("embed+index rate", sq["index_per_s"], nx["index_per_s"], "facts/s")
    row("IVF train (first search)", sh["train_s"], nh["train_s"], "s")
    row("IVF recall@10 vs exact", sh["recall10"], nh["recall10"], "")
    row("embedding index size", sq["index_mb"], nx["index_mb"], "MB", "int8, dim 128")
    row("community build", sq["community_s"], nx["community_s"], "s")
    row("communities found", sq["communities"], nx["communities"], "")
    row("peak RSS", sq["rss_mb"], nx["rss_mb"], "MB", "target <= 1,536 MB")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
          "(wall-clock figures degrade under contention; CPU-second rates do not)")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", help="where the SQLite file goes (default: the temp dir)")
    parser.add_argument(
        "--child", choices=["sqlite", "networkx", "sqlite-bulk"], help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child == "sqlite-bulk":
        print(json.dumps(run_bulk(args.facts, args.seed, args.dir)))
    elif args.child:
        print(json.dumps(run_backend(args.child, args.facts, args.queries, args.seed, args.dir)))
    else:
        report({b: child(b, args) for b in ("sqlite", "sqlite-bulk", "networkx")}, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

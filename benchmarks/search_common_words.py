"""Full-text search with a common word: the scoring budget against scoring every match.

Builds an SQLiteStore of N facts (default 1,000,000; the generator of `memory_scale`, with
"of" inserted into 30% of the texts, as relation names like "capital_of" put it into real
fact texts), then times `search("entN of wM", limit=16)` over random queries in
alternating blocks of 100: with the scoring budget (the default: "of" is left out, the
other words are scored) and with the budget lifted (every match scored, as before).

Run (from the repository root):  python -m benchmarks.search_common_words [--facts N] [--dir D]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from agora.memory import SQLiteStore
from benchmarks.memory_scale import entities, fact_batches, percentiles, time_ab


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--dir", help="where the SQLite file goes (default: the temp dir)")
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="agora-search-", dir=args.dir)
    try:
        store = SQLiteStore(Path(tmp) / "memory.db")
        n_entities = max(args.facts // 10, 200)
        store.upsert_entities(entities(n_entities))
        rng = random.Random(5)
        start = time.perf_counter()
        with store.bulk_load():
            for batch in fact_batches(args.facts, 0):
                store.add_facts(
                    [replace(f, text=f.text.replace(" ", " of ", 1)) if rng.random() < 0.3
                     else f for f in batch]
                )  # fmt: skip
        print(f"search_common_words: {args.facts:,} facts, 'of' in 30% "
              f"(loaded in {time.perf_counter() - start:.0f} s)")  # fmt: skip
        queries = [f"ent{rng.randrange(n_entities)} of w{rng.randrange(2000)}"
                   for _ in range(args.queries)]  # fmt: skip
        budget, every, _ = time_ab(queries, lambda q: store.search(q, limit=16))
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for label, samples in (("scoring budget (default)", budget), ("every match scored", every)):
        p50, p95 = percentiles(samples)
        print(f"{label:<26} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    print(f"every match / budget, p50: {statistics.median(every) / statistics.median(budget):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

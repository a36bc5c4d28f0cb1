"""Router settings compared on the BIG-bench eval's DEV split only: the design check.

This is how `agora.evals.routing.make_router`'s ``lexical_relative`` was chosen (12-03) and
why ``learn_lexical`` stays off and ``reliability_weight`` stays 0.3. It never reads the test
half of any family (``make_split(..., dev=True)``: a quarter of each family's pool trains, a
quarter is scored). Per seed and variant, the eval's router rows are fitted on the dev train
quarter and scored on the dev test quarter, next to the class-centroid baseline:

- ``fwd``: router + forwarding feedback (2 rounds), the eval's `RouterMethod`;
- ``taught``: the same after `Router.teach` with the train examples.

Variants change one setting of `make_router` (the eval's router) at a time:

- ``default``: make_router as it is;
- ``absolute``: ``lexical_relative=False`` (BM25 as a share of the most the query can score);
- ``learn``: ``learn_lexical=True`` (the lexical weight refit from outcomes);
- ``rw0.1`` / ``rw0``: ``reliability_weight`` 0.1 / 0.
- ``drift0``: ``drift`` 0 (profiles do not move toward solved tasks; the solved-task mean
  still does).

Columns: top-1 %, ECE, the ECE floor (`agora.evals.bigbench.metrics.ece_floor`), means over
seeds. Needs the BIG-bench sdist for ``bbh`` and ``all`` (``python -m agora.evals.bigbench
fetch``).

Run:  python benchmarks/router_dev.py --suite all --seeds 1 [--variants default,absolute]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import numpy as np

from agora.embeddings import Embedder
from agora.evals.bigbench.evaluate import make_embedder, make_split, score, suite_families
from agora.evals.bigbench.methods import CentroidMethod, Method, RouterLike, RouterMethod
from agora.evals.bigbench.suites import SuiteName, held_out_count
from agora.evals.routing import make_router

#: Each variant's change to make_router's router.
VARIANTS: dict[str, dict[str, object]] = {
    "default": {},
    "absolute": {"lexical_relative": False},
    "learn": {"learn_lexical": True},
    "rw0.1": {"reliability_weight": 0.1},
    "rw0": {"reliability_weight": 0.0},
    "drift0": {"drift": 0.0},
}


def factory(changes: dict[str, object]) -> Callable[[Embedder, int], RouterLike]:
    """make_router's router with `changes` applied to its attributes."""

    def build(embedder: Embedder, seed: int) -> RouterLike:
        router = make_router(embedder, {}, seed=seed)
        for name, value in changes.items():
            setattr(router, name, value)
        return router

    return build


def main(argv: Sequence[str] | None = None) -> int:
    """Print the dev-split comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="bbh", choices=("bbh", "all", "domains"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--embedder", default="minilm", choices=("minilm", "hash"))
    args = parser.parse_args(argv)
    variants = args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"--variants: each of {sorted(VARIANTS)}, comma-separated; got {unknown}")
    if args.seeds < 1:
        parser.error(f"--seeds must be >= 1, got {args.seeds}")
    suite: SuiteName = args.suite
    families = suite_families(suite, None, lambda line: None)
    held = held_out_count(suite, len(families))
    embedder = make_embedder(args.embedder)
    results: dict[str, list[tuple[float, float, float]]] = {}
    for seed in range(args.seeds):
        split = make_split(families, seed=seed, held_out=held, per_family=40, dev=True)
        methods: list[tuple[str, Method]] = [("class centroid", CentroidMethod(embedder))]
        for variant in variants:
            build = factory(VARIANTS[variant])
            for teach, label in ((False, "fwd"), (True, "taught")):
                row: Method
                row = RouterMethod(embedder, factory=build, learn_rounds=2, teach=teach, seed=seed)
                methods.append((f"{variant} {label}", row))
        for name, method in methods:
            result, _ = score(method, split)
            results.setdefault(name, []).append((result.top1, result.ece, result.ece_floor))
            print(f"seed {seed}: {name}: top-1 {100 * result.top1:.1f}, ECE {result.ece:.3f}")
    print(f"\n{suite} DEV split, {args.seeds} seed(s): top-1 % / ECE / ECE floor")
    for name, rows in results.items():
        a = np.asarray(rows)
        print(f"{name:18s} {100 * a[:, 0].mean():5.1f}  {a[:, 1].mean():.3f}  {a[:, 2].mean():.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

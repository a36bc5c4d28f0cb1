"""Is the router's remaining ECE a matter of temperature? A check on the DEV split only.

The BIG-bench eval's router refits one softmax temperature to its recorded outcomes. On the
`domains` suite its ECE sits a little above the ECE floor (what sampling alone gives). If the
excess were the temperature's fault, some other temperature would do better. This trains the
eval's router rows (`RouterMethod`, 2 forwarding-feedback rounds, `make_router`'s settings) on
the dev train quarter of each family (``make_split(..., dev=True)``: the test half is never
read), then scores the dev test quarter with the learned temperature multiplied by each
factor in ``--factors``, nothing else changed (same ranking, same top-1).

Columns, means over seeds: ECE (15 bins), the ECE floor (`metrics.ece_floor`), their
difference (the excess, what calibration can still remove) and mean confidence minus accuracy
(> 0: over-confident). If no factor brings ECE down and the excess to 0 together (a sharper
temperature lowers the floor but raises the excess; a softer one the other way round), one
temperature cannot remove the excess: the shape of the probabilities is off (sure picks
wrong a little more often than they say), not their scale.

Run:  python benchmarks/calibration_dev.py [--suite domains] [--seeds 40]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from agora.evals.bigbench import metrics
from agora.evals.bigbench.evaluate import make_embedder, make_split, suite_families
from agora.evals.bigbench.methods import RouterMethod
from agora.evals.bigbench.suites import SuiteName, held_out_count

FACTORS = (0.4, 0.55, 0.7, 0.85, 1.0, 1.15, 1.3, 1.5)


def main(argv: Sequence[str] | None = None) -> int:
    """Print ECE against the temperature's scale, per router row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="domains", choices=("bbh", "all", "domains"))
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--factors", default=",".join(str(f) for f in FACTORS))
    parser.add_argument("--embedder", default="minilm", choices=("minilm", "hash"))
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error(f"--seeds must be >= 1, got {args.seeds}")
    try:
        factors = [float(f) for f in args.factors.split(",")]
    except ValueError:
        parser.error(f"--factors: comma-separated numbers > 0, got {args.factors!r}")
    if any(f <= 0 for f in factors):
        parser.error(f"--factors: each must be > 0, got {args.factors!r}")
    suite: SuiteName = args.suite
    families = suite_families(suite, None, lambda line: None)
    held = held_out_count(suite, len(families))
    embedder = make_embedder(args.embedder)
    rows: dict[tuple[str, float], list[tuple[float, float, float]]] = {}
    for seed in range(args.seeds):
        split = make_split(families, seed=seed, held_out=held, per_family=40, dev=True)
        for teach, label in ((False, "forwarding"), (True, "taught")):
            method = RouterMethod(embedder, learn_rounds=2, teach=teach, seed=seed)
            method.fit(split.experts, split.train)
            router = method.router
            assert router is not None
            learned = float(router.temperature)  # type: ignore[attr-defined]
            for factor in factors:
                router.temperature = learned * factor  # type: ignore[attr-defined]
                ranked = method.rank([e.text for e in split.test])
                pairs = zip(ranked, split.test, strict=True)
                right = [r.ranked[0][0] == e.family for r, e in pairs]
                conf = [min(1.0, max(0.0, r.ranked[0][1])) for r in ranked]
                gap = float(np.mean(conf) - np.mean(right))
                scored = (metrics.ece(conf, right), metrics.ece_floor(conf, seed=seed), gap)
                rows.setdefault((label, factor), []).append(scored)
            router.temperature = learned  # type: ignore[attr-defined]
        print(f"seed {seed} done", flush=True)
    print(f"\n{suite} DEV split, {args.seeds} seed(s): learned temperature x factor")
    print(f"{'row':11s} {'factor':>6s}  {'ECE':>5s}  {'floor':>5s}  excess  conf-acc")
    for (label, factor), scores in rows.items():
        ece, floor, gap = np.asarray(scores).mean(axis=0)
        line = f"{ece:.3f}  {floor:.3f}  {ece - floor:+.3f}  {gap:+.3f}"
        print(f"{label:11s} {factor:6.2f}  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

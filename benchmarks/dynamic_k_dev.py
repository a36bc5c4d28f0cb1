"""Dynamic K on two-field tasks, on the BIG-bench eval's DEV split only: the design check.

This is how `agora.agents.Router`'s ``dynamic_rule="decompose"`` and its ``min_share`` 0.2
were chosen. It never reads the test half of any family (``make_split(..., dev=True)``) nor
the routing set's two-domain tasks (the eval's test of dynamic K). Per seed, the router with
forwarding feedback (the eval's `RouterMethod`, `agora.evals.routing.make_router`'s settings)
is trained on the dev train quarter, then scored on:

- **single**: the dev test quarter (one family each): mean K, how many experts dynamic K takes;
- **joined**: two dev test texts of different families, concatenated (two per family pair on
  ``domains``, one on ``bbh``): share whose both experts dynamic K takes;
- **written** (``domains`` only): `agora/evals/data/routing_two_domain_dev.jsonl`, 32 two-field
  questions written for this check (dev data, never in the eval's table), those whose two
  domains both have an expert in the seed: the same share.

Rows: the cumulative rule at several ``p`` (the default, 0.7, is the eval's) and decomposition
at several ``min_share``.

Run:  python benchmarks/dynamic_k_dev.py [--suite domains] [--seeds 10]
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from importlib import resources

import numpy as np

from agora.agents.routing import Router
from agora.evals.bigbench.evaluate import make_embedder, make_split, suite_families
from agora.evals.bigbench.methods import RouterMethod
from agora.evals.bigbench.suites import SuiteName, held_out_count
from agora.evals.routing import make_router

P_VALUES = (0.7, 0.9, 0.95, 0.98, 0.99)
SHARES = (0.15, 0.18, 0.2, 0.22, 0.25, 0.3)


def written_pairs() -> list[tuple[tuple[str, ...], str]]:
    """The hand-written two-field dev questions as ``(domains, text)``."""
    text = resources.files("agora.evals").joinpath("data", "routing_two_domain_dev.jsonl")
    rows = [json.loads(line) for line in text.read_text(encoding="utf-8").splitlines() if line]
    return [(tuple(r["domains"]), r["text"]) for r in rows]


def joined_pairs(
    by_family: dict[str, list[str]], per_pair: int, rng: random.Random
) -> list[tuple[tuple[str, ...], str]]:
    """Two texts of different families, concatenated in a random order."""
    names = sorted(by_family)
    out: list[tuple[tuple[str, ...], str]] = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            for _ in range(per_pair):
                ta, tb = rng.choice(by_family[a]), rng.choice(by_family[b])
                out.append(((a, b), f"{ta} {tb}" if rng.random() < 0.5 else f"{tb} {ta}"))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=("domains", "bbh"), default="domains")
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args(argv)
    suite: SuiteName = args.suite
    families = suite_families(suite, None, lambda _: None)
    held = held_out_count(suite, len(families))
    embedder = make_embedder("minilm")
    written = written_pairs() if suite == "domains" else []
    rules = [("cumulative", f"p={p}", {"p": p}) for p in P_VALUES]
    rules += [("decompose", f"min_share={s}", {"min_share": s}) for s in SHARES]
    tallies: dict[str, tuple[list[int], list[bool], list[bool]]] = {
        label: ([], [], []) for _, label, _ in rules
    }
    top1: list[bool] = []
    for seed in range(args.seeds):
        split = make_split(families, seed=seed, held_out=held, per_family=40, dev=True)
        by_family: dict[str, list[str]] = {}
        for example in split.test:
            by_family.setdefault(example.family, []).append(example.text)
        rng = random.Random(1000 + seed)
        joined = joined_pairs(by_family, 2 if suite == "domains" else 1, rng)
        mine = [(d, t) for d, t in written if set(d) <= split.experts.keys()]
        method = RouterMethod(
            embedder, seed=seed, learn_rounds=2, factory=lambda e, s: make_router(e, {}, seed=s)
        )
        method.fit(split.experts, split.train)
        router = method.router
        assert isinstance(router, Router)
        top1 += [router.route(e.text, explore=False).primary == e.family for e in split.test]
        for rule, label, setting in rules:
            router.dynamic_rule = rule  # type: ignore[assignment]
            router.min_share = setting.get("min_share", router.min_share)
            p = setting.get("p", 0.7)
            k, both, hand = tallies[label]

            def experts(text: str, router: Router = router, p: float = p) -> set[str]:
                return set(router.route(text, mode="dynamic", p=p, explore=False).experts)

            k += [len(experts(e.text)) for e in split.test]
            both += [set(d) <= experts(t) for d, t in joined]
            hand += [set(d) <= experts(t) for d, t in mine]
    print(
        f"{suite}, dev split, {args.seeds} seeds, router + forwarding feedback (2 rounds); "
        f"top-1 on single {100 * np.mean(top1):.1f}%"
    )
    print(f"{'rule':<28} {'mean K single':>13} {'joined both':>12} {'written both':>13}")
    for rule, label, _ in rules:
        k, both, hand = tallies[label]
        written_share = f"{100 * np.mean(hand):.1f}%" if hand else "-"
        print(
            f"{rule + ' ' + label:<28} {np.mean(k):>13.2f} {100 * np.mean(both):>11.1f}% "
            f"{written_share:>13}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

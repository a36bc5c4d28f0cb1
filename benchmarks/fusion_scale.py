"""Does fusing a claim cost the same whether the fuser holds 1,000 facts or 8,000?

One `Fuser` over an in-memory `SQLiteStore` (hash embedder, relations inferred, not
configured, as `agora.evals.fusion_real` runs it) fuses a stream of generated claims: 8 agents,
names built from random syllables (a shared vocabulary, so names share many bigrams, which is
what made entity resolution scan every name before), 8 relations, about 1 claim in 4
repeating one already made. The stream is timed in blocks of 1,000 claims; the ratio printed is
the mean block's time over the first block's (per-claim cost over all 8,000 claims against
over the first 1,000), median over ``--rounds`` fresh fusers in one process. A fuser whose
per-claim work grows with what it holds shows a ratio near half the number of blocks and more
(4.5 for 8 blocks); a linear one stays near 1. Blocks are not all alike: while a relation
is still taken for functional (until two subjects hold two agreed objects of it), its
claims are checked against rivals. Before this benchmark existed, the functional-
relation check and the trust records rescanned every held fact per claim (8,000 claims took
~106 s in the fusion eval). Excludes: model extraction, MiniLM embedding.

Run:  python benchmarks/fusion_scale.py [--claims 8000] [--block 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from agora.embeddings import HashEmbedder
from agora.memory import Fuser, FusionConfig, SQLiteStore
from agora.protocols.payloads import KnowledgeClaim

SYLLABLES = (
    "an",
    "ber",
    "cor",
    "dal",
    "el",
    "fin",
    "gar",
    "hol",
    "is",
    "jen",
    "kar",
    "lo",
    "mar",
    "nor",
    "os",
    "per",
    "quin",
    "ros",
    "san",
    "tor",
    "ul",
    "ver",
    "wen",
    "yor",
    "zel",
    "ash",
    "bri",
    "cam",
    "dor",
    "eth",
    "fal",
    "gim",
    "hes",
    "ith",
    "jor",
    "kel",
    "lum",
    "mir",
    "nes",
    "oth",
    "pel",
    "rin",
    "sol",
    "tam",
    "urn",
)
RELATIONS = ("born_in", "capital_of", "works_for", "plays", "author_of", "located_in", "member_of")
#: ≤ 2: per-claim cost may grow a little (SQLite indexes, embedding matrix) but not linearly.
TARGET = 2.0


def claims(count: int, seed: int) -> list[tuple[KnowledgeClaim, str]]:
    """A seeded stream of `count` claims, each with the agent asserting it."""
    rng = random.Random(seed)

    def name() -> str:
        first = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        return f"{first.title()} {''.join(rng.choice(SYLLABLES) for _ in range(2)).title()}"

    names = [name() for _ in range(max(4, count // 3))]
    out: list[tuple[KnowledgeClaim, str]] = []
    for _ in range(count):
        if out and rng.random() < 0.25:
            claim = rng.choice(out)[0]  # another agent repeats a claim
        else:
            subject, obj = rng.choice(names), rng.choice(names)
            claim = KnowledgeClaim(
                subject=subject, relation=rng.choice(RELATIONS), object=obj, confidence=0.8
            )
        out.append((claim, f"a{rng.randrange(8)}"))
    return out


def blocks(stream: list[tuple[KnowledgeClaim, str]], block: int) -> list[float]:
    """Seconds each `block` of the stream takes, fused into one fresh fuser."""
    fuser = Fuser(SQLiteStore(":memory:"), FusionConfig(), embedder=HashEmbedder())
    times = []
    for start in range(0, len(stream), block):
        began = time.perf_counter()
        for claim, agent in stream[start : start + block]:
            fuser.fuse(claim, agent=agent, team="bench", valid_from=0.0)
        times.append(time.perf_counter() - began)
    return times


def main() -> None:
    """Print per-block times and the mean-over-first ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=8000)
    parser.add_argument("--block", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.claims < 2 * args.block or args.block < 1 or args.rounds < 1:
        parser.error("need --claims >= 2 * --block, --block >= 1 and --rounds >= 1")
    ratios, totals = [], []
    for round_ in range(args.rounds):
        times = blocks(claims(args.claims, seed=round_), args.block)
        ratios.append(statistics.fmean(times) / times[0])
        totals.append(sum(times))
        shown = " ".join(f"{t:.2f}" for t in times)
        print(f"round {round_}: block seconds {shown}; {args.claims / sum(times):,.0f} claims/s")
    ratio = statistics.median(ratios)
    verdict = "ok" if ratio <= TARGET else "OVER TARGET"
    print(
        f"mean / first block: {ratio:.2f} (median of {args.rounds}; target <= {TARGET}) "
        f"{verdict}; {args.claims} claims in {statistics.median(totals):.1f} s (median)"
    )


if __name__ == "__main__":
    main()

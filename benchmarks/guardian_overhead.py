"""What a guardian's rule-and-memory layer costs a message, side by side with no guardian.

The spread eval's community (5 agents, 3 turns, shared NetworkX memory) publishes every
message of 100 cases twice in one process, alternating case by case: once through a
`Guardian` with its default checks (identity, corroboration, contradiction, trust, persuasion;
no model fact-check) holding new claims, once straight into memory. Both sides store the same
facts; the difference is the review. Excludes: a model fact-check (a model call), signing.

Run:  python benchmarks/guardian_overhead.py [--cases 100] [--data FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from agora.agents.guardian import Guardian
from agora.evals.spread import Community, attackable, run_case
from agora.evals.spread_data import load_cases, shipped_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    cases = attackable(
        load_cases(args.data, limit=args.cases) if args.data else shipped_cases(0, args.cases)
    )
    guardian = Guardian(hold_new=True)
    guarded, plain = Community(guardian), Community(None)
    guardian.context.store = guarded.store
    seconds = {"guarded": 0.0, "plain": 0.0}
    messages = 0
    for case in cases:
        for label, community in (("guarded", guarded), ("plain", plain)):
            started = time.perf_counter()
            run_case(community, case, agents=5, turns=3, attacker=True)
            seconds[label] += time.perf_counter() - started
        messages += 5 * 3  # the attacker and four benign agents, three turns
    per = {label: 1000 * value / messages for label, value in seconds.items()}
    print(f"guarded: {per['guarded']:.3f} ms/message, unguarded: {per['plain']:.3f} ms/message")
    print(
        f"ratio {per['guarded'] / per['plain']:.2f}; added {per['guarded'] - per['plain']:.3f} "
        "ms/message (target: the layer under 2 ms)"
    )
    print(
        json.dumps(
            {
                "ms_added_per_message": round(per["guarded"] - per["plain"], 4),
                "ratio": round(per["guarded"] / per["plain"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()

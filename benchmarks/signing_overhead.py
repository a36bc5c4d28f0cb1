"""What signing costs a team run: the 100-agent network with a keyring against without one.

The network of `benchmarks/network_overhead.py` (10 layers of 10 agents, 10 decisions a task)
runs in-process on a `FunctionModel`, so the framework's own per-hop cost is what is timed
(a real model's latency would hide it). Three teams answer the same tasks, interleaved task by
task in one process: unsigned, signed with HMAC keys of one trust domain, and signed with
Ed25519 key pairs, each going first in turn. Each envelope is signed by its sender when made and
verified when accepted (in-process, an envelope the engine signed a moment ago is recognised by
its signature instead of checked again; journals and envelopes from elsewhere are verified).

Run:  python benchmarks/signing_overhead.py [--tasks 300]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

from agora import Keyring, Team

_SPEC = importlib.util.spec_from_file_location(
    "benchmarks.network_overhead", Path(__file__).with_name("network_overhead.py")
)
assert _SPEC and _SPEC.loader
network = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = network
_SPEC.loader.exec_module(network)


def make_team(keyring: Keyring | None) -> Team:
    grid = network.layers(100, 10)
    team: Team = network.agora_team(grid, lambda name: network.function_model())
    if keyring is None:
        return team
    names = [name for row in grid for name in row]
    signed: Team = Team(
        list(team.agents.values()),
        edges=[(a, b) for a in names for b in team.neighbours(a)],
        entry=team.entry,
        budget=team.budget,
        keyring=keyring,
    )
    return signed


async def main(tasks: int) -> dict[str, float]:
    names = [name for row in network.layers(100, 10) for name in row]
    teams = {
        "unsigned": make_team(None),
        "hmac": make_team(Keyring.generate(names, kind="hmac")),
        "ed25519": make_team(Keyring.generate(names, kind="ed25519")),
    }
    times: dict[str, list[float]] = {label: [] for label in teams}
    hops: dict[str, int] = {}
    labels = list(teams)
    for i in range(tasks + 10):
        order = labels[i % 3 :] + labels[: i % 3]  # each team goes first in turn
        for label in order:
            team = teams[label]
            started = time.perf_counter()
            result = await team.run(f"task #{i}")
            if i >= 10:  # the first ten warm up
                times[label].append(time.perf_counter() - started)
                hops[label] = result.hops
    median = {label: statistics.median(values) for label, values in times.items()}
    base = median["unsigned"]
    for label, value in median.items():
        per_hop = 1000 * value / hops[label]
        print(
            f"{label:>9}: {1000 * value:.3f} ms/task, {per_hop:.3f} ms/hop, "
            f"ratio {value / base:.2f}"
        )
    added = {label: 1e6 * (median[label] - base) / hops[label] for label in ("hmac", "ed25519")}
    print(
        f"added per envelope (sign + verify): hmac {added['hmac']:.0f} us, "
        f"ed25519 {added['ed25519']:.0f} us"
    )
    figures = {f"{label}_ratio": round(median[label] / base, 3) for label in ("hmac", "ed25519")}
    figures.update({f"{label}_us_per_hop": round(v, 1) for label, v in added.items()})
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=300)
    asyncio.run(main(parser.parse_args().tasks))

"""The planning eval over seeds: steps to each milestone for 1, 2 and 6 agents, with ablations.

`run` plays every (agent count, variant) on the same world seeds and `summarize` turns the
runs into the report: per row, the success rate within the cap (Wilson 95%), mean ticks to
the diamond (Student-t 95% over seeds; a run that missed it counts as the cap, so failures
never flatter a row), mean agent actions (ticks x agents), the reduction in ticks against one
agent (paired bootstrap 95% over seeds, the same worlds), and mean ticks to every milestone
over the seeds that reached it. `render` prints it with rich.

Example:
    >>> report = run(seeds=[1], agent_counts=(1, 2), variants=("full",), cap=400)
    >>> [(r["agents"], r["variant"]) for r in report["rows"]]
    [(1, 'full'), (2, 'full')]
    >>> sorted(report["headline"])
    ['1', '2']
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from agora.errors import ConfigError
from agora.evals.planning.harness import ChooserFactory, RunResult, play
from agora.evals.planning.recipes import milestones
from agora.evals.planning.rules import load_rules
from agora.evals.planning.team import Variant
from agora.evals.stats import mean_ci, wilson

__all__ = ["DAMCS", "VARIANTS", "reduction", "render", "run", "summarize"]

#: The ablations: agora's shared memory and its protocol, each on or off.
VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("full"),
        Variant("no_shared_memory", shared_memory=False),
        Variant("no_communication", communication=False),
        Variant("independent", shared_memory=False, communication=False),
    )
}
#: DAMCS's reported reductions in steps to the diamond against one agent.
DAMCS = {2: 0.63, 6: 0.74}


def reduction(
    base: Sequence[float], other: Sequence[float], *, resamples: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """``1 - mean(other) / mean(base)`` and its paired bootstrap 95% interval over seeds.

    `base` and `other` are per-seed values on the same seeds, in the same order.

    Raises:
        ConfigError: lengths differ or are zero.

    Example:
        >>> point, low, high = reduction([100, 200, 300], [50, 100, 150])
        >>> round(point, 2), round(low, 2), round(high, 2)
        (0.5, 0.5, 0.5)
    """
    if len(base) != len(other) or not base:
        raise ConfigError(f"reduction needs paired values, got {len(base)} and {len(other)}")
    n = len(base)

    def ratio(idx: Sequence[int]) -> float:
        b = math.fsum(base[i] for i in idx)
        return 1.0 - math.fsum(other[i] for i in idx) / b if b else 0.0

    rng = random.Random(seed)
    draws = sorted(ratio(rng.choices(range(n), k=n)) for _ in range(resamples))
    return (
        ratio(range(n)),
        draws[int(0.025 * (resamples - 1))],
        draws[int(math.ceil(0.975 * (resamples - 1)))],
    )


def run(
    *,
    seeds: Sequence[int],
    agent_counts: Sequence[int] = (1, 2, 6),
    variants: Sequence[str] = tuple(VARIANTS),
    cap: int = 1000,
    chooser: ChooserFactory | None = None,
    planner: str = "scripted",
    reach: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Play and summarize: one agent once, each larger team in every variant, on `seeds`.

    One agent has no teammate, so its variants coincide: it is played once (``full``) and is
    every row's reference.

    Raises:
        ConfigError: an unknown variant, no seeds, or an agent count below 1.
    """
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not seeds or min(agent_counts, default=0) < 1:
        raise ConfigError(
            f"need seeds, agent counts >= 1 and variants among {tuple(VARIANTS)}; "
            f"got seeds={list(seeds)}, agents={list(agent_counts)}, unknown variants={unknown}"
        )
    runs: list[RunResult] = []
    for agents in sorted(set(agent_counts) | {1}):
        for name in ("full",) if agents == 1 else variants:
            for seed in seeds:
                runs.append(
                    play(
                        seed=seed,
                        agents=agents,
                        variant=VARIANTS[name],
                        cap=cap,
                        chooser=chooser,
                        reach=reach,
                    )
                )
            if progress is not None:
                done = [r for r in runs if r.agents == agents and r.variant == name]
                progress(f"{agents} agent(s), {name}: mean {_mean(done):.1f} ticks")
    report = summarize(runs, cap=cap)
    report["setup"].update({"planner": planner, "reach": reach, "seeds": list(seeds)})
    return report


def _mean(runs: Sequence[RunResult]) -> float:
    return math.fsum(r.ticks for r in runs) / len(runs) if runs else 0.0


def _ci(values: Sequence[float]) -> dict[str, Any]:
    if not values:
        return {"mean": None, "ci95": None, "n": 0}
    mean, low, high = mean_ci(values)
    return {"mean": mean, "ci95": [low, high], "n": len(values)}


def _row(group: list[RunResult], base: list[RunResult], names: Sequence[str]) -> dict[str, Any]:
    agents = group[0].agents
    wins = sum(r.won for r in group)
    low, high = wilson(wins, len(group))
    ticks = [float(r.ticks) for r in group]
    row: dict[str, Any] = {
        "agents": agents,
        "variant": group[0].variant,
        "runs": len(group),
        "success": wins / len(group),
        "success_ci95": [low, high],
        "ticks": _ci(ticks),
        "agent_actions": _ci([t * agents for t in ticks]),
        "milestones": {m: _ci([float(t) for r in group if (t := r.milestones[m])]) for m in names},
        "messages": {
            k: v / len(group)
            for k, v in sum((Counter(r.messages) for r in group), Counter()).items()
        },
        "handovers": math.fsum(r.handovers for r in group) / len(group),
        "replans": math.fsum(r.replans for r in group) / len(group),
        "goal_nodes": math.fsum(r.goal_nodes for r in group) / len(group),
        "model_calls": math.fsum(r.model_calls for r in group) / len(group),
        "model_failures": math.fsum(r.model_failures for r in group) / len(group),
    }
    if agents > 1:
        paired = {r.seed: float(r.ticks) for r in base}
        mine = [float(r.ticks) for r in group if r.seed in paired]
        ref = [paired[r.seed] for r in group if r.seed in paired]
        point, low, high = reduction(ref, mine)
        row["reduction"] = {"mean": point, "ci95": [low, high]}
        a_point, a_low, a_high = reduction(ref, [t * agents for t in mine])
        row["action_reduction"] = {"mean": a_point, "ci95": [a_low, a_high]}
    return row


def summarize(runs: Sequence[RunResult], *, cap: int) -> dict[str, Any]:
    """The report of `runs` (see the module docstring); JSON-ready."""
    names = milestones(load_rules())
    groups: dict[tuple[int, str], list[RunResult]] = {}
    for r in runs:
        groups.setdefault((r.agents, r.variant), []).append(r)
    base = groups.get((1, "full"), [])
    rows = [_row(g, base, names) for _, g in sorted(groups.items(), key=lambda kv: kv[0][0])]
    headline: dict[str, Any] = {}
    for row in rows:
        if row["variant"] == "full":
            entry = {"ticks": row["ticks"]["mean"], "ticks_ci95": row["ticks"]["ci95"]}
            entry["success"] = row["success"]
            if "reduction" in row:
                entry["reduction"] = row["reduction"]["mean"]
                entry["reduction_ci95"] = row["reduction"]["ci95"]
                entry["damcs_reduction"] = DAMCS.get(row["agents"])
            headline[str(row["agents"])] = entry
    return {
        "setup": {"cap": cap, "step": "one world tick: every agent acts once"},
        "milestones": list(names),
        "headline": headline,
        "rows": rows,
        "damcs": {str(k): v for k, v in DAMCS.items()},
        "runs": [asdict(r) for r in runs],
    }


def render(report: dict[str, Any], console: Any = None) -> None:
    """Print `report` as rich tables on `console` (default: standard output)."""
    from agora.evals.planning._render import render as draw

    draw(report, console)

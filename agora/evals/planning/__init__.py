"""Cooperative planning on crafter's rules (DAMCS): do shared memory and a protocol help a team?

Run it with ``python -m agora.evals.planning`` (``--seeds 20 --agents 1,2,6 --json OUT``;
``--model SPEC`` to let a model pick the subgoals). Several players share one world built
with PyPI ``crafter``'s engine and world generation; the rules (what collecting, placing and
making need and give, up to the diamond) are read from the installed package's data.yaml
(`rules`). The team wins when any agent holds a diamond; the metric is world ticks (every
agent acts once a tick) to each of crafter's achievements on the way, and agent actions.

- `world`: `CoopWorld`, several crafter players in one world, signed hand-overs.
- `recipes`: goal decomposition from the recipe table (what next, what is unmet).
- `team`: the team's memory (`PlanMemory` per agent, shared or own maps and discovery facts
  in a `Store`) and protocol (`ShareDiscovery`, `ClaimSubgoal`, `HelpRequest`, `HandOver`).
- `agent`: roles, options, claims, requests, re-planning; `choice`: who picks the subgoal
  (scripted priorities, a seeded coin, or a model through a typed enum of feasible subgoals).
- `harness`: one run; `report`: every agent count and ablation over seeds, with 95%
  intervals; `cli`: the command line.

Example:
    >>> from agora.evals.planning import Variant, play
    >>> play(seed=1, agents=1, variant=Variant("full"), cap=400).won
    True
"""

from agora.evals.planning.choice import (
    Choice,
    Chooser,
    ModelChooser,
    Option,
    RandomChooser,
    ScriptedChooser,
)
from agora.evals.planning.cli import main
from agora.evals.planning.harness import RunResult, play
from agora.evals.planning.report import DAMCS, VARIANTS, render, run, summarize
from agora.evals.planning.rules import Rules, load_rules
from agora.evals.planning.team import Variant
from agora.evals.planning.world import CoopWorld, seeds_with

__all__ = [
    "DAMCS",
    "VARIANTS",
    "Choice",
    "Chooser",
    "CoopWorld",
    "ModelChooser",
    "Option",
    "RandomChooser",
    "Rules",
    "RunResult",
    "ScriptedChooser",
    "Variant",
    "load_rules",
    "main",
    "play",
    "render",
    "run",
    "seeds_with",
    "summarize",
]

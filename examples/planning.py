"""Cooperative planning on crafter's rules: one agent, then a team with memory and protocol.

Run:  python examples/planning.py      (needs crafter: pip install 'agora-teams[evals]')

The same crafter world (seed 1) is played by one agent and by a team of two. Every agent
plans from crafter's recipe table (diamond <- iron pickaxe <- iron, coal, wood, table,
furnace ...) and records its steps in a `PlanMemory` (step episodes -> goal nodes -> the
long-term goal). The team shares one map and the protocol: agent0 claims the diamond and
asks for what it still needs (`HelpRequest`), agent1 claims the hunt for a diamond
(`ClaimSubgoal`), announces what it finds (`ShareDiscovery`) and may hand items over
(`HandOver`, a signed envelope the world checks). Scripted planners, no model, a few seconds.
"""

from __future__ import annotations

from agora.evals.planning import Variant, play


def main(seed: int = 1, cap: int = 600) -> dict[str, int]:
    """Play seed `seed` alone and as a pair; print the milestones; return ticks per team size."""
    ticks = {}
    for agents in (1, 2):
        result = play(seed=seed, agents=agents, variant=Variant("full"), cap=cap)
        ticks[f"{agents} agent(s)"] = result.ticks
        reached = ", ".join(f"{m}@{t}" for m, t in result.milestones.items() if t is not None)
        print(f"{agents} agent(s): diamond={result.won} after {result.ticks} ticks")
        print(f"  milestones: {reached}")
        print(f"  messages: {result.messages or 'none'}; items handed over: {result.handovers}")
        print(f"  memory: {result.goal_nodes} goal nodes over {result.steps} step episodes")
    return ticks


if __name__ == "__main__":
    main()

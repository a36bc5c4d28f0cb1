"""The baseline rows: no network, no routing — one agent answers every test example.

- ``one random agent``: each test example goes to an agent drawn at random.
- ``best generalist``: the generalist that did best on the train split (one attempt per
  train example, scored like a test pass) answers every test example: the best one agent a
  team could pick without routing, chosen on train only. Scripted runs only.
- ``oracle``: each example's chance is the best skill any agent has on its family: a
  ceiling that reads the hidden skill matrix, not a method. Scripted runs only.

Every answer goes through `Agent.decide` on the executor's model, as in a team.

Example:
    >>> from agora.evals.bigbench.source import Family
    >>> from agora.evals.agentnet.executors import ScriptedExecutor
    >>> from agora.evals.agentnet.world import make_world
    >>> fams = [Family(name=n, description=n, keywords=(), total=4,
    ...                examples=tuple(f"{n}{i}" for i in range(4))) for n in "abcd"]
    >>> world = make_world(fams, seed=0, per_family=4)
    >>> scores = baselines(world, ScriptedExecutor(world.skill, (*world.train, *world.test)))
    >>> sorted(scores)
    ['best generalist', 'one random agent', 'oracle']
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from agora._sync import run_sync
from agora.agents.agent import Agent
from agora.agents.decision import AnswerDecision
from agora.errors import ModelError
from agora.evals.agentnet.executors import Executor
from agora.evals.agentnet.world import World
from agora.evals.bigbench.methods import Example

__all__ = ["BASELINES", "baselines"]

#: The baseline rows, in table order.
BASELINES = ("one random agent", "best generalist", "oracle")


async def _accuracy(agents: Sequence[Agent], tasks: Sequence[Example], executor: Executor) -> float:
    """Share right when ``agents[i]`` answers ``tasks[i]``."""
    right = 0
    for agent, example in zip(agents, tasks, strict=True):
        try:
            decided = await agent.decide(executor.text(example))
        except ModelError:
            continue
        answer = decided.decision
        right += isinstance(answer, AnswerDecision) and executor.judge(example, answer.answer)
    return right / max(1, len(tasks))


def baselines(
    world: World,
    executor: Executor,
    *,
    train: Sequence[Example] | None = None,
    test: Sequence[Example] | None = None,
) -> dict[str, float]:
    """Test accuracy of each baseline on `world` (see the module doc)."""
    train = list(world.train if train is None else train)
    test = list(world.test if test is None else test)
    rng = random.Random(f"agentnet-{world.seed}-baselines")
    agents = {
        spec.name: Agent(
            spec.name, executor.model(spec.name, rng), spec.profile, **executor.options()
        )
        for spec in world.agents
    }
    drawn = [agents[rng.choice(world.names)] for _ in test]
    out = {"one random agent": run_sync(_accuracy(drawn, test, executor))}
    if not executor.scripted:
        return out
    generalists = [spec.name for spec in world.agents if spec.generalist]
    if generalists:
        on_train = {
            name: run_sync(_accuracy([agents[name]] * len(train), train, executor))
            for name in generalists
        }
        best = max(generalists, key=lambda name: on_train[name])
        out["best generalist"] = run_sync(_accuracy([agents[best]] * len(test), test, executor))
    hits = sum(rng.random() < world.best_skill(example.family) for example in test)
    out["oracle"] = hits / max(1, len(test))
    return out

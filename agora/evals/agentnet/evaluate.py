"""Running the ablation: one real `Team` per variant and seed, rounds of feedback, test scores.

Per seed (`agora.evals.agentnet.world.make_world`), every variant gets a fresh `Router` and a
fresh `Team` over the same agents, network and examples, and runs:

- round 0: the test split, before any learning;
- rounds 1..R: the train split (a seeded order; each task enters at a seeded random agent;
  the router explores by Thompson sampling), then `Team.feedback` with the outcome — the
  router records it (per-topic reliability, profile drift, solved-task memory) and the edges
  the task used move toward it and are pruned when weak (agora's evolving network) — and
  after each train round, the test split again, with exploration off and no feedback.

The variants (rows):

- ``decentralized``: every holder routes among its unvisited neighbours and itself
  (``Agent(policy="router")``): forward to the best, or answer when it ranks first. The
  task enters at the agent whose profile best matches it (AgentNet's entry rule, its eq. 7:
  the router's top agent over all of them; `Team.entry` is set per task).
- ``decentralized-random-entry``: the same, but the task enters at a random agent: no
  global step at all.
- ``global``: one router over every agent picks the solver: a ``desk`` entry with an edge to
  each agent forwards to the router's choice, which answers.
- ``random-next``, ``random-op``: the two ablations of `agora.evals.agentnet.agents`, with
  AgentNet's entry rule.
- ``frozen``: ``decentralized`` with no feedback: nothing learns, nothing is pruned.

Orders and random entries are drawn per seed and round, the same for every variant (paired).

Example:
    >>> from agora.evals.bigbench.source import Family
    >>> fams = [Family(name=n, description=f"questions about {n}", keywords=(), total=4,
    ...                examples=tuple(f"{n} question {i}" for i in range(4))) for n in "abcd"]
    >>> runs = run_seed(fams, seed=0, rounds=1, per_family=4, embedder="hash")
    >>> sorted(runs) == sorted(VARIANTS), {len(r.test) for r in runs.values()}
    (True, {2})
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agora._sync import run_sync
from agora.agents.agent import Agent
from agora.agents.routing import Router
from agora.embeddings import CachedEmbedder, Embedder
from agora.errors import ModelError, UserError
from agora.evals.agentnet.agents import RandomNextAgent, RandomOperationAgent
from agora.evals.agentnet.executors import Executor, ScriptedExecutor
from agora.evals.agentnet.world import PER_FAMILY, World, make_world
from agora.evals.bigbench.evaluate import make_embedder
from agora.evals.bigbench.methods import Example
from agora.evals.bigbench.source import Family
from agora.evals.router_settings import TEMPERATURE, TOPIC_THRESHOLD
from agora.protocols.payloads import Forward, Split
from agora.runtime.budget import Budget
from agora.runtime.result import Result
from agora.runtime.team import Team
from agora.testing import FunctionModel

__all__ = [
    "BUDGET",
    "DESK",
    "ROUNDS",
    "VARIANTS",
    "Pass",
    "VariantRun",
    "handoffs",
    "run_seed",
    "run_variant",
]

#: The rows that run through a team, in table order.
VARIANTS = (
    "decentralized",
    "decentralized-random-entry",
    "global",
    "random-next",
    "random-op",
    "frozen",
)
#: Train rounds (each followed by a test pass).
ROUNDS = 3
#: Each task's budget: AgentNet's 3 forwards, then the holder must answer.
BUDGET = Budget(hops=32, max_forwards=3, wall_time_s=None)
#: The global router's entry agent (no expertise: it never answers).
DESK = "desk"
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Pass:
    """One pass of a team over a split.

    Attributes:
        accuracy: share of tasks whose final answer was right.
        hops: hand-offs per task (agents a task was forwarded or split to).
        count: tasks run.
        failures: tasks whose model failed (counted wrong; 0 with scripted agents).
    """

    accuracy: float
    hops: float
    count: int
    failures: int = 0


@dataclass(kw_only=True)
class VariantRun:
    """One variant on one seed: a test pass per round (0..R) and a train pass per round.

    Attributes:
        variant: the variant's key.
        seed: the world's seed.
        test: the test pass before any round, then after each.
        train: each round's train pass.
        pruned: edges the evolving network had pruned at each test pass.
    """

    variant: str
    seed: int
    test: list[Pass] = field(default_factory=list)
    train: list[Pass] = field(default_factory=list)
    pruned: list[int] = field(default_factory=list)


def handoffs(result: Result) -> int:
    """How many times the task was handed to another agent (forward or split recipients).

    Example:
        >>> handoffs(Result(answer="x", answered_by="a", conversation_id="c"))
        0
    """
    return sum(
        len(env.recipients) for env in result.trace if isinstance(env.payload, Forward | Split)
    )


def _router(emb: Embedder, seed: int) -> Router:
    return Router(
        emb, mode="top1", temperature=TEMPERATURE, topic_threshold=TOPIC_THRESHOLD, seed=seed
    )


def _unused(messages: object, schema: object) -> str:
    return "the desk never answers"


def _team(
    world: World, variant: str, executor: Executor, router: Router, rng: random.Random
) -> Team:
    holder: dict[str, type[RandomNextAgent | RandomOperationAgent]] = {
        "random-next": RandomNextAgent,
        "random-op": RandomOperationAgent,
    }
    options: dict[str, Any] = {"policy": "router", **executor.options()}
    if variant in holder:
        options |= {"rng": rng, "scripted": executor.scripted}
    cls: Any = holder.get(variant, Agent)
    agents: list[Agent] = [
        cls(spec.name, executor.model(spec.name, rng), spec.profile, **options)
        for spec in world.agents
    ]
    if variant != "global":
        return Team(agents, list(world.edges), router=router, budget=BUDGET)
    desk = Agent(DESK, FunctionModel(_unused), policy="router")
    edges = [(DESK, name) for name in world.names]
    return Team([desk, *agents], edges, router=router, budget=BUDGET)


async def _pass(
    team: Team,
    tasks: Sequence[Example],
    entries: Sequence[str] | None,
    executor: Executor,
    *,
    learn: bool,
) -> Pass:
    """Run `tasks`, with feedback when `learn`; the share right and the hand-offs.

    ``entries[i]`` is task i's entry agent; without `entries` it is the router's best match
    over all agents (AgentNet's entry rule), or the desk when the team has one.
    """
    right = hops = failures = 0
    router = team.router
    assert router is not None
    for index, example in enumerate(tasks):
        text = executor.text(example)
        if entries is not None:
            team.entry = entries[index]
        elif DESK not in team.agents:
            team.entry = router.route(text).primary
        try:
            result = await team.run(text)
        except ModelError:  # a real model that gave no usable answer: wrong, and counted
            failures += 1
            continue
        ok = executor.judge(example, result.answer)
        if learn:
            team.feedback(result, ok)
        right += ok
        hops += handoffs(result)
    n = max(1, len(tasks))
    return Pass(accuracy=right / n, hops=hops / n, count=len(tasks), failures=failures)


def _schedule(world: World, tasks: Sequence[Example], tag: str) -> tuple[list[Example], list[str]]:
    """A seeded order of `tasks` and an entry agent for each (the same for every variant)."""
    rng = random.Random(f"agentnet-{world.seed}-{tag}")
    order = rng.sample(list(tasks), len(tasks))
    return order, [rng.choice(world.names) for _ in order]


def run_variant(
    world: World,
    variant: str,
    executor: Executor,
    emb: Embedder,
    *,
    rounds: int = ROUNDS,
    train: Sequence[Example] | None = None,
    test: Sequence[Example] | None = None,
) -> VariantRun:
    """Run `variant` on `world` through a real team: test, then train + test per round.

    Raises:
        UserError: an unknown variant.
    """
    if variant not in VARIANTS:
        raise UserError(f"unknown variant {variant!r}; use one of {VARIANTS}")
    train = list(world.train if train is None else train)
    test = list(world.test if test is None else test)
    router = _router(emb, world.seed)
    team = _team(world, variant, executor, router, random.Random(f"{world.seed}-{variant}"))
    learns = variant != "frozen"
    out = VariantRun(variant=variant, seed=world.seed)

    def entries(picked: list[str]) -> list[str] | None:
        return picked if variant == "decentralized-random-entry" else None

    async def evaluate(tag: str) -> Pass:
        router.explore = False
        order, picked = _schedule(world, test, tag)
        out.pruned.append(len(team.network.pruned))
        return await _pass(team, order, entries(picked), executor, learn=False)

    async def rounds_of_work() -> None:
        out.test.append(await evaluate("test-0"))
        for number in range(1, rounds + 1):
            router.explore = learns
            order, picked = _schedule(world, train, f"train-{number}")
            out.train.append(await _pass(team, order, entries(picked), executor, learn=learns))
            out.test.append(await evaluate(f"test-{number}"))

    run_sync(rounds_of_work())
    return out


def run_seed(
    families: Sequence[Family],
    *,
    seed: int,
    rounds: int = ROUNDS,
    per_family: int = PER_FAMILY,
    embedder: str | Embedder = "minilm",
    variants: Sequence[str] = VARIANTS,
    progress: Progress | None = None,
) -> dict[str, VariantRun]:
    """Every variant on one seed's world with scripted agents (see `run_variant`)."""
    world = make_world(families, seed=seed, per_family=per_family)
    emb = make_embedder(embedder) if isinstance(embedder, str) else CachedEmbedder(embedder)
    executor = ScriptedExecutor(world.skill, (*world.train, *world.test))
    say = progress or (lambda _: None)
    out: dict[str, VariantRun] = {}
    for variant in variants:
        say(f"seed {seed}: {variant}")
        out[variant] = run_variant(world, variant, executor, emb, rounds=rounds)
    return out

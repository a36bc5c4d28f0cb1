"""The whole ablation: every seed's world, every variant through a team, the baselines.

`run` is what ``python -m agora.evals.agentnet`` calls. With scripted agents (the default)
the seed draws the skill matrix and the agents' answers; with ``model`` every agent answers
on that model and is judged against BIG-bench's targets, and the skill matrix is not used
(the oracle and best-generalist rows, which read it or need many calls, are left out).
``sample`` cuts each seed's train and test splits to a seeded sample of that many examples
(for model runs, which cost real inference).

Example:
    >>> from agora.evals.bigbench.source import Family
    >>> fams = [Family(name=n, description=f"questions about {n}", keywords=(), total=4,
    ...                examples=tuple(f"{n} question {i}" for i in range(4))) for n in "abc"]
    >>> report = run(fams, seeds=[0, 1], rounds=1, per_family=4, embedder="hash")
    >>> report.row("decentralized").accuracy.mean <= report.row("oracle").accuracy.mean + 1
    True
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from agora.embeddings import Embedder
from agora.errors import UserError
from agora.evals.agentnet.baselines import baselines
from agora.evals.agentnet.evaluate import ROUNDS, VARIANTS, VariantRun, run_variant
from agora.evals.agentnet.executors import Executor, ModelExecutor, ScriptedExecutor
from agora.evals.agentnet.report import Report, summarize
from agora.evals.agentnet.world import (
    DEGREE,
    GENERALIST_FAMILIES,
    GENERALISTS,
    PER_FAMILY,
    World,
    make_world,
)
from agora.evals.bigbench.evaluate import make_embedder
from agora.evals.bigbench.methods import Example
from agora.evals.bigbench.source import Family
from agora.models.base import Model

__all__ = ["run"]

Progress = Callable[[str], None]


def _sample(examples: Sequence[Example], count: int | None, tag: str) -> list[Example]:
    if count is None or count >= len(examples):
        return list(examples)
    return random.Random(tag).sample(list(examples), count)


def _check(seeds: Sequence[int], rounds: int, per_family: int, sample: int | None) -> None:
    if not seeds:
        raise UserError("--seeds must be >= 1")
    if rounds < 0:
        raise UserError(f"--rounds must be >= 0, got {rounds}")
    if per_family < 2:
        raise UserError(f"--per-family must be >= 2, got {per_family}")
    if sample is not None and sample < 1:
        raise UserError(f"--sample must be >= 1, got {sample}")


def run(
    families: Sequence[Family],
    *,
    seeds: Sequence[int] = range(10),
    rounds: int = ROUNDS,
    per_family: int = PER_FAMILY,
    embedder: str = "minilm",
    model: Model | None = None,
    sample: int | None = None,
    variants: Sequence[str] = VARIANTS,
    progress: Progress | None = None,
) -> Report:
    """Run the ablation over `seeds` and summarize it (nothing is printed).

    Args:
        families: the BBH source families (`agora.evals.bigbench.suites.bigbench_suite`).
        seeds: one world per seed; intervals are over seeds.
        rounds: train rounds with feedback (each followed by a test pass).
        per_family: each family's example pool, half train and half test.
        embedder: the router's embedder, ``"minilm"`` or ``"hash"``.
        model: every agent answers on this model (default: scripted agents).
        sample: train and test examples per seed at most (default: all).
        variants: the team variants to run (default: all of `VARIANTS`).
        progress: called with a line now and then.

    Raises:
        UserError: an argument out of range, or an unknown variant.
    """
    seeds = list(seeds)
    _check(seeds, rounds, per_family, sample)
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise UserError(f"unknown variants {unknown}; use some of {VARIANTS}")
    say = progress or (lambda _: None)
    emb = make_embedder(embedder)
    runs: list[dict[str, VariantRun]] = []
    scores: list[dict[str, float]] = []
    for seed in seeds:
        world = make_world(families, seed=seed, per_family=per_family)
        train = _sample(world.train, sample, f"agentnet-{seed}-train-sample")
        test = _sample(world.test, sample, f"agentnet-{seed}-test-sample")
        executor = _executor(world, model, families)
        say(f"seed {seed}: {len(world.agents)} agents, {len(train)} train, {len(test)} test")
        _warm(emb, executor, world, (*train, *test))
        per_variant: dict[str, VariantRun] = {}
        for variant in variants:
            say(f"seed {seed}: {variant}")
            per_variant[variant] = run_variant(
                world, variant, executor, emb, rounds=rounds, train=train, test=test
            )
        runs.append(per_variant)
        say(f"seed {seed}: baselines")
        scores.append(baselines(world, executor, train=train, test=test))
    setup = {
        "seeds": seeds,
        "rounds": rounds,
        "per_family": per_family,
        "embedder": embedder,
        "model": None if model is None else model.name,
        "sample": sample,
        "families": sorted(f.name for f in families),
        "agents": len(families) + GENERALISTS,
        "generalists": GENERALISTS,
        "generalist_families": GENERALIST_FAMILIES,
        "degree": DEGREE,
    }
    return summarize(runs, scores, setup=setup)


def _executor(world: World, model: Model | None, families: Sequence[Family]) -> Executor:
    if model is None:
        return ScriptedExecutor(world.skill, (*world.train, *world.test))
    return ModelExecutor(model, families)


def _warm(emb: Embedder, executor: Executor, world: World, examples: Sequence[Example]) -> None:
    """Embed every text once, in batches (the routers then read the cache)."""
    texts = [a.profile for a in world.agents] + [executor.text(e) for e in examples]
    for start in range(0, len(texts), 512):
        emb.embed(texts[start : start + 512])

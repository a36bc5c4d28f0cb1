"""Property tests: over random networks and random decisions, every task path is acyclic and
every run ends, with an answer or a typed budget error."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agora import Agent, Budget, BudgetExceeded, Router, Team
from agora.embeddings import HashEmbedder
from agora.models.base import Message
from agora.protocols.payloads import Answer, Forward, Split
from agora.testing import FunctionModel


def _enums(schema: Any, key: str = "") -> list[list[str]]:
    found: list[list[str]] = []
    if isinstance(schema, dict):
        if key == "to" and "enum" in schema:
            found.append(schema["enum"])
        for k, value in schema.items():
            found += _enums(value, k)
    elif isinstance(schema, list):
        for value in schema:
            found += _enums(value, key)
    return found


def random_model(rng: random.Random) -> FunctionModel:
    """Picks any decision the schema allows, at random."""

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        if schema is None:
            return "combined"
        targets = sorted({t for enum in _enums(schema) for t in enum})
        text = json.dumps(schema)
        choices = ["answer"]
        if targets:
            choices.append("forward")
            if '"split"' in text and len(targets) >= 2:
                choices.append("split")
        action = rng.choice(choices)
        if action == "forward":
            return json.dumps({"action": "forward", "to": rng.choice(targets), "reason": ""})
        if action == "split":
            parts = rng.sample(targets, k=2)
            return json.dumps(
                {"action": "split", "parts": [{"to": t, "task": f"part {t}"} for t in parts]}
            )
        return json.dumps({"action": "answer", "answer": rng.choice(["x", "y", "z"])})

    return FunctionModel(reply)


networks = st.integers(min_value=1, max_value=7).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] != e[1]),
            max_size=n * 3,
            unique=True,
        ),
        st.lists(st.booleans(), min_size=n, max_size=n),  # which agents follow the router
        st.integers(0, 2**32 - 1),
        st.sampled_from([None, 4, 12, 40]),
    )
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks)
def test_random_networks_stay_acyclic_and_terminate(case: Any) -> None:
    n, edges, routed, seed, hops = case
    rng = random.Random(seed)
    names = [f"a{i}" for i in range(n)]
    agents = [
        Agent(
            name,
            random_model(rng),
            f"topic {i % 3}",
            policy="router" if routed[i] else "model",
            aggregate=rng.choice(["vote", "weighted", "synthesize"]),
        )
        for i, name in enumerate(names)
    ]
    router = Router(HashEmbedder(), mode="dynamic", p=0.95, k_max=3)
    team = Team(
        agents,
        [(names[a], names[b]) for a, b in edges],
        router=router,
        budget=Budget(hops=hops, max_forwards=rng.choice([0, 1, 3, 10])),
    )
    try:
        result = team.run_sync("a task about topic 1")
    except BudgetExceeded as exc:
        assert exc.partial is not None
        trace = exc.partial.trace
        assert hops is not None and len(trace) > hops or exc.limit == hops
    else:
        trace = result.trace
        assert isinstance(trace[-1].payload, Answer) and trace[-1].recipients == ["user"]
        assert result.answer in {"x", "y", "z", "combined"}
    for env in trace:
        path = env.path
        if isinstance(env.payload, Forward | Split):
            assert path[-1] == env.sender
            assert len(set(path)) == len(path), f"a task revisited an agent: {path}"
            assert not set(env.recipients) & set(path), f"sent back along its path: {env}"
            for to in env.recipients:  # only along edges
                assert (env.sender, to) in {(names[a], names[b]) for a, b in edges}

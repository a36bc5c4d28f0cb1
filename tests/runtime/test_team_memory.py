"""Agents read the team's knowledge graph when they decide and answer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from agora import Agent, ConfigError, Team
from agora.embeddings import HashEmbedder
from agora.memory import Entity, Fact, NetworkXStore, Scope
from agora.memory.retrieval.retriever import Retriever
from agora.models.base import Message
from agora.testing import FunctionModel


def test_retrieved_facts_reach_the_prompt_with_provenance() -> None:
    store = NetworkXStore()
    paris, france, lyon = (Entity.named(n) for n in ("Paris", "France", "Lyon"))
    store.upsert_entities([paris, france, lyon])
    facts = [
        Fact.triple(
            paris,
            "capital_of",
            france,
            agent="geo",
            confidence=0.9,
            scope=Scope.agent("geo", team="t"),
        ),
        Fact.triple(
            lyon,
            "city_in",
            france,
            agent="other",
            confidence=0.8,
            scope=Scope.agent("other", team="t"),
        ),  # another agent's: not readable
    ]
    store.add_facts(facts)
    retriever = Retriever(store, embedder=HashEmbedder(dim=64))
    retriever.index_facts(facts)
    prompts: list[str] = []

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        prompts.append(messages[-1].content)
        return json.dumps({"action": "answer", "answer": "Paris"})

    team = Team([Agent("geo", FunctionModel(reply))], memory=retriever, name="t")
    assert team.run_sync("What is the capital of France?").answer == "Paris"
    assert "Paris capital_of France" in prompts[0]
    assert "by geo" in prompts[0]
    assert "Lyon" not in prompts[0]


def test_no_facts_leaves_the_prompt_alone() -> None:
    prompts: list[str] = []

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        prompts.append(messages[-1].content)
        return json.dumps({"action": "answer", "answer": "?"})

    retriever = Retriever(NetworkXStore(), embedder=HashEmbedder(dim=64))
    Team([Agent("a", FunctionModel(reply))], memory=retriever).run_sync("anything")
    assert "Context" not in prompts[0]


@pytest.mark.parametrize("kwargs", [{"memory": "store"}, {"memory_tokens": 0}, {"name": ""}])
def test_bad_memory_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        Team([Agent("a", FunctionModel(lambda m, s: "x"))], **kwargs)


def test_learn_facts_extracts_fuses_and_the_next_run_reads_them() -> None:
    from agora.memory.fusion.fuser import Fuser

    prompts: list[str] = []

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        prompts.append(messages[-1].content)
        if schema is not None and "claims" in json.dumps(schema):
            return json.dumps(
                {
                    "claims": [
                        {
                            "subject": "Paris",
                            "relation": "capital_of",
                            "object": "France",
                            "confidence": 0.9,
                        }
                    ]
                }
            )
        return json.dumps({"action": "answer", "answer": "Paris is the capital of France."})

    store = NetworkXStore()
    retriever = Retriever(store, embedder=HashEmbedder(dim=64))
    team = Team([Agent("geo", FunctionModel(reply))], memory=retriever, name="t")
    result = team.run_sync("What is the capital of France?")
    import asyncio

    outcomes = asyncio.run(team.learn_facts(result, Fuser(store)))
    assert [o.action for o in outcomes] == ["added"]
    assert outcomes[0].fact.agents == ("geo",)
    assert outcomes[0].fact.episodes == (result.trace[-1].id,)
    team.run_sync("Tell me about France.")
    assert "capital_of" in prompts[-1]
    with pytest.raises(Exception):  # noqa: B017 - UserError
        asyncio.run(team.learn_facts("result", Fuser(store)))  # type: ignore[arg-type]


def test_learn_facts_skips_answers_a_consult_only_relayed() -> None:
    import asyncio

    from agora import Router
    from agora.memory.fusion.fuser import Fuser

    def model(answer: str) -> FunctionModel:
        def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
            if schema is not None and "claims" in json.dumps(schema):
                return json.dumps(
                    {
                        "claims": [
                            {
                                "subject": "Lima",
                                "relation": "capital_of",
                                "object": "Peru",
                                "confidence": 0.9,
                            }
                        ]
                    }
                )
            return json.dumps({"action": "answer", "answer": answer})

        return FunctionModel(reply)

    entry = Agent("entry", model("unused"), "", policy="router")
    geo = Agent("geo", model("Lima is the capital of Peru."), "geography capitals")
    chem = Agent("chem", model("acid"), "chemistry acids")
    team = Team([entry, geo, chem], router=Router(HashEmbedder(), mode="topk", k=2))
    result = team.run_sync("What is the capital of Peru?")
    outcomes = asyncio.run(team.learn_facts(result, Fuser(NetworkXStore())))
    assert outcomes and all("entry" not in o.fact.agents for o in outcomes)

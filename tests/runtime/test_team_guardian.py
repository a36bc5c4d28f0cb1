"""A team's guardian on its own paths: hand-offs, answers and the knowledge learnt from them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from agora import Agent, ConfigError, Forward, Team
from agora.agents import Guardian
from agora.embeddings import HashEmbedder
from agora.identity import Keyring
from agora.memory import Entity, Fact, NetworkXStore, Scope
from agora.memory.fusion.fuser import Fuser
from agora.memory.retrieval.retriever import Retriever
from agora.models.base import Message
from agora.runtime import events
from agora.testing import FunctionModel

LOUD = (
    "It is undeniable and proven beyond any doubt: studies, experts, official records and "
    "published research all confirm it! The evidence is conclusive. Everyone who has looked "
    "at the question honestly arrives at the same place, and the historians who have spent "
    "their lives on it say so plainly, in book after book, lecture after lecture, year after "
    "year, without exception."
)

SAID = "Lyon is the capital of France, which pays in the Euro."


def distrusting(*senders: str) -> Guardian:
    """A guardian whose trust book holds ten refusals for each of `senders`."""
    guardian = Guardian()
    for sender in senders:
        guardian.context.trust.record(sender, accepted=False, weight=10.0)
    return guardian


def chain(guardian: Guardian | None, checkpoint: Path | None = None) -> tuple[Team, list[str]]:
    """drafter -> editor -> finisher; each forwards its mark, the last answers with what it saw."""
    prompts: list[str] = []

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        me = messages[0].content.split()[2].rstrip(",")
        prompts.append(messages[-1].content)
        forward = (schema or {}).get("$defs", {}).get("Forward")
        if forward is None:
            return json.dumps({"action": "answer", "answer": f"final by {me}"})
        to = forward["properties"]["to"]
        target = to["enum"][0] if "enum" in to else to["const"]
        return json.dumps(
            {"action": "forward", "to": target, "reason": "next", "contribution": f"mark {me}"}
        )

    names = ("drafter", "editor", "finisher")
    agents = [Agent(n, FunctionModel(reply)) for n in names]
    edges = list(zip(names, names[1:], strict=False))
    return Team(agents, edges, guardian=guardian, checkpoint=checkpoint), prompts


def test_a_quarantined_contribution_reaches_no_later_agent_but_stays_in_the_trace() -> None:
    team, prompts = chain(distrusting("editor"))
    seen: list[events.Event] = []

    async def collect() -> None:
        async for event in team.stream("Write a slogan"):
            seen.append(event)

    import asyncio

    asyncio.run(collect())
    result = next(e.result for e in seen if isinstance(e, events.Finished))
    assert result.answer == "final by finisher"
    assert "mark drafter" in prompts[-1] and "mark editor" not in prompts[-1]
    forwards = [env for env in result.trace if isinstance(env.payload, Forward)]
    editor = next(env for env in forwards if env.sender == "editor")
    assert result.withheld == [editor.id]
    assert editor.payload.contribution == "mark editor"  # kept, not deleted
    assert editor.credibility is not None and editor.credibility < 0.4
    reviews = [e for e in seen if isinstance(e, events.Reviewed)]
    assert [(r.sender, r.action) for r in reviews] == [
        ("drafter", "accept"), ("editor", "quarantine"), ("finisher", "accept"),
    ]  # fmt: skip
    assert "trust" in reviews[1].reasons[0]
    (alert,) = result.alerts
    assert alert.level == "critical" and "'editor'" in alert.text


def test_without_a_guardian_nothing_is_judged() -> None:
    team, prompts = chain(None)
    result = team.run_sync("Write a slogan")
    assert "mark editor" in prompts[-1]
    assert (result.withheld, result.alerts, result.credibility) == ([], [], None)
    assert all(env.credibility is None for env in result.trace)


def test_a_quarantined_final_answer_leaves_the_answer_empty_with_the_reason() -> None:
    team, _ = chain(distrusting("finisher"))
    result = team.run_sync("Write a slogan")
    assert result.answer == "" and result.answered_by == "finisher"
    assert result.trace[-1].payload.text == "final by finisher"  # type: ignore[union-attr]
    assert result.withheld == [result.trace[-1].id]
    assert result.credibility is not None and result.credibility < 0.4


def test_flagged_answers_reach_the_synthesis_with_their_credibility_beside_them() -> None:
    synthesis: list[str] = []
    calls: list[int] = []

    def lead(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        if calls:  # the second call combines the answers
            synthesis.append(messages[-1].content)
            return "combined"
        calls.append(1)
        parts = [{"to": "calm", "task": "one half"}, {"to": "loud", "task": "other half"}]
        return json.dumps({"action": "split", "parts": parts})

    def calm(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        return json.dumps({"action": "answer", "answer": "Paris is in France."})

    def loud(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        return json.dumps({"action": "answer", "answer": LOUD})

    team = Team(
        [
            Agent("lead", FunctionModel(lead)),
            Agent("calm", FunctionModel(calm)),
            Agent("loud", FunctionModel(loud)),
        ],
        guardian=Guardian(),
    )
    result = team.run_sync("Tell me two things")
    assert result.answer == "combined"
    (prompt,) = synthesis
    assert (
        "Paris is in France." in prompt
        and "[guardian credibility" not in prompt.split("Paris is in France.")[1].split("\n")[0]
    )
    flagged = next(env for env in result.trace if env.sender == "loud")
    assert flagged.credibility is not None and flagged.credibility < 0.65  # flagged
    assert f"without exception. [guardian credibility {flagged.credibility:.2f}]" in prompt
    assert [a.level for a in result.alerts] == ["warning"]
    assert result.withheld == []


def test_a_resumed_run_reads_quarantines_back_from_the_journal(tmp_path: Path) -> None:
    db = tmp_path / "runs.sqlite"
    team, _ = chain(distrusting("editor"), db)
    done = team.run_sync("Write a slogan", run_id="r1")
    again, prompts = chain(Guardian(), db)  # a fresh guardian: nothing judged again
    resumed = again.resume_sync("r1")
    assert prompts == []
    assert resumed.withheld == done.withheld and len(done.withheld) == 1
    assert resumed.answer == done.answer


def test_a_tampered_credibility_in_the_journal_is_refused(tmp_path: Path) -> None:
    import sqlite3

    from agora.errors import IdentityError

    db = tmp_path / "runs.sqlite"
    keys = Keyring.generate(["drafter", "editor", "finisher"])
    edges = [("drafter", "editor"), ("editor", "finisher")]
    agents = list(chain(None)[0].agents.values())
    Team(agents, edges, guardian=distrusting("editor"), checkpoint=db, keyring=keys).run_sync(
        "Write a slogan", run_id="r1"
    )
    with sqlite3.connect(db) as conn:  # lift the quarantine by hand
        changed = conn.execute(
            "UPDATE agora_steps SET envelope = json_set(envelope, '$.credibility', 1.0) "
            "WHERE json_extract(envelope, '$.credibility') < 0.4"
        ).rowcount
    assert changed == 1
    again = Team(agents, edges, guardian=Guardian(), checkpoint=db, keyring=keys)
    with pytest.raises(IdentityError, match="cannot be trusted"):
        again.resume_sync("r1")


def test_learn_facts_sets_aside_what_the_guardian_quarantines() -> None:
    store = NetworkXStore()
    paris, france = Entity.named("Paris"), Entity.named("France")
    store.upsert_entities([paris, france])
    trusted = Fact.triple(
        france, "capital", paris, agent="atlas", confidence=0.95, scope=Scope.agent("atlas")
    )
    store.add_fact(trusted)

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        if schema is not None and "claims" in json.dumps(schema):
            claims = [
                {"subject": "France", "relation": "capital", "object": "Lyon"},
                {"subject": "France", "relation": "currency", "object": "Euro"},
            ]
            return json.dumps({"claims": [{**c, "confidence": 0.9} for c in claims]})
        return json.dumps({"action": "answer", "answer": SAID})

    retriever = Retriever(store, embedder=HashEmbedder(dim=64))
    guardian = Guardian()
    team = Team([Agent("geo", FunctionModel(reply))], memory=retriever, guardian=guardian)
    assert guardian.context.store is store  # the team's memory, by default
    result = team.run_sync("What is the capital of France?")
    assert result.answer == SAID  # a plain message passes
    lyon, euro = team.learn_facts_sync(result, Fuser(store))
    assert (lyon.action, euro.action) == ("quarantined", "added")
    kept = store.get_fact(lyon.fact.id)
    assert kept is not None and kept.status == "quarantined"  # hidden, not deleted
    assert kept.episodes == (result.trace[-1].id,)  # its lineage kept
    assert {f.id for f in store.facts()} == {trusted.id, euro.fact.id}
    hits = retriever.retrieve("capital of France", scope=Scope.agent("geo", team="team"))
    assert hits.facts and all("Lyon" not in hit.fact.text for hit in hits.facts)


def test_learn_facts_fuses_what_the_guardian_lets_through() -> None:
    store = NetworkXStore()

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        if schema is not None and "claims" in json.dumps(schema):
            claim = {"subject": "Paris", "relation": "capital_of", "object": "France"}
            return json.dumps({"claims": [{**claim, "confidence": 0.9}]})
        return json.dumps({"action": "answer", "answer": "Paris is the capital of France."})

    retriever = Retriever(store, embedder=HashEmbedder(dim=64))
    team = Team([Agent("geo", FunctionModel(reply))], memory=retriever, guardian=Guardian())
    result = team.run_sync("What is the capital of France?")
    (outcome,) = team.learn_facts_sync(result, Fuser(store))
    assert outcome.action == "added"  # one source: flagged as uncorroborated, still fused


def test_answers_the_run_withheld_are_not_learnt_from() -> None:
    team, _ = chain(distrusting("finisher"))
    result = team.run_sync("Write a slogan")
    assert team.learn_facts_sync(result, Fuser(NetworkXStore())) == []


@pytest.mark.parametrize("guardian", ["yes", object()])
def test_a_guardian_that_is_not_one_is_a_config_error(guardian: object) -> None:
    with pytest.raises(ConfigError, match="guardian must be"):
        Team([Agent("a", FunctionModel(lambda m, s: "x"))], guardian=guardian)  # type: ignore[arg-type]


def test_a_model_fact_check_on_a_team_is_awaited_on_the_event_loop() -> None:
    from agora.agents import FactCheck

    judged: list[str] = []

    def judge(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        claim = messages[-1].content
        judged.append(claim)
        verdict = "contradicted" if "mark editor" in claim else "supported"
        return json.dumps({"verdict": verdict, "reason": "checked"})

    guardian = Guardian([FactCheck(FunctionModel(judge))])
    team, prompts = chain(guardian)
    result = team.run_sync("Write a slogan")
    editor = next(
        env for env in result.trace if env.sender == "editor" and isinstance(env.payload, Forward)
    )
    assert result.withheld == [editor.id]
    assert any("model says contradicted" in alert.text for alert in result.alerts)
    assert "mark drafter" in prompts[-1] and "mark editor" not in prompts[-1]
    assert len(judged) == 3  # two hand-offs and the answer, each asked once

"""With memory, a run writes every envelope as an L0 episode, once; facts lead back to them."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from agora import Agent, Episode, Result, StoreError, Team
from agora.embeddings import HashEmbedder
from agora.memory import Fuser, NetworkXStore, Scope, SQLiteStore, Store, lineage
from agora.memory.retrieval.retriever import Retriever
from agora.models.base import Message
from agora.protocols.payloads import Forward, Split
from agora.testing import FunctionModel

STORES: dict[str, Callable[[Path], Store]] = {
    "sqlite-file": lambda tmp: SQLiteStore(tmp / "memory.db"),
    "networkx": lambda tmp: NetworkXStore(),
}
CLAIM = {"subject": "Paris", "relation": "capital_of", "object": "France", "confidence": 0.9}


@pytest.fixture(params=list(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made = STORES[request.param](tmp_path)
    yield made
    made.close()


def scripted(decisions: dict[str, dict[str, Any]]) -> Callable[..., str]:
    """A reply function: each agent's decision by name; claim extraction gets `CLAIM`."""

    def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        if schema is not None and "claims" in json.dumps(schema):
            return json.dumps({"claims": [CLAIM]})
        me = messages[0].content.split()[2].rstrip(",")
        decision = decisions[me]
        if schema is None:  # a leaf's plain answer, or combining a split's answers
            return str(decision.get("answer", "combined"))
        return json.dumps(decision)

    return reply


def handoff_team(memory: Retriever | None, **kwargs: Any) -> Team:
    reply = scripted(
        {
            "triage": {"action": "forward", "to": "geo", "reason": "maps", "contribution": "EU"},
            "geo": {"action": "answer", "answer": "Paris is the capital of France."},
        }
    )
    agents = [Agent(n, FunctionModel(reply)) for n in ("triage", "geo")]
    return Team(agents, memory=memory, name="t", **kwargs)


def retriever(store: Store) -> Retriever:
    return Retriever(store, embedder=HashEmbedder(dim=32))


def by_id(store: Store) -> dict[str, Episode]:
    held = store.episodes(limit=-1)
    assert len({e.id for e in held}) == len(held)
    return {e.id: e for e in held}


def test_a_run_writes_one_episode_per_envelope(store: Store) -> None:
    result = handoff_team(retriever(store)).run_sync("What is the capital of France?")
    held = by_id(store)
    assert list(held) == [env.id for env in reversed(result.trace)]  # newest first, no more
    task, forward, answer = (held[env.id] for env in result.trace)
    assert (task.agent, task.recipients, task.kind) == ("user", ("triage",), "task")
    assert (forward.agent, forward.recipients, forward.kind) == ("triage", ("geo",), "forward")
    assert (answer.agent, answer.recipients, answer.kind) == ("geo", ("user",), "answer")
    assert task.text == "What is the capital of France?"
    assert forward.text == "What is the capital of France?\n\nContribution: EU"
    assert answer.text == "Paris is the capital of France."
    for env in result.trace:
        episode = held[env.id]
        assert episode.message_id == env.id and episode.parent_id == env.parent_id
        assert episode.conversation_id == result.conversation_id
        assert episode.scope == Scope.agent(env.sender, team="t")
        assert episode.created_at == env.created_at
        assert episode.verified is None  # this run signs nothing


def test_a_signed_runs_episodes_are_marked_verified(store: Store) -> None:
    from agora import Keyring

    ring = Keyring.generate(["triage", "geo"])
    result = handoff_team(retriever(store), keyring=ring).run_sync("Capital of France?")
    held = by_id(store)
    assert [held[env.id].verified for env in result.trace] == [True, True, True]


def test_a_split_writes_the_split_its_parts_answers_and_the_combined_answer(
    store: Store,
) -> None:
    reply = scripted(
        {
            "lead": {
                "action": "split",
                "parts": [{"to": "x", "task": "left"}, {"to": "y", "task": "right"}],
            },
            "x": {"action": "answer", "answer": "left done"},
            "y": {"action": "answer", "answer": "right done"},
        }
    )
    team = Team(
        [Agent(n, FunctionModel(reply)) for n in ("lead", "x", "y")], memory=retriever(store)
    )
    result = team.run_sync("do both halves")
    held = by_id(store)
    assert sorted(held) == sorted(env.id for env in result.trace)
    kinds = sorted((held[env.id].agent, held[env.id].kind) for env in result.trace)
    assert kinds == [
        ("lead", "answer"), ("lead", "split"), ("user", "task"), ("x", "answer"), ("y", "answer"),
    ]  # fmt: skip
    (split,) = (env for env in result.trace if isinstance(env.payload, Split))
    assert held[split.id].recipients == ("x", "y")
    assert held[split.id].text.splitlines()[-2:] == ["- x: left", "- y: right"]


def test_no_episode_is_written_on_the_event_loop(tmp_path: Path) -> None:
    threads: list[threading.Thread] = []

    class Watched(NetworkXStore):
        def add_episodes(self, episodes: Iterable[Episode]) -> int:
            threads.append(threading.current_thread())
            return super().add_episodes(episodes)

    store = Watched()
    result = handoff_team(retriever(store)).run_sync("capital of France?")
    assert threads and threading.main_thread() not in threads  # run_sync's loop is main's
    assert len(store.episodes(limit=-1)) == len(result.trace)


def test_a_failed_episode_write_fails_the_run_with_its_result() -> None:
    class Full(NetworkXStore):
        def add_episodes(self, episodes: Iterable[Episode]) -> int:
            raise StoreError("disk full")

    with pytest.raises(StoreError, match="disk full") as info:
        handoff_team(retriever(Full())).run_sync("capital of France?")
    assert "message_episode" in str(info.value)
    partial = info.value.partial
    assert isinstance(partial, Result) and partial.answer == "Paris is the capital of France."


def test_learnt_facts_lead_back_to_the_answering_agents_episode(store: Store) -> None:
    team = handoff_team(retriever(store))
    result = team.run_sync("What is the capital of France?")
    (outcome,) = team.learn_facts_sync(result, Fuser(store))
    answer = result.trace[-1]
    assert outcome.fact.episodes == (answer.id,)
    (source,) = lineage(store, outcome.fact.id)
    assert (source.agent, source.kind, source.message_id) == ("geo", "answer", answer.id)
    assert source.conversation_id == result.conversation_id
    assert len(store.episodes(limit=-1)) == len(result.trace)  # learning wrote none again


def test_learning_into_another_store_writes_the_answers_episodes_there(tmp_path: Path) -> None:
    team = handoff_team(None)  # no memory: the run wrote no episode
    result = team.run_sync("What is the capital of France?")
    store = NetworkXStore()
    (outcome,) = team.learn_facts_sync(result, Fuser(store))
    (source,) = lineage(store, outcome.fact.id)
    assert (source.id, source.agent, source.scope) == (
        result.trace[-1].id, "geo", Scope.agent("geo", team="t"),
    )  # fmt: skip
    assert [e.kind for e in store.episodes(limit=-1)] == ["answer"]  # only what facts cite


# -- durable runs ------------------------------------------------------------------------


def gated_team(path: Path, store: Store, calls: list[str], gate: asyncio.Event) -> Team:
    async def reply(messages: Sequence[Message], schema: dict[str, Any] | None) -> str:
        me = messages[0].content.split()[2].rstrip(",")
        calls.append(me)
        if me == "slow":
            await gate.wait()
        nxt = {"a": "b", "b": "slow"}.get(me)
        decision = {"action": "forward", "to": nxt, "reason": ""} if nxt else None
        return json.dumps(decision or {"action": "answer", "answer": f"{me} done"})

    agents = [Agent(name, FunctionModel(reply)) for name in ("a", "b", "slow")]
    return Team(
        agents, [("a", "b"), ("b", "slow")], checkpoint=path, memory=retriever(store), name="t"
    )


def test_a_cancelled_and_resumed_run_writes_each_episode_once(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "memory.db")
    calls: list[str] = []
    gate = asyncio.Event()
    team = gated_team(tmp_path / "runs.sqlite", store, calls, gate)

    async def cancel_then_resume() -> tuple[int, Result]:
        run = asyncio.create_task(team.run("go", run_id="r"))
        while calls != ["a", "b", "slow"]:
            await asyncio.sleep(0.01)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        before = len(store.episodes(limit=-1))  # task, a's and b's forwards: all stored
        gate.set()
        return before, await team.resume("r")

    before, result = asyncio.run(cancel_then_resume())
    assert before == 3
    held = by_id(store)
    assert sorted(held) == sorted(env.id for env in result.trace) and len(held) == 4
    assert [held[env.id].agent for env in result.trace] == ["user", "a", "b", "slow"]
    store.close()


def test_resuming_writes_the_episodes_a_kill_lost_and_only_those(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "memory.db")
    gate = asyncio.Event()
    gate.set()
    team = gated_team(tmp_path / "runs.sqlite", store, [], gate)
    result = team.run_sync("go", run_id="r")
    forward = next(env for env in result.trace if isinstance(env.payload, Forward))
    kept = by_id(store)
    with sqlite3.connect(tmp_path / "memory.db") as conn:  # as if killed before it was stored
        conn.execute("DELETE FROM episodes WHERE id = ?", (forward.id,))
    conn.close()
    assert len(store.episodes(limit=-1)) == 3
    again = team.resume_sync("r")  # a finished run: the journal replays every step
    assert again.answer == result.answer
    assert by_id(store) == kept  # the lost one is back, as it was; nothing is doubled
    store.close()


def test_a_slow_run_stores_its_episodes_while_it_runs(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "memory.db")
    calls: list[str] = []
    gate = asyncio.Event()
    team = gated_team(tmp_path / "runs.sqlite", store, calls, gate)

    async def watch() -> int:
        run = asyncio.create_task(team.run("go", run_id="r"))
        for _ in range(500):  # up to ~5 s; the writer's delay is 0.05 s
            if calls == ["a", "b", "slow"] and len(store.episodes(limit=-1)) == 3:
                break
            await asyncio.sleep(0.01)
        seen = len(store.episodes(limit=-1))
        gate.set()
        await run
        return seen

    assert asyncio.run(watch()) == 3  # task and both forwards, before the answer exists
    assert len(store.episodes(limit=-1)) == 4
    store.close()


def test_the_writer_stores_each_id_once() -> None:
    from agora.runtime._episodes import EpisodeWriter

    store = NetworkXStore()
    held = Episode(agent="a1", text="already here", id="m1")
    store.add_episode(held)
    fresh = Episode(agent="a1", text="new", id="m2")

    async def write() -> EpisodeWriter:
        writer = EpisodeWriter(store)
        writer.add(Episode(agent="a1", text="a replay of m1", id="m1"))
        writer.add(fresh, new=True)
        writer.add(fresh)
        await writer.drain()
        await writer.drain()  # nothing left: a no-op
        return writer

    assert asyncio.run(write()).written == 1
    assert store.get_episode("m1") == held and store.get_episode("m2") == fresh
    assert store.stats().episodes == 2

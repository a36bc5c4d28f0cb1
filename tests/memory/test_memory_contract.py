"""The Store contract: every backend (see conftest.BACKENDS) must pass every test here."""

from __future__ import annotations

import networkx as nx
import pytest
from memory_fixtures import fill

from agora.errors import (
    InvalidRecordError,
    RecordNotFoundError,
    ScopeError,
    StoreError,
    UserError,
)
from agora.memory import Community, Entity, Episode, Fact, Goal, Scope, Store, build_communities

A1, A2 = Scope.agent("a1", team="t1"), Scope.agent("a2", team="t1")
OUTSIDER = Scope.agent("z9", team="t2")


def test_every_backend_is_a_store(store: Store) -> None:
    assert isinstance(store, Store)


def test_episodes_round_trip_newest_first(store: Store) -> None:
    first = Episode(agent="a1", text="saw a cat", scope=A1, created_at=1.0)
    second = Episode(agent="a1", text="saw a dog", kind="message", scope=A1, created_at=2.0)
    assert store.add_episodes([first, second]) == 2
    assert store.get_episode(first.id) == first
    assert store.get_episode("missing") is None
    assert store.episodes(scope=A1) == [second, first]
    assert store.episodes(scope=OUTSIDER) == []


def test_an_episode_in_someone_elses_scope_is_refused(store: Store) -> None:
    with pytest.raises(ScopeError):
        store.add_episode(Episode(agent="a1", text="x", scope=A2))
    with pytest.raises(ScopeError):
        store.add_episode(Episode(agent="a1", text="x", scope=Scope.team("t1")))
    assert store.stats().episodes == 0


def test_entities_upsert_get_and_find_by_normalized_name(store: Store) -> None:
    paris = Entity.named("Paris", type="city")
    assert store.upsert_entities([paris]) == 1
    store.upsert_entities([Entity(id=paris.id, name="PARIS", type="capital")])
    assert store.get_entity(paris.id) == Entity(id=paris.id, name="PARIS", type="capital")
    assert [e.id for e in store.find_entities("  paris ")] == [paris.id]
    assert store.get_entity("e_missing") is None
    assert store.stats().entities == 1


def test_facts_round_trip_with_provenance(store: Store) -> None:
    w = fill(store)
    got = store.get_fact(w.studied.id)
    assert got == w.studied
    assert got is not None and got.agents == ("a1",) and got.confidence == 0.9
    literal = Fact.triple(w.ada, "born", "1815", agent="a1", scope=A1, episodes=("ep_1",))
    store.add_fact(literal)
    assert store.get_fact(literal.id) == literal
    many = [w.studied.id, "f_missing", literal.id, *(f"f_none{i}" for i in range(600))]
    assert store.get_facts(many) == {w.studied.id: w.studied, literal.id: literal}
    assert store.get_facts([]) == {}
    assert store.facts(about=w.ada.id, limit=0) == store.facts(limit=-1) == []
    about_ada = [f.id for f in store.facts(about=w.ada.id)]
    assert about_ada == [w.studied.id, w.lived.id, w.worked.id, literal.id]
    assert [f.id for f in store.facts(about=w.babbage.id, relation="designed")] == [w.built.id]
    assert store.facts(about="e_nobody") == []


@pytest.mark.parametrize("field", ["subject", "object_id"])
def test_an_unknown_entity_is_refused_and_nothing_is_written(store: Store, field: str) -> None:
    w = fill(store)
    before = store.stats()
    ghost = Entity.named("ghost")
    good = Fact.triple(w.ada, "knows", w.math, agent="a1", scope=A1)
    bad = Fact.triple(
        ghost if field == "subject" else w.ada,
        "knows",
        w.math if field == "subject" else ghost,
        agent="a1",
        scope=A1,
    )
    with pytest.raises(InvalidRecordError) as info:
        store.add_facts([good, bad])
    assert info.value.field == field
    assert store.stats() == before
    assert store.get_fact(good.id) is None


def test_a_duplicate_id_is_refused_and_nothing_is_written(store: Store) -> None:
    w = fill(store)
    before = store.stats()
    fresh = Fact.triple(w.ada, "knows", w.math, agent="a1", scope=A1)
    again = Fact.triple(w.ada, "knows", w.london, agent="a1", scope=A1, id=w.studied.id)
    with pytest.raises(InvalidRecordError) as info:
        store.add_facts([fresh, again])
    assert info.value.field == "id"
    assert store.stats() == before
    assert store.get_fact(w.studied.id) == w.studied


def test_bad_fields_name_themselves() -> None:
    ada = Entity.named("Ada")
    with pytest.raises(InvalidRecordError) as info:
        Fact.triple(ada, "r", "x", agent="a1", confidence=1.5)
    assert info.value.field == "confidence"
    with pytest.raises(InvalidRecordError) as info:
        Fact(subject=ada.id, relation="r", agents=("a1",))
    assert info.value.field == "object_id"
    with pytest.raises(InvalidRecordError) as info:
        Fact(subject=ada.id, relation="r", literal="x", agents=())
    assert info.value.field == "agents"
    with pytest.raises(InvalidRecordError) as info:
        Fact.triple(ada, "r", "x", agent="a1", valid_from=5.0, valid_to=1.0)
    assert info.value.field == "valid_to"


def test_writes_outside_the_agents_own_scope_are_refused(store: Store) -> None:
    w = fill(store)
    before = store.stats()
    for scope in (A2, Scope.team("t1"), Scope.GLOBAL):
        with pytest.raises(ScopeError):
            store.add_fact(Fact.triple(w.ada, "r", "x", agent="a1", scope=scope))
    assert store.stats() == before


def test_readers_see_their_own_team_and_global_scopes_only(store: Store) -> None:
    w = fill(store)
    assert {f.id for f in store.facts(scope=A1)} == {w.studied.id, w.lived.id}
    assert store.facts(scope=Scope.team("t1")) == []
    store.promote(w.worked.id, Scope.team("t1"), by="fusion")
    assert {f.id for f in store.facts(scope=A1)} == {w.studied.id, w.lived.id, w.worked.id}
    assert store.facts(scope=OUTSIDER) == []
    store.promote(w.worked.id, Scope.GLOBAL, by="guardian")
    assert [f.id for f in store.facts(scope=OUTSIDER)] == [w.worked.id]
    promoted = store.get_fact(w.worked.id)
    assert promoted is not None and promoted.promoted_by == "guardian"
    assert promoted.scope == Scope.GLOBAL and promoted.agents == ("a2",)


def test_promotion_must_widen_the_scope(store: Store) -> None:
    w = fill(store)
    with pytest.raises(ScopeError):
        store.promote(w.studied.id, Scope.team("t2"), by="fusion")
    with pytest.raises(ScopeError):
        store.promote(w.studied.id, A1, by="fusion")
    with pytest.raises(RecordNotFoundError):
        store.promote("f_missing", Scope.GLOBAL, by="fusion")
    assert store.get_fact(w.studied.id) == w.studied


def test_supersede_keeps_history_readable_by_time(store: Store) -> None:
    w = fill(store)
    moved = Fact.triple(w.ada, "lived_in", "Surrey", agent="a1", scope=A1, valid_from=20.0)
    old = store.supersede(w.lived.id, moved)
    assert (old.status, old.valid_to) == ("superseded", 20.0)
    assert store.get_fact(w.lived.id) == old
    lived = [f.id for f in store.facts(about=w.ada.id, relation="lived_in")]
    assert lived == [moved.id]
    assert [f.id for f in store.facts(about=w.ada.id, relation="lived_in", valid_at=15.0)] == [
        w.lived.id
    ]
    assert [f.id for f in store.facts(about=w.ada.id, relation="lived_in", valid_at=25.0)] == [
        moved.id
    ]
    assert [f.id for f in store.history(w.ada.id, "lived_in")] == [w.lived.id, moved.id]
    assert store.stats().facts_by_status == {"active": 4, "superseded": 1}


def test_supersede_refuses_bad_successors_and_changes_nothing(store: Store) -> None:
    w = fill(store)
    earlier = Fact.triple(w.ada, "lived_in", "Surrey", agent="a1", scope=A1, valid_from=1.0)
    with pytest.raises(InvalidRecordError) as info:
        store.supersede(w.lived.id, earlier)
    assert info.value.field == "valid_from"
    with pytest.raises(RecordNotFoundError):
        store.supersede("f_missing", Fact.triple(w.ada, "r", "x", agent="a1", scope=A1))
    foreign = Fact.triple(w.ada, "lived_in", "Surrey", agent="a1", scope=A2, valid_from=30.0)
    with pytest.raises(ScopeError):
        store.supersede(w.lived.id, foreign)
    assert store.get_fact(w.lived.id) == w.lived
    assert store.get_fact(foreign.id) is None
    later = Fact.triple(w.ada, "lived_in", "Surrey", agent="a1", scope=A1, valid_from=30.0)
    store.supersede(w.lived.id, later)
    with pytest.raises(InvalidRecordError):
        store.supersede(
            w.lived.id,
            Fact.triple(w.ada, "lived_in", "Kent", agent="a1", scope=A1, valid_from=40.0),
        )


def test_quarantine_hides_without_deleting_and_restore_brings_back(store: Store) -> None:
    w = fill(store)
    assert store.set_status(w.studied.id, "quarantined").status == "quarantined"
    assert w.studied.id not in {f.id for f in store.facts(about=w.ada.id)}
    assert w.studied.id not in {i for i, _ in store.search("mathematics")}
    assert store.search("mathematics", statuses=["quarantined"])[0][0] == w.studied.id
    assert store.get_fact(w.studied.id) is not None
    store.set_status(w.studied.id, "disputed")
    assert w.studied.id in {f.id for f in store.facts(about=w.ada.id)}
    assert store.set_status(w.studied.id, "active") == w.studied
    with pytest.raises(InvalidRecordError) as info:
        store.set_status(w.studied.id, "superseded")
    assert info.value.field == "status"
    with pytest.raises(RecordNotFoundError):
        store.set_status("f_missing", "disputed")


def test_neighbours_within_one_and_two_hops(store: Store) -> None:
    w = fill(store)
    assert set(store.neighbours(w.ada.id)) == {w.math.id, w.london.id, w.babbage.id}
    two = store.neighbours(w.ada.id, hops=2)
    assert set(two) == {w.math.id, w.london.id, w.babbage.id, w.engine.id}
    assert two[-1] == w.engine.id  # nearest first
    assert len(store.neighbours(w.ada.id, hops=2, limit=2)) == 2
    assert set(store.neighbours(w.engine.id, hops=2)) == {w.babbage.id, w.ada.id}
    assert set(store.neighbours(w.ada.id, hops=2, scope=A1)) == {w.math.id, w.london.id}
    assert store.neighbours("e_missing") == []
    store.set_status(w.worked.id, "quarantined")
    assert set(store.neighbours(w.ada.id, hops=2)) == {w.math.id, w.london.id}


def test_search_ranks_by_bm25_and_applies_filters(store: Store) -> None:
    w = fill(store)
    hits = store.search("Babbage engine")
    assert [i for i, _ in hits] == [w.built.id, w.worked.id]
    assert hits[0][1] > hits[1][1] > 0
    assert store.search("Babbage", scope=A1) == []
    assert store.search("Babbage", limit=1)[0][0] in {w.built.id, w.worked.id}
    assert store.search("  ,;* ") == []
    assert store.search('"quoted" OR NEAR(') == []
    with pytest.raises(UserError, match="query as text"):
        store.search(None)  # type: ignore[arg-type]


def test_edges_are_entity_to_entity_facts_as_arrays(store: Store) -> None:
    w = fill(store)
    store.add_fact(Fact.triple(w.ada, "born", "1815", agent="a1", scope=A1))
    edges = store.edges()
    pairs = {
        (edges.entity_ids[s], edges.relations[r], edges.entity_ids[d])
        for s, d, r in zip(edges.src, edges.dst, edges.rel, strict=True)
    }
    assert pairs == {
        (w.ada.id, "studied", w.math.id),
        (w.ada.id, "lived_in", w.london.id),
        (w.ada.id, "worked_with", w.babbage.id),
        (w.babbage.id, "designed", w.engine.id),
    }
    assert len(store.edges(scope=A1).src) == 2


def test_communities_replace_a_level_atomically(store: Store) -> None:
    w = fill(store)
    first = Community(id="c1", members=(w.ada.id, w.math.id), summary="Ada and maths")
    store.put_communities([first])
    top = Community(id="top", members=(w.babbage.id,), summary="all", level=1)
    store.put_communities([top], level=1)
    assert store.communities(level=0) == [first]
    assert store.communities(entity=w.babbage.id) == [top]
    bad = Community(id="c2", members=("e_ghost",))
    with pytest.raises(InvalidRecordError) as info:
        store.put_communities([bad])
    assert info.value.field == "members"
    assert store.communities() == [first, top]
    store.put_communities([], level=0)
    assert store.communities() == [top]


def test_build_communities_writes_two_triangles(store: Store) -> None:
    people = [Entity.named(n) for n in ["Ann", "Bob", "Cy", "Dee", "Eve", "Fay", "Gus"]]
    store.upsert_entities(people)
    pairs = [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)]
    store.add_facts(Fact.triple(people[a], "knows", people[b], agent="x") for a, b in pairs)
    found = build_communities(store)
    assert sorted(sorted(c.members) for c in found) == sorted(
        sorted(p.id for p in people[i : i + 3]) for i in (0, 3)
    )
    assert store.communities() == sorted(found, key=lambda c: c.id)
    assert all("knows (3)" in c.summary for c in found)


def test_goals_crud_with_parents_and_supporting_facts(store: Store) -> None:
    w = fill(store)
    plan = Goal(agent="a1", text="write the first program", scope=A1)
    step = Goal(agent="a1", text="learn the engine", parent=plan.id, facts=(w.built.id,), scope=A1)
    store.put_goal(plan)
    store.put_goal(step)
    assert store.get_goal(step.id) == step
    assert store.goals(parent=plan.id) == [step]
    done = Goal(
        agent="a1",
        text=step.text,
        parent=plan.id,
        status="done",
        facts=step.facts,
        scope=A1,
        id=step.id,
    )
    store.put_goal(done)
    assert store.goals(status="done") == [done]
    assert store.goals(scope=OUTSIDER) == []
    with pytest.raises(ScopeError):
        store.put_goal(Goal(agent="a1", text="x", scope=A2))
    store.promote(plan.id, Scope.team("t1"), by="lead")
    promoted = store.get_goal(plan.id)
    assert promoted is not None and promoted.scope == Scope.team("t1")
    store.put_goal(Goal(agent="a1", text="renamed", scope=Scope.team("t1"), id=plan.id))
    store.delete_goal(plan.id)
    orphan = store.get_goal(step.id)
    assert store.get_goal(plan.id) is None and orphan is not None and orphan.parent is None
    with pytest.raises(RecordNotFoundError):
        store.delete_goal(plan.id)


def test_stats_and_export(store: Store) -> None:
    w = fill(store)
    store.add_episode(Episode(agent="a1", text="hello", scope=A1))
    store.set_status(w.built.id, "quarantined")
    stats = store.stats()
    assert (stats.episodes, stats.entities, stats.facts) == (1, 5, 4)
    assert stats.facts_by_status == {"active": 3, "quarantined": 1}
    everything = store.export()
    assert len(everything.facts) == 4 and len(everything.entities) == 5
    mine = store.export(scope=A1)
    assert {f.id for f in mine.facts} == {w.studied.id, w.lived.id}
    assert {e.id for e in mine.entities} == {w.ada.id, w.math.id, w.london.id}


def test_graph_view_of_the_working_set(store: Store) -> None:
    w = fill(store)
    store.add_fact(Fact.triple(w.ada, "born", "1815", agent="a1", scope=A1))
    graph = store.graph(around=[w.math.id], hops=1)
    assert isinstance(graph, nx.MultiDiGraph)
    assert set(graph) == {w.math.id, w.ada.id, "literal:1815"}  # literals of members come along
    assert graph.nodes[w.ada.id]["name"] == "Ada Lovelace"
    whole = store.graph()
    assert whole.number_of_edges() == 5 and "literal:1815" in whole
    edge = whole.edges[w.ada.id, w.math.id, w.studied.id]
    assert edge["relation"] == "studied" and edge["confidence"] == 0.9
    assert set(store.graph(around=[w.ada.id], hops=2, scope=A1)) == {
        w.ada.id,
        w.math.id,
        w.london.id,
        "literal:1815",
    }


def test_a_closed_store_says_so(store: Store) -> None:
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.stats()


def test_both_search_indexes_rank_and_score_alike() -> None:
    from agora.memory import NetworkXStore, SQLiteStore

    results = []
    for store in (SQLiteStore(":memory:"), NetworkXStore()):
        fill(store)
        hits = store.search("Ada Lovelace studied mathematics London")
        results.append([(getattr(store.get_fact(i), "text", None), round(s, 6)) for i, s in hits])
        store.close()
    assert results[0] == results[1]


def message(**fields: object) -> Episode:
    defaults: dict[str, object] = {
        "agent": "a1", "text": "Paris", "kind": "answer", "scope": A1, "created_at": 3.0,
        "conversation_id": "c1", "message_id": "m2", "parent_id": "m1",
        "recipients": ("user", "a2"), "verified": None,
    }  # fmt: skip
    return Episode(**(defaults | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize("verified", [None, True, False])
def test_message_episodes_keep_their_message_fields(store: Store, verified: bool | None) -> None:
    said = message(id="m2", verified=verified)
    seen = Episode(agent="a1", text="saw a cat", scope=A1, created_at=1.0)
    store.add_episodes([said, seen])
    got = store.get_episode("m2")
    assert got == said
    assert got is not None and got.verified is verified and got.recipients == ("user", "a2")
    assert got.conversation_id == "c1" and got.message_id == "m2" and got.parent_id == "m1"
    assert store.episodes(scope=A1) == [said, seen]
    back = store.get_episode(seen.id)
    assert back is not None
    assert (back.message_id, back.recipients, back.verified) == (None, (), None)
    assert store.export().episodes == [said, seen]


def test_episodes_are_written_from_another_thread_while_this_one_works(store: Store) -> None:
    import threading

    written = [message(id=f"m{i}", created_at=float(i)) for i in range(200)]
    failures: list[BaseException] = []

    def write() -> None:
        try:
            for episode in written:
                store.add_episode(episode)
        except BaseException as exc:  # reported below
            failures.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    busy = True
    while busy:
        busy = writer.is_alive()
        store.episodes(scope=A1, limit=-1)
        store.put_goal(Goal(agent="a1", text="plan", scope=A1, id="g1"))  # a write too
    writer.join()
    assert failures == []
    assert store.stats().goals == 1
    assert store.episodes(scope=A1, limit=-1) == written[::-1]


def test_lineage_leads_from_a_fact_to_the_episodes_it_came_from(store: Store) -> None:
    from agora.memory import lineage

    w = fill(store)
    first, second = message(id="m2"), message(id="m5", agent="a2", scope=A2, created_at=5.0)
    store.add_episodes([first, second])
    fact = Fact.triple(w.ada, "born", "1815", agent="a1", scope=A1, episodes=("m2", "m9", "m5"))
    store.add_fact(fact)
    found = lineage(store, fact.id)
    assert found == [first, second]  # in provenance order; m9 is held by no store
    assert [(e.agent, e.conversation_id) for e in found] == [("a1", "c1"), ("a2", "c1")]
    store.set_status(fact.id, "quarantined")  # hidden from reads, still traceable
    assert lineage(store, fact.id) == [first, second]
    assert lineage(store, w.studied.id) == []
    with pytest.raises(RecordNotFoundError, match="no fact"):
        lineage(store, "f_missing")
    with pytest.raises(UserError, match="fact_id"):
        lineage(store, "")
    with pytest.raises(UserError, match="Store"):
        lineage("store", fact.id)  # type: ignore[arg-type]

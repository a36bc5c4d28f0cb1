"""Hybrid retrieval (`Retriever`) on every backend: filters, fusion, expansion, rerank, budget."""

from __future__ import annotations

import pytest

from agora.embeddings import HashEmbedder
from agora.errors import UserError
from agora.memory import (
    Entity,
    Fact,
    Retriever,
    Scope,
    Store,
    VectorIndex,
    reciprocal_rank_fusion,
)
from agora.memory.retrieval.ranking import estimate_tokens

A1 = Scope.agent("a1", team="t1")
A2 = Scope.agent("a2", team="t1")
B1 = Scope.agent("b1", team="t2")
E = {n: Entity.named(n) for n in ("Paris", "France", "Seine", "Lyon", "bread", "flour")}


def fact(subject: str, relation: str, obj: str, scope: Scope = A1, **fields: object) -> Fact:
    fields.setdefault("valid_from", 100.0)
    return Fact.triple(E[subject], relation, E[obj], agent=str(scope.agent_id), scope=scope,
                       **fields)  # fmt: skip


def retriever(store: Store, facts: list[Fact], **options: object) -> Retriever:
    store.upsert_entities(E.values())
    store.add_facts(facts)
    settings: dict[str, object] = {"embedder": HashEmbedder(dim=64), "min_similarity": 0.3}
    made = Retriever(store, clock=lambda: 1000.0, **{**settings, **options})  # type: ignore[arg-type]
    made.index_facts(facts)
    return made


def texts(found: object) -> list[str]:
    return [f.fact.text for f in found.facts]  # type: ignore[attr-defined]


def test_rrf_sums_reciprocal_ranks_and_keeps_first_seen_order_on_ties() -> None:
    fused = reciprocal_rank_fusion({"bm25": ["a", "b", "c"], "vector": ["c", "d"]}, k=60)
    assert [i for i, _ in fused] == ["c", "a", "b", "d"]
    assert fused[0][1] == pytest.approx(1 / 63 + 1 / 61)
    assert reciprocal_rank_fusion({"x": ["p"], "y": ["q"]}) == [("p", 1 / 61), ("q", 1 / 61)]


def test_rrf_weights_scale_each_channel_and_default_to_one() -> None:
    rankings = {"bm25": ["a", "b"], "vector": ["b", "a"]}
    assert [i for i, _ in reciprocal_rank_fusion(rankings, weights={"vector": 2.0})][0] == "b"
    assert [i for i, _ in reciprocal_rank_fusion(rankings, weights={"bm25": 2.0})][0] == "a"
    unweighted = reciprocal_rank_fusion(rankings)
    assert reciprocal_rank_fusion(rankings, weights={"bm25": 1.0}) == unweighted


def test_hit_by_both_channels_ranks_first_with_both_sources(store: Store) -> None:
    r = retriever(store, [fact("Paris", "capital_of", "France"), fact("bread", "needs", "flour")])
    found = r.retrieve("Paris capital", token_budget=500)
    top = found.facts[0]
    assert top.fact.text == "Paris capital_of France"
    assert set(top.sources) == {"bm25", "vector"}
    assert found.candidates["bm25"] == 1


def test_scope_filter_hides_other_teams_private_facts(store: Store) -> None:
    mine, theirs = fact("Paris", "capital_of", "France"), fact("Paris", "twin_of", "Lyon", B1)
    r = retriever(store, [mine, theirs], expansion="none")
    assert texts(r.retrieve("Paris", scope=A1)) == ["Paris capital_of France"]
    assert texts(r.retrieve("Paris", scope=B1)) == ["Paris twin_of Lyon"]
    assert len(r.retrieve("Paris").facts) == 2


def test_scope_filter_also_applies_to_expansion(store: Store) -> None:
    hit, hidden = fact("Paris", "capital_of", "France"), fact("France", "borders", "Lyon", B1)
    r = retriever(store, [hit, hidden])
    assert texts(r.retrieve("capital", scope=A1)) == ["Paris capital_of France"]


def test_time_filter_reads_history_and_hides_quarantined(store: Store) -> None:
    old = fact("Paris", "population", "France", valid_from=10.0)
    r = retriever(store, [old, fact("bread", "needs", "flour")])
    new = fact("Paris", "population", "Lyon", valid_from=50.0)
    store.supersede(old.id, new)
    r.index_facts([new])
    assert texts(r.retrieve("population", valid_at=20.0)) == [old.text]
    assert texts(r.retrieve("population")) == [new.text]
    store.set_status(new.id, "quarantined")
    assert r.retrieve("population").facts == ()


def test_expansion_adds_facts_around_hits_with_their_seed(store: Store) -> None:
    hit, near = fact("Paris", "capital_of", "France"), fact("Seine", "flows_through", "Paris")
    r = retriever(store, [hit, near, fact("bread", "needs", "flour")])
    found = r.retrieve("capital", token_budget=500)
    assert texts(found) == [hit.text, near.text]
    assert found.facts[1].sources == ("expansion",) and found.facts[1].via == hit.id
    assert found.facts[1].fused == pytest.approx(found.facts[0].fused * 0.5)
    assert texts(Retriever(store, expansion="none").retrieve("capital")) == [hit.text]


def test_two_hops_reach_further_than_one(store: Store) -> None:
    chain = [fact("bread", "baked_in", "Paris"), fact("Paris", "capital_of", "France"),
             fact("France", "grows", "flour")]  # fmt: skip
    assert len(retriever(store, chain, embedder=None).retrieve("baked").facts) == 2
    r2 = Retriever(store, hops=2)
    assert texts(r2.retrieve("baked")) == [c.text for c in chain]


def test_pagerank_expansion_finds_neighbours(store: Store) -> None:
    hit, near = fact("Paris", "capital_of", "France"), fact("Seine", "flows_through", "Paris")
    r = retriever(store, [hit, near, fact("bread", "needs", "flour")], expansion="pagerank")
    found = r.retrieve("capital")
    assert texts(found)[:2] == [hit.text, near.text]
    assert found.facts[1].sources == ("expansion",)


def test_rerank_by_confidence_trust_and_recency(store: Store) -> None:
    weak = fact("Paris", "capital_of", "France", confidence=0.3)
    strong = fact("Lyon", "capital_of", "France", A2, confidence=0.9)
    r = retriever(store, [weak, strong], expansion="none", embedder=None)
    assert texts(r.retrieve("capital")) == [strong.text, weak.text]
    r.trust = {"a2": 0.1}
    assert texts(r.retrieve("capital")) == [weak.text, strong.text]
    r.trust, r.half_life_s = {}, 10.0
    recent = fact("Seine", "capital_of", "France", confidence=0.3, valid_from=999.0)
    store.add_fact(recent)
    assert texts(r.retrieve("capital"))[0] == recent.text


def test_token_budget_is_respected_and_reports_what_was_dropped(store: Store) -> None:
    facts = [fact("Paris", f"rel{i}", "France", text=f"Paris fact {i} " + "x" * 80)
             for i in range(10)]  # fmt: skip
    r = retriever(store, facts, expansion="none")
    found = r.retrieve("Paris fact", token_budget=120)
    assert 0 < len(found.facts) < 10 and found.dropped == 10 - len(found.facts)
    assert estimate_tokens(found.to_prompt()) <= found.tokens <= 120
    assert r.retrieve("Paris fact", token_budget=5).to_prompt() == ""


def test_prompt_lines_carry_provenance(store: Store) -> None:
    f = fact("Paris", "capital_of", "France", episodes=("ep_1",), confidence=0.75)
    found = retriever(store, [f]).retrieve("Paris")
    item = found.facts[0]
    assert item.fact.agents == ("a1",) and item.fact.episodes == ("ep_1",)
    prompt = found.to_prompt()
    assert prompt.startswith("Memory (")
    for part in ("Paris capital_of France", "confidence 0.75", "by a1", "agent:t1/a1", f.id):
        assert part in prompt


def test_works_without_embedder_and_rebuilds_the_index_from_the_store(store: Store) -> None:
    facts = [fact("Paris", "capital_of", "France"), fact("bread", "needs", "flour")]
    r = retriever(store, facts)
    assert r.rebuild_index() == 2 and r.index is not None and len(r.index) == 2
    bare = Retriever(store)
    assert bare.index is None and bare.index_facts(facts) == 0 and bare.rebuild_index() == 0
    assert texts(bare.retrieve("bread", token_budget=500)) == ["bread needs flour"]


def test_vector_channel_finds_facts_bm25_misses(store: Store) -> None:
    f = fact("Paris", "capital_of", "France", text="capitals")
    found = retriever(store, [f], expansion="none").retrieve("capital")  # no shared token
    assert found.candidates["bm25"] == 0 and found.facts[0].sources == ("vector",)


def test_a_given_empty_index_is_used(store: Store) -> None:
    index = VectorIndex(64, quantization="float16")
    r = retriever(store, [fact("Paris", "capital_of", "France")], index=index)
    assert r.index is index and len(index) == 1


def test_bad_options_are_user_errors(store: Store) -> None:
    with pytest.raises(UserError, match="hops"):
        Retriever(store, hops=3)
    with pytest.raises(UserError, match="dim"):
        Retriever(store, embedder=HashEmbedder(dim=64), index=VectorIndex(32))

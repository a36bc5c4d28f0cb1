"""BM25 search within a scoring budget: the plan, and both backends running it alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agora.memory import Entity, Fact, NetworkXStore, Scope, SQLiteStore, Store
from agora.memory.retrieval import _bm25
from agora.memory.retrieval._bm25 import Plan, plan, score_budget

A1, A2 = Scope.agent("a1", team="t1"), Scope.agent("a2", team="t1")


def test_a_query_within_budget_scores_every_match() -> None:
    assert plan({"ada": 3, "of": 200}, budget=256) == Plan(words=("ada", "of"))
    assert not plan({"ada": 3, "of": 200}, budget=256).pruned


def test_over_budget_the_rarest_words_are_matched_and_the_common_ones_fill() -> None:
    how = plan({"of": 900, "ada": 3, "engine": 100, "the": 5000}, budget=256)
    assert how.words == ("ada", "engine", "of", "the")  # every word still scores
    assert (how.selective, how.common, how.fill) == (("ada", "engine"), ("of", "the"), 153)


def test_a_single_word_over_budget_is_its_own_candidate_source() -> None:
    how = plan({"the": 5000, "missing": 0}, budget=256)
    assert how == Plan(words=("the",), selective=("the",), common=(), fill=0)
    assert plan({"missing": 0}, budget=256) == Plan(words=())


def test_over_budget_words_in_more_than_the_common_share_of_documents_are_left_out() -> None:
    frequencies = {"ada": 3, "of": 900, "the": 950}
    assert plan(frequencies, budget=256, documents=2000) == Plan(words=("ada",))
    assert plan({"of": 900, "the": 950}, budget=256, documents=2000) == Plan(
        words=("of",), selective=("of",)
    )  # all common: the rarest stays
    assert plan({"ada": 3, "of": 200}, budget=256, documents=1000).words == ("ada", "of")
    # The share is a twentieth: over the budget, 6% of the documents is common, 4% is not.
    assert plan({"ada": 3, "of": 120, "in": 80}, budget=100, documents=2000).words == ("ada", "in")


def test_the_budget_grows_with_the_limit() -> None:
    assert score_budget(1) == score_budget(16) == 128
    assert score_budget(100) == 800


def _corpus(store: Store, common: int, rare: int, filler: int = 0) -> list[Fact]:
    """`filler` facts without the query words, then `common` saying "common" (a1, then a2
    for the newest tenth), then `rare` saying "zebra common"; returns them in that order."""
    entity = Entity.named("thing")
    store.upsert_entities([entity])
    facts = []
    for i in range(filler + common + rare):
        j = i - filler
        scope = A2 if common - common // 10 <= j < common else A1
        words = "other" if j < 0 else "zebra common" if j >= common else f"common filler{i % 7}"
        text = f"thing says {words} v{i}"
        facts.append(Fact.triple(entity, "says", f"v{i}", agent=str(scope.agent_id), scope=scope,
                                 text=text, valid_from=float(i)))  # fmt: skip
    store.add_facts(facts)
    return facts


def test_a_pruned_search_ranks_the_rare_word_first(store: Store) -> None:
    # 153 facts say "common" (over the budget of 128, under a twentieth of the 3,153 facts).
    facts = _corpus(store, common=150, rare=3, filler=3000)
    hits = store.search("zebra common", limit=5)
    assert {i for i, _ in hits[:3]} == {f.id for f in facts[-3:]}  # both words: best
    # Then the candidates of "common": its newest 125 facts (128 less the 3 of "zebra"),
    # the 122 newest of the 150 that say only "common"; equal scores, oldest first.
    said = facts[3000:3150]
    assert [i for i, _ in hits[3:]] == [said[28].id, said[29].id]


def test_over_budget_a_word_in_most_facts_is_left_out(store: Store) -> None:
    facts = _corpus(store, common=400, rare=3)  # every fact says "common"
    alone = store.search("zebra", limit=5)
    assert store.search("zebra common", limit=5) == alone  # "common" left out
    assert {i for i, _ in alone} == {f.id for f in facts[-3:]}
    assert len(store.search("common says", limit=5)) == 5  # all common: the rarest stays


def test_a_narrow_reader_still_gets_a_full_page_from_a_pruned_search(store: Store) -> None:
    facts = _corpus(store, common=3000, rare=0)
    mine = {f.id for f in facts if f.scope == A1}
    hits = store.search("common", scope=A1, limit=20)
    assert len(hits) == 20 and {i for i, _ in hits} <= mine


def test_a_word_with_diacritics_is_counted_as_fts_folds_it() -> None:
    store = SQLiteStore(":memory:")
    entity = Entity.named("Café")
    store.upsert_entities([entity])
    fact = Fact.triple(
        entity, "serves", "crème brûlée", agent="a1", text="Café serves crème brûlée"
    )
    store.add_facts([fact])
    assert [i for i, _ in store.search("brûlée")] == [fact.id]
    assert [i for i, _ in store.search("creme")] == [fact.id]
    store.close()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(
        st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), min_size=1, max_size=4),
        min_size=1,
        max_size=60,
    ),
    readers=st.lists(st.booleans(), min_size=60, max_size=60),
    query=st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "z"]), min_size=1, max_size=4),
    limit=st.integers(-1, 6),
    scoped=st.booleans(),
)
def test_both_backends_prune_and_rank_alike(
    texts: list[list[str]], readers: list[bool], query: list[str], limit: int, scoped: bool
) -> None:
    entity = Entity.named("x")
    facts = [
        Fact.triple(entity, "r", f"o{i}", agent="a1" if readers[i] else "a2",
                    scope=A1 if readers[i] else A2, text=" ".join(words))
        for i, words in enumerate(texts)
    ]  # fmt: skip
    old = _bm25.MIN_BUDGET, _bm25.PER_RESULT
    _bm25.MIN_BUDGET, _bm25.PER_RESULT = 4, 2  # prune at test sizes
    try:
        results = []
        for store in (SQLiteStore(":memory:"), NetworkXStore()):
            store.upsert_entities([entity])
            store.add_facts(facts)
            hits = store.search(" ".join(query), scope=A1 if scoped else None, limit=limit)
            results.append([(fact_id, round(score, 6)) for fact_id, score in hits])
            store.close()
        assert results[0] == results[1]
    finally:
        _bm25.MIN_BUDGET, _bm25.PER_RESULT = old


def test_candidates_of_a_filtered_search_are_taken_among_readable_facts(store: Store) -> None:
    # The newest facts saying "b" belong to someone else: the reader's candidates are its
    # own 128 newest, so its best (oldest, on equal scores) is its first fact.
    entity = Entity.named("x")
    store.upsert_entities([entity])
    facts = [
        Fact.triple(entity, "r", f"o{i}", agent="a2" if i >= 128 else "a1",
                    scope=A2 if i >= 128 else A1, text="b", valid_from=float(i))
        for i in range(130)
    ]  # fmt: skip
    store.add_facts(facts)
    assert [i for i, _ in store.search("b", scope=A1, limit=1)] == [facts[0].id]
    assert store.search("b", limit=0) == store.search("b", limit=-1) == []


@pytest.mark.parametrize("backend", [SQLiteStore, NetworkXStore])
def test_pruning_can_be_turned_off_by_budget(
    backend: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = backend(":memory:") if backend is SQLiteStore else backend()
    facts = _corpus(store, common=400, rare=0)
    pruned = store.search("common", limit=3)
    monkeypatch.setattr(_bm25, "MIN_BUDGET", 10**9)
    exact = store.search("common", limit=3)
    # Equal scores (same length): exact ranking breaks ties by age, pruned takes the newest.
    assert [i for i, _ in exact] == [f.id for f in facts[:3]]
    assert {i for i, _ in pruned} <= {f.id for f in facts[-128:]}
    store.close()


@pytest.mark.parametrize("writer", ["same store", "another connection"])
def test_word_counts_kept_between_searches_follow_every_write(writer: str, tmp_path: Path) -> None:
    reader = SQLiteStore(tmp_path / "memory.db")
    _corpus(reader, common=200, rare=0)
    assert reader.search("zebra common", limit=3)  # counts "zebra" as in no fact
    other = SQLiteStore(tmp_path / "memory.db") if writer == "another connection" else reader
    entity = Entity.named("thing")
    zebras = [
        Fact.triple(
            entity, "says", f"z{i}", agent="a1", scope=A1, text=f"thing says zebra common z{i}"
        )
        for i in range(3)
    ]
    other.add_facts(zebras)
    assert {i for i, _ in reader.search("zebra common", limit=3)} == {f.id for f in zebras}
    other.close()
    reader.close()

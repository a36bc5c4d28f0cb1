"""Aggregating several experts' answers."""

from __future__ import annotations

import pytest

from agora import UserError
from agora.agents.aggregate import (
    Vote,
    aggregate,
    confidence_weighted,
    majority_vote,
    normalize_answer,
)


def test_majority_vote_normalizes_and_breaks_ties_by_rank() -> None:
    votes = [Vote("a", "Lyon", 0.6), Vote("b", " paris. ", 0.3), Vote("c", "PARIS", 0.1)]
    result = majority_vote(votes)
    assert (result.text, result.agreeing) == ("paris.", ("b", "c"))
    assert result.support == pytest.approx(2 / 3)
    tie = majority_vote([Vote("a", "x"), Vote("b", "y")])
    assert tie.text == "x"


def test_confidence_weighted_uses_router_weight_times_confidence() -> None:
    votes = [
        Vote("a", "Lyon", 0.6, confidence=0.9),
        Vote("b", "Paris", 0.3),
        Vote("c", "Paris", 0.1),
    ]
    assert confidence_weighted(votes).text == "Lyon"  # 0.54 vs 0.4
    assert majority_vote(votes).text == "Paris"
    low = [Vote("a", "Lyon", 0.6, confidence=0.1), *votes[1:]]
    assert confidence_weighted(low).text == "Paris"


def test_aggregate_dispatch_and_errors() -> None:
    votes = [Vote("a", "x")]
    assert aggregate("vote", votes).text == "x"
    assert aggregate("weighted", votes).support == pytest.approx(1.0)
    with pytest.raises(UserError, match="synthesize"):
        aggregate("synthesize", votes)
    with pytest.raises(UserError, match="zero"):
        majority_vote([])


def test_normalize_answer() -> None:
    assert normalize_answer("Ｐａｒｉｓ!") == "paris"
    assert normalize_answer("a\n\tb") == "a b"

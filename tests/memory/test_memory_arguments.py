"""Bad arguments to Retriever, Fuser, FusionConfig and VectorIndex raise agora errors."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from memory_fixtures import fill

from agora.embeddings import HashEmbedder
from agora.errors import AgoraError, ConfigError, InvalidRecordError, UserError
from agora.memory import Fuser, FusionConfig, NetworkXStore, Retriever, VectorIndex
from agora.protocols.payloads import KnowledgeClaim

EMBEDDER = HashEmbedder(dim=16)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hops": True},
        {"hops": 3},
        {"candidates": 0},
        {"candidates": 2.5},
        {"expansion": "all"},
        {"decay": math.nan},
        {"decay": 2},
        {"min_similarity": math.inf},
        {"half_life_s": 0},
        {"rrf_k": -1},
        {"weights": {"vector": -1.0}},
        {"weights": {"graph": 1.0}},
        {"weights": [1.0]},
        {"seeds": None},
        {"trust": {"a1": 2.0}},
        {"trust": ["a1"]},
        {"index": "index"},
        {"clock": 5},
        {"embedder": "minilm"},
    ],
)
def test_retriever_options_are_checked(kwargs: dict[str, Any]) -> None:
    with pytest.raises(AgoraError):
        Retriever(NetworkXStore(), **kwargs)


def test_a_retriever_needs_a_store() -> None:
    with pytest.raises(ConfigError):
        Retriever({})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        lambda r: r.retrieve(None),
        lambda r: r.retrieve("x", scope="global"),
        lambda r: r.retrieve("x", valid_at=math.nan),
        lambda r: r.retrieve("x", token_budget=-1),
        lambda r: r.retrieve("x", token_budget=1.5),
        lambda r: r.retrieve("x", query_vector=np.zeros(3)),
        lambda r: r.retrieve("x", query_vector=np.full(16, np.nan)),
        lambda r: r.retrieve("\ud800"),
        lambda r: r.index_facts("facts"),
        lambda r: r.index_facts([1]),
        lambda r: r.index_facts([], batch=0),
        lambda r: r.embed_query(3),
    ],
)
def test_retriever_calls_are_checked(call: Any) -> None:
    store = NetworkXStore()
    w = fill(store)
    retriever = Retriever(store, embedder=EMBEDDER)
    retriever.index_facts([w.studied])
    with pytest.raises(UserError):
        call(retriever)
    assert len(retriever.index or ()) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"k": True},
        {"k": 0},
        {"margin": math.nan},
        {"margin": -1},
        {"min_trust": math.nan},
        {"min_history": -1},
        {"min_history": 1.5},
        {"min_relevance": 2},
        {"promote_to": "world"},
        {"functional": "born_in"},
        {"literal_relations": [1]},
    ],
)
def test_fusion_config_is_checked(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidRecordError):
        FusionConfig(**kwargs)


CLAIM = KnowledgeClaim(subject="Paris", relation="capital_of", object="France")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"agent": "a 1"},
        {"agent": None},
        {"team": "t 1"},
        {"episode": 5},
        {"valid_from": True},
        {"valid_from": math.inf},
        {"interest": np.zeros(3)},
        {"interest": "geography"},
    ],
)
def test_fuse_checks_its_arguments_and_changes_nothing(kwargs: dict[str, Any]) -> None:
    store = NetworkXStore()
    fuser = Fuser(store, embedder=EMBEDDER)
    with pytest.raises(UserError):
        fuser.fuse(CLAIM, **{"agent": "a1", **kwargs})
    assert store.export() == NetworkXStore().export()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"config": {"k": 2}},
        {"weights": {"a1": math.nan}},
        {"weights": {"a1": True}},
        {"weights": ["a1"]},
        {"trust": {"a1": -1}},
        {"embedder": 5},
    ],
)
def test_fuser_constructor_is_checked(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        Fuser(NetworkXStore(), **kwargs)
    with pytest.raises(UserError):
        Fuser(NetworkXStore()).fused(min_agents="2")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dim": True},
        {"dim": 2.0},
        {"dim": 0},
        {"quantization": "int4"},
        {"train_at": -1},
        {"probes": 0},
        {"seed": -1},
    ],
)
def test_vector_index_options_are_checked(kwargs: dict[str, Any]) -> None:
    with pytest.raises(UserError):
        VectorIndex(**{"dim": 2, **kwargs})


@pytest.mark.parametrize(
    "call",
    [
        lambda ix, tmp: ix.add("ab", [[1.0, 0.0], [0.0, 1.0]]),
        lambda ix, tmp: ix.add([1], [[1.0, 0.0]]),
        lambda ix, tmp: ix.add(["a"], [[1.0, 0.0, 0.0]]),
        lambda ix, tmp: ix.add(["a"], [["x", "y"]]),
        lambda ix, tmp: ix.add(["a"], [[math.nan, 0.0]]),
        lambda ix, tmp: ix.add(["a"], object()),
        lambda ix, tmp: ix.search([1.0, 0.0, 0.0]),
        lambda ix, tmp: ix.search([1.0, math.inf]),
        lambda ix, tmp: ix.search([1.0, 0.0], k=1.5),
        lambda ix, tmp: ix.search([1.0, 0.0], exact="yes"),
        lambda ix, tmp: ix.save(5),
        lambda ix, tmp: ix.save(tmp / "missing" / "ix.npz"),
        lambda ix, tmp: VectorIndex.load(None),
    ],
)
def test_vector_index_calls_are_checked_and_change_nothing(call: Any, tmp_path: Path) -> None:
    index = VectorIndex(2, train_at=0)
    index.add(["x"], [[1.0, 0.0]])
    with pytest.raises(UserError):
        call(index, tmp_path)
    assert len(index) == 1 and index.search([1.0, 0.0], k=5) == [("x", 1.0)]

"""Embedder constructors check their settings and raise ConfigError naming them."""

from __future__ import annotations

import math
from typing import Any

import pytest

from agora import ConfigError
from agora.embeddings import CachedEmbedder, HashEmbedder, MiniLMEmbedder


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dim": 2.5},
        {"dim": True},
        {"dim": "8"},
        {"dim": 1},
        {"char_weight": math.nan},
        {"char_weight": -1},
        {"char_ngrams": 1},
    ],
)
def test_hash_embedder_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="HashEmbedder"):
        HashEmbedder(**kwargs)


@pytest.mark.parametrize("kwargs", [{"maxsize": 0}, {"maxsize": True}, {"maxsize": 1.5}])
def test_cached_embedder_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="maxsize"):
        CachedEmbedder(HashEmbedder(), **kwargs)
    with pytest.raises(ConfigError, match="Embedder"):
        CachedEmbedder("hash")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs", [{"threads": True}, {"threads": 1.0}, {"batch_size": None}, {"model_path": 5}]
)
def test_minilm_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="MiniLMEmbedder"):
        MiniLMEmbedder(**kwargs)

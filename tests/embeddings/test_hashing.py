"""HashEmbedder: stable across processes, configurable, never a zero row."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

from agora import ConfigError
from agora.embeddings import HashEmbedder, embed_one, hashing

TEXTS = ["capital city of France", "France's capital", "", "Route this task to the coder"]

DIGEST_IN_CHILD = """
import hashlib
from agora.embeddings import HashEmbedder
texts = {texts!r}
for embedder in (HashEmbedder(), HashEmbedder(dim=64, char_ngrams=False)):
    print(hashlib.sha256(embedder.embed(texts).tobytes()).hexdigest())
"""


def _digests_here() -> list[str]:
    return [
        hashlib.sha256(embedder.embed(TEXTS).tobytes()).hexdigest()
        for embedder in (HashEmbedder(), HashEmbedder(dim=64, char_ngrams=False))
    ]


@pytest.mark.parametrize("hash_seed", ["0", "12345"])
def test_vectors_are_identical_in_another_process(hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    child = subprocess.run(
        [sys.executable, "-c", DIGEST_IN_CHILD.format(texts=TEXTS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    assert child.stdout.split() == _digests_here()


def test_name_encodes_the_settings() -> None:
    assert HashEmbedder().name == "hash-256-c3w0.5"
    assert HashEmbedder(dim=64, char_ngrams=False).name == "hash-64"
    assert HashEmbedder(dim=32).dim == 32


@pytest.mark.parametrize("kwargs", [{"dim": 1}, {"dim": 0}, {"char_weight": -1.0}])
def test_bad_settings_raise_config_error(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        HashEmbedder(**kwargs)


def test_case_and_punctuation_do_not_matter() -> None:
    embedder = HashEmbedder()
    np.testing.assert_array_equal(
        embed_one(embedder, "Hello, World!"), embed_one(embedder, "hello world")
    )


def test_trigrams_link_word_forms() -> None:
    with_trigrams, words_only = HashEmbedder(), HashEmbedder(char_ngrams=False)
    for embedder, expect_overlap in ((with_trigrams, True), (words_only, False)):
        a, b = embedder.embed(["routing", "route"])
        assert bool(a @ b > 0.2) is expect_overlap


def test_features_that_cancel_fall_back_to_the_empty_vector() -> None:
    embedder = HashEmbedder(dim=2, char_ngrams=False)
    words = [f"w{i}" for i in range(200)]
    rows = {word: embed_one(embedder, word) for word in words}
    a, b = next((a, b) for a in words for b in words if np.allclose(rows[a], -rows[b], atol=1e-6))
    np.testing.assert_array_equal(embed_one(embedder, f"{a} {b}"), embed_one(embedder, ""))


def test_word_memo_restarts_without_changing_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = HashEmbedder().embed(TEXTS)
    monkeypatch.setattr(hashing, "_WORD_CACHE_SIZE", 2)
    embedder = HashEmbedder()
    for _ in range(3):
        np.testing.assert_array_equal(embedder.embed(TEXTS), expected)
    assert len(embedder._word_features) <= 2 + len(" ".join(TEXTS).split())

"""The `Embedder` contract, run against every backend and the cache wrapper."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from agora import UserError
from agora.embeddings import (
    CachedEmbedder,
    Embedder,
    HashEmbedder,
    MiniLMEmbedder,
    embed_one,
)

FACTORIES: dict[str, Callable[[], Embedder]] = {
    "hash": HashEmbedder,
    "hash-words": lambda: HashEmbedder(dim=64, char_ngrams=False),
    "cached-hash": lambda: CachedEmbedder(HashEmbedder(), maxsize=3),
    "minilm": MiniLMEmbedder,
    "cached-minilm": lambda: CachedEmbedder(MiniLMEmbedder(batch_size=2)),
}

TEXTS = [
    "What is the capital city of France?",
    "",
    "   \n\t",
    "!!! ???",
    "Größe, 東京, naïve café",
    "word " * 600,
    "What is the capital city of France?",
]


@pytest.fixture(params=list(FACTORIES), ids=list(FACTORIES))
def embedder(request: pytest.FixtureRequest) -> Embedder:
    if "minilm" in request.param:
        request.applymarker(pytest.mark.slow)
    return FACTORIES[request.param]()


def test_is_an_embedder(embedder: Embedder) -> None:
    assert isinstance(embedder, Embedder)
    assert isinstance(embedder.name, str) and embedder.name
    assert embedder.dim > 0


def test_rows_are_float32_unit_vectors(embedder: Embedder) -> None:
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), embedder.dim)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_sequence_gives_zero_rows(embedder: Embedder) -> None:
    assert embedder.embed([]).shape == (0, embedder.dim)


def test_empty_text_maps_to_one_fixed_unit_vector(embedder: Embedder) -> None:
    first = embed_one(embedder, "")
    again = embedder.embed(["something else", ""])[1]
    np.testing.assert_allclose(first, again, atol=1e-6)
    assert np.linalg.norm(first) == pytest.approx(1.0, abs=1e-5)


def test_a_text_gets_the_same_row_whatever_the_batch(embedder: Embedder) -> None:
    alone = embed_one(embedder, TEXTS[0])
    batch = embedder.embed(TEXTS)
    np.testing.assert_allclose(batch[0], alone, atol=1e-5)
    np.testing.assert_allclose(batch[-1], alone, atol=1e-5)
    assert embed_one(embedder, TEXTS[0]).shape == (embedder.dim,)


def test_accepts_any_sequence_of_str(embedder: Embedder) -> None:
    assert embedder.embed(("a", "b")).shape == (2, embedder.dim)


@pytest.mark.parametrize("bad", [["ok", None], ["ok", "fine", b"bytes"], ["ok", 3]])
def test_non_str_item_raises_user_error_naming_its_index(embedder: Embedder, bad: list) -> None:
    index = len(bad) - 1
    with pytest.raises(UserError, match=rf"texts\[{index}\] is \w+, not str"):
        embedder.embed(bad)


@pytest.mark.parametrize("bad", ["a bare string", b"bytes", {"a", "b"}])
def test_a_bare_string_or_non_sequence_is_refused(embedder: Embedder, bad: object) -> None:
    with pytest.raises(UserError, match="embed"):
        embedder.embed(bad)  # type: ignore[arg-type]


def test_shared_words_score_higher_than_unrelated_text(embedder: Embedder) -> None:
    query, near, far = embedder.embed(
        ["capital city of France", "France's capital", "how to bake sourdough bread"]
    )
    assert query @ near > query @ far + 0.2


@pytest.mark.parametrize("text", ["\ud800", "ok \udfff", "\udc80\ud800"])
def test_lone_surrogates_raise_user_error_naming_the_index(embedder: Embedder, text: str) -> None:
    with pytest.raises(UserError, match=r"texts\[1\]"):
        embedder.embed(["fine", text])

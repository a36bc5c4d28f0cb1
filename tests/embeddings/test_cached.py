"""CachedEmbedder: LRU order, one inner call per batch of misses, read-only rows, threads."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt
import pytest

from agora import ConfigError, UserError
from agora.embeddings import CachedEmbedder, HashEmbedder


class CountingEmbedder:
    """Records every batch it is asked to embed."""

    def __init__(self) -> None:
        self.inner = HashEmbedder(dim=16)
        self.calls: list[list[str]] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.calls.append(list(texts))
        return self.inner.embed(texts)


def test_misses_go_to_the_inner_embedder_once_each() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner)
    first = cached.embed(["a", "b", "a"])
    second = cached.embed(["b", "c", "a"])
    assert inner.calls == [["a", "b"], ["c"]]
    assert (cached.hits, cached.misses) == (3, 3)
    np.testing.assert_array_equal(first, inner.inner.embed(["a", "b", "a"]))
    np.testing.assert_array_equal(second, inner.inner.embed(["b", "c", "a"]))


def test_least_recently_used_text_is_dropped_first() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, maxsize=2)
    cached.embed(["a", "b"])
    cached.embed(["a"])  # "a" is now the most recent
    cached.embed(["c"])  # evicts "b"
    inner.calls.clear()
    cached.embed(["a", "b", "c"])
    assert inner.calls == [["b"]]
    assert len(cached) == 2


def test_callers_cannot_corrupt_the_cache() -> None:
    cached = CachedEmbedder(HashEmbedder(dim=8))
    out = cached.embed(["a"])
    expected = out.copy()
    out[:] = 0.0
    np.testing.assert_array_equal(cached.embed(["a"]), expected)
    assert cached.embed(["a"]).flags.writeable


def test_same_space_as_the_inner_embedder() -> None:
    inner = HashEmbedder(dim=32)
    cached = CachedEmbedder(inner)
    assert (cached.name, cached.dim) == (inner.name, inner.dim)
    assert "maxsize=4096" in repr(cached)


def test_bad_input_is_refused_before_the_inner_call() -> None:
    inner = CountingEmbedder()
    with pytest.raises(UserError, match=r"texts\[1\]"):
        CachedEmbedder(inner).embed(["a", 1])  # type: ignore[list-item]
    assert inner.calls == []


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="maxsize"):
        CachedEmbedder(HashEmbedder(), maxsize=0)


def test_clear_forgets_rows_and_counters() -> None:
    cached = CachedEmbedder(HashEmbedder(dim=8))
    cached.embed(["a", "a"])
    cached.clear()
    assert (len(cached), cached.hits, cached.misses) == (0, 0, 0)


def test_concurrent_callers_get_consistent_rows() -> None:
    inner = HashEmbedder(dim=32)
    cached = CachedEmbedder(inner, maxsize=50)
    texts = [f"task {i % 80}" for i in range(400)]

    def work(start: int) -> npt.NDArray[np.float32]:
        return cached.embed(texts[start : start + 40])

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(0, 400, 40)))
    np.testing.assert_array_equal(np.concatenate(results), inner.embed(texts))
    assert len(cached) <= 50
    assert cached.hits + cached.misses == len(texts)

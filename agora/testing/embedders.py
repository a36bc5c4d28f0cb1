"""`TableEmbedder`: an `agora.embeddings.Embedder` that looks each text up in a table.

For tests that need exact geometry (which text is near which) rather than a real model's.

Example:
    >>> from agora.testing import TableEmbedder
    >>> embedder = TableEmbedder({"a": [3.0, 4.0], "b": [0.0, 1.0]})
    >>> embedder.dim, [round(float(x), 3) for x in embedder.embed(["a"])[0]]
    (2, [0.6, 0.8])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from agora.errors import UserError

__all__ = ["TableEmbedder"]


class TableEmbedder:
    """Embeds each text as its table vector, scaled to unit length.

    Attributes:
        name: ``"table"`` (its vectors are only comparable with each other).

    Args:
        table: text to vector; every vector has the same length (the `dim`) and is not zero.

    Raises:
        UserError: the table is empty, or its vectors differ in length or are zero.
    """

    def __init__(self, table: Mapping[str, Sequence[float]]) -> None:
        if not table:
            raise UserError("TableEmbedder needs at least one text and its vector")
        vectors = {text: np.asarray(v, np.float32) for text, v in table.items()}
        dims = {v.shape for v in vectors.values()}
        if len(dims) != 1 or len(next(iter(dims))) != 1:
            raise UserError(f"TableEmbedder vectors must be flat and of one length, got {dims}")
        if any(not v.any() for v in vectors.values()):
            raise UserError("TableEmbedder vectors must not be zero (they are unit-normalized)")
        self.table = {text: v / np.linalg.norm(v) for text, v in vectors.items()}
        self.dim = int(next(iter(dims))[0])
        self.name = "table"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """The unit vectors of `texts`.

        Raises:
            UserError: a text is not in the table (its name is given).
        """
        missing = [t for t in texts if t not in self.table]
        if missing:
            raise UserError(f"TableEmbedder has no vector for {missing[:3]}; add it to the table")
        return np.stack([self.table[t] for t in texts])

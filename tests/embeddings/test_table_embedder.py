"""`agora.testing.TableEmbedder`: the test double with exact geometry."""

from __future__ import annotations

import numpy as np
import pytest

from agora import UserError
from agora.embeddings import Embedder
from agora.testing import TableEmbedder


def test_texts_map_to_their_unit_vectors() -> None:
    embedder = TableEmbedder({"a": [3.0, 4.0], "b": [0.0, 2.0]})
    assert isinstance(embedder, Embedder) and embedder.dim == 2
    vectors = embedder.embed(["b", "a"])
    assert vectors.dtype == np.float32
    assert vectors.ravel().tolist() == pytest.approx([0.0, 1.0, 0.6, 0.8])


@pytest.mark.parametrize(
    "table", [{}, {"a": [1.0], "b": [1.0, 0.0]}, {"a": [0.0, 0.0]}, {"a": [[1.0]]}]
)
def test_a_bad_table_is_a_typed_error(table: dict[str, list[float]]) -> None:
    with pytest.raises(UserError, match="TableEmbedder"):
        TableEmbedder(table)


def test_an_unknown_text_names_itself() -> None:
    with pytest.raises(UserError, match="'zebra'"):
        TableEmbedder({"a": [1.0]}).embed(["a", "zebra"])

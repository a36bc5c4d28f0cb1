"""`HashEmbedder`: signed feature hashing, for tests and benchmarks.

No model and no data files: a text's lowercased words (and, by default, the character trigrams
of each word) are hashed into `dim` buckets with a ``+1`` or ``-1`` sign, and the row is
L2-normalized. Texts that share words or word pieces get a higher cosine similarity than texts
that share none; nothing more semantic than that. The hash is ``blake2b``, not Python's
``hash()``, so vectors are identical across processes, machines and ``PYTHONHASHSEED`` values.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from agora._checks import check_bool, check_int, check_number
from agora.embeddings.base import MAX_DIM, l2_normalize, validate_texts

__all__ = ["HashEmbedder"]

_WORD = re.compile(r"\w+")
# The one feature of a text with no words, so that its row still has unit norm.
_EMPTY_FEATURE = "\x00empty"
# Words whose bucket lists an embedder keeps; past this the memo starts over.
_WORD_CACHE_SIZE = 1 << 16


def _feature_hash(feature: str) -> int:
    digest = hashlib.blake2b(feature.encode(), digest_size=8, person=b"agora-hashemb")
    return int.from_bytes(digest.digest(), "little")


class HashEmbedder:
    """Deterministic bag-of-words embedder: fast, dependency-free, not semantic.

    Args:
        dim: number of hash buckets, the vector length.
        char_ngrams: also hash the character trigrams of each word (``"<fr"``, ``"fra"``,
            …), so that ``"route"`` and ``"routing"`` overlap.
        char_weight: weight of one trigram relative to one word.

    Example:
        >>> from agora.embeddings import embed_one
        >>> embedder = HashEmbedder()
        >>> a, b, c = (embed_one(embedder, t) for t in (
        ...     "capital city of France", "France's capital", "how to bake sourdough bread"))
        >>> bool(a @ b > a @ c)
        True
    """

    def __init__(self, dim: int = 256, *, char_ngrams: bool = True, char_weight: float = 0.5):
        check_int(dim, "HashEmbedder dim", low=2, high=MAX_DIM)
        check_bool(char_ngrams, "HashEmbedder char_ngrams")
        check_number(char_weight, "HashEmbedder char_weight", low=0.0)
        self._dim = dim
        self.char_ngrams = char_ngrams
        self.char_weight = char_weight
        self._word_features: dict[str, tuple[list[int], list[float]]] = {}

    @property
    def name(self) -> str:
        """``hash-<dim>``, plus ``-c3w<weight>`` when character trigrams are on."""
        suffix = f"-c3w{self.char_weight:g}" if self.char_ngrams else ""
        return f"hash-{self._dim}{suffix}"

    @property
    def dim(self) -> int:
        """The vector length (number of hash buckets)."""
        return self._dim

    def __repr__(self) -> str:
        return f"HashEmbedder(dim={self._dim}, char_ngrams={self.char_ngrams})"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed `texts` into ``(len(texts), dim)`` unit-norm rows.

        A text without any word character maps to one fixed unit vector (that of the
        reserved "empty" feature), and so does the rare text whose features cancel out.

        Raises:
            UserError: `texts` is a bare string, or one of its items is not a string.

        Example:
            >>> HashEmbedder(dim=8).embed(["", "x"]).shape
            (2, 8)
        """
        items = validate_texts(texts)
        out = np.zeros((len(items), self._dim), dtype=np.float32)
        for row, text in enumerate(items):
            out[row] = self._counts(self._features(text))
            if not out[row].any():  # no words, or features that cancelled out exactly
                out[row] = self._counts(self._features(""))
        return l2_normalize(out)

    def _counts(self, features: tuple[list[int], list[float]]) -> npt.NDArray[np.float64]:
        indices, values = features
        counts: npt.NDArray[np.float64] = np.bincount(
            indices, weights=values, minlength=self._dim
        ).astype(np.float64, copy=False)
        return counts

    def _features(self, text: str) -> tuple[list[int], list[float]]:
        indices: list[int] = []
        values: list[float] = []
        for word in _WORD.findall(text.lower()) or [_EMPTY_FEATURE]:
            cached = self._word_features.get(word)
            if cached is None:
                cached = self._word_features[word] = self._hash_word(word)
            indices.extend(cached[0])
            values.extend(cached[1])
        if len(self._word_features) > _WORD_CACHE_SIZE:
            self._word_features.clear()
        return indices, values

    def _hash_word(self, word: str) -> tuple[list[int], list[float]]:
        features = [("w:" + word, 1.0)]
        if self.char_ngrams and self.char_weight > 0 and word != _EMPTY_FEATURE:
            padded = f"<{word}>"
            features += [
                ("c:" + padded[i : i + 3], self.char_weight) for i in range(len(padded) - 2)
            ]
        hashes = [(_feature_hash(feature), weight) for feature, weight in features]
        return (
            [(h >> 1) % self._dim for h, _ in hashes],
            [weight if h & 1 else -weight for h, weight in hashes],
        )

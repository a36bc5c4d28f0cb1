"""An in-memory BM25 index scored exactly like SQLite FTS5's ``bm25()`` (internal).

Used by `NetworkXStore`, so both backends rank the same facts the same way.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable

from agora.memory._rules import tokens

K1, B = 1.2, 0.75


class BM25Index:
    """Append-only inverted index over documents numbered 0, 1, 2, ..."""

    def __init__(self) -> None:
        self._postings: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
        self._lengths: list[int] = []
        self._total = 0

    def add(self, text: str) -> int:
        """Index `text`; return its document number."""
        doc = len(self._lengths)
        words = tokens(text)
        for word, count in Counter(words).items():
            self._postings[word].append((doc, count))
        self._lengths.append(len(words))
        self._total += len(words)
        return doc

    def search(
        self, query: str, keep: Callable[[int], bool], limit: int
    ) -> list[tuple[int, float]]:
        """Documents matching any word of `query` and passing `keep`, best first.

        Ties go to the older document, as in SQLite's ``ORDER BY score DESC, rowid``.
        """
        n_docs = len(self._lengths)
        if n_docs == 0:
            return []
        avg = self._total / n_docs
        scores: defaultdict[int, float] = defaultdict(float)
        for word in dict.fromkeys(tokens(query)):
            postings = self._postings.get(word, [])
            idf = math.log((n_docs - len(postings) + 0.5) / (len(postings) + 0.5))
            idf = max(idf, 1e-6)
            for doc, tf in postings:
                norm = K1 * (1 - B + B * self._lengths[doc] / avg)
                scores[doc] += idf * tf * (K1 + 1) / (tf + norm)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [(doc, score) for doc, score in ranked if keep(doc)][:limit]

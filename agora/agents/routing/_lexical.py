"""Lexical evidence for `agora.agents.routing.Router`: BM25 over what each agent knows (internal).

Each agent's *document* is its expertise text plus the texts of the tasks it solved (each
distinct text once, at most ``limit`` of them). The router scores only its shortlist this way,
so the cost is a few dictionary look-ups per query word and shortlisted agent, whatever the
number of agents. Scores are divided by the most a document could score on the query
(``(k1 + 1)`` times the query words' summed idf), so they lie in [0, 1) and add to an
embedding similarity on a comparable scale.

Example:
    >>> lexicon = Lexicon(limit=8)
    >>> lexicon.set("geo", "capitals and rivers")
    >>> lexicon.set("chem", "acids and molecules")
    >>> [round(float(s), 2) for s in lexicon.scores(words("which rivers"), ["geo", "chem"])]
    [0.45, 0.0]
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["Lexicon", "words"]

K1, B = 1.2, 0.75
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """The lower-cased alphanumeric words of `text`."""
    return _WORD.findall(text.lower())


class Lexicon:
    """Per-agent word counts and the document frequencies BM25 needs.

    Args:
        limit: solved-task texts folded into an agent's document at most.
    """

    __slots__ = ("_df", "_docs", "_lengths", "_limit", "_seen", "_total")

    def __init__(self, *, limit: int) -> None:
        self._limit = limit
        self._docs: dict[str, Counter[str]] = {}
        self._lengths: dict[str, int] = {}
        self._seen: dict[str, set[str]] = {}
        self._df: Counter[str] = Counter()
        self._total = 0

    def set(self, name: str, text: str) -> None:
        """Make `text` the whole document of `name` (registering resets what it solved)."""
        self.remove(name)
        doc = Counter(words(text))
        self._docs[name] = doc
        self._lengths[name] = sum(doc.values())
        self._total += self._lengths[name]
        self._df.update(doc.keys())
        self._seen[name] = set()

    def remove(self, name: str) -> None:
        """Forget `name`'s document."""
        doc = self._docs.pop(name, None)
        if doc is None:
            return
        self._df.subtract(doc.keys())
        self._total -= self._lengths.pop(name)
        self._seen.pop(name, None)

    def add(self, name: str, text: str) -> None:
        """Fold a task `name` solved into its document (each distinct text once)."""
        seen = self._seen.get(name)
        if seen is None or text in seen or len(seen) >= self._limit:
            return
        seen.add(text)
        doc = self._docs[name]
        new = Counter(words(text))
        self._df.update(w for w in new if w not in doc)
        doc.update(new)
        self._lengths[name] += sum(new.values())
        self._total += sum(new.values())

    def holds(self, name: str, text: str) -> bool:
        """Whether the task `text` was folded into `name`'s document."""
        return text in self._seen.get(name, ())

    def scores(
        self, query: Sequence[str], names: Sequence[str], *, left_out: str | None = None
    ) -> npt.NDArray[np.float64]:
        """BM25 of `query` (its words) against each of `names`, scaled into [0, 1).

        With `left_out`, a task text, each document that holds it is scored without it (so
        that calibrating on a solved task is not in-sample).
        """
        out = np.zeros(len(names))
        count = len(self._docs)
        if not count or not query:
            return out
        average = max(self._total / count, 1.0)
        unique = set(query)
        idf = {
            w: math.log((count - df + 0.5) / (df + 0.5) + 1.0)
            for w in unique
            if (df := self._df.get(w, 0)) > 0
        }
        if not idf:
            return out
        best = (K1 + 1.0) * math.fsum(idf.values())
        minus = Counter(words(left_out)) if left_out is not None else None
        for i, name in enumerate(names):
            doc = self._docs.get(name)
            if doc is None:
                continue
            length = self._lengths[name]
            drop = minus is not None and left_out in self._seen[name]
            if drop:
                length -= sum(minus.values())  # type: ignore[union-attr]
            norm = K1 * (1.0 - B + B * length / average)
            total = 0.0
            for w, weight in idf.items():
                tf = doc.get(w, 0) - (minus.get(w, 0) if drop else 0)  # type: ignore[union-attr]
                if tf > 0:
                    total += weight * tf * (K1 + 1.0) / (tf + norm)
            out[i] = total / best
        return out

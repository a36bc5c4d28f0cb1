"""BM25 over fact text: the shared search plan, and an in-memory index scored like FTS5 (internal).

`BM25Index` is used by `NetworkXStore`, so both backends rank the same facts the same way;
`plan` decides for both which documents a search scores.

**Scoring budget.** Scoring a match costs far more than finding it (in FTS5 about 2.5 us
against 0.4 us at 1M facts: ``bm25()`` looks up the document's length), and a query word
that is common in the store ("of", a frequent relation) matches a large share of it. So a
search scores every match only while the query's words match at most `score_budget`
documents in all. Beyond that:

1. words held by more than a twentieth of all documents (`COMMON_SHARE`: "of", "the") are
   left out, unless every word is one (then the rarest stays): their IDF is low (at most
   ln 19 = 2.9, against about 10 for a word in a few facts of a million), and walking their
   matches is what such a search would spend its time on. The share was 0.1 until the
   retrieval eval (`agora.evals.retrieval --tune`, ``docs/evals.md``) found 0.05 as good on
   its dev half and better on the held-out half (MRR@10 on rephrased queries +0.005 to
   +0.007, both files' intervals above 0);
2. if the remaining words fit the budget, every match of theirs is scored;
3. otherwise a bounded candidate set is scored, as Lucene's common-terms query did: the
   documents of the *selective* words (the rarest ones whose documents fit the budget
   together; at least the rarest word), newest first, and the newest documents of the
   *common* words in the room left. Every candidate is scored with every remaining word,
   so the common words still rank the candidates; a document holding only common words
   can be missed when it is older than the candidates taken.

Read filters (scope, status, time) apply while candidates are taken, so a narrow reader
still gets a full budget of them.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import islice

from agora.memory._rules import tokens

K1, B = 1.2, 0.75
#: Least number of documents a search scores before it prunes (see `score_budget`).
MIN_BUDGET = 128
#: Documents scored per result asked for, when that is more than `MIN_BUDGET`.
PER_RESULT = 8
#: Over the budget, words held by more than this share of all documents ("of", "the") are
#: left out of the search (their IDF is low), unless every query word is one. Set by the
#: retrieval eval's dev/held-out split (see the module docstring).
COMMON_SHARE = 0.05


def score_budget(limit: int) -> int:
    """Most documents a search for `limit` results scores: max(128, 8 x limit)."""
    return max(MIN_BUDGET, PER_RESULT * limit)


@dataclass(frozen=True, slots=True)
class Plan:
    """Which documents a search scores: all matches, or a bounded candidate set."""

    words: tuple[str, ...]
    """The distinct query words searched for, all scored: those the store holds, less the
    common ones left out over the budget."""
    selective: tuple[str, ...] = ()
    """Pruned search: words whose documents are all candidates (newest first, up to the budget)."""
    common: tuple[str, ...] = ()
    """Pruned search: words whose newest documents fill the rest of the budget."""
    fill: int = 0
    """Pruned search: how many documents of the common words are candidates."""

    @property
    def pruned(self) -> bool:
        """Whether the search scores candidates only (else every match)."""
        return bool(self.selective)


def plan(frequencies: Mapping[str, int], budget: int, documents: int | None = None) -> Plan:
    """The search plan for query words with these document `frequencies` (see the module doc).

    `documents` is how many documents the index holds; over the budget, words held by more
    than `COMMON_SHARE` of them are left out (``None``: none is).

    Example:
        >>> plan({"ada": 3, "of": 900}, budget=256)
        Plan(words=('ada', 'of'), selective=('ada',), common=('of',), fill=253)
        >>> plan({"ada": 3, "of": 900}, budget=256, documents=2000)
        Plan(words=('ada',), selective=(), common=(), fill=0)
        >>> plan({"ada": 3, "of": 90}, budget=256).pruned
        False
    """
    present = sorted((n, word) for word, n in frequencies.items() if n > 0)
    if sum(n for n, _ in present) > budget and documents is not None:
        present = [(n, w) for n, w in present if n <= COMMON_SHARE * documents] or present[:1]
    words = tuple(word for _, word in present)
    if sum(n for n, _ in present) <= budget:
        return Plan(words)
    selective: list[str] = []
    used = 0
    for n, word in present:
        if selective and used + n > budget:
            break
        selective.append(word)
        used += n
    common = words[len(selective) :]
    return Plan(words, tuple(selective), common, max(budget - used, 0) if common else 0)


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
        if not self._lengths or limit <= 0:
            return []
        words = dict.fromkeys(tokens(query))
        frequencies = {w: len(self._postings.get(w, ())) for w in words}
        budget = score_budget(limit)
        how = plan(frequencies, budget, len(self._lengths))
        if how.pruned:
            docs = self._newest(how.selective, keep, budget)
            docs |= self._newest(how.common, keep, how.fill)
            scores = self._score(how.words, docs)
        else:
            scores = self._score(how.words, None)
            scores = {doc: score for doc, score in scores.items() if keep(doc)}
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:limit]

    def _newest(self, words: tuple[str, ...], keep: Callable[[int], bool], count: int) -> set[int]:
        """The newest `count` documents holding any of `words` that pass `keep`."""
        docs = sorted({doc for w in words for doc, _ in self._postings[w]}, reverse=True)
        return set(islice((doc for doc in docs if keep(doc)), count))

    def _score(self, words: tuple[str, ...], only: set[int] | None) -> dict[int, float]:
        """BM25 of the documents holding any of `words` (only those in `only`, if given)."""
        n_docs, avg = len(self._lengths), self._total / len(self._lengths)
        scores: defaultdict[int, float] = defaultdict(float)
        for word in words:
            postings = self._postings.get(word, [])
            idf = math.log((n_docs - len(postings) + 0.5) / (len(postings) + 0.5))
            idf = max(idf, 1e-6)
            hits = postings
            if only is not None:
                hits = [p for doc in only if (p := _posting(postings, doc)) is not None]
            for doc, tf in hits:
                norm = K1 * (1 - B + B * self._lengths[doc] / avg)
                scores[doc] += idf * tf * (K1 + 1) / (tf + norm)
        return scores


def _posting(postings: list[tuple[int, int]], doc: int) -> tuple[int, int] | None:
    """The posting of `doc` in `postings` (sorted by document), or ``None``."""
    at = bisect_left(postings, (doc, 0))
    return postings[at] if at < len(postings) and postings[at][0] == doc else None

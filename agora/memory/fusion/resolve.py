"""Entity resolution for fusion (internal): normalize → exact → fuzzy → embedding.

A name is first reduced to a *key* (case-folded, punctuation dropped, spaces collapsed); an
exact key match, or a match of its sorted words ("Lovelace, Ada" = "Ada Lovelace"), wins.
Otherwise the character-bigram shingle Jaccard against known names decides (fuzzy), and
last the cosine of name embeddings (when an `Embedder` is given). Matches respect entity
types: an untyped name matches any type, typed names only their own.

Example:
    >>> from agora.memory import Entity
    >>> resolver = EntityResolver()
    >>> resolver.register(Entity.named("Ada Lovelace"))
    >>> [resolver.resolve(n).how for n in ("ada  LOVELACE!", "Lovelace, Ada", "Ada Lovelaec")]
    ['exact', 'exact', 'fuzzy']
    >>> resolver.resolve("Charles Babbage").how
    'new'
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from agora.embeddings import Embedder
from agora.memory.records import Entity, normalize_name

__all__ = ["EntityResolver", "Match", "name_key", "shingle_jaccard", "shingles"]

_PUNCT = re.compile(r"[^\w\s]|_")

MatchKind = Literal["exact", "fuzzy", "embedding", "new"]


def name_key(name: str) -> str:
    """The form names are compared in: `normalize_name` with punctuation dropped.

    Example:
        >>> name_key("  Ada-Lovelace, Countess ")
        'ada lovelace countess'
    """
    return normalize_name(_PUNCT.sub(" ", name))


def shingles(key: str, n: int = 2) -> frozenset[str]:
    """Character `n`-grams of `key`, padded so short names still have some.

    Example:
        >>> sorted(shingles("ab"))
        ['#a', 'ab', 'b#']
    """
    padded = f"#{key}#"
    return frozenset(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))


def shingle_jaccard(a: str, b: str, n: int = 2) -> float:
    """Jaccard similarity of the shingle sets of two names' keys.

    Example:
        >>> shingle_jaccard("Babbage", "babbage"), round(shingle_jaccard("Babbage", "Babage"), 2)
        (1.0, 0.86)
    """
    sa, sb = shingles(name_key(a), n), shingles(name_key(b), n)
    return len(sa & sb) / len(sa | sb)


@dataclass(frozen=True, slots=True)
class Match:
    """How a name resolved: the entity, the step that found it, and its similarity."""

    entity: Entity
    """The canonical entity (a fresh one when `how` is ``"new"``)."""
    how: MatchKind
    """``exact``, ``fuzzy``, ``embedding`` or ``new``."""
    score: float = 1.0
    """Similarity of the match (1.0 for exact and new)."""


class EntityResolver:
    """Maps entity names (and their variants) onto canonical entities.

    Args:
        embedder: embeds names for the last step; ``None`` skips it.
        fuzzy_threshold: least shingle Jaccard for a fuzzy match.
        embedding_threshold: least cosine for an embedding match.
    """

    def __init__(
        self,
        *,
        embedder: Embedder | None = None,
        fuzzy_threshold: float = 0.6,
        embedding_threshold: float = 0.92,
    ) -> None:
        self.embedder = embedder
        self.fuzzy_threshold = fuzzy_threshold
        self.embedding_threshold = embedding_threshold
        self._exact: dict[str, Entity] = {}
        self._entities: list[Entity] = []
        self._ids: set[str] = set()
        self._keys: list[frozenset[str]] = []
        self._names: list[str] = []  # name_key of each entity's name
        self._postings: defaultdict[str, set[int]] = defaultdict(set)
        self._vectors: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._entities)

    def register(self, entity: Entity, alias: str | None = None) -> None:
        """Make `entity` canonical for its own name, and for `alias` when given."""
        for name in (entity.name, alias):
            if name is None:
                continue
            key = name_key(name)
            for form in (key, " ".join(sorted(key.split()))):
                self._exact.setdefault(form, entity)
        if entity.id in self._ids:
            return
        self._ids.add(entity.id)
        index = len(self._entities)
        self._entities.append(entity)
        key = name_key(entity.name)
        grams = shingles(key)
        self._keys.append(grams)
        self._names.append(key)
        for gram in grams:
            self._postings[gram].add(index)
        if self.embedder is not None:
            vector = self.embedder.embed([entity.name])[0]
            if index == len(self._vectors):  # grow by doubling: no copy per name
                grown = np.zeros((max(16, 2 * index), len(vector)), dtype=np.float32)
                if index:
                    grown[:index] = self._vectors[:index]
                self._vectors = grown
            self._vectors[index] = vector

    def resolve(self, name: str, *, type: str = "") -> Match:
        """The canonical entity for `name`, or a new one (not registered) when none matches."""
        key = name_key(name)
        for form in (key, " ".join(sorted(key.split()))):
            found = self._exact.get(form)
            if found is not None and _types_agree(found.type, type):
                return Match(found, "exact")
        return (
            self._fuzzy(key, type)
            or self._embedded(name, type)
            or Match(Entity.named(name, type=type), "new")
        )

    def _fuzzy(self, key: str, type: str) -> Match | None:
        grams = shingles(key)
        # Prefix filter: a name with Jaccard >= t shares >= t * |grams| of them, and one edit
        # changes at most 3 bigrams, so a match must hold one of the rarest
        # max(|grams| - ceil(t * |grams|) + 1, 4): probing only those keeps common bigrams
        # from making every lookup scan every name.
        needed = math.ceil(self.fuzzy_threshold * len(grams) - 1e-9)
        probe = min(len(grams), max(len(grams) - needed + 1, 4))
        rarest = sorted(grams, key=lambda g: (len(self._postings.get(g, ())), g))[:probe]
        candidates = set[int]().union(*(self._postings.get(g, set()) for g in rarest))
        best: tuple[float, int] | None = None
        for index in sorted(candidates):
            if not _types_agree(self._entities[index].type, type):
                continue
            other = self._keys[index]
            shared = len(grams & other)
            score = shared / (len(grams) + len(other) - shared)
            if (
                score < self.fuzzy_threshold
                and shared >= len(grams) - 3  # else more than one edit apart
                and abs(len(key) - len(self._names[index])) <= 1
                and _one_edit(key, self._names[index])
            ):
                score = 1.0 - 1.0 / max(len(key), 1)
            if score >= self.fuzzy_threshold and (best is None or score > best[0]):
                best = (score, index)
        return None if best is None else Match(self._entities[best[1]], "fuzzy", best[0])

    def _embedded(self, name: str, type: str) -> Match | None:
        count = len(self._entities)
        if self.embedder is None or not count:
            return None
        scores = self._vectors[:count] @ self.embedder.embed([name])[0]
        for index in np.argsort(-scores):
            score = float(scores[index])
            if score < self.embedding_threshold:
                return None
            if _types_agree(self._entities[int(index)].type, type):
                return Match(self._entities[int(index)], "embedding", score)
        return None


def _types_agree(known: str, wanted: str) -> bool:
    return not known or not wanted or known == wanted


def _one_edit(a: str, b: str) -> bool:
    """Whether names of 5+ characters differ by one edit (insert, delete, swap, transpose)."""
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1 or a == b:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    swapped = a[i : i + 2][::-1] == b[i : i + 2] and a[i + 2 :] == b[i + 2 :]
    return swapped or a[i + 1 :] in (b[i + 1 :], b[i:]) or a[i:] == b[i + 1 :]

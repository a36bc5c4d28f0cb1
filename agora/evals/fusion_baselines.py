"""Baselines of the real-facts fusion eval, and its scoring: exact match to the data's strings.

Each baseline maps assertions ``(agent, subject, relation, object)`` to a set of triples.
None of them uses `agora.memory`: their spelling rules are written here.

- `naive_union`: every asserted triple.
- `majority_vote`: per (subject, relation), the object most agents assert, when at least two
  do and no other object has as many.
- `two_agree_rule`: the reviewer's 30-line rule. Spellings one edit apart (after
  case-folding and dropping punctuation) are merged into the most often asserted one; keep
  every triple two agents assert, plus single-agent triples from agents whose triples others
  confirm at least 75% of the time, when no confirmed triple gives the same subject and
  relation another object.

`score` compares a method's triples with the truth after `norm` (case-folded, whitespace
collapsed) and nothing else, so a variant spelling in the output is an error.

Example:
    >>> said = [("a1", "Paris", "in", "France"), ("a2", "paris", "in", "Frnace"),
    ...         ("a3", "Paris", "in", "Italy")]
    >>> sorted(naive_union(said))
    [('Paris', 'in', 'France'), ('Paris', 'in', 'Italy'), ('paris', 'in', 'Frnace')]
    >>> sorted(two_agree_rule(said))
    [('Paris', 'in', 'France')]
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "Said",
    "Score",
    "Triple",
    "majority_vote",
    "naive_union",
    "norm",
    "score",
    "two_agree_rule",
]

Triple = tuple[str, str, str]
Said = tuple[str, str, str, str]
"""One assertion: ``(agent, subject, relation, object)``."""
TRUSTED = 0.75
_PUNCT = re.compile(r"[^\w\s]")


def norm(text: str) -> str:
    """The form scoring compares: case-folded, whitespace collapsed.

    Example:
        >>> norm("  New   York ")
        'new york'
    """
    return " ".join(text.casefold().split())


@dataclass(frozen=True, slots=True)
class Score:
    """Precision, recall and F1 of one method's triples against the truth."""

    triples: int
    precision: float
    recall: float
    f1: float


def score(found: Iterable[Triple], truth: Iterable[Triple]) -> Score:
    """Score `found` against `truth`, both compared by `norm` of every part.

    Example:
        >>> found = [("Paris", "in", "france"), ("Paris", "in", "Italy")]
        >>> score(found, [("Paris", "in", "France")])
        Score(triples=2, precision=0.5, recall=1.0, f1=0.6666666666666666)
    """
    found_n = {tuple(map(norm, t)) for t in found}
    truth_n = {tuple(map(norm, t)) for t in truth}
    right = len(found_n & truth_n)
    precision = right / len(found_n) if found_n else 1.0
    recall = right / len(truth_n) if truth_n else 1.0
    f1 = 2 * precision * recall / (precision + recall) if right else 0.0
    return Score(len(found_n), precision, recall, f1)


def naive_union(said: Iterable[Said]) -> set[Triple]:
    """Every asserted triple, as spelt."""
    return {(s, r, o) for _, s, r, o in said}


def majority_vote(said: Iterable[Said]) -> set[Triple]:
    """Per (subject, relation) under `norm`, the unique most-asserted object with 2+ agents."""
    votes: defaultdict[tuple[str, str], defaultdict[str, set[str]]] = defaultdict(
        lambda: defaultdict(set)
    )
    spelling: dict[tuple[str, str, str], str] = {}
    for agent, s, r, o in said:
        votes[(norm(s), r)][norm(o)].add(agent)
        spelling.setdefault((norm(s), r, norm(o)), f"{s}\x00{o}")
    out: set[Triple] = set()
    for (s, r), objects in votes.items():
        ranked = sorted((len(a), o) for o, a in objects.items())
        top, obj = ranked[-1]
        if top >= 2 and (len(ranked) == 1 or ranked[-2][0] < top):
            subject, object_ = spelling[(s, r, obj)].split("\x00")
            out.add((subject, r, object_))
    return out


def _deletes(key: str) -> set[str]:
    return {key} | {key[:i] + key[i + 1 :] for i in range(len(key))}


def _spellings(names: Counter[str]) -> dict[str, str]:
    """Name → its canonical spelling: the most asserted one within one edit of it."""
    key = {n: " ".join(_PUNCT.sub(" ", n.casefold()).split()) for n in names}
    parent = {n: n for n in names}

    def root(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    buckets: defaultdict[str, list[str]] = defaultdict(list)
    for n in sorted(names):  # symmetric deletes: one edit apart ⇒ a shared delete form
        for form in _deletes(key[n]) if len(key[n]) >= 4 else {key[n]}:
            buckets[form].append(n)
    for group in buckets.values():
        for other in group[1:]:
            parent[root(other)] = root(group[0])
    best: dict[str, str] = {}
    for n in sorted(names, key=lambda n: (-names[n], n)):
        best.setdefault(root(n), n)
    return {n: best[root(n)] for n in names}


def two_agree_rule(said: Sequence[Said], *, trusted: float = TRUSTED) -> set[Triple]:
    """The two-agents-agree plus trusted-single-source rule (see the module docstring)."""
    names = Counter(x for _, s, _, o in said for x in (s, o))
    canon = _spellings(names)
    agents: defaultdict[Triple, set[str]] = defaultdict(set)
    for agent, s, r, o in said:
        agents[(canon[s], r, canon[o])].add(agent)
    confirmed = {t for t, a in agents.items() if len(a) >= 2}
    mine: defaultdict[str, list[Triple]] = defaultdict(list)
    for t, a in agents.items():
        for agent in a:
            mine[agent].append(t)
    rate = {a: sum(t in confirmed for t in ts) / len(ts) for a, ts in mine.items()}
    slots: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for s, r, o in confirmed:
        slots[(s, r)].add(o)
    out = set(confirmed)
    for t, a in agents.items():
        single = len(a) == 1 and rate[next(iter(a))] >= trusted
        if single and not slots[t[:2]] - {t[2]}:
            out.add(t)
    return out

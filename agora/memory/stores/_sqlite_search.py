"""Full-text search of `SQLiteStore`: FTS5 BM25 within a scoring budget (internal).

The plan (`agora.memory.retrieval._bm25.plan`) comes from each query word's document frequency,
read from the ``temp.facts_vocab`` table (``fts5vocab``, made per connection by
`agora.memory.stores._sqlite_schema.connect`). Two ways to run it:

- **every match scored** (the words match at most the budget);
- **candidates scored**: a subquery takes the candidates and FTS5 scores them alone with
  every word. It still walks every match, but ``bm25()``, its costly part, runs on the
  candidates only (a unary ``+`` keeps SQLite from looking the candidates up one by one).

Either way the rows are ranked inside FTS5 first and only the top ones (every candidate,
for a pruned plan) are joined to ``facts`` for the read filters, about twice as fast as
joining every match. When the filters reject too many of them (for a pruned plan: any),
a query with the filters inside runs instead, candidates taken among readable facts, so
results are the same as filtering first.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from agora.memory._rules import tokens
from agora.memory.retrieval._bm25 import Plan, plan, score_budget
from agora.memory.stores._sqlite_bulk import last_fact_rowid

_OVERFETCH = 4


class FrequencyCache:
    """Document frequencies already counted, valid until the database changes.

    ``fts5vocab`` counts a word's documents by walking its whole doclist (about 10 ms for a
    word in 300k facts), so a word asked for again is not counted again until a commit
    (``PRAGMA data_version`` for other connections; `clear` for the store's own writes).
    """

    _MAX = 4096

    def __init__(self) -> None:
        self.version: int | None = None
        self.counts: dict[str, int] = {}

    def clear(self) -> None:
        """Forget every count (the store wrote)."""
        self.version = None
        self.counts = {}  # a new dict: a lookup in another thread keeps the one it holds

    def lookup(self, conn: sqlite3.Connection, words: list[str]) -> dict[str, int]:
        """How many facts hold each of `words`, counting only those not cached."""
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self.version or len(self.counts) > self._MAX:
            self.clear()
            self.version = version
        counts = self.counts
        missing = [w for w in words if w not in counts]
        if missing:
            counts.update(frequencies(conn, missing))
        return {w: counts[w] for w in words}


def ranked_facts(
    conn: sqlite3.Connection,
    text: str,
    where: str,
    params: list[Any],
    limit: int,
    cache: FrequencyCache,
) -> list[tuple[str, float]]:
    """Fact ids and BM25 scores (higher is better) for the words of `text`, filtered by `where`.

    `where` is a fragment over ``facts f`` starting with `` AND`` (or empty), `params` its
    parameters; `cache` keeps document frequencies between calls.
    """
    words = list(dict.fromkeys(tokens(text)))
    if not words or limit <= 0:
        return []
    budget = score_budget(limit)
    # Facts are never deleted, so the last rowid is how many there are.
    how = plan(cache.lookup(conn, words), budget, last_fact_rowid(conn))
    if not how.words:
        return []
    match = _match(how.words)
    # A pruned plan ranks every candidate (at most about the budget), so that the filter
    # check below sees them all: only when none is rejected are they the same candidates
    # as those taken among readable facts.
    fetch = budget + how.fill if how.pruned else limit * _OVERFETCH
    pick, args = _pick(how, "", [], budget)
    top = conn.execute(
        f"SELECT rowid, -bm25(facts_fts) AS score FROM facts_fts WHERE facts_fts MATCH ?{pick} "
        "ORDER BY score DESC, rowid LIMIT ?",
        [match, *args, fetch],
    ).fetchall()
    if not top:
        return []
    marks = ",".join("?" * len(top))
    sql = f"SELECT f.rowid, f.id FROM facts f WHERE f.rowid IN ({marks}){where}"
    passed = dict(conn.execute(sql, [*(r for r, _ in top), *params]).fetchall())
    found = [(passed[r], float(s)) for r, s in top if r in passed]
    if how.pruned:
        if len(found) == len(top):  # no candidate rejected
            return found[:limit]
    elif len(found) >= limit or len(top) < fetch:
        return found[:limit]
    pick, args = _pick(how, where, params, budget)
    sql = (
        "SELECT f.id, -bm25(facts_fts) AS score FROM facts_fts JOIN facts f "
        f"ON f.rowid = facts_fts.rowid WHERE facts_fts MATCH ?{pick}{where} "
        "ORDER BY score DESC, f.rowid LIMIT ?"
    )
    return [(i, float(s)) for i, s in conn.execute(sql, [match, *args, *params, limit])]


def frequencies(conn: sqlite3.Connection, words: list[str]) -> dict[str, int]:
    """How many facts hold each of `words` (words FTS5 does not hold: 0)."""
    ascii_words = [w for w in words if w.isascii()]
    marks = ",".join("?" * len(ascii_words))
    sql = f"SELECT term, doc FROM temp.facts_vocab WHERE term IN ({marks})"
    found = dict(conn.execute(sql, ascii_words).fetchall()) if ascii_words else {}
    for word in words:
        if not word.isascii():  # FTS5 folds diacritics: let it tokenize the word itself
            sql = "SELECT count(*) FROM facts_fts WHERE facts_fts MATCH ?"
            found[word] = conn.execute(sql, (_match((word,)),)).fetchone()[0]
    return {word: int(found.get(word, 0)) for word in words}


def _match(words: tuple[str, ...]) -> str:
    """An FTS5 MATCH expression: any of `words` (tokens, so free of quotes)."""
    return " OR ".join(f'"{w}"' for w in words)


def _pick(how: Plan, where: str, params: list[Any], budget: int) -> tuple[str, list[Any]]:
    """The candidate clause of a pruned plan and its parameters (empty for a full plan).

    With `where`, candidates are taken among the facts that pass it.
    """
    if not how.pruned:
        return "", []
    join = " JOIN facts f ON f.rowid = v.rowid" if where else ""
    take = (
        f"SELECT * FROM (SELECT v.rowid FROM facts_fts v{join} WHERE v.facts_fts MATCH ?{where} "
        "ORDER BY v.rowid DESC LIMIT ?)"
    )
    takes, args = [take], [_match(how.selective), *params, budget]
    if how.fill:
        takes.append(take)
        args += [_match(how.common), *params, how.fill]
    return f" AND +facts_fts.rowid IN ({' UNION ALL '.join(takes)})", args

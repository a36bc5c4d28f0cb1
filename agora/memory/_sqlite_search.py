"""Full-text search of `SQLiteStore`: FTS5 BM25 first, read filters after (internal).

Ranking every match inside FTS5 and joining only the top few to ``facts`` for the read
filters is about twice as fast as joining every match: a frequent word matches thousands of
facts. When the filters reject too many of the top rows, the exact join query runs instead,
so results are the same either way.
"""

from __future__ import annotations

import sqlite3
from typing import Any

_OVERFETCH = 4


def ranked_facts(
    conn: sqlite3.Connection, match: str, where: str, params: list[Any], limit: int
) -> list[tuple[str, float]]:
    """Fact ids and BM25 scores (higher is better) for FTS5 `match`, filtered by `where`."""
    fetch = max(limit, 1) * _OVERFETCH
    top = conn.execute(
        "SELECT rowid, -bm25(facts_fts) AS score FROM facts_fts WHERE facts_fts MATCH ? "
        "ORDER BY score DESC, rowid LIMIT ?",
        (match, fetch),
    ).fetchall()
    if not top:
        return []
    marks = ",".join("?" * len(top))
    sql = f"SELECT f.rowid, f.id FROM facts f WHERE f.rowid IN ({marks}){where}"
    passed = dict(conn.execute(sql, [*(r for r, _ in top), *params]).fetchall())
    found = [(passed[r], float(s)) for r, s in top if r in passed][:limit]
    if len(found) == limit or len(top) < fetch:
        return found
    sql = (
        "SELECT f.id, -bm25(facts_fts) AS score FROM facts_fts JOIN facts f "
        f"ON f.rowid = facts_fts.rowid WHERE facts_fts MATCH ?{where} "
        "ORDER BY score DESC, f.rowid LIMIT ?"
    )
    return [(i, float(s)) for i, s in conn.execute(sql, [match, *params, limit])]

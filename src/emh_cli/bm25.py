"""BM25 in memory, exactly as SQLite's FTS5 `bm25()` computes it.

A query in a run of them (`ask --batch`, the prompt) spends more time in
FTS5's `bm25()` than anywhere else. For a small store the index's postings
fit in a few dictionaries, loaded once, and the same scores come from plain
Python: the same constants, the same sums in the same order, the same ties.
`Index.candidates` uses this path when it may, and a test holds both to
agreement.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

K1 = 1.2  # FTS5's constants
B = 0.75
COLUMN_WEIGHTS = {"q": 2.0, "a": 1.0}  # as `bm25(fts, 2.0, 1.0)`

# A term FTS5's unicode61 tokenizer keeps as one token, unchanged; any other
# term in a query sends that query to FTS5 itself.
_ONE_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Postings:
    """Weighted term frequencies of every row, and what BM25 needs besides."""

    rows: int  # rows of the FTS table
    avgdl: float  # tokens per row
    freq: dict[str, dict[int, float]]  # term -> {rowid: weighted frequency}
    norm: dict[int, float]  # rowid -> K1 * (1 - B + B * D / avgdl)


def postings_of(instances: Iterable[tuple[str, int, str]], rows: int) -> Postings:
    """Postings from `fts5vocab` 'instance' rows (term, rowid, column), in the
    table's order, for an FTS table of `rows` rows."""
    freq: dict[str, dict[int, float]] = {}
    length: dict[int, int] = {}
    for term, rowid, column in instances:
        docs = freq.setdefault(term, {})
        docs[rowid] = docs.get(rowid, 0.0) + COLUMN_WEIGHTS[column]
        length[rowid] = length.get(rowid, 0) + 1
    avgdl = sum(length.values()) / rows if rows else 0.0
    norm = {r: K1 * (1 - B + B * d / avgdl) for r, d in length.items()} if avgdl else {}
    return Postings(rows, avgdl, freq, norm)


def can_score(terms: Iterable[str]) -> bool:
    """Whether every term matches in FTS5 as itself (one token, unchanged)."""
    return all(_ONE_TOKEN.fullmatch(t) for t in terms)


def best(postings: Postings, terms: Sequence[str], limit: int) -> list[tuple[int, float]]:
    """(rowid, BM25) of the rows sharing a term with `terms` (sorted, unique),
    best first (ties by rowid), at most `limit`: what FTS5 would return."""
    score: dict[int, float] = {}
    n_rows = postings.rows
    for term in terms:
        docs = postings.freq.get(term)
        if not docs:
            continue
        idf = math.log((n_rows - len(docs) + 0.5) / (len(docs) + 0.5))
        if idf <= 0.0:
            idf = 1e-6
        for rowid, tf in docs.items():
            part = idf * (tf * (K1 + 1.0) / (tf + postings.norm[rowid]))
            score[rowid] = score.get(rowid, 0.0) + part
    ranked = sorted(score.items(), key=lambda rs: (-rs[1], rs[0]))
    return ranked[:limit]

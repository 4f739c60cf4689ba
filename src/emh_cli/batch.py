"""`emh ask --batch`: one query per input line, one JSON object per output line."""

from __future__ import annotations

import json
from typing import IO

from emh_cli.errors import EmhError
from emh_cli.index import Index
from emh_cli.output import answer_json
from emh_cli.rank import ask


def batch_line(
    index: Index, line: str, *, limit: int, min_score: float, explain: bool
) -> dict[str, object]:
    query = line.rstrip("\r\n")
    if not query.strip():
        return {"query": query, "results": [], "error": "empty query"}
    try:
        return answer_json(ask(index, query, limit=limit, min_score=min_score), explain)
    except EmhError as e:
        return {"query": query, "results": [], "error": str(e)}


def run_batch(
    index: Index, stdin: IO[str], stdout: IO[str], *, limit: int, min_score: float, explain: bool
) -> int:
    """Answer every line of `stdin` in order, flushing after each; returns the count."""
    n = 0
    for line in stdin:
        obj = batch_line(index, line, limit=limit, min_score=min_score, explain=explain)
        stdout.write(json.dumps(obj, ensure_ascii=True) + "\n")
        stdout.flush()
        n += 1
    return n

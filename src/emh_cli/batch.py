"""`emh ask --batch`: one query per input line, one JSON object per output line."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import IO

from emh_cli.errors import EmhError
from emh_cli.index import Index
from emh_cli.output import answer_json, error_json
from emh_cli.rank import ask


def batch_line(
    index: Index, line: str, *, limit: int, min_score: float, explain: bool
) -> dict[str, object]:
    query = line.rstrip("\r\n")
    if not query.strip():
        return error_json(query, "empty query")
    try:
        return answer_json(ask(index, query, limit=limit, min_score=min_score), explain)
    except EmhError as e:
        return error_json(query, str(e))


NOT_UTF8 = "not valid UTF-8; its undecodable bytes were read as U+FFFD"
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, as stdin reads them


def run_batch(
    index: Index,
    stdin: IO[str],
    stdout: IO[str],
    *,
    limit: int,
    min_score: float,
    explain: bool,
    warn: Callable[[str], object] = lambda message: None,
) -> int:
    """Answer every line of `stdin` in order, flushing after each; returns the count.
    A line that is not UTF-8 is answered with U+FFFD for its undecodable bytes
    (as `ask` reads any query), and says so: a `warning` field, and `warn`
    (stderr) with its line number."""
    n = 0
    for line in stdin:
        n += 1
        obj = batch_line(index, line, limit=limit, min_score=min_score, explain=explain)
        if _UNDECODABLE.search(line):
            warn(f"line {n} is {NOT_UTF8}")
            obj["warning"] = f"the line is {NOT_UTF8}"
        stdout.write(json.dumps(obj, ensure_ascii=True) + "\n")
        stdout.flush()
    return n

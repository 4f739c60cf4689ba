"""Check the development / hold-out split of the real queries.

    python benchmarks/sets/real/check_split.py

The split was made once, before any result was seen: a query goes to dev.jsonl
when the SHA-1 of its text (case-folded, white space collapsed to single
spaces) is an even number, else to holdout.jsonl. Queries added later follow
the same rule: the even ones join dev.jsonl, the odd ones a new hold-out file
of their own (holdout2.jsonl, harvested 2026-12-06), so that a hold-out
already measured is never mixed with one that is not. This script exits 1 if
any query stands in the wrong half.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def half(query: str) -> str:
    key = " ".join(query.casefold().split())
    return "dev" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0 else "holdout"


def main() -> int:
    wrong = []
    for name in ("dev", "holdout", "holdout2"):
        want = "holdout" if name.startswith("holdout") else name
        for line in (HERE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip() and half(json.loads(line)["query"]) != want:
                wrong.append(f"{name}: {json.loads(line)['query']!r}")
    print("\n".join(wrong) or "every query is in its half")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())

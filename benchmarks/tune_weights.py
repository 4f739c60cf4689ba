"""Grid-search the ranking weights (emh_cli.rank.Weights) for top-1 on the query sets.

    python benchmarks/tune_weights.py [--set all]

Only the order of results is judged here (refusal is the calibration's job:
see fit_calibration.py). Prints the best few weight settings.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval_ranking import expected_ids, load_queries  # noqa: E402

from emh_cli.index import open_index  # noqa: E402
from emh_cli.rank import WEIGHTS, plan_query, rank  # noqa: E402
from emh_cli.store import bundled_store_path  # noqa: E402

GRID = {
    "known_common": [0.1, 0.25],
    "intent": [0.05, 0.15, 0.25],
    "precision": [0.15, 0.3],
    "fields": [0.18, 0.3],
    "answer_field": [0.4, 0.6],
    "missing_known": [0.3, 0.5, 0.7],
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="all", help="a|b|c|d|e|f, several letters (abc), or all")
    args = ap.parse_args()
    store = bundled_store_path()
    index = open_index(store)
    ids = expected_ids(store)
    queries = [
        (str(q["query"]), {ids[c] for c in q["expect"]})  # type: ignore[attr-defined]
        for q in load_queries(args.set)
        if q["expect"]
    ]
    results = []
    for values in itertools.product(*GRID.values()):
        w = WEIGHTS._replace(**dict(zip(GRID, values, strict=True)))
        top1 = 0
        for text, exp in queries:
            scored = rank(index, plan_query(index, text, w), w)
            top1 += bool(scored) and scored[0].item.entry.id in exp
        results.append((top1, values))
    results.sort(reverse=True)
    print(f"{len(queries)} answerable queries; current: {WEIGHTS}")
    for top1, values in results[:8]:
        print(top1, dict(zip(GRID, values, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Ranking quality on the labelled query sets, for emh and two lexical baselines.

    python benchmarks/eval_ranking.py [--set SUITES] [--failures] [--json]

--set names query sets and the store each is asked of (benchmarks/suites.py):
`brief` (A-Z, the default), `brief:abc`, `holdout`, `real-dev`, `real-holdout`,
`faq:NAME`, `faqs-dev`, `faqs-holdout`, `dev`, or a query file of your own;
several with commas. Each suite gets its own table.

Each query line is {"query", "expect", ...}: `expect` lists the acceptable
entries as `document:line` citations of their question, or is [] when the
store cannot answer and emh should refuse.

Baselines (same store, same run):
  wratio  rapidfuzz WRatio between the query and each stored question
  bm25    Okapi BM25 (k1=1.2, b=0.75) over question + answer, Porter2 stems
The baselines are judged generously: their top-1, top-3 and MRR ignore
refusals (pure ranking), and their refusal figure uses the highest threshold
that refuses at most 2% of the answerable queries of this very set (the bar
emh must meet). emh's figures count a refusal of an answerable query as a miss.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from emh_cli.errors import NothingToSearch  # noqa: E402
from emh_cli.index import open_index  # noqa: E402
from emh_cli.rank import ask  # noqa: E402
from emh_cli.store import load_store  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from suites import BRIEF_LETTERS, Suite, suites  # noqa: E402

SET_LETTERS = BRIEF_LETTERS

Ranker = Callable[[str], list[tuple[str, float]]]  # ids with scores, best first


def load_queries(which: str) -> list[dict[str, object]]:
    """The queries of the brief's sets: 'all', or letters ('abc')."""
    return list(suites("brief" if which == "all" else f"brief:{which}")[0].queries)


def emh_ranker(store: Path) -> Callable[[str, float], list[tuple[str, float]]]:
    index = open_index(store)

    def run(query: str, threshold: float) -> list[tuple[str, float]]:
        try:
            a = ask(index, query, limit=3, min_score=threshold)
        except NothingToSearch:  # "help": nothing to search, so no answer
            return []
        return [(r.entry.id, r.score) for r in a.results]

    return run


def wratio_ranker(store: Path) -> Ranker:
    from rapidfuzz import fuzz, process, utils

    entries = [e for e in load_store(store).entries if e.answer is not None]
    qs = [(e.id, q) for e in entries for q in e.questions]

    def run(query: str) -> list[tuple[str, float]]:
        best = process.extract(
            query, [q for _, q in qs], scorer=fuzz.WRatio, processor=utils.default_process, limit=10
        )
        seen: dict[str, float] = {}
        for _, s, i in best:
            seen.setdefault(qs[i][0], s)
        return list(seen.items())

    return run


def bm25_ranker(store: Path) -> Ranker:
    import Stemmer

    stem = Stemmer.Stemmer("english").stemWords
    entries = [e for e in load_store(store).entries if e.answer is not None]

    def toks(s: str) -> list[str]:
        return list(stem(re.findall(r"[a-z0-9]+", s.lower())))

    docs = [toks(" ".join(e.questions) + " " + (e.answer or "")) for e in entries]
    n = len(docs)
    avg = sum(map(len, docs)) / n
    df = Counter(t for d in docs for t in set(d))
    tfs = [Counter(d) for d in docs]

    def run(query: str) -> list[tuple[str, float]]:
        q = toks(query)
        scores = []
        for e, d, tf in zip(entries, docs, tfs, strict=True):
            s = 0.0
            for t in q:
                if t in tf:
                    idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                    f = tf[t]
                    s += idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len(d) / avg))
            if s > 0:
                scores.append((e.id, s))
        scores.sort(key=lambda x: -x[1])
        return scores

    return run


def expected_ids(store: Path) -> dict[str, str]:
    return {s.citation: e.id for e in load_store(store).entries for s in e.sources}


def measure(
    outcomes: list[tuple[list[str], set[str]]],
    ranked: list[list[str]] | None = None,
) -> dict[str, float]:
    """Figures for kept results; `ranked` (every result, no threshold) if the
    ranking figures should ignore refusals, as they do for the baselines."""
    ranked = ranked if ranked is not None else [r for r, _ in outcomes]
    ans = [(r, exp) for r, (_, exp) in zip(ranked, outcomes, strict=True) if exp]
    off = [(r, exp) for r, exp in outcomes if not exp]
    top1 = sum(1 for r, exp in ans if r and r[0] in exp)
    top3 = sum(1 for r, exp in ans if any(x in exp for x in r[:3]))
    mrr = sum(next((1 / (i + 1) for i, x in enumerate(r) if x in exp), 0.0) for r, exp in ans)
    refused = sum(1 for r, _ in off if not r)
    false_ref = sum(1 for r, exp in outcomes if exp and not r)
    return {
        "top1": top1 / max(len(ans), 1),
        "top3": top3 / max(len(ans), 1),
        "mrr": mrr / max(len(ans), 1),
        "refusal": refused / max(len(off), 1),
        "false_refusal": false_ref / max(len(ans), 1),
        "answerable": len(ans),
        "offtopic": len(off),
    }


def fair_threshold(
    ranked: list[list[tuple[str, float]]], exps: list[set[str]], max_false: float = 0.02
) -> float:
    """The highest threshold that refuses at most `max_false` of the answerable queries."""
    tops = sorted(r[0][1] if r else 0.0 for r, exp in zip(ranked, exps, strict=True) if exp)
    if not tops:
        return 0.0
    allowed = int(max_false * len(tops))
    return tops[allowed] if allowed < len(tops) else 0.0


def evaluate(queries: list[dict[str, object]], store: Path) -> dict[str, dict[str, float]]:
    ids = expected_ids(store)
    exps = [{ids[c] for c in q["expect"]} for q in queries]  # type: ignore[attr-defined]
    texts = [str(q["query"]) for q in queries]
    table: dict[str, dict[str, float]] = {}
    emh = emh_ranker(store)
    t0 = time.perf_counter()
    got = [[i for i, _ in emh(t, 50.0)] for t in texts]
    elapsed = time.perf_counter() - t0
    table["emh"] = measure(list(zip(got, exps, strict=True)))
    table["emh"]["ms_per_query"] = 1000 * elapsed / len(texts)
    for name, make in (("wratio", wratio_ranker), ("bm25", bm25_ranker)):
        rk = make(store)
        ranked = [rk(t) for t in texts]
        th = fair_threshold(ranked, exps)
        kept = [[i for i, s in r if s >= th][:3] for r in ranked]
        every = [[i for i, _ in r][:3] for r in ranked]
        table[name] = measure(list(zip(kept, exps, strict=True)), every)
        table[name]["threshold"] = th
    return table


def failures(queries: list[dict[str, object]], store: Path) -> list[str]:
    ids = expected_ids(store)
    emh = emh_ranker(store)
    lines = []
    for q in queries:
        exp = {ids[c] for c in q["expect"]}  # type: ignore[attr-defined]
        got = emh(str(q["query"]), 0.0)
        kept = [i for i, s in got if s >= 50.0]
        ok = (bool(kept) and kept[0] in exp) if exp else not kept
        if not ok:
            shown = ", ".join(f"{i}:{s:g}" for i, s in got[:3])
            lines.append(
                f"{q.get('kind', '')!s:<18} {q['query']!r}: expect {sorted(exp) or 'none'}, got [{shown}]"
            )
    return lines


def print_table(suite: Suite, table: dict[str, dict[str, float]]) -> None:
    a = table["emh"]
    print(
        f"## {suite.name}: {len(suite.queries)} queries ({int(a['answerable'])} answerable, "
        f"{int(a['offtopic'])} to refuse), store {suite.store.name}\n"
    )
    print("| ranker | top-1 | top-3 | MRR | off-topic refused | answerable refused |")
    print("|---|---|---|---|---|---|")
    for name, m in table.items():
        print(
            f"| {name} | {m['top1']:.1%} | {m['top3']:.1%} | {m['mrr']:.3f} | "
            f"{m['refusal']:.1%} | {m['false_refusal']:.1%} |"
        )
    print(f"\nemh: {a['ms_per_query']:.2f} ms per query in-process\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--set",
        default="brief",
        metavar="SUITES",
        help="query sets: brief, brief:LETTERS, holdout, real-dev, real-holdout, faq:NAME, "
        "faqs-dev, faqs-holdout, dev, or FILE.jsonl; several with commas",
    )
    ap.add_argument("--failures", action="store_true", help="list the queries emh gets wrong")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    chosen = suites(args.set)
    if args.failures:
        for s in chosen:
            print("\n".join(failures(list(s.queries), s.store)))
        return 0
    tables = {s.name: evaluate(list(s.queries), s.store) for s in chosen}
    if args.json:
        print(json.dumps(tables, indent=2))
        return 0
    for s in chosen:
        print_table(s, tables[s.name])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

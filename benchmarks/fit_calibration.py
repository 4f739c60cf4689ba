"""Fit the logistic calibration of emh's confidence score on labelled queries.

    python benchmarks/fit_calibration.py [--train SUITES] [--l2 0.5]
                                         [--max-false SHARE] [--loso] [--write]

A score says how likely one result answers the query:

    score = 100 * P(the store answers the query) * P(this result is an answer) / P(the best is)

(the ratio at most 1: the best result's score is how likely the store answers).

Both factors are logistic regressions over emh_cli.rank.Features, fitted on the
training suites (benchmarks/suites.py; default `dev`: the brief's sets, the
development half of the real queries, and the development FAQs):

- "answers": one sample per query, the best candidate's features, labelled 1
  if the store can answer the query;
- "this result": one sample for each of the first three candidates of an
  answerable query, labelled 1 if it is an acceptable answer.

Every suite weighs the same in both fits, however many queries it has, so that
the calibration carries to a store it was not fitted on. Each fit has an L2
penalty and is solved by Newton's method. With --max-false, the first bias is
then moved so that at most that share of the answerable training queries
(pooled over suites, each weighing the same) has a best score below 50.

--loso fits on all training suites but one, for each store in turn, and
reports each left-out store: how the calibration does on a store it has not
seen. --write puts the coefficients into emh_cli.rank.CALIBRATION.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval_ranking import expected_ids  # noqa: E402
from suites import Suite, suites  # noqa: E402

from emh_cli.errors import NothingToSearch  # noqa: E402
from emh_cli.index import open_index  # noqa: E402
from emh_cli.rank import Features, confidence, plan_query, rank  # noqa: E402

# The bias rule of emh's shipped CALIBRATION (see SHIPPED_TRAIN and the README's
# "Calibration"); tests/test_ranking.py checks the shipped coefficients are this fit.
SHIPPED_MAX_FALSE = 0.05
SHIPPED_TRAIN = "dev"
SHIPPED_L2 = 0.5
CANDIDATES = 3  # results per query that give a sample


@dataclass(frozen=True)
class Sample:
    x: tuple[float, ...]
    correct: int  # this candidate answers the query
    query: int  # which query (an index into the suite's queries)
    answerable: bool
    position: int  # 0 for the best candidate
    weight: float  # 1 / the suite's query count


def suite_samples(suite: Suite) -> list[Sample]:
    index = open_index(suite.store)
    ids = expected_ids(suite.store)
    out = []
    w = 1.0 / max(len(suite.queries), 1)
    for qi, q in enumerate(suite.queries):
        exp = {ids[c] for c in q["expect"]}  # type: ignore[attr-defined]
        try:
            scored = rank(index, plan_query(index, str(q["query"])), scores_for=CANDIDATES)
        except NothingToSearch:  # no answer, whatever the calibration
            continue
        for pos, s in enumerate(scored[:CANDIDATES]):
            out.append(
                Sample(s.features.vector(), int(s.item.entry.id in exp), qi, bool(exp), pos, w)
            )
    return out


def samples(spec: str) -> dict[str, list[Sample]]:
    """Samples of each suite the spec names, by suite name."""
    return {s.name: suite_samples(s) for s in suites(spec)}


def solve(a: list[list[float]], b: list[float]) -> list[float]:
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[c][c]:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def _z(w: list[float], x: tuple[float, ...]) -> float:
    return w[0] + sum(a * b for a, b in zip(w[1:], x, strict=True))


def fit_logistic(data: list[Sample], l2: float) -> list[float]:
    """Weighted logistic regression of `correct` (weights scaled to the sample count)."""
    xs = [(1.0, *s.x) for s in data]
    scale = len(data) / max(sum(s.weight for s in data), 1e-12)
    k = len(xs[0])
    w = [0.0] * k
    for _ in range(50):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for x, s in zip(xs, data, strict=True):
            z = sum(a * b for a, b in zip(w, x, strict=True))
            p = 1 / (1 + math.exp(-max(-50, min(50, z))))
            c = s.weight * scale
            for i in range(k):
                grad[i] += c * (p - s.correct) * x[i]
                for j in range(i, k):
                    hess[i][j] += c * p * (1 - p) * x[i] * x[j]
        for i in range(k):
            for j in range(i):
                hess[i][j] = hess[j][i]
        for i in range(1, k):
            grad[i] += l2 * w[i]
            hess[i][i] += l2
        step = solve(hess, grad)
        w = [a - b for a, b in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return w


def fit(data: list[Sample], l2: float) -> list[float]:
    """Both factors' coefficients, "answers" first, then "this result"."""
    from dataclasses import replace

    answers = [replace(s, correct=int(s.answerable)) for s in data if s.position == 0]
    result = [s for s in data if s.answerable]
    return fit_logistic(answers, l2) + fit_logistic(result, l2)


def bias_for(data: list[Sample], w: list[float], share: float) -> float:
    """The "answers" bias at which at most `share` (by weight) of the answerable
    queries have a best score below 50."""
    half = len(w) // 2
    need = sorted(  # the bias each answerable query's best result needs, hardest first
        ((-(_z(w[:half], s.x) - w[0]), s.weight) for s in data if s.position == 0 and s.answerable),
        key=lambda t: -t[0],
    )
    total = sum(wt for _, wt in need)
    allowed, dropped = share * total, 0.0
    for b, wt in need:
        if dropped + wt > allowed:
            return b + 1e-3
        dropped += wt
    return w[0]


def figures(data: list[Sample], w: list[float]) -> dict[str, float]:
    """Per-query outcomes at the threshold of 50: refusals, and the best result
    kept and right."""
    tops = [s for s in data if s.position == 0]
    ans = [s for s in tops if s.answerable]
    off = [s for s in tops if not s.answerable]
    n_ans = len({s.query for s in data if s.answerable}) or 1

    def kept(s: Sample) -> bool:
        return confidence(Features(*s.x), calibration=w) >= 50.0  # as emh scores it

    return {
        "answerable_refused": sum(1 for s in ans if not kept(s)) / max(len(ans), 1),
        "unanswerable_refused": sum(1 for s in off if not kept(s)) / max(len(off), 1),
        "top1_kept": sum(1 for s in ans if s.correct and kept(s)) / n_ans,
    }


def report(name: str, data: list[Sample], w: list[float]) -> None:
    f = figures(data, w)
    print(
        f"{name:<28} answerable refused {f['answerable_refused']:6.1%}   "
        f"unanswerable refused {f['unanswerable_refused']:6.1%}   "
        f"top-1 kept {f['top1_kept']:6.1%}"
    )


def fitted(by_suite: dict[str, list[Sample]], l2: float, max_false: float | None) -> list[float]:
    train = [s for ss in by_suite.values() for s in ss]
    w = fit(train, l2)
    if max_false is not None:
        w[0] = bias_for(train, w, max_false)
    return w


def shipped_fit() -> list[float]:
    """The fit that emh_cli.rank.CALIBRATION must equal."""
    return fitted(samples(SHIPPED_TRAIN), SHIPPED_L2, SHIPPED_MAX_FALSE)


def write(w: list[float]) -> None:
    """Replace the coefficients line of CALIBRATION in src/emh_cli/rank.py."""
    path = ROOT / "src" / "emh_cli" / "rank.py"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.startswith("CALIBRATION:"))
    half = len(w) // 2
    lines[i + 1] = "    " + ", ".join(f"{x:.3f}" for x in w[:half]) + ",\n"
    lines[i + 2] = "    " + ", ".join(f"{x:.3f}" for x in w[half:]) + ",\n"
    path.write_text("".join(lines), encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default=SHIPPED_TRAIN, help="suites (see benchmarks/suites.py)")
    ap.add_argument("--test", default="", help="more suites to report, not trained on")
    ap.add_argument("--l2", type=float, default=SHIPPED_L2)
    ap.add_argument(
        "--max-false",
        type=float,
        default=SHIPPED_MAX_FALSE,
        help="move the bias so that at most this share of answerable training queries is "
        "refused (negative: keep the plain fit's bias)",
    )
    ap.add_argument("--loso", action="store_true", help="leave each store out in turn")
    ap.add_argument("--write", action="store_true", help="put the result into rank.py")
    args = ap.parse_args()
    max_false = args.max_false if args.max_false >= 0 else None
    train = samples(args.train)
    w = fitted(train, args.l2, max_false)
    print("CALIBRATION = (" + ", ".join(f"{x:.3f}" for x in w) + ")")
    if args.write:
        write(w)
    for name, data in train.items():
        report("train " + name, data, w)
    if args.test:
        for name, data in samples(args.test).items():
            report("test " + name, data, w)
    if args.loso:
        print("\nleave one store out (fitted on the other training suites):")
        stores = {suite.name: suite.store for suite in suites(args.train)}
        for store in sorted(set(stores.values())):
            rest = {n: d for n, d in train.items() if stores[n] != store}
            w_out = fitted(rest, args.l2, max_false)
            for name, data in train.items():
                if stores[name] == store:
                    report("left out " + name, data, w_out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

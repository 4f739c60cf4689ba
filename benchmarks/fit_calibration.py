"""Fit the logistic calibration of emh's confidence score on labelled queries.

    python benchmarks/fit_calibration.py [--train all|LETTERS] [--l2 0.5]
                                         [--max-false SHARE] [--write]

For every query, the features of emh's top-ranked entry (emh_cli.rank.Features)
are paired with one label: 1 if the store can answer the query, else 0. A
logistic regression with an L2 penalty is fitted by Newton's method. With
--max-false, the bias is then moved so that at most that share of the
answerable training queries scores below 50. The printed coefficients go into
emh_cli.rank.CALIBRATION (--write does it). The fit is reported on the
training sets and, for each set left out of --train, on that set: train on
all sets but one to see how the calibration does on queries it has not seen.

emh's shipped calibration: --train all --max-false SHIPPED_MAX_FALSE (0.005)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval_ranking import SET_LETTERS, expected_ids, load_queries  # noqa: E402

from emh_cli.errors import NothingToSearch  # noqa: E402
from emh_cli.index import open_index  # noqa: E402
from emh_cli.rank import plan_query, rank  # noqa: E402
from emh_cli.store import bundled_store_path  # noqa: E402

# The bias rule of emh's shipped CALIBRATION: the largest share of refused
# answerable queries at which the labelled sets keep their top-3 at 99%
# (leave-one-set-out then still refuses over 90% of the unanswerable ones);
# tests/test_ranking.py checks the shipped coefficients are this fit.
SHIPPED_MAX_FALSE = 0.005


def samples(which: str) -> list[tuple[tuple[float, ...], int, bool]]:
    store = bundled_store_path()
    index = open_index(store)
    ids = expected_ids(store)
    out = []
    for q in load_queries(which):
        exp = {ids[c] for c in q["expect"]}  # type: ignore[attr-defined]
        try:
            scored = rank(index, plan_query(index, str(q["query"])))
        except NothingToSearch:  # no answer, whatever the calibration
            continue
        if not scored:
            continue
        top = scored[0]
        out.append((top.features.vector(), int(bool(exp)), top.item.entry.id in exp))
    return out


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


def fit(
    data: list[tuple[tuple[float, ...], int, bool]], l2: float, refuse_weight: float = 1.0
) -> list[float]:
    xs = [(1.0, *x) for x, _, _ in data]
    ys = [y for _, y, _ in data]
    cw = [1.0 if y else refuse_weight for y in ys]
    k = len(xs[0])
    w = [0.0] * k
    for _ in range(50):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for x, y, c in zip(xs, ys, cw, strict=True):
            z = sum(a * b for a, b in zip(w, x, strict=True))
            p = 1 / (1 + math.exp(-max(-50, min(50, z))))
            for i in range(k):
                grad[i] += c * (p - y) * x[i]
                for j in range(k):
                    hess[i][j] += c * p * (1 - p) * x[i] * x[j]
        for i in range(1, k):
            grad[i] += l2 * w[i]
            hess[i][i] += l2
        step = solve(hess, grad)
        w = [a - b for a, b in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return w


def bias_for(
    data: list[tuple[tuple[float, ...], int, bool]], w: list[float], share: float
) -> float:
    """The bias at which at most `share` of the answerable queries score below 50."""
    zs = sorted(sum(a * b for a, b in zip(w[1:], x, strict=True)) for x, y, _ in data if y)
    k = int(share * len(zs))  # this many may fall below the threshold
    return -zs[k] + 1e-3


def report(name: str, data: list[tuple[tuple[float, ...], int, bool]], w: list[float]) -> None:
    ans = [d for d in data if d[1]]
    off = [d for d in data if not d[1]]

    def p(x: tuple[float, ...]) -> float:
        z = w[0] + sum(a * b for a, b in zip(w[1:], x, strict=True))
        return 1 / (1 + math.exp(-max(-50, min(50, z))))

    false_ref = sum(1 for x, _, _ in ans if p(x) < 0.5)
    refused = sum(1 for x, _, _ in off if p(x) < 0.5)
    top1 = sum(1 for x, _, ok in ans if ok and p(x) >= 0.5)
    print(
        f"{name}: answerable refused {false_ref}/{len(ans)}, off-topic refused "
        f"{refused}/{len(off)}, top-1 kept {top1}/{len(ans)}"
    )


def write(w: list[float]) -> None:
    """Replace the coefficients line of CALIBRATION in src/emh_cli/rank.py."""
    path = ROOT / "src" / "emh_cli" / "rank.py"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.startswith("CALIBRATION:"))
    lines[i + 1] = "    " + ", ".join(f"{x:.3f}" for x in w) + ",\n"
    path.write_text("".join(lines), encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", default="all", help="a|b|c|d|e|f, several letters (abc), or all")
    ap.add_argument("--l2", type=float, default=0.5)
    ap.add_argument(
        "--refuse-weight", type=float, default=1.0, help="weight of an unanswerable query"
    )
    ap.add_argument(
        "--max-false",
        type=float,
        default=None,
        help="then move the bias so that at most this share of answerable training queries "
        "is refused (e.g. 0.005)",
    )
    ap.add_argument("--write", action="store_true", help="put the result into rank.py")
    args = ap.parse_args()
    train = samples(args.train)
    w = fit(train, args.l2, args.refuse_weight)
    if args.max_false is not None:
        w[0] = bias_for(train, w, args.max_false)
    print("CALIBRATION = (" + ", ".join(f"{x:.3f}" for x in w) + ")")
    if args.write:
        write(w)
    report("train " + args.train, train, w)
    for other in SET_LETTERS:
        if other not in args.train and args.train != "all":
            report("test " + other, samples(other), w)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Startup, batch and scale benchmarks for emh (issue 5), as one markdown table.

    python benchmarks/run.py [--quick] [--n N] [--repeats R] [--check]

Every program runs as a child of this script: wall time is measured from
spawn to exit, peak memory is the child's ru_maxrss (from wait4). Reference
programs run in the same loop, interleaved with emh in a shuffled order, so
machine noise hits both alike; medians are reported. The interpreter is the
one running this script (sys.executable) and `emh` the script beside it.

Budgets (issue 5):
  - `emh ask "how is it treated" --json` <= 1.3 x `python -c "import typer"`
  - the same query in a terminal (a pseudo-terminal, so rich is used)
    <= 1.3 x `python -c "import typer, rich.console"` (also in a pty)
  - `emh ask --batch`: >= 2,000 queries per second (5,000 realistic queries)
  - N = 100,000 pairs: `emh build` < 60 s and < 1 GiB; `emh ask --json` on that
    store <= 3 x the bundled store and < 300 MiB

Children get a fresh EMH_CACHE_DIR and bytecode caching in a temporary
PYTHONPYCACHEPREFIX (PYTHONDONTWRITEBYTECODE, if set, is removed for them):
an installed emh has compiled .pyc files, so a benchmark that recompiled
emh's sources on every start would measure the environment, not emh.
Pass --as-is-env to keep the environment exactly as it is. No network.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import marshal
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
EMH = str(Path(sys.executable).parent / "emh")
QUERY = "how is it treated"
TYPO_QUERY = "how is extramedulary hematopoesis treeted"
NOMATCH_QUERY = "qwxz vbnm plokij"


# -- running children -------------------------------------------------------------

# Children are started by this small launcher, not by the benchmark process:
# Linux counts the pre-exec memory of a child in its ru_maxrss, which for a
# child spawned by this (large) process would be this process's own peak. The
# launcher is a bare interpreter that fork()s, so a child's pre-exec image is
# the launcher's few MiB of anonymous memory, below any Python program's own.
LAUNCHER = r"""
import marshal, os, select, sys, time, fcntl, struct, termios
inp, out = sys.stdin.buffer, sys.stdout.buffer
def child(argv, env, fds):
    try:
        for src, dst in fds:
            os.dup2(src, dst)
        os.execve(argv[0], argv, env)
    except BaseException:
        os._exit(127)
while True:
    head = inp.read(4)
    if len(head) < 4:
        break
    argv, env, stdin, stdout, tty = marshal.loads(inp.read(int.from_bytes(head, "big")))
    chunks = []
    if tty:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        fds = [(slave, 0), (slave, 1), (slave, 2)]
    else:
        fds = [
            (os.open(stdin, os.O_RDONLY), 0),
            (os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 1),
            (os.open(os.devnull, os.O_WRONLY), 2),
        ]
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        child(argv, env, fds)
    if tty:
        os.close(slave)
        pidfd = os.pidfd_open(pid)
        watch = [master, pidfd]
        while pidfd in watch:
            ready = select.select(watch, [], [])[0]
            if master in ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    data = b""
                if data:
                    chunks.append(data)
                else:
                    watch.remove(master)
            if pidfd in ready:
                watch.remove(pidfd)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if tty:
        os.close(pidfd)
        os.set_blocking(master, False)
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        os.close(master)
    else:
        for fd, _ in fds:
            os.close(fd)
    reply = marshal.dumps((wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status), b"".join(chunks)))
    out.write(len(reply).to_bytes(4, "big") + reply)
    out.flush()
"""


@dataclass
class Run:
    wall: float  # seconds
    maxrss_kib: int
    status: int
    out: bytes = b""


class Launcher:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [PY, "-S", "-I", "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


LAUNCH: Launcher | None = None


def spawn(
    argv: Sequence[str],
    env: dict[str, str],
    *,
    stdin: str = os.devnull,
    stdout: str | None = None,
    tty: bool = False,
) -> Run:
    """Run `argv` to completion: wall time (fork to wait4) and peak RSS of the child.

    With `tty`, stdin, stdout and stderr are a fresh 100x40 pseudo-terminal
    and its output is returned; otherwise stdout goes to the file `stdout`
    (default: returned via a temporary file) and stderr to /dev/null."""
    global LAUNCH
    if LAUNCH is None:
        LAUNCH = Launcher()
    proc = LAUNCH.proc
    tmp_out: str | None = None
    if not tty and stdout is None:
        fd, tmp_out = tempfile.mkstemp(prefix="emh-bench-out-")
        os.close(fd)
        stdout = tmp_out
    req = marshal.dumps((list(argv), dict(env), stdin, stdout or "", tty))
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(len(req).to_bytes(4, "big") + req)
    proc.stdin.flush()
    head = proc.stdout.read(4)
    if len(head) < 4:
        raise SystemExit("the launcher died")
    wall, rss, status, out = marshal.loads(proc.stdout.read(int.from_bytes(head, "big")))
    if tmp_out is not None:
        out = Path(tmp_out).read_bytes()
        os.unlink(tmp_out)
    return Run(wall, rss, status, out)


# -- bookkeeping ------------------------------------------------------------------


@dataclass
class Row:
    label: str
    runs: list[Run] = field(default_factory=list)
    ratio: str = ""
    budget: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def ms(self) -> float:
        return 1000.0 * statistics.median(r.wall for r in self.runs) if self.runs else 0.0

    @property
    def mib(self) -> float:
        return max(r.maxrss_kib for r in self.runs) / 1024.0 if self.runs else 0.0


def log(msg: str) -> None:
    sys.stderr.write(f"[bench] {msg}\n")
    sys.stderr.flush()


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def child_env(tmp: Path, as_is: bool) -> dict[str, str]:
    env = dict(os.environ)
    for k in ("EMH_DATA", "EMH_DEBUG", "PYTHONPROFILEIMPORTTIME", "PYTHONTRACEMALLOC"):
        env.pop(k, None)
    env["EMH_CACHE_DIR"] = str(tmp / "cache")
    if not as_is:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return env


def tty_env(env: dict[str, str]) -> dict[str, str]:
    e = dict(env)
    if e.get("TERM", "dumb") in ("", "dumb"):
        e["TERM"] = "xterm-256color"
    e.pop("NO_COLOR", None)
    return e


def lexicon_stamp() -> dict[str, tuple[int, int]]:
    """(size, mtime) of each lexicon file of the emh being measured: a change
    during the run makes every emh rebuild its cached index (concurrent edits)."""
    spec = importlib.util.find_spec("emh_cli")
    if spec is None or spec.origin is None:
        return {}
    out = {}
    for p in sorted((Path(spec.origin).parent / "lexicon").glob("*")):
        with contextlib.suppress(OSError):
            st = p.stat()
            out[p.name] = (st.st_size, st.st_mtime_ns)
    return out


def realistic_queries(count: int) -> list[str]:
    qs: list[str] = []
    for name in ("queries_a.jsonl",):
        for line in (HERE / "sets" / "brief" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = str(json.loads(line)["query"]).replace("\n", " ")
                if q.strip():
                    qs.append(q)
    return [qs[i % len(qs)] for i in range(count)]


def check_json(run: Run, what: str) -> None:
    if run.status not in (0, 1):
        raise SystemExit(f"{what}: exit status {run.status}")
    try:
        json.loads(run.out)
    except ValueError:
        raise SystemExit(f"{what}: stdout is not JSON: {run.out[:200]!r}") from None


def fmt_ms(ms: float) -> str:
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}"


def table(rows: Sequence[Row]) -> str:
    head = (
        "| Measurement | Runs | Median wall (ms) | Peak RSS (MiB) | Ratio / rate | Budget | Met |"
    )
    lines = [head, "|---|--:|--:|--:|--:|---|:-:|"]
    for r in rows:
        met = "" if r.ok is None else ("yes" if r.ok else "**NO**")
        label = r.label + (f" ({r.note})" if r.note else "")
        lines.append(
            f"| {label} | {len(r.runs)} | {fmt_ms(r.ms)} | {r.mib:.1f} | {r.ratio} | {r.budget} | {met} |"
        )
    return "\n".join(lines)


# -- the benchmark -------------------------------------------------------------------


def interleaved(
    jobs: dict[str, Callable[[], Run]], rounds: int, seed: int, warmup: int = 1
) -> dict[str, list[Run]]:
    """Run every job once per round, in a new shuffled order each round."""
    rng = random.Random(seed)
    names = list(jobs)
    for _ in range(warmup):
        for n in names:
            jobs[n]()
    out: dict[str, list[Run]] = {n: [] for n in names}
    for _ in range(rounds):
        rng.shuffle(names)
        for n in names:
            out[n].append(jobs[n]())
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="N=10,000, fewer repeats, 2,000 queries")
    p.add_argument("--n", type=int, help="pairs in the synthetic store (default 100,000)")
    p.add_argument("--repeats", type=int, help="rounds of the startup comparison")
    p.add_argument("--batch-queries", type=int, help="queries per batch run (default 5,000)")
    p.add_argument("--seed", type=int, default=5, help="corpus and shuffle seed")
    p.add_argument("--as-is-env", action="store_true", help="do not touch bytecode settings")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--check", action="store_true", help="exit 1 when a budget is missed")
    args = p.parse_args(argv)
    n = args.n or (10_000 if args.quick else 100_000)
    repeats = args.repeats or (7 if args.quick else 21)
    n_batch = args.batch_queries or (2_000 if args.quick else 5_000)
    batch_runs = 1 if args.quick else 3
    small_runs = 3 if args.quick else 5

    if not os.access(EMH, os.X_OK):
        raise SystemExit(f"no emh script beside {PY}: install the project into this venv")
    tmp = Path(tempfile.mkdtemp(prefix="emh-bench-"))
    env = child_env(tmp, args.as_is_env)
    tenv = tty_env(env)
    big_src = tmp / "synthetic.txt"
    big = tmp / "synthetic.json"
    rows: list[Row] = []
    started = time.perf_counter()
    lexicon_before = lexicon_stamp()
    try:
        # references and emh on the bundled store, side by side ----------------------
        def ask(store: Path | None, query: str, *, tty: bool = False) -> Callable[[], Run]:
            data = ["--data", str(store)] if store else []
            cmd = [EMH, *data, "ask", query] + ([] if tty else ["--json"])
            return lambda: spawn(cmd, tenv if tty else env, tty=tty)

        ref_pass = lambda: spawn([PY, "-c", "pass"], env)  # noqa: E731
        ref_typer = lambda: spawn([PY, "-c", "import typer"], env)  # noqa: E731
        ref_rich = lambda: spawn([PY, "-c", "import typer, rich.console"], tenv, tty=True)  # noqa: E731

        log("warming up (bytecode, index cache) ...")
        first = ask(None, QUERY)()
        check_json(first, "emh ask --json")
        term = ask(None, QUERY, tty=True)()
        if b"\x1b[" not in term.out:
            log("warning: terminal output has no escape codes; rich was not used?")

        # synthetic store ------------------------------------------------------------------
        log(f"writing a synthetic source of {n:,} pairs ...")
        corpus = spawn(
            [
                PY,
                str(HERE / "make_corpus.py"),
                str(n),
                "--seed",
                str(args.seed),
                "-o",
                str(big_src),
            ],
            env,
        )
        if corpus.status != 0:
            raise SystemExit("make_corpus.py failed")
        log(f"emh build ({big_src.stat().st_size / 2**20:.1f} MiB of source) ...")
        build = spawn([EMH, "build", str(big_src), "-o", str(big), "--quiet"], env)
        if build.status != 0:
            raise SystemExit(f"emh build failed with status {build.status}")
        log(f"  {build.wall:.1f} s, {build.maxrss_kib / 1024:.0f} MiB")
        after_build = ask(big, QUERY)()
        check_json(after_build, "first query after build")

        log(f"startup: {repeats} interleaved rounds ...")
        res = interleaved(
            {
                "pass": ref_pass,
                "typer": ref_typer,
                "rich": ref_rich,
                "emh_json": ask(None, QUERY),
                "emh_tty": ask(None, QUERY, tty=True),
                "big_json": ask(big, QUERY),
            },
            repeats,
            args.seed,
        )
        for one in res["emh_json"] + res["big_json"]:
            check_json(one, "emh ask --json")

        # batch -----------------------------------------------------------------------
        log(f"batch: {batch_runs} x {n_batch:,} queries ...")
        qfile = tmp / "queries.txt"
        qfile.write_text("\n".join(realistic_queries(n_batch)) + "\n", encoding="utf-8")
        bout = tmp / "batch.jsonl"
        batch_row = Row(f"`emh ask --batch`, {n_batch:,} queries from queries_a.jsonl")
        for _ in range(batch_runs):
            b = spawn([EMH, "ask", "--batch"], env, stdin=str(qfile), stdout=str(bout))
            lines = bout.read_text(encoding="utf-8").splitlines()
            if b.status not in (0, 1) or len(lines) != n_batch:
                raise SystemExit(f"batch: status {b.status}, {len(lines)} lines of {n_batch}")
            json.loads(lines[0])
            batch_row.runs.append(b)

        # other queries on both stores ---------------------------------------------------
        log("typo and no-match queries ...")
        extra = interleaved(
            {
                "typo_small": ask(None, TYPO_QUERY),
                "typo_big": ask(big, TYPO_QUERY),
                "none_small": ask(None, NOMATCH_QUERY),
                "none_big": ask(big, NOMATCH_QUERY),
            },
            small_runs,
            args.seed,
            warmup=0,
        )

        # cold cache: the index built from the JSON store by the first query ------------
        log("first query with a cold cache (index built from the store) ...")
        cold_env = dict(env, EMH_CACHE_DIR=str(tmp / "cold-cache"))
        cold = spawn([EMH, "--data", str(big), "ask", QUERY, "--json"], cold_env)
        check_json(cold, "cold query")
        warm_after_cold = [
            spawn([EMH, "--data", str(big), "ask", QUERY, "--json"], cold_env)
            for _ in range(small_runs)
        ]

        # the table ---------------------------------------------------------------------
        def row(label: str, runs: list[Run], **kw: object) -> Row:
            r = Row(label, list(runs))
            for k, v in kw.items():
                setattr(r, k, v)
            rows.append(r)
            return r

        t_typer = Row("", res["typer"]).ms
        t_rich = Row("", res["rich"]).ms
        row("`python -c pass`", res["pass"], budget="reference")
        row('`python -c "import typer"`', res["typer"], budget="reference R1")
        row('`python -c "import typer, rich.console"`', res["rich"], budget="reference R2 (pty)")
        ej = Row("", res["emh_json"]).ms
        r = row(f'`emh ask "{QUERY}" --json`', res["emh_json"], budget="<= 1.3 x R1")
        r.ratio, r.ok = f"{ej / t_typer:.2f} x R1", ej <= 1.3 * t_typer
        et = Row("", res["emh_tty"]).ms
        r = row(f'`emh ask "{QUERY}"`', res["emh_tty"], budget="<= 1.3 x R2", note="pty, rich")
        r.ratio, r.ok = f"{et / t_rich:.2f} x R2", et <= 1.3 * t_rich
        rate = n_batch / (batch_row.ms / 1000.0)
        batch_row.ratio, batch_row.budget = f"{rate:,.0f} q/s", ">= 2,000 q/s"
        batch_row.ok = rate >= 2000
        rows.append(batch_row)
        row(f"`make_corpus.py {n}`", [corpus], budget="info")
        r = row(f"`emh build` of {n:,} pairs", [build], budget="< 60 s, < 1,024 MiB")
        r.ok = build.wall < 60 and build.maxrss_kib / 1024 < 1024
        r.ratio = f"{big.stat().st_size / 2**20:.0f} MiB store"
        r = row(f"first `emh ask --json` after build, {n:,} store", [after_build], budget="info")
        r.ratio, r.note = f"{after_build.wall * 1000 / ej:.2f} x bundled", "cache primed by build"
        bj = Row("", res["big_json"]).ms
        r = row(
            f'`emh ask "{QUERY}" --json`, {n:,} store',
            res["big_json"],
            budget="<= 3 x bundled, < 300 MiB",
        )
        r.ratio = f"{bj / ej:.2f} x bundled"
        r.ok = bj <= 3 * ej and r.mib < 300
        r = row(f"first query, {n:,} store, cold cache", [cold], budget="info")
        r.ratio, r.note = f"{cold.wall * 1000 / ej:.1f} x bundled", "builds the index from JSON"
        r = row(f"next queries, {n:,} store, after a cold start", warm_after_cold, budget="info")
        r.ratio = f"{r.ms / ej:.2f} x bundled"
        for key, q in (("typo", TYPO_QUERY), ("none", NOMATCH_QUERY)):
            small_ms = Row("", extra[f"{key}_small"]).ms
            row(f'`emh ask "{q}" --json`, bundled', extra[f"{key}_small"], budget="info")
            r = row(f'`emh ask "{q}" --json`, {n:,} store', extra[f"{key}_big"], budget="info")
            r.ratio = f"{r.ms / small_ms:.2f} x bundled"
    finally:
        if LAUNCH is not None:
            LAUNCH.close()
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    cores = os.cpu_count() or 0
    with contextlib.suppress(AttributeError):
        cores_avail = len(os.sched_getaffinity(0))
        if cores_avail != cores:
            cores = cores_avail
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    bytecode = (
        "environment as is"
        if args.as_is_env
        else "bytecode cached (temporary PYTHONPYCACHEPREFIX, warm)"
    )
    print(f"Date: {now}  ")
    print(f"Machine: {cpu_model()}, {cores} cores, {platform.system()} {platform.release()}  ")
    print(
        f"Python {platform.python_version()} ({PY}); {bytecode}; "
        f"{repeats} interleaved rounds; total {time.perf_counter() - started:.0f} s"
    )
    if lexicon_stamp() != lexicon_before:
        print(
            "**Warning:** the lexicon changed during the run, so cached indexes were rebuilt "
            "in some runs: first-query and store figures may include index builds.  "
        )
    print()
    print(table(rows))
    missed = [r.label for r in rows if r.ok is False]
    if missed:
        log("missed: " + "; ".join(missed))
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The installed `emh` entry point in real processes: smoke test, raw argv
bytes, pipes closed early, SIGINT, encodings, terminals and colour."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support import DOC_A, DOC_B, EMH_BIN, FAQ, no_traceback, run_emh

TREATED = "How is extramedullary hematopoiesis treated?"

pytestmark = pytest.mark.skipif(not EMH_BIN.exists(), reason="emh entry point not installed")


def test_smoke_from_another_directory(tmp_path: Path) -> None:
    r = run_emh(["--version"], cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, b"")
    assert r.stdout.startswith(b"emh ")
    r = run_emh(["ask", "how is it treated", "--json"], cwd=tmp_path)
    assert (r.returncode, r.stderr) == (0, b"")
    out = json.loads(r.stdout)
    assert [x["question"] for x in out["results"][:2]] == [TREATED, TREATED]
    assert sorted(x["citations"] for x in out["results"][:2]) == [[f"{DOC_A}:13"], [f"{DOC_B}:15"]]
    r = run_emh(["list"], cwd=tmp_path)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 24
    r = run_emh(["show", "999"], cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr.startswith(b"emh: no entry with id '999'")
    assert list(tmp_path.iterdir()) == []  # nothing written to the working directory


def test_relative_data_path_and_build_in_cwd(tmp_path: Path) -> None:
    (tmp_path / "faq.txt").write_text("What is the spleen?\nAn organ.\n", encoding="utf-8")
    r = run_emh(["build", "faq.txt", "-o", "mine.json"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = run_emh(["--data", "mine.json", "list", "--json"], cwd=tmp_path)
    assert json.loads(r.stdout)[0]["citations"] == ["faq.txt:1"]
    r = run_emh(["list", "--json"], cwd=tmp_path, env={"EMH_DATA": "mine.json"})
    assert json.loads(r.stdout)[0]["question"] == "What is the spleen?"


def test_python_dash_m(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "emh_cli", "--version"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert r.returncode == 0 and r.stdout.startswith(b"emh ")


# -- raw argv bytes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", [b"\xff\xfe", b"\xff\xfe treated", b"how is it \xc3 treated", b"\xed\xa0\x80", b"\x80"]
)
def test_non_utf8_argv(query: bytes) -> None:
    for extra in ([], [b"--json"]):
        r = run_emh([b"ask", query, *extra])
        assert r.returncode in (0, 1, 2)
        assert no_traceback(r.stderr), r.stderr
        if extra and r.stdout:
            json.loads(r.stdout)


def test_json_of_a_non_utf8_query_is_valid_utf8() -> None:
    r = run_emh([b"ask", b"\xc3\x28 spleen", b"--json"])
    out = json.loads(r.stdout.decode("utf-8"))  # strict: no lone surrogate
    assert out["query"] == "\ufffd( spleen"
    assert out["query"].encode("utf-8")


def test_escape_sequences_in_a_query_are_not_searched() -> None:
    plain = json.loads(run_emh([b"ask", b"treatment", b"--json"]).stdout)
    r = run_emh([b"ask", b"\x1b[31mtreatment\x1b[0m", b"--json"])
    coloured = json.loads(r.stdout)
    assert coloured["query"] == coloured["searched_for"] == "treatment"
    assert [x["id"] for x in coloured["results"]] == [x["id"] for x in plain["results"]]


def test_non_utf8_data_path(tmp_path: Path) -> None:
    r = run_emh([b"--data", os.fsencode(tmp_path) + b"/\xff.json", b"list"])
    assert r.returncode == 2
    assert no_traceback(r.stderr)
    assert r.stderr.endswith(b"\\udcff.json: store not found\n")


# -- pipes closed early ---------------------------------------------------------------------


def pipe_to(args: list[str], reader: list[str]) -> tuple[int, bytes, bytes]:
    """emh ARGS | READER; returns (emh status, reader output, emh stderr)."""
    emh = subprocess.Popen(
        [str(EMH_BIN), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert emh.stdout is not None
    head = subprocess.Popen(reader, stdin=emh.stdout, stdout=subprocess.PIPE)
    emh.stdout.close()  # only `head` reads now
    got, _ = head.communicate(timeout=120)
    _, err = emh.communicate(timeout=120)
    return emh.returncode, got, err


def test_list_into_head_ends_quietly(big_store: Path) -> None:
    status, got, err = pipe_to(["--data", str(big_store), "list"], ["head", "-n", "1"])
    assert got.startswith(b"1\tWhat is extramedullary hematopoiesis fact number 0?\t")
    assert got.endswith(b"\tbig.txt:1\n") and got.count(b"\n") == 1
    assert status in (0, 141)
    assert err == b""


@pytest.mark.parametrize(
    "args",
    [
        [
            "ask",
            "extramedullary hematopoiesis fact",
            "--json",
            "--limit",
            "2000",
            "--min-score",
            "0",
        ],
        ["list", "--json"],
        [
            "ask",
            "extramedullary hematopoiesis fact",
            "--full",
            "--limit",
            "2000",
            "--min-score",
            "0",
        ],
    ],
)
def test_json_into_head_c_ends_quietly(big_store: Path, args: list[str]) -> None:
    status, got, err = pipe_to(["--data", str(big_store), *args], ["head", "-c", "10"])
    assert len(got) == 10
    assert status in (0, 141)
    assert err == b""


@pytest.mark.parametrize(
    "args",
    [["list"], ["list", "--json"], ["ask", "fact", "--json", "--min-score", "0", "-n", "999"]],
)
def test_reader_gone_before_any_output(big_store: Path, args: list[str]) -> None:
    """The reader exits without reading: the first write fails (EPIPE)."""
    emh = subprocess.Popen(
        [str(EMH_BIN), "--data", str(big_store), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert emh.stdout is not None
    emh.stdout.close()
    _, err = emh.communicate(timeout=120)
    assert emh.returncode == 141
    assert err == b""


def test_batch_into_closed_pipe(big_store: Path) -> None:
    emh = subprocess.Popen(
        [str(EMH_BIN), "--data", str(big_store), "ask", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert emh.stdin is not None and emh.stdout is not None
    emh.stdout.close()
    _, err = emh.communicate(b"fact one\nfact two\n" * 50, timeout=120)
    assert emh.returncode == 141
    assert err == b""


# -- SIGINT -----------------------------------------------------------------------------------


def test_sigint_exits_130_without_traceback() -> None:
    emh = subprocess.Popen(
        [str(EMH_BIN), "ask", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert emh.stdin is not None and emh.stdout is not None
    emh.stdin.write(b"how is it treated\n")
    emh.stdin.flush()
    first = emh.stdout.readline()  # emh is now waiting for the next line
    assert json.loads(first)["results"][0]["question"] == TREATED
    emh.send_signal(signal.SIGINT)
    _, err = emh.communicate(timeout=60)
    assert emh.returncode == 130
    assert no_traceback(err), err
    assert err.strip() == b""


_CTRL_C_WHILE_LOADING = """
import sys

class CtrlC:  # Ctrl-C arrives while typer is being imported
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["emh", "ask", "how is it treated"]
from emh_cli.entry import run
run()
"""


def test_ctrl_c_while_python_is_still_loading_exits_130_without_traceback() -> None:
    r = subprocess.run(
        [sys.executable, "-c", _CTRL_C_WHILE_LOADING], capture_output=True, timeout=60
    )
    assert (r.returncode, r.stdout, r.stderr) == (130, b"", b"")


# -- encodings ---------------------------------------------------------------------------------

HOSTILE = "What is thalassémie … ‘quoted’ 😀 \u202e?\nAnswer · with é, “quotes”, 😀 and \u202e.\n"


@pytest.fixture(scope="module")
def unicode_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import build_store_at

    return build_store_at(tmp_path_factory.mktemp("uni"), {"uni…code.txt": HOSTILE})


ENCODING_ENVS = [
    {"PYTHONIOENCODING": "ascii"},
    {"PYTHONIOENCODING": "latin-1"},
    {"LANG": "C", "LC_ALL": "C"},
    {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
]


@pytest.mark.parametrize(
    "env", ENCODING_ENVS, ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items())
)
def test_narrow_encodings_never_raise(unicode_store: Path, env: dict[str, str]) -> None:
    data = ["--data", str(unicode_store)]
    for args in (
        ["ask", "thalassémie 😀 quoted", "--min-score", "0", "--full", "--explain"],
        ["ask", "thalassémie 😀 quoted", "--min-score", "0", "--json"],
        ["ask", "nothing…matches…zzz"],
        ["list"],
        ["list", "--json"],
        ["show", "1"],
        ["show", "é"],
        ["sources"],
        ["list", "--topic", "thalassémie"],
    ):
        r = run_emh([*data, *args], env=env)
        assert r.returncode in (0, 1, 2), (args, r.stderr)
        assert b"UnicodeEncodeError" not in r.stderr and no_traceback(r.stderr), r.stderr
        if "--json" in args:
            out = json.loads(r.stdout)
            if args[0] == "list":
                assert out[0]["answer"] == HOSTILE.split("\n")[1]


def test_ascii_json_is_exact(unicode_store: Path) -> None:
    r = run_emh(
        ["--data", str(unicode_store), "show", "1", "--json"], env={"PYTHONIOENCODING": "ascii"}
    )
    assert r.returncode == 0
    r.stdout.decode("ascii")  # pure ASCII
    out = json.loads(r.stdout)
    assert out["question"] == HOSTILE.split("\n")[0]
    assert out["citations"] == ["uni…code.txt:1"]


def test_build_warnings_in_ascii(tmp_path: Path) -> None:
    (tmp_path / "é….txt").write_text("Qué?\nCut …\nNo answer?\n", encoding="utf-8")
    r = run_emh(
        ["build", "é….txt", "-o", "s.json"], cwd=tmp_path, env={"PYTHONIOENCODING": "ascii"}
    )
    assert r.returncode == 0
    assert no_traceback(r.stderr)
    assert b"flagged truncated" in r.stderr


# -- terminals and colour ------------------------------------------------------------------------


def run_in_pty(args: list[str], env: dict[str, str]) -> tuple[int, bytes]:
    """Run emh with stdout on a pseudo-terminal (stdin is not one)."""
    master, slave = pty.openpty()
    full_env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "200", **env}
    proc = subprocess.Popen(
        [str(EMH_BIN), *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=full_env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    proc.wait(timeout=60)
    return proc.returncode, b"".join(chunks)


ASK = ["ask", "how is it treated"]


def test_terminal_gets_styles() -> None:
    status, out = run_in_pty(ASK, {})
    assert status == 0
    assert b"\x1b[" in out
    assert TREATED.encode() in out


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (ASK, {"NO_COLOR": "1"}),
        (["show", "4"], {"NO_COLOR": "1"}),
        (ASK, {"TERM": "dumb"}),
        ([*ASK, "--json"], {}),
        ([*ASK, "--json"], {"FORCE_COLOR": "1"}),
        (["list", "--json"], {"FORCE_COLOR": "1"}),
        (["show", "4", "--json"], {"FORCE_COLOR": "1", "CLICOLOR_FORCE": "1"}),
    ],
)
def test_no_escape_codes_on_a_terminal(args: list[str], env: dict[str, str]) -> None:
    status, out = run_in_pty(args, env)
    assert status == 0
    assert b"\x1b" not in out
    assert TREATED.encode() in out
    if "--json" in args:
        json.loads(out.replace(b"\r\n", b"\n"))


@pytest.mark.parametrize(
    "env", [{}, {"FORCE_COLOR": "1"}, {"CLICOLOR_FORCE": "1"}, {"TERM": "xterm-256color"}]
)
@pytest.mark.parametrize("args", [ASK, [*ASK, "--json"], ["list"], ["show", "4"], ["topics"]])
def test_no_escape_codes_into_a_pipe(args: list[str], env: dict[str, str]) -> None:
    r = run_emh(args, env=env)
    assert r.returncode == 0
    assert b"\x1b" not in r.stdout and b"\x1b" not in r.stderr


# -- unforeseen errors in a real process ----------------------------------------------------------

INJECT = """
import sys
import emh_cli.index
def boom(*a, **k):
    raise RuntimeError("boom")
emh_cli.index.open_index = boom
sys.argv = ["emh", "ask", "spleen"]
from emh_cli.cli import main
main()
"""


def test_unforeseen_error_one_line_then_traceback_with_debug() -> None:
    r = subprocess.run([sys.executable, "-c", INJECT], capture_output=True, check=False)
    assert r.returncode == 2
    assert (
        r.stderr == b"emh: internal error: RuntimeError: boom (set EMH_DEBUG=1 for a traceback)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", INJECT],
        capture_output=True,
        check=False,
        env={**os.environ, "EMH_DEBUG": "1"},
    )
    assert r.returncode != 0
    assert b"Traceback (most recent call last)" in r.stderr
    assert b"RuntimeError: boom" in r.stderr


def test_bundled_store_path_is_used(tmp_path: Path) -> None:
    r = run_emh(["sources", "--json"], cwd=tmp_path)
    assert (
        json.loads(r.stdout)[0]["sha256"] == json.loads(FAQ.read_text())["documents"][0]["sha256"]
    )


def test_build_over_its_source_in_cwd(tmp_path: Path) -> None:
    """The issue's example: `emh build my-faq.txt -o my-faq.txt` keeps the document."""
    doc = b"Where do I park?\nIn the car park.\n"
    (tmp_path / "my-faq.txt").write_bytes(doc)
    (tmp_path / "notes.md").write_bytes(b"# notes\n")
    r = run_emh(["build", "my-faq.txt", "-o", "my-faq.txt"], cwd=tmp_path)
    assert (r.returncode, r.stdout) == (2, b"")
    assert r.stderr == (
        b"emh: my-faq.txt: is a source of this build; refusing to overwrite it "
        b"(write the store elsewhere, e.g. -o my-faq.json)\n"
    )
    r = run_emh(["build", "my-faq.txt", "-o", "notes.md"], cwd=tmp_path)
    assert r.returncode == 2 and b"not an emh store" in r.stderr
    assert (tmp_path / "my-faq.txt").read_bytes() == doc
    assert (tmp_path / "notes.md").read_bytes() == b"# notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-faq.txt", "notes.md"]


# -- the command line in a real process ---------------------------------------------------------


def test_usage_errors_are_one_line() -> None:
    r = run_emh(["aks", "how is it treated"])
    assert (r.returncode, r.stdout) == (2, b"")
    assert r.stderr == b"emh: no such command 'aks'; did you mean 'ask'? (see 'emh --help')\n"
    r = run_emh(["ask", "spleen", "--foo"])
    assert r.stderr == b"emh: no such option '--foo' (see 'emh ask --help')\n"
    for args in (["help"], ["version"], ["-V"]):
        r = run_emh(args)
        assert (r.returncode, r.stderr) == (0, b""), args


def test_batch_from_a_terminal_says_how_it_ends(tmp_path: Path) -> None:
    """stdin a terminal: one line on stderr says how to end; a pipe: nothing."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [str(EMH_BIN), "ask", "--batch"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TERM": "dumb"},
    )
    os.close(slave)
    try:
        os.write(master, b"how is it treated\n")
        os.write(master, b"\x04")  # Ctrl-D at the start of a line: end of input
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 0, err
    assert err == b"emh: reading queries from the terminal, one per line, until Ctrl-D\n"
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0]["query"] == "how is it treated"
    r = run_emh(["ask", "--batch"], input=b"how is it treated\n")
    assert (r.returncode, r.stderr) == (0, b"")


def test_batch_says_which_lines_are_not_utf8() -> None:
    r = run_emh(["ask", "--batch"], input=b"caf\xe9 emh\nhow is it treated\n")
    assert r.returncode == 0
    assert r.stderr == (
        b"emh: line 1 is not valid UTF-8; its undecodable bytes were read as U+FFFD\n"
    )
    first, second = (json.loads(line) for line in r.stdout.splitlines())
    assert first["query"] == "caf\ufffd emh"
    assert first["warning"] == (
        "the line is not valid UTF-8; its undecodable bytes were read as U+FFFD"
    )
    assert "warning" not in second and second["results"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("args", [["ask", "emh"], ["list"], ["ask", "emh", "--json"]])
def test_a_full_disk_is_a_write_error_not_a_bug(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        r = subprocess.run(
            [sys.executable, "-m", "emh_cli", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            check=False,
        )
    assert r.returncode == 2
    assert r.stderr == b"emh: cannot write the output: No space left on device\n"

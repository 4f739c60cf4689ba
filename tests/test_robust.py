"""Issue 4, in-process: odd queries, bad options, broken sources, unforeseen errors.

Pipes, encodings, raw argv bytes and signals need a real process: see
tests/test_subprocess.py. Broken stores: tests/test_store.py. Hostile text:
tests/test_hostile.py.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest
from conftest import Invoke, StoreMaker
from support import REAL_SOURCES

EMPTY = 'emh: empty query: ask a question, e.g. emh ask "how is it treated"\n'

# -- queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("query", [[], [""], ["   "], ["\t\n"], ["", " "]])
@pytest.mark.parametrize("json_", [False, True])
def test_empty_query(cli: Invoke, query: list[str], json_: bool) -> None:
    r = cli("ask", *query, *(["--json"] if json_ else []))
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", EMPTY)


@pytest.mark.parametrize("query", ["+++", "the of and", "?!", "...", "— – -", "THE OF AND", "😀", "!!! ???"])  # fmt: skip
def test_nothing_searchable_is_never_answered(cli: Invoke, query: str) -> None:
    r = cli("ask", query)
    assert r.exit_code in (1, 2)
    assert r.stdout == ""
    assert r.stderr.startswith("emh: ")
    r = cli("ask", query, "--json")
    assert r.exit_code in (1, 2)
    assert r.stdout == "" or json.loads(r.stdout)["results"] == []


@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_huge_queries_complete(cli: Invoke, size: int) -> None:
    words = "how is extramedullary hematopoiesis treated in the spleen "
    query = (words * (size // len(words) + 1))[:size]
    r = cli("ask", query, "--json")
    assert r.exit_code in (0, 1, 2)
    if r.exit_code != 2:
        out = json.loads(r.stdout)
        assert isinstance(out["results"], list)
    r = cli("ask", "x" * size)
    assert r.exit_code in (0, 1, 2)
    assert len(r.stderr) < 2000  # the query is not echoed back in full


@pytest.mark.parametrize(
    "query",
    [
        "😀 spleen 🩸",
        "עברית טחול",  # Hebrew
        "ما هو تكون الدم",  # Arabic
        "\u202espleen\u202c",
        "e\u0301\u0301\u0301 spleen",
        "Z\u0351\u0358\u0310a\u0317\u0353l\u0316g\u0324o spleen",
        "ｓｐｌｅｅｎ",  # full-width
        "ﬁbrosis",  # ligature
        "\x1b[2J spleen \x07",
        "\ud800",  # lone surrogate, as Python gets from undecodable argv
        "spleen\x00",
    ],
)
def test_unusual_characters_never_crash(cli: Invoke, query: str) -> None:
    for extra in ([], ["--json"], ["--explain"]):
        r = cli("ask", query, *extra)
        assert r.exit_code in (0, 1, 2)
        assert "\x1b[2J" not in r.stdout and "\x1b[2J" not in r.stderr
        if "--json" in extra and r.stdout:
            json.loads(r.stdout)


def test_fullwidth_reads_like_ascii(cli: Invoke) -> None:
    a = json.loads(cli("ask", "ｓｐｌｅｅｎ", "--json").stdout)
    b = json.loads(cli("ask", "spleen", "--json").stdout)
    assert [r["id"] for r in a["results"]] == [r["id"] for r in b["results"]]


@pytest.mark.parametrize(
    "query", ["how is it treated", "Thalassaemia", "spleen", "what causes emh"]
)
def test_case_does_not_matter(cli: Invoke, query: str) -> None:
    results = []
    for q in (query.lower(), query.upper(), query.title()):
        out = json.loads(cli("ask", q, "--json").stdout)
        out.pop("query")
        results.append(out)
    assert results[0] == results[1] == results[2]


# -- options -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "error", "command"),
    [
        (["ask", "spleen", "--limit", "0"], "invalid value for '--limit' / '-n': 0 is not in the range x>=1", "ask"),
        (["ask", "spleen", "--limit", "-1"], "invalid value for '--limit' / '-n': -1 is not in the range x>=1", "ask"),
        (["ask", "spleen", "--limit", "abc"], "invalid value for '--limit' / '-n': 'abc' is not a valid integer range", "ask"),
        (["ask", "spleen", "-n", ""], "invalid value for '--limit' / '-n': '' is not a valid integer range", "ask"),
        (["ask", "spleen", "--limit"], "option '--limit' requires an argument", "ask"),
        (["ask", "spleen", "--min-score", "-1"], "invalid value for '--min-score': -1.0 is not in the range 0<=x<=100", "ask"),
        (["ask", "spleen", "--min-score", "x"], "invalid value for '--min-score': 'x' is not a valid float range", "ask"),
        (["ask", "spleen", "--bogus"], "no such option '--bogus'", "ask"),
        (["ask", "spleen", "--json", "--bogus"], "no such option '--bogus'", "ask"),
        (["list", "--bogus"], "no such option '--bogus'", "list"),
        (["list", "--topic"], "option '--topic' requires an argument", "list"),
        (["list", "a", "extra"], "got unexpected extra argument (extra)", "list"),
        (["show", "1", "2"], "got unexpected extra argument (2)", "show"),
        (["show", "1", "--bogus"], "no such option '--bogus'", "show"),
        (["topics", "--limit", "1"], "no such option '--limit'", "topics"),
        (["sources", "x"], "got unexpected extra argument (x)", "sources"),
        (["build", "--bogus"], "no such option '--bogus'", "build"),
        (["--data"], "option '--data' requires an argument", ""),
        (["list", "--data"], "option '--data' requires an argument", "list"),
        (["--bogus", "list"], "no such option '--bogus'", ""),
        (["-x"], "no such option '-x'", ""),
    ],
)  # fmt: skip
def test_bad_options_exit_2_with_one_line(
    cli: Invoke, args: list[str], error: str, command: str
) -> None:
    r = cli(*args)
    assert (r.exit_code, r.stdout) == (2, "")
    see = f"emh {command} --help" if command else "emh --help"
    assert r.stderr == f"emh: {error} (see '{see}')\n"


def test_limit_larger_than_the_store(cli: Invoke) -> None:
    out = json.loads(
        cli("ask", "extramedullary", "--json", "--limit", "10000", "--min-score", "0").stdout
    )
    assert 0 < len(out["results"]) <= 22
    r = cli("ask", "spleen", "--limit", "99999999999999999999999999", "--json")
    assert r.exit_code in (0, 1)


# -- build: every failure leaves the output byte-identical -----------------------------


# An existing store (`emh build` refuses to replace anything else without --force).
OLD = b'{"schema_version": 1, "documents": [], "entries": [], "precious": "old store"}\n'


def failing_build(tmp_path: Path, name: str) -> tuple[list[str], str]:
    """(source arguments, expected stderr line) for one broken build."""
    t = tmp_path
    if name == "missing":
        return [str(t / "missing.txt")], f"emh: {t / 'missing.txt'}: no such file"
    if name == "directory":
        (t / "dir.txt").mkdir()
        return [str(t / "dir.txt")], f"emh: {t / 'dir.txt'}: is a directory, not a source document"
    files = {
        "empty": (b"", "emh: empty.txt: document is empty"),
        "blank": (b"\n  \n\n", "emh: blank.txt:1: document has no question (a line ending in '?')"),
        "no_question": (b"Just text.\nNo question here.\n", "emh: no_question.txt:1: document has no question (a line ending in '?')"),
        "binary": (b"Q?\nA\n\x89PNG\x00\x00\x01", "emh: binary.txt:3: binary data (NUL byte); expected a UTF-8 text file"),
        "latin1": ("Q?\nCafé crème\n".encode("latin-1"), "emh: latin1.txt:2: not valid UTF-8 (byte 0xe9 at column 4)"),
        "utf16": ("Q?\nA\n".encode("utf-16"), "emh: utf16.txt:1: binary data (NUL byte); expected a UTF-8 text file"),
    }  # fmt: skip
    data, message = files[name]
    (t / f"{name}.txt").write_bytes(data)
    return [str(t / f"{name}.txt")], message


@pytest.mark.parametrize(
    "name", ["missing", "directory", "empty", "blank", "no_question", "binary", "latin1", "utf16"]
)
@pytest.mark.parametrize("with_good", [False, True])
def test_failed_build_leaves_output_untouched(
    cli: Invoke, tmp_path: Path, name: str, with_good: bool
) -> None:
    out = tmp_path / "out.json"
    out.write_bytes(OLD)
    srcs, message = failing_build(tmp_path, name)
    if with_good:
        srcs = [str(REAL_SOURCES[0]), *srcs]
    r = cli("build", *srcs, "-o", str(out))
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr == message + "\n"
    assert out.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_duplicate_document_names(cli: Invoke, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    one, two = tmp_path / "a" / "doc.txt", tmp_path / "doc.txt"
    one.write_text("Q?\nA.\n")
    two.write_text("R?\nB.\n")
    out = tmp_path / "out.json"
    out.write_bytes(OLD)
    r = cli("build", str(one), str(two), "-o", str(out))
    assert r.exit_code == 2
    assert r.stderr.startswith(f"emh: {two}: another source is also named 'doc.txt'")
    assert out.read_bytes() == OLD


def test_a_source_given_twice_is_read_once(cli: Invoke, tmp_path: Path) -> None:
    src, out = tmp_path / "doc.txt", tmp_path / "out.json"
    src.write_text("Q?\nA.\n")
    r = cli("build", str(src), str(tmp_path / "." / "doc.txt"), "-o", str(out), "-q")
    assert r.exit_code == 0, r.stderr
    assert [d["name"] for d in json.loads(out.read_bytes())["documents"]] == ["doc.txt"]


def test_unwritable_outputs(cli: Invoke, tmp_path: Path) -> None:
    src = str(REAL_SOURCES[1])
    r = cli("build", src, "-o", str(tmp_path / "no" / "x.json"))
    assert r.exit_code == 2
    assert (
        r.stderr
        == f"emh: {tmp_path / 'no' / 'x.json'}: folder '{tmp_path / 'no'}' does not exist\n"
    )
    r = cli("build", src, "-o", str(tmp_path))
    assert (r.exit_code, r.stderr) == (2, f"emh: {tmp_path}: is a directory\n")


def test_failed_write_leaves_output_untouched(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.json"
    out.write_bytes(OLD)

    def full(*a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("emh_cli.build.os.fsync", full)
    r = cli("build", *map(str, REAL_SOURCES), "-o", str(out))
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == f"emh: {out}: cannot write (No space left on device)\n"
    assert out.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def entries_of(cli: Invoke, store: Path) -> list[dict[str, object]]:
    return json.loads(cli("--data", str(store), "list", "--json").stdout)


SAMPLE = "Preamble.\nWhat is one?\n\nAnswer one [1].\nWhat is two?\nWhat is three?\nAnswer three…\n"


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.replace("\n", "\r\n").encode(),
        lambda s: b"\xef\xbb\xbf" + s.encode(),
        lambda s: b"\xef\xbb\xbf" + s.replace("\n", "\r\n").encode(),
        lambda s: s.rstrip("\n").encode(),
        lambda s: s.replace("\n", "  \n").encode(),
    ],
    ids=["crlf", "bom", "bom+crlf", "no-final-newline", "trailing-spaces"],
)
def test_crlf_bom_sources_give_the_same_store(
    cli: Invoke, make_store: StoreMaker, encode: object
) -> None:
    lf = make_store(SAMPLE.encode())
    other = make_store(encode(SAMPLE))  # type: ignore[operator]
    assert entries_of(cli, other) == entries_of(cli, lf)
    a, b = (json.loads(p.read_text())["documents"][0] for p in (lf, other))
    assert a["sha256"] != b["sha256"]
    assert (a["lines"], a["questions"]) == (b["lines"], b["questions"])


def test_very_long_lines(cli: Invoke, make_store: StoreMaker) -> None:
    q = "What is " + "very " * 200_000 + "long?"
    a = "Because " + "x" * 2_000_000 + "."
    store = make_store(f"{q}\n{a}\nShort one?\nShort answer.\n")
    (first, second) = entries_of(cli, store)
    assert first["question"] == q and first["answer"] == a
    assert second["answer"] == "Short answer."
    r = cli("--data", str(store), "ask", "what is long", "--json")
    assert r.exit_code in (0, 1)
    r = cli("--data", str(store), "list")
    assert r.exit_code == 0


def test_twenty_megabyte_source(cli: Invoke, tmp_path: Path) -> None:
    src = tmp_path / "huge.txt"
    word = "hematopoiesis" * 80  # long tokens keep the test fast; the size is real
    pairs = []
    size = 0
    i = 0
    while size < 20 * 1024 * 1024:
        answer = f"Answer {i}: spleen marrow " + " ".join([word] * 90) + " end."
        pairs.append(f"What is large question number {i}?\n{answer}\n")
        size += len(pairs[-1])
        i += 1
    src.write_text("".join(pairs), encoding="utf-8")
    assert src.stat().st_size >= 20 * 1024 * 1024
    out = tmp_path / "huge.json"
    r = cli("build", str(src), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert r.stderr.endswith(f"{i} entries ({i} answered, 0 unanswered) from 1 document\n")
    entries = json.loads(out.read_text(encoding="utf-8"))["entries"]
    assert len(entries) == i
    assert entries[-1]["sources"][0]["line"] == 2 * i - 1
    assert entries[7]["answer"] == pairs[7].split("\n")[1]
    r = cli("--data", str(out), "show", str(i), "--json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["question"] == f"What is large question number {i - 1}?"


# -- interrupts and unforeseen errors ---------------------------------------------------


def test_keyboard_interrupt_exits_130(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("emh_cli.index.open_index", interrupted)
    for args in (["ask", "spleen"], ["list", "--json"], ["show", "1"]):
        r = cli(*args)
        assert r.exit_code == 130
        assert r.stdout == ""
        assert r.stderr == "\n"


def test_keyboard_interrupt_in_batch(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    import emh_cli.batch

    real = emh_cli.batch.batch_line
    calls = []

    def second_interrupts(*a: object, **k: object) -> dict[str, object]:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(emh_cli.batch, "batch_line", second_interrupts)
    r = cli("ask", "--batch", input="spleen\nliver\nbone\n")
    assert r.exit_code == 130
    assert len(r.stdout.splitlines()) == 1  # the first answer was flushed
    assert "Traceback" not in r.stderr


def boom(*a: object, **k: object) -> None:
    raise RuntimeError("boom \x1b[2J")


@pytest.mark.parametrize(
    ("target", "args"),
    [
        ("emh_cli.index.open_index", ["ask", "spleen"]),
        ("emh_cli.index.open_index", ["list", "--json"]),
        ("emh_cli.catalog.topic_names", ["topics"]),
        ("emh_cli.build.build", ["build", str(REAL_SOURCES[0]), "-o", "/dev/null/x"]),
        ("emh_cli.output.Output.entry", ["show", "1"]),
    ],
)
def test_unforeseen_error_is_one_line(
    cli: Invoke, monkeypatch: pytest.MonkeyPatch, target: str, args: list[str]
) -> None:
    monkeypatch.setattr(target, boom)
    r = cli(*args)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr == (
        "emh: internal error: RuntimeError: boom \\x1b[2J (set EMH_DEBUG=1 for a traceback)\n"
    )


def test_emh_debug_shows_the_traceback(cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("emh_cli.index.open_index", boom)
    r = cli("ask", "spleen", env={"EMH_DEBUG": "1"}, catch_exceptions=True)
    assert isinstance(r.exception, RuntimeError)
    assert r.exc_info is not None
    tb = "".join(traceback.format_exception(*r.exc_info))
    assert "RuntimeError: boom" in tb
    r = cli("ask", "spleen", env={"EMH_DEBUG": "0"})
    assert r.exit_code == 2 and "internal error" in r.stderr


# -- arguments Python could not decode (LANG=C): lone surrogates --------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["show", "\udcc3\udca9"],
        ["show", "\udcc3\udca9", "--json"],
        ["list", "--topic", "\udcff"],
        ["list", "--source", "\udcff"],
        ["ask", "\udcff", "--json"],
        ["ask", "spleen \udcc3\udca9", "--json"],
        ["--data", "\udcff.json", "list"],
    ],
)
def test_undecodable_arguments(cli: Invoke, args: list[str]) -> None:
    r = cli(*args)
    assert r.exit_code in (0, 1, 2)
    if r.exit_code == 2:
        if args[0] == "ask" and "--json" in args:  # nothing to search: still JSON
            assert json.loads(r.stdout)["results"] == []
        else:
            assert r.stdout == ""
        assert len(r.stderr.splitlines()) == 1
        assert r.stderr.startswith("emh: ")
        if args[0] != "ask":  # the argument is named in the message, as an escape
            assert "\\udc" in r.stderr


def test_index_entry_with_undecodable_id() -> None:
    from support import FAQ

    from emh_cli.index import open_index

    assert open_index(FAQ).entry("\udcc3\udca9") is None

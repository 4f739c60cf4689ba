"""Property-based tests (hypothesis).

Example counts come from the settings profile loaded in conftest.py (default
"ci": 100 examples, derandomized). The argument-list property runs 3x that.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import build_store_at
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from support import FAQ, REAL_SOURCES, entry_doc, oracle_parse, store_doc
from typer.testing import CliRunner, Result

from emh_cli.cli import app
from emh_cli.parse import parse_document

BASE = settings().max_examples
ARGV_EXAMPLES = 3 * BASE

runner = CliRunner()


def invoke(args: list[str], input: str | None = None) -> Result:
    return runner.invoke(app, args, input=input, catch_exceptions=False, prog_name="emh")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch working directory: `build -o NAME` from random arguments lands here."""
    d = tmp_path_factory.mktemp("argv")
    shutil.copy(FAQ, d / "faq.json")
    shutil.copy(REAL_SOURCES[1], d / "source.txt")
    (d / "empty.txt").write_bytes(b"")
    (d / "broken.json").write_bytes(b"{nope")
    return d


# -- any argument list exits 0, 1 or 2 ------------------------------------------------------

KNOWN = [
    "ask", "list", "show", "topics", "sources", "build",
    "--json", "--limit", "-n", "--explain", "--full", "--batch", "--min-score",
    "--topic", "-t", "--source", "-s", "--no-pager", "--data", "--version", "--help", "-h",
    "--output", "-o", "--quiet", "-q", "--", "-",
    "1", "0", "-1", "24", "25", "abc", "nan", "inf", "1e309", "99999999999999999999",
    "how is it treated", "thalassaemia", "spleen", "emh", "+++", "the of and", "",
    "faq.json", "source.txt", "empty.txt", "broken.json", "missing.json", "out.json",
    "004", "[bold]", "\x1b[2J", "\u202e", "😀",
]  # fmt: skip
# Random words never contain a path separator: `build -o WORD` must stay in the
# scratch directory (and never name a device such as /dev/null).
WORDS = st.text(max_size=20).filter(lambda s: "/" not in s and "\\" not in s and "\x00" not in s)
ARG = st.one_of(st.sampled_from(KNOWN), st.sampled_from(KNOWN), WORDS)
ARGV = st.lists(ARG, max_size=8)


@settings(max_examples=ARGV_EXAMPLES)
@given(argv=ARGV, stdin=st.sampled_from([None, "", "spleen\n", "how is it treated\n\n+++\n"]))
def test_any_argument_list_exits_0_1_or_2(
    workdir: Path, argv: list[str], stdin: str | None
) -> None:
    assume("--install-completion" not in argv)
    with contextlib.chdir(workdir):
        r = invoke(argv, input=stdin)
    assert r.exit_code in (0, 1, 2), (argv, r.exit_code, r.output)
    assert "Traceback" not in r.stderr
    if "--json" in argv and r.exit_code == 0 and "--help" not in argv and "-h" not in argv:
        text = r.stdout
        if text and "--version" not in argv and "--batch" not in argv:
            json.loads(text)


# -- any text through the parser ----------------------------------------------------------------

LINE = st.one_of(
    st.sampled_from(
        ["What is it?", "Why?", "?", "  Is it so?  ", "An answer.", "Cut …", "Cut...", "", " ",
         "A: prefixed", "[19] mark", "\ufeffBOM?", "tab\tline?", "cr\rinside?", "?\r",
         "## Section", "### Is it a heading?", "- Is it listed?", "**Is it bold?**", "Q: Is it?",
         "1. Is it first?", "A:", "* *", "```", "~~~", "# a comment"]
    ),
    st.text(max_size=40).map(lambda s: s.replace("\n", " ")),
    st.text(max_size=30).map(lambda s: s.replace("\n", " ") + "?"),
)  # fmt: skip
DOCUMENT = st.tuples(
    st.lists(LINE, max_size=25), st.sampled_from(["\n", "\r\n"]), st.booleans()
).map(lambda t: t[1].join(t[0]) + (t[1] if t[2] else ""))


@given(text=st.one_of(DOCUMENT, st.text()))
def test_parser_never_raises(text: str) -> None:
    doc = parse_document("doc.txt", text)
    for qa in doc.items:
        assert qa.question.endswith("?")
        assert qa.answer is None or qa.answer.strip()
    for d in doc.diagnostics:
        assert str(d).startswith("doc.txt:")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=st.one_of(DOCUMENT, st.text(max_size=300)), bom=st.booleans())
def test_every_question_line_survives_build_and_list(
    tmp_path_factory: pytest.TempPathFactory, text: str, bom: bool
) -> None:
    folder = tmp_path_factory.mktemp("prop", numbered=True)
    src = folder / "doc.txt"
    src.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    out = folder / "s.json"
    r = invoke(["build", str(src), "-o", str(out)])
    # One leading byte-order mark is dropped when the file is read; a second stays.
    expected = oracle_parse("doc.txt", text if bom else text.removeprefix("\ufeff"))
    if "\x00" in text:
        event("NUL")
        assert r.exit_code == 2
        assert "binary data (NUL byte)" in r.stderr
        assert not out.exists()
        return
    if not expected:
        event("no question")
        assert r.exit_code == 2
        assert "document is empty" in r.stderr or "has no question" in r.stderr
        assert not out.exists()
        return
    assert r.exit_code == 0, r.stderr
    event("built")
    listed = invoke(["--data", str(out), "list", "--json"])
    assert listed.exit_code == 0, listed.stderr
    entries = json.loads(listed.stdout)
    cited = {(s["line"], s["question"]): e for e in entries for s in e["sources"]}
    assert len(cited) == len(expected)
    for qa in expected:
        e = cited[(qa.line, qa.question)]
        assert qa.question in e["questions"]
        if qa.answer is None:
            assert e["answer"] is None
        else:
            assert " ".join(e["answer"].split()) == " ".join(qa.answer.split())


# -- any answer text round-trips through --json ---------------------------------------------------


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=st.text(), question=st.text(min_size=1))
def test_any_answer_round_trips_through_json(
    tmp_path_factory: pytest.TempPathFactory, answer: str, question: str
) -> None:
    """A store may hold any text (NUL, escapes, markup, bidi): JSON gives it back exactly."""
    folder = tmp_path_factory.mktemp("rt", numbered=True)
    store = folder / "s.json"
    store.write_bytes(store_doc([entry_doc("1", question, answer), entry_doc("2", "Other?", None)]))
    r = invoke(["--data", str(store), "show", "1", "--json"])
    assert r.exit_code == 0, r.stderr
    got = json.loads(r.stdout)
    assert (got["question"], got["answer"]) == (question, answer)
    listed = json.loads(invoke(["--data", str(store), "list", "--json"]).stdout)
    assert listed[0]["answer"] == answer
    human = invoke(["--data", str(store), "show", "1"])
    assert human.exit_code == 0
    assert "\x1b" not in human.stdout and "\x00" not in human.stdout


ANSWER_LINE = (
    st.text(min_size=1, max_size=60)
    .map(lambda s: " ".join(s.split()))
    .filter(
        lambda s: bool(s) and not s.endswith("?") and "\x00" not in s and not s.startswith("\ufeff")
    )
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(ANSWER_LINE, min_size=1, max_size=4))
def test_built_answer_round_trips_through_ask_json(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str]
) -> None:
    answer = "\n".join(lines)
    assume(all(s == s.strip() and s.strip() for s in lines))
    store = build_store_at(
        tmp_path_factory.mktemp("ask", numbered=True),
        {"d.txt": f"What is the zebra question?\n{answer}\n"},
    )
    r = invoke(["--data", str(store), "ask", "zebra question", "--json", "--min-score", "0"])
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["results"][0]["answer"] == answer
    assert out["results"][0]["citations"] == ["d.txt:1"]


# -- build never replaces a file that is not a store ---------------------------------------------


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_build_never_replaces_what_is_not_a_store(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    """Whatever an existing output holds, it survives byte for byte unless it is a
    store (a JSON object with a schema_version key) or --force is given."""
    from emh_cli.store import looks_like_store

    folder = tmp_path_factory.mktemp("keep", numbered=True)
    src = folder / "faq.txt"
    src.write_text("What is it?\nThis.\n", encoding="utf-8")
    out = folder / "out.json"
    out.write_bytes(content)
    r = invoke(["build", str(src), "-o", str(out)])
    if looks_like_store(out):
        event("a store")
        assert r.exit_code == 0, r.stderr
    else:
        assert r.exit_code == 2
        assert r.stderr.endswith(
            "is not an emh store; refusing to overwrite it (--force replaces it)\n"
        )
        assert out.read_bytes() == content
        assert sorted(p.name for p in folder.iterdir()) == ["faq.txt", "out.json"]
    # never the source, whatever --force says
    r = invoke(["build", str(src), "-o", str(src), "--force"])
    assert r.exit_code == 2 and src.read_text(encoding="utf-8") == "What is it?\nThis.\n"


# -- a question and its answer on one line is always reported -----------------------------------

WORD = st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=8)


@given(
    question=st.lists(WORD, min_size=3, max_size=8).map(lambda ws: " ".join(ws) + "?"),
    answer=st.lists(WORD, min_size=1, max_size=8).map(lambda ws: " ".join(ws) + "."),
    before=st.sampled_from(["", "What is it?\nIt is.\n", "What is it?\n\nIt is.\n\n"]),
)
def test_question_and_answer_on_one_line_is_always_reported(
    question: str, answer: str, before: str
) -> None:
    text = f"{before}{question} {answer}\n"
    line = before.count("\n") + 1
    doc = parse_document("doc.txt", text)
    found = [d for d in doc.diagnostics if "question and answer on one line" in d.message]
    assert [(d.document, d.line) for d in found] == [("doc.txt", line)]
    # the parse is what it was: the line is text, never a question
    assert [qa.line for qa in doc.items] == [qa.line for qa in oracle_parse("doc.txt", text)]


# -- --data means the same before and after the command -----------------------------------------

COMMAND = st.sampled_from(["ask", "list", "show", "topics", "sources"])
REST = st.lists(
    st.sampled_from(
        ["--json", "--explain", "--full", "--no-pager", "how is it treated", "spleen", "1",
         "24", "thalassaemia", "abc", "+++", ""]
    ),
    max_size=4,
)  # fmt: skip


@given(command=COMMAND, rest=REST)
def test_data_before_or_after_the_command_is_the_same(
    workdir: Path, command: str, rest: list[str]
) -> None:
    with contextlib.chdir(workdir):
        before = invoke(["--data", "faq.json", command, *rest])
        after = invoke([command, *rest, "--data", "faq.json"])
        inside = invoke([command, "--data", "faq.json", *rest])
    assert (before.exit_code, before.stdout, before.stderr) == (
        after.exit_code,
        after.stdout,
        after.stderr,
    )
    assert (inside.exit_code, inside.stdout) == (before.exit_code, before.stdout)

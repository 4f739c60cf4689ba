"""Hostile store text (issue 4): shown literally and visibly, never interpreted;
JSON keeps it exactly."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from conftest import Invoke, build_store_at
from support import entry_doc, store_doc, strip_ansi

from emh_cli.index import open_index
from emh_cli.output import Output
from emh_cli.rank import ask

MARKUP_Q = "What about [bold]markup[/] and [19] refs?"
MARKUP_A = "Use array[i] and [link=http://x]x[/link] and :smile: and back\\slash C:\\path\\."
ESC_Q = "Does \x1b[2J clear the screen?"
ESC_A = (
    "Title \x1b]0;pwned\x07 then clipboard \x1b]52;c;aGVsbG8=\x07 "
    "then C1 \x9b31m red then CR\rhere then \u202e reversed."
)
TAG_Q = "Is [/] a closing tag [red]?"
TAG_A = "[/] alone, [bold red]styled[/bold red], \\[escaped], [blink]x[/blink] and DEL \x7f."
DOC = "host\x1bile[bold].txt"

HOSTILE_SOURCE = f"{MARKUP_Q}\n{MARKUP_A}\n{ESC_Q}\n{ESC_A}\n{TAG_Q}\n\n{TAG_A}\n"
QUESTIONS = [MARKUP_Q, ESC_Q, TAG_Q]
ANSWERS = [MARKUP_A, ESC_A, TAG_A]

# What the data must never put on a terminal raw. (Rich's own SGR codes are
# removed first: `\x1b[...m` that rich writes for styles is expected.)
RAW_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
RICH_SGR = re.compile(r"\x1b\[[0-9;]*m")
VISIBLE = ["\\x1b[2J", "\\x1b]0;pwned\\x07", "\\x1b]52;c;aGVsbG8=\\x07", "\\x9b31m", "\\x0dhere", "\\u202e", "\\x7f"]  # fmt: skip
LITERAL = ["[bold]markup[/]", "[19]", "array[i]", "[link=http://x]x[/link]", ":smile:", "back\\slash", "C:\\path\\.", "[bold red]styled[/bold red]", "\\[escaped]", "[blink]x[/blink]"]  # fmt: skip


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    return build_store_at(folder, {DOC: HOSTILE_SOURCE})


@pytest.fixture(scope="module")
def nul_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """NUL cannot come from a source document (it is binary), so hand-write the store."""
    p = tmp_path_factory.mktemp("nul") / "nul.json"
    p.write_bytes(
        store_doc(
            [
                entry_doc("1", "Nul\x00in the question?", "Nul\x00in the answer, and \x1b[31mred."),
                entry_doc("2", "What about [bold]markup[/]?", "Literal [/] here."),
            ]
        )
    )
    return p


def test_build_keeps_hostile_text_exactly(cli: Invoke, hostile_store: Path) -> None:
    r = cli("--data", str(hostile_store), "list", "--json")
    assert r.exit_code == 0 and r.stderr == ""
    out = json.loads(r.stdout)
    assert [e["question"] for e in out] == QUESTIONS
    assert [e["answer"] for e in out] == ANSWERS
    assert [e["citations"] for e in out] == [[f"{DOC}:1"], [f"{DOC}:3"], [f"{DOC}:5"]]


def check_human(text: str) -> None:
    assert not RAW_CONTROLS.search(RICH_SGR.sub("", text)), repr(text)
    assert "\x1b]" not in text  # no OSC at all (titles, clipboard, hyperlinks)
    assert "😄" not in text  # :smile: is not an emoji code


@pytest.mark.parametrize(
    "args",
    [["list"], ["show", "1"], ["show", "2"], ["show", "3"], ["ask", "markup refs", "--min-score", "0", "--full"], ["ask", "clear screen", "--full", "--explain"], ["topics"], ["sources"]],
)  # fmt: skip
def test_plain_output_shows_hostile_text_visibly(
    cli: Invoke, hostile_store: Path, args: list[str]
) -> None:
    r = cli("--data", str(hostile_store), *args)
    assert r.exit_code in (0, 1), r.stderr
    check_human(r.stdout)
    check_human(r.stderr)


def test_plain_output_exact_forms(cli: Invoke, hostile_store: Path) -> None:
    text = cli("--data", str(hostile_store), "show", "2").stdout
    assert text.startswith("[2] Does \\x1b[2J clear the screen?\n")
    for v in VISIBLE[:6]:
        assert v in text
    assert "source: host\\x1bile[bold].txt:3  Does \\x1b[2J clear the screen?" in text
    text = cli("--data", str(hostile_store), "show", "1").stdout
    for lit in LITERAL[:7]:
        assert lit in text
    listing = cli("--data", str(hostile_store), "list").stdout
    assert f"1\t{MARKUP_Q}\t" in listing


@pytest.mark.parametrize(
    ("eid", "query"), [("1", "markup refs"), ("2", "clear screen"), ("3", "closing tag")]
)
def test_json_keeps_hostile_text_exactly(
    cli: Invoke, hostile_store: Path, eid: str, query: str
) -> None:
    out = json.loads(cli("--data", str(hostile_store), "show", eid, "--json").stdout)
    i = int(eid) - 1
    assert (out["question"], out["answer"]) == (QUESTIONS[i], ANSWERS[i])
    r = cli("--data", str(hostile_store), "ask", query, "--json", "--min-score", "0", "--explain")
    assert r.exit_code == 0
    found = {e["id"]: e for e in json.loads(r.stdout)["results"]}
    assert found[eid]["answer"] == ANSWERS[i]
    assert "\x1b" not in r.stdout and "\x9b" not in r.stdout and "\u202e" not in r.stdout


def test_nul_store_plain_and_json(cli: Invoke, nul_store: Path) -> None:
    r = cli("--data", str(nul_store), "show", "1")
    assert r.exit_code == 0
    assert "Nul\\x00in the question?" in r.stdout
    assert "Nul\\x00in the answer, and \\x1b[31mred." in r.stdout
    check_human(r.stdout)
    out = json.loads(cli("--data", str(nul_store), "show", "1", "--json").stdout)
    assert out["answer"] == "Nul\x00in the answer, and \x1b[31mred."
    r = cli("--data", str(nul_store), "list")
    assert "\x00" not in r.stdout and "Nul\\x00in the question?" in r.stdout


def render(store: Path, draw: str) -> str:
    index = open_index(store)
    buf = io.StringIO()
    out = Output(force_terminal=True, width=100, out=buf)
    if draw == "list":
        out.entries(index.entries())
    elif draw == "show":
        for e in index.entries():
            out.entry(e)
    elif draw == "ask":
        for q in ("markup refs", "clear screen", "closing tag", "nul answer", "spleen organ"):
            out.answer(ask(index, q, min_score=0, limit=5), explain=True, full=True)
    else:
        out.counts([(t, 1) for e in index.entries() for t in (*e.topics, e.question)], "topics")
    return buf.getvalue()


@pytest.mark.parametrize("draw", ["list", "show", "ask", "counts"])
def test_rich_renderer_shows_hostile_text_literally(hostile_store: Path, draw: str) -> None:
    raw = render(hostile_store, draw)
    check_human(raw)
    assert "\x1b[" in raw  # styled: the terminal path, not plain text
    text = strip_ansi(raw)
    if draw in ("show", "ask"):
        for lit in LITERAL:
            assert lit in text, (lit, text)
        for v in VISIBLE:
            assert v in text, (v, text)
    assert "[bold]markup[/]" in text


@pytest.mark.parametrize("draw", ["list", "show", "ask"])
def test_rich_renderer_nul_store(nul_store: Path, draw: str) -> None:
    raw = render(nul_store, draw)
    check_human(raw)
    text = strip_ansi(raw)
    assert "Nul\\x00in" in text
    assert "[bold]markup[/]" in text


@pytest.fixture(scope="module")
def field_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every text field of a hand-written store is hostile, not only questions and answers."""
    evil = "\x1b]0;pwned\x07\x1b[2J\u202e"
    p = tmp_path_factory.mktemp("fields") / "fields.json"
    p.write_bytes(
        store_doc(
            [
                entry_doc(
                    f"7{evil}",
                    "What is the spleen?",
                    "The spleen is an organ.",
                    topics=[f"spleen{evil}"],
                    flags=[f"odd{evil}", "truncated"],
                    sources=[{"document": f"d{evil}.txt", "line": 1, "question": f"Q{evil}?"}],
                ),
                entry_doc("8", "Is it unanswered?", None, topics=[f"[bold]t{evil}"]),
            ],
            documents=[{"name": f"d{evil}.txt", "lines": 2, "questions": 1, "sha256": evil}],
        )
    )
    return p


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", "7\x1b]0;pwned\x07\x1b[2J\u202e"],
        ["show", "8"],
        ["show", "nope"],
        ["ask", "spleen organ", "--full", "--min-score", "0"],
        ["ask", "zzzz qqqq"],
        ["topics"],
        ["sources"],
        ["list", "--topic", "nope"],
        ["list", "--source", "nope"],
    ],
)
def test_every_store_field_is_sanitized_in_plain_output(
    cli: Invoke, field_store: Path, args: list[str]
) -> None:
    r = cli("--data", str(field_store), *args)
    assert r.exit_code in (0, 1, 2), r.stderr
    check_human(r.stdout)
    check_human(r.stderr)


@pytest.mark.parametrize("draw", ["list", "show", "ask", "counts"])
def test_every_store_field_is_sanitized_in_rich_output(field_store: Path, draw: str) -> None:
    raw = render(field_store, draw)
    check_human(raw)


def test_every_store_field_is_exact_in_json(cli: Invoke, field_store: Path) -> None:
    evil = "\x1b]0;pwned\x07\x1b[2J\u202e"
    out = json.loads(cli("--data", str(field_store), "list", "--json").stdout)
    assert out[0]["id"] == f"7{evil}"
    assert out[0]["topics"] == [f"spleen{evil}"]
    assert out[0]["flags"] == [f"odd{evil}", "truncated"]
    assert out[0]["citations"] == [f"d{evil}.txt:1"]
    docs = json.loads(cli("--data", str(field_store), "sources", "--json").stdout)
    assert docs[0]["sha256"] == evil


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("\x1b[1;31mspleen\x1b[0m size", "spleen size"),
        ("\x1b]0;a title\x07spleen", "spleen"),
        ("spleen\x1b]8;;https://x.example\x1b\\link", "spleenlink"),
        ("\udcc3( spleen", "\ufffd( spleen"),
        ("plain é ‘quoted’", "plain é ‘quoted’"),
    ],
)
def test_clean_query_drops_escapes_and_repairs_bytes(typed: str, read: str) -> None:
    from emh_cli.textnorm import clean_query

    assert clean_query(typed) == read
    assert clean_query(read) == read

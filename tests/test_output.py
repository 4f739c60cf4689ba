"""Unit tests of output: sanitizing, JSON, plain text, rich, and a rendering snapshot.

The snapshot (tests/golden/ask_how_is_it_treated.txt) is the rich rendering of
`emh ask "how is it treated" --limit 2` at width 100, ANSI stripped, scores
written as "##" (so that ranking tweaks that keep the order do not break it).
Regenerate with UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from support import DOC_A, DOC_B, FAQ, GOLDEN, squash, strip_ansi, update_golden

from emh_cli.index import open_index
from emh_cli.model import Answer, Entry, Result, Source
from emh_cli.output import (
    Output,
    answer_json,
    dumps,
    entry_json,
    flag_note,
    nearest_message,
    plain_answer,
    plain_entries,
    plain_entry,
    sanitize,
    use_terminal,
    wrap_line,
)
from emh_cli.rank import ask


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text", "plain text"),
        ("tab\there", "tab here"),
        ("keep\nnewline", "keep\nnewline"),
        ("\x1b[2J", "\\x1b[2J"),
        ("\x1b]0;t\x07", "\\x1b]0;t\\x07"),
        ("nul\x00", "nul\\x00"),
        ("cr\r", "cr\\x0d"),
        ("del\x7f", "del\\x7f"),
        ("c1\x9b", "c1\\x9b"),
        ("bidi\u202e", "bidi\\u202e"),
        ("iso\u2066", "iso\\u2066"),
        ("[bold]x[/]", "[bold]x[/]"),
        ("émoji 😀 עברית", "émoji 😀 עברית"),
    ],
)
def test_sanitize(raw: str, shown: str) -> None:
    assert sanitize(raw) == shown


def entry(answer: str | None = "An answer.", question: str = "A question?") -> Entry:
    return Entry(
        id="1",
        question=question,
        questions=(question,),
        answer=answer,
        topics=("spleen",),
        flags=("truncated",) if answer and answer.endswith("…") else (),
        sources=(Source("d.txt", 3, question, 4),),
    )


def test_dumps_escapes_terminal_controls_but_keeps_the_value() -> None:
    nasty = "c1\x9b del\x7f bidi\u202e esc\x1b nul\x00 ok é"
    text = dumps({"a": nasty}, io.StringIO())  # StringIO has no encoding: ASCII-safe
    assert json.loads(text) == {"a": nasty}

    class Utf8(io.StringIO):
        encoding = "utf-8"

    text = dumps({"a": nasty}, Utf8())
    assert json.loads(text) == {"a": nasty}
    assert "é" in text  # UTF-8 stays readable
    for raw in ("\x9b", "\x7f", "\u202e", "\x1b", "\x00"):
        assert raw not in text


def test_entry_json_adds_citations() -> None:
    d = entry_json(entry())
    assert d["citations"] == ["d.txt:3"]
    assert d["sources"] == [
        {"document": "d.txt", "line": 3, "question": "A question?", "answer_line": 4}
    ]


def test_answer_json_without_results_has_nearest() -> None:
    a = Answer("q", None, (), (Result(entry(), 12.5),), 50.0)
    d = answer_json(a)
    assert d == {
        "query": "q",
        "results": [],
        "threshold": 50.0,
        "not_covered": [],
        "nearest": [{"id": "1", "question": "A question?", "score": 12.5}],
        "unanswered": [],
    }


def test_plain_entries_and_entry() -> None:
    e = entry(None)
    assert plain_entries([e]) == "1\tA question? [unanswered]\tspleen\td.txt:3\n"
    text = plain_entry(entry("Line one.\n\nLine two."))
    assert "Line one.\n\nLine two.\n" in text
    assert text.endswith("source: d.txt:3  A question?\n")


def test_flag_note() -> None:
    assert flag_note(entry("cut …")) == "truncated in source"
    assert flag_note(entry()) == ""


def test_use_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert use_terminal(Tty())
    assert not use_terminal(io.StringIO())
    monkeypatch.setenv("TERM", "dumb")
    assert not use_terminal(Tty())


def test_json_mode_never_uses_rich_or_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    buf = io.StringIO()
    out = Output(json=True, out=buf, force_terminal=True)
    assert not out.rich
    out.entries([entry()])
    assert "\x1b" not in buf.getvalue()
    assert json.loads(buf.getvalue())[0]["id"] == "1"


def test_no_color_rich_output_has_no_escape_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    buf = io.StringIO()
    Output(force_terminal=True, width=100, out=buf).entry(entry())
    assert "A question?" in buf.getvalue()
    assert "\x1b" not in buf.getvalue()


def test_forced_terminal_output_is_styled() -> None:
    buf = io.StringIO()
    Output(force_terminal=True, width=100, out=buf).entry(entry())
    assert "\x1b[" in buf.getvalue()


# -- snapshot -------------------------------------------------------------------------


def _normalize_scores(text: str) -> str:
    text = re.sub(r"─* id (\d+) · score [\d.]+ ─╯", r"─ id \1 · score ## ─╯", text)
    return re.sub(r"score [\d.]+ · id", "score ## · id", text)


def test_rich_snapshot_of_ask_how_is_it_treated() -> None:
    index = open_index(FAQ)
    answer = ask(index, "how is it treated", limit=2)
    buf = io.StringIO()
    Output(force_terminal=True, width=100, out=buf).answer(answer)
    raw = buf.getvalue()
    assert "\x1b[" in raw  # it is the styled rendering
    text = strip_ansi(raw)
    for line in text.splitlines():
        assert cell_len(line) <= 100, line
    assert f"{DOC_A}:13" in text and f"{DOC_B}:15" in text
    got = _normalize_scores(text)
    golden = GOLDEN / "ask_how_is_it_treated.txt"
    if update_golden():
        golden.write_text(got, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden}; run with UPDATE_GOLDEN=1"
    assert got == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("width", [40, 60, 100, 160])
def test_rich_output_fits_the_width(width: int) -> None:
    index = open_index(FAQ)
    for render in (
        lambda o: o.answer(ask(index, "how is it treated"), explain=True, full=True),
        lambda o: o.entries(index.entries()),
        lambda o: o.entry(index.entries()[0]),
        lambda o: o.counts([("a" * 200, 3)], "topics"),
    ):
        buf = io.StringIO()
        render(Output(force_terminal=True, width=width, out=buf))
        for line in strip_ansi(buf.getvalue()).splitlines():
            assert cell_len(line) <= width, line


def test_rich_list_keeps_ids_when_narrow() -> None:
    index = open_index(FAQ)
    buf = io.StringIO()
    Output(force_terminal=True, width=60, out=buf).entries(index.entries())
    text = strip_ansi(buf.getvalue())
    for i in ("1", "10", "24"):
        assert re.search(rf"│\s*{i} │", text), text


def test_plain_output_goes_to_a_file(tmp_path: Path) -> None:
    p = tmp_path / "out.txt"
    with p.open("w", encoding="utf-8") as f:
        out = Output(out=f)
        assert not out.rich
        out.entry(entry())
    assert "\x1b" not in p.read_text(encoding="utf-8")


def test_plain_counts_align_after_sanitizing() -> None:
    buf = io.StringIO()
    Output(out=buf).counts([("a\x1b", 1), ("bbbbbb", 22), ("spleen", 3)], "topics")
    lines = buf.getvalue().splitlines()
    assert lines == ["a\\x1b   1", "bbbbbb  22", "spleen  3"]
    assert len({line.rindex(" ") for line in lines}) == 1


# -- readable at 60 to 120 columns ------------------------------------------------


def test_short_names() -> None:
    from emh_cli.output import short_names

    assert short_names([DOC_A, DOC_B]) == {DOC_A: "000", DOC_B: "004"}
    assert short_names(["faq.txt"]) == {"faq.txt": "faq"}
    assert short_names(["chapter1.txt", "chapter2.txt"]) == {
        "chapter1.txt": "chapter1",
        "chapter2.txt": "chapter2",
    }
    assert short_names(["ab", "ab.txt"]) == {"ab": "ab", "ab.txt": "ab.txt"}


def test_short_names_are_accepted_by_source() -> None:
    from emh_cli.catalog import resolve_source
    from emh_cli.output import short_names

    for docs in ([DOC_A, DOC_B], ["faq.txt"], ["a-1.txt", "a-2.txt", "b.txt"]):
        for doc, short in short_names(docs).items():
            assert resolve_source(short, docs) == doc


def _rendered(width: int, draw) -> str:  # type: ignore[no-untyped-def]
    buf = io.StringIO()
    out = Output(force_terminal=True, width=width, out=buf)
    draw(out)
    return strip_ansi(buf.getvalue())


@pytest.mark.parametrize("width", [60, 80, 120])
def test_rich_list_wraps_questions_and_cites_briefly(width: int) -> None:
    index = open_index(FAQ)
    entries = index.entries()
    text = _rendered(width, lambda o: o.entries(entries))
    assert "…" not in text
    flat = squash(text.replace("│", " "))
    for e in entries:
        for word in e.question.split():
            assert word in flat
    assert DOC_A not in text and "000:13" in text and "004:15" in text
    for line in text.splitlines():
        assert cell_len(line) <= width


def test_rich_list_by_source_uses_that_documents_wording() -> None:
    index = open_index(FAQ)
    chosen = [e for e in index.entries() if any(s.document == DOC_B for s in e.sources)]
    text = _rendered(80, lambda o: o.entries(chosen, source=DOC_B))
    assert "How do you test for" in text
    assert "000:" not in text
    plain = plain_entries(chosen, source=DOC_B)
    assert plain.splitlines()[0] == (
        f"1\tHow do you test for extramedullary hematopoiesis?\tcauses,diagnosis\t{DOC_B}:5"
    )
    assert DOC_A not in plain


def off_topic_answer() -> Answer:
    index = open_index(FAQ)
    return ask(index, "mediastinal mass")


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("full", [False, True])
def test_every_result_line_carries_its_flags(width: int, full: bool) -> None:
    answer = off_topic_answer()
    off = [r for r in answer.results if "off_topic" in r.entry.flags]
    assert len(off) >= 2
    text = _rendered(width, lambda o: o.answer(answer, full=full))
    assert text.count("⚠ off-topic") == len(off)
    for line in text.splitlines():
        assert cell_len(line) <= width
    plain = plain_answer(answer, full=full)
    assert plain.count("off-topic") == len(off)


def test_compact_line_cites_briefly_and_keeps_its_citation_whole() -> None:
    text = _rendered(80, lambda o: o.answer(off_topic_answer()))
    assert re.search(r"^   score [\d.]+ · id 22 · 004:19 · ⚠ off-topic *$", text, re.M), text
    wide = _rendered(160, lambda o: o.answer(off_topic_answer()))
    assert re.search(
        r"^2\. What percentage .*malignant\?  score [\d.]+ · id 22 · 004:19", wide, re.M
    )


def test_a_long_question_goes_whole_into_the_panel() -> None:
    long_q = "Is there a comparative CT and MRI study of thalassemic paraspinal extramedullary hematopoiesis?"
    index = open_index(FAQ)
    answer = ask(index, "ct mri study thalassemic paraspinal", limit=1)
    assert answer.results[0].entry.question == long_q
    text = _rendered(60, lambda o: o.answer(answer))
    assert squash(long_q) in squash(text.replace("│", " "))
    assert text.splitlines()[0].startswith("╭─ 1. ─")


def test_flag_note_names_no_subject() -> None:
    e = Entry("9", "Q?", ("Q?",), "A.", (), ("off_topic",), (Source("d.txt", 1, "Q?"),))
    assert flag_note(e) == "off-topic"


def test_refusal_groups_questions_and_says_how_to_read_one() -> None:
    index = open_index(FAQ)
    answer = ask(index, "how is tuberculosis treated")
    assert not answer.results
    lines = nearest_message(answer)
    assert lines[0] == "emh: no confident answer for 'how is tuberculosis treated'"
    assert lines[1] == "Closest questions in the store:"
    grouped = [
        line for line in lines if line.endswith("How is extramedullary hematopoiesis treated?")
    ]
    assert len(grouped) == 1 and sorted(grouped[0].split("]")[0][3:].split(", ")) == ["20", "4"]
    first = grouped[0].split("]")[0][3:].split(", ")[0]
    assert lines[-1] == f"Read one with: emh show {first}"
    assert "threshold" in nearest_message(answer, explain=True)[0]
    assert nearest_message(answer, show=":show")[-1] == f"Read one with: :show {first}"


@pytest.mark.parametrize("width", [30, 60, 80])
def test_wrap_line_folds_at_spaces_under_the_text(width: int) -> None:
    line = "  [4, 20] " + " ".join(["extramedullary hematopoiesis"] * 6)
    wrapped = wrap_line(line, width).split("\n")
    assert all(len(w) <= width for w in wrapped)
    assert all(w.startswith(" " * 10) for w in wrapped[1:])
    assert squash(" ".join(wrapped)) == squash(line)
    assert wrap_line("short", width) == "short"
    assert wrap_line(line, None) == line


def test_wrap_line_hangs_a_build_warning_under_its_text() -> None:
    line = "quill.md:12: line is a section heading before the next question; left out of it"
    assert wrap_line(line, 60).split("\n") == [
        "quill.md:12: line is a section heading before the next",
        "             question; left out of it",
    ]


@pytest.mark.parametrize("width", [40, 60, 80])
def test_wrap_line_keeps_a_short_quoted_command_together(width: int) -> None:
    line = (
        "emh: no such command 'is'; to ask a question: emh ask \"is it cancer\" (see 'emh --help')"
    )
    wrapped = wrap_line(line, width).split("\n")
    assert all(len(w) <= width for w in wrapped)
    assert squash(" ".join(wrapped)) == squash(line)
    assert any("'emh --help')" in w for w in wrapped)
    assert any('"is it cancer"' in w for w in wrapped)


def test_sources_say_that_merged_entries_count_under_each(tmp_path: Path) -> None:
    from emh_cli import catalog

    index = open_index(FAQ)
    entries = index.entries()
    shared, multi = catalog.shared_counts(entries)
    assert (shared, multi) == ({DOC_A: 3, DOC_B: 3}, 3)
    docs, counts = catalog.document_rows(entries, index.documents)
    text = _rendered(60, lambda o: o.documents_table(docs, counts, shared, total=24, multi=3))
    assert "24 entries in all: 3 are cited by both documents (merged)" in squash(text)
    buf = io.StringIO()
    Output(json=True, out=buf).documents_table(docs, counts, shared, total=24, multi=3)
    rows = json.loads(buf.getvalue())
    assert [(r["document"], r["entries"], r["shared"]) for r in rows] == [
        (DOC_A, 16, 3),
        (DOC_B, 11, 3),
    ]


def test_pager_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    from emh_cli.output import pager_command, pager_env, pager_shows_colour

    monkeypatch.delenv("LESS", raising=False)
    assert pager_env()["LESS"] == "FRX"
    assert pager_shows_colour("less", pager_env())
    assert pager_shows_colour("/usr/bin/less -R", {})
    assert not pager_shows_colour("less", {"LESS": "-i"})
    assert not pager_shows_colour("more", pager_env())
    monkeypatch.setenv("PAGER", "")
    assert pager_command() is None
    monkeypatch.setenv("PAGER", "cat")
    assert pager_command() is None
    monkeypatch.setenv("PAGER", "more")
    assert pager_command() == "more"


def test_words_no_result_covers_are_named_in_text() -> None:
    index = open_index(FAQ)
    answer = ask(index, "emh in children", limit=1)
    assert answer.results
    assert plain_answer(answer).rstrip().endswith("Nothing here is specific to: children")
    assert answer_json(answer)["not_covered"] == ["children"]
    text = _rendered(80, lambda o: o.answer(answer))
    assert "Nothing here is specific to: children" in text

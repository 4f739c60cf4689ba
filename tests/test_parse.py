"""Unit tests of the source parser (emh_cli.parse), with golden files.

Golden files: tests/golden/parse/<source>.json hold the expected parse of each
real source (data/sources/) and of each synthetic fixture (tests/fixtures/).
Regenerate after an intended parser change with:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_parse.py

and review the diff before committing it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import DOC_A, DOC_B, FIXTURES, GOLDEN, REAL_SOURCES, oracle_parse, update_golden

from emh_cli.errors import SourceError
from emh_cli.parse import ParsedDocument, decode_source, is_question, parse_document, split_lines


def parsed_json(doc: ParsedDocument) -> dict[str, Any]:
    return {
        "name": doc.name,
        "lines": doc.lines,
        "items": [
            {
                "line": qa.line,
                "question": qa.question,
                "answer": qa.answer,
                "answer_line": qa.answer_line,
                "truncated": qa.truncated,
            }
            for qa in doc.items
        ],
        "diagnostics": [str(d) for d in doc.diagnostics],
    }


def parse_file(path: Path) -> ParsedDocument:
    return parse_document(path.name, decode_source(path.name, path.read_bytes()))


def parse_text(text: str, name: str = "doc.txt") -> ParsedDocument:
    return parse_document(name, text)


GOLDEN_SOURCES = [*REAL_SOURCES, *sorted(FIXTURES.glob("*.txt"))]


@pytest.mark.parametrize("path", GOLDEN_SOURCES, ids=lambda p: p.name)
def test_parse_matches_golden(path: Path) -> None:
    got = parsed_json(parse_file(path))
    golden = GOLDEN / "parse" / f"{path.name}.json"
    if update_golden():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden}; run with UPDATE_GOLDEN=1 to create it"
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def test_every_source_has_a_golden_file() -> None:
    names = {p.name for p in GOLDEN_SOURCES}
    goldens = {p.name.removesuffix(".json") for p in (GOLDEN / "parse").glob("*.json")}
    assert names == goldens


# -- the rule: a question is a line ending in "?" ------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("What is it?", True),
        ("What is it?   ", True),
        ("  ?", True),
        ("What is it", False),
        ("Is it? No.", False),
        ("", False),
        ("?!", False),
        ("自行车怎么修？", True),  # full-width
        ("ما هو؟", True),  # Arabic
        ('Is it "safe?"', False),
    ],
)
def test_is_question(line: str, expected: bool) -> None:
    assert is_question(line) is expected


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("a\nb\n", ["a", "b"]),
        ("a\nb", ["a", "b"]),
        ("a\r\nb\r\n", ["a", "b"]),
        ("a\r\n\r\nb", ["a", "", "b"]),
        ("a\rb\n", ["a\rb"]),  # a lone CR is not a line end
        ("", []),
        ("\n", [""]),
    ],
)
def test_split_lines(text: str, lines: list[str]) -> None:
    assert split_lines(text) == lines


# -- both layouts -------------------------------------------------------------


def qa_pairs(doc: ParsedDocument) -> list[tuple[str, str | None]]:
    return [(qa.question, qa.answer) for qa in doc.items]


def test_spaced_and_dense_layouts_read_the_same() -> None:
    spaced = parse_file(FIXTURES / "layout_spaced.txt")
    dense = parse_file(FIXTURES / "layout_dense.txt")
    norm = [(q.replace("spaced", "X"), a and a.replace("spaced", "X")) for q, a in qa_pairs(spaced)]
    assert norm == [
        (q.replace("dense", "X"), a and a.replace("dense", "X")) for q, a in qa_pairs(dense)
    ]
    assert [qa.line for qa in spaced.items] == [1, 5, 9, 11]
    assert [qa.answer_line for qa in spaced.items] == [3, 7, None, 13]
    assert [qa.line for qa in dense.items] == [1, 3, 5, 6]
    assert [qa.answer_line for qa in dense.items] == [2, 4, None, 7]


def test_real_sources_use_both_layouts() -> None:
    a = (REAL_SOURCES[0].read_text(encoding="utf-8")).split("\n")
    b = (REAL_SOURCES[1].read_text(encoding="utf-8")).split("\n")
    assert REAL_SOURCES[0].name == DOC_A and REAL_SOURCES[1].name == DOC_B
    assert all(line == "" for line in a[1::2])  # blank line after every line
    assert a[0].endswith("?") and b[0].endswith("?") and not b[1].endswith("?") and b[1]


@pytest.mark.parametrize("path", REAL_SOURCES, ids=lambda p: p.name)
def test_parser_agrees_with_an_independent_reading(path: Path) -> None:
    doc = parse_file(path)
    expected = oracle_parse(path.name, path.read_text(encoding="utf-8"))
    assert [(qa.line, qa.question, qa.answer) for qa in doc.items] == [
        (o.line, o.question, o.answer) for o in expected
    ]


def test_real_sources_question_counts() -> None:
    a, b = (parse_file(p) for p in REAL_SOURCES)
    assert (len(a.items), len(b.items)) == (16, 11)
    assert sum(qa.answer is None for qa in a.items) == 2
    assert all(qa.answer is not None for qa in b.items)


# -- every defect of the scraped sources -----------------------------------------


def test_unanswered_questions_are_kept_with_a_warning() -> None:
    doc = parse_file(REAL_SOURCES[0])
    unanswered = [qa for qa in doc.items if qa.answer is None]
    assert [(qa.line, qa.question) for qa in unanswered] == [
        (37, "What is extramedullary disease in all?"),
        (43, "Does extramedullary hematopoiesis cause splenomegaly?"),
    ]
    assert all(qa.answer_line is None for qa in unanswered)
    diags = [str(d) for d in doc.diagnostics]
    assert f"{DOC_A}:37: question has no answer; kept as unanswered" in diags
    assert f"{DOC_A}:43: question has no answer; kept as unanswered" in diags


def test_question_at_end_of_file_is_unanswered() -> None:
    doc = parse_text("Q one?\nA one.\nQ two?\n\n\n")
    assert doc.items[-1].answer is None
    assert [str(d) for d in doc.diagnostics] == [
        "doc.txt:3: question has no answer; kept as unanswered"
    ]


def test_truncated_answer_in_real_source() -> None:
    doc = parse_file(REAL_SOURCES[0])
    (cut,) = [qa for qa in doc.items if qa.truncated]
    assert cut.line == 49
    assert cut.answer is not None and cut.answer.endswith("soft tissue behavior in b …")
    assert f"{DOC_A}:51: answer is cut off in the source (ends with '…'); flagged truncated" in [
        str(d) for d in doc.diagnostics
    ]


@pytest.mark.parametrize(
    ("answer", "truncated"),
    [
        ("stops in the middle of a …", True),
        ("stops too...", True),
        ("stops with trailing space …   ", True),
        ("Wait… then it goes on.", False),
        ("Wait... then it goes on.", False),
        ("An ordinary end.", False),
        ("Two dots..", False),
    ],
)
def test_truncation_marks(answer: str, truncated: bool) -> None:
    doc = parse_text(f"Question?\n{answer}\n")
    assert doc.items[0].truncated is truncated
    assert doc.items[0].answer == answer.strip()
    assert any("flagged truncated" in str(d) for d in doc.diagnostics) is truncated


def test_footnote_marks_and_prefix_are_kept() -> None:
    a, b = (parse_file(p) for p in REAL_SOURCES)
    answers_a = {qa.line: qa.answer for qa in a.items}
    assert answers_a[45] is not None and answers_a[45].endswith("massive iron deposits [19].")
    assert answers_a[53] is not None and "pluripotent stem cells. 1 Extramedullary" in answers_a[53]
    assert answers_a[53].count(" 2 ") == 1
    assert answers_a[57] is not None and answers_a[57].startswith(
        "Signal characteristics of extramedullary hematopoiesis are 7: These"
    )
    answers_b = {qa.line: qa.answer for qa in b.items}
    assert answers_b[17] is not None and answers_b[17].startswith("A: Depending on etiology")
    assert answers_b[21] is not None and answers_b[21].endswith("has long been recognized1.")


def test_synthetic_defects() -> None:
    doc = parse_file(FIXTURES / "defects.txt")
    by_q = {qa.question: qa for qa in doc.items}
    assert by_q["What has no answer?"].answer is None
    assert by_q["What comes right after an unanswered question?"].answer == (
        "A numeric footnote 1 sits in this answer, and a colon mark 7: here [19]."
    )
    assert by_q["What is cut off with an ellipsis character?"].truncated
    assert by_q["What is cut off with three dots?"].truncated
    assert not by_q["What has an ellipsis in the middle?"].truncated
    assert by_q["What keeps the A: prefix?"].answer == "A: Depending on etiology, the prefix stays."
    assert by_q["What has an answer over two paragraphs?"].answer == (
        "First paragraph.\n\nSecond paragraph."
    )
    indented = by_q["Which question is indented with trailing spaces?"]
    assert indented.answer == "Indented answer with trailing spaces."
    assert by_q["What is the last question, unanswered?"].answer is None
    assert str(doc.diagnostics[0]) == (
        "defects.txt:1: text before the first question belongs to no question; skipped"
    )


def test_blank_lines_inside_an_answer_collapse_to_one() -> None:
    doc = parse_text("Q?\n\n\nfirst\n\n\n\nsecond\n\n\n")
    assert doc.items[0].answer == "first\n\nsecond"
    assert doc.items[0].answer_line == 4


def test_crlf_and_bom_read_like_lf() -> None:
    lf = "Q one?\n\nA one.\nQ two?\nA two…\n"
    crlf = lf.replace("\n", "\r\n")
    one = parse_document("d.txt", decode_source("d.txt", lf.encode()))
    two = parse_document("d.txt", decode_source("d.txt", crlf.encode()))
    three = parse_document("d.txt", decode_source("d.txt", b"\xef\xbb\xbf" + crlf.encode()))
    assert parsed_json(one) == parsed_json(two) == parsed_json(three)


def test_parse_never_raises_on_odd_text() -> None:
    for text in ["", "\n\n", "?", "??\n?", "\x00?\n\x00", "no question", "a\rb?\r\r\n", "\u2028?"]:
        parse_text(text)


# -- decoding -------------------------------------------------------------------


def test_decode_strips_bom_only_at_start() -> None:
    assert decode_source("d", b"\xef\xbb\xbfQ?\nA\n") == "Q?\nA\n"
    assert decode_source("d", "Q?\n\ufeffA\n".encode()) == "Q?\n\ufeffA\n"


def test_decode_rejects_nul_with_line() -> None:
    with pytest.raises(SourceError) as e:
        decode_source("bin.txt", b"Q?\nA\nB\x00C\n")
    assert str(e.value) == "bin.txt:3: binary data (NUL byte); expected a UTF-8 text file"


def test_decode_rejects_bad_utf8_with_line_and_column() -> None:
    with pytest.raises(SourceError) as e:
        decode_source("latin.txt", b"Q?\nCaf" + b"\xe9 au lait\n")
    assert str(e.value) == "latin.txt:2: not valid UTF-8 (byte 0xe9 at column 4)"


# -- slips of layout that change what a document means --------------------------------


def diags(text: str) -> list[str]:
    return [str(d) for d in parse_text(text).diagnostics]


ONE_LINE = (
    "question and answer on one line: the line does not end in '?', so it was read as "
    "more of the answer to line {q}; put the answer on a line of its own"
)


def test_question_and_answer_on_one_line_is_reported() -> None:
    text = "What is it?\nA car park.\nWhere do I park? Use the car park.\n"
    assert diags(text) == [f"doc.txt:3: {ONE_LINE.format(q=1)}"]
    # the parse itself is unchanged: the line is more of the answer, as before
    (qa,) = parse_text(text).items
    assert qa.answer == "A car park.\nWhere do I park? Use the car park."


@pytest.mark.parametrize("tail", ['"', ")", "!", " :)", " 🚲", "?!"[1:]])
def test_a_line_ending_just_after_a_question_mark_is_reported(tail: str) -> None:
    text = f"How do I true a wheel?\nSpin it.\n\nWhat is a racer?{tail}\nA light bike.\n"
    (qa,) = parse_text(text).items  # the rule is unchanged: one question
    assert qa.answer == f"Spin it.\n\nWhat is a racer?{tail}\nA light bike."
    assert diags(text) == [
        f"doc.txt:4: this line ends in '{tail.strip()}' after its '?', so it is no question "
        "and was read as more of the answer to line 1; end it with '?' if it is one"
    ]


@pytest.mark.parametrize(
    "line",
    [
        "For more, see the blog post Why Generics?.",  # a title that ends a sentence
        "A long answer line " * 10 + "(is it?)",  # answer text, not a question
    ],
)
def test_answer_text_with_a_question_mark_near_its_end_is_not_reported(line: str) -> None:
    assert diags(f"What is it?\n{line}\n") == []


def test_question_and_answer_on_the_first_line_is_reported() -> None:
    assert diags("Where do I park? Use the car park.\nIs it free?\nYes.\n") == [
        "doc.txt:1: text before the first question belongs to no question; skipped",
        "doc.txt:1: question and answer on one line: the line does not end in '?', so it "
        "was skipped with the text before the first question; put the answer on a line of "
        "its own",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Two euros. Where do I pay? At the machine.",  # the question is not the first sentence
        "Why? Because it is the rule.",  # a rhetorical 'why?' inside an answer
        "Is it free?Yes.",  # no space: not two sentences
        'Patients ask "is it cancer?" and most are told no.',
        "Is it free? ...",
        "What did Dr. Smith find? Nothing.",  # 'Dr.' ends the first 'sentence'
    ],
)
def test_question_marks_inside_answer_text_are_not_one_line_qa(line: str) -> None:
    assert not [d for d in diags(f"What is it?\nA car park.\n{line}\n") if "one line" in d]


def test_answer_sentence_ending_in_question_mark_is_reported() -> None:
    spaced = "What is X?\n\nX is a thing. It is big\nand is it dangerous?\nNot usually.\n\n"
    spaced += "What is Y?\n\nY is too.\nIs Y rare?\n\nWhat is Z?\n\nZ.\n"
    assert diags(spaced) == [
        "doc.txt:4: this line ends in '?', so it became a question with line 5 as its "
        "answer; it reads like part of the answer to line 1 (no blank line sets it apart "
        "from that answer's paragraph; it begins in lower case)",
        "doc.txt:10: question has no answer; kept as unanswered",
        "doc.txt:10: this line ends in '?', so it became a question with no answer; it reads "
        "like part of the answer to line 7 (it follows that answer's text directly)",
    ]


def test_answer_sentence_that_took_the_whole_answer_is_reported() -> None:
    text = "When is it open?\n\nIt opens at nine. Is it open on Sundays?\nYes, from ten.\n"
    text += "And on holidays.\n\nWho runs it?\n\nThe council.\n"
    assert diags(text) == [
        "doc.txt:1: question has no answer; kept as unanswered",
        "doc.txt:3: this line ends in '?', so it became a question with lines 4-5 as its "
        "answer; it reads like part of the answer to line 1 (it begins with a statement)",
    ]


@pytest.mark.parametrize(
    "text",
    [
        # questions line by line with their answers: an unanswered question is just that
        "What is X?\nX is a thing.\nWhat is Y?\nWhat is Z?\nZ is too.\n",
        # a real question set apart by blank lines after an unanswered one
        "What is X?\n\nWhat is Y?\n\nY is a thing.\n",
        # abbreviations are not the end of a statement
        "What is X?\n\nIt is.\n\nWhat did Dr. Smith find?\n\nNothing.\n",
        "What is X?\n\nIt is.\n\nWhat does the U.S. FDA say?\n\nNothing.\n",
        # a dense document's questions all follow answer text directly
        "What is X?\nX is a thing.\nIs it rare?\nYes, very.\nWhat is Y?\nY is too.\n",
    ],
)
def test_ordinary_questions_are_not_reported(text: str) -> None:
    assert not [d for d in diags(text) if "reads like part of the answer" in d]


def test_the_real_sources_have_no_slips() -> None:
    for path in REAL_SOURCES:
        assert not [
            str(d)
            for d in parse_file(path).diagnostics
            if "one line" in str(d) or "reads like part" in str(d)
        ]


def _heading_warnings(doc: ParsedDocument) -> list[tuple[int | None, str]]:
    return [(d.line, d.message) for d in doc.diagnostics if "heading" in d.message]


def _heading_warning(question_line: int) -> str:
    return (
        f"line looks like a section heading; kept as more of the answer to line {question_line} "
        "(emh has no headings: delete the line to leave it out)"
    )


def _section_warning(question_line: int) -> str:
    return (
        "line is a section heading before the next question; left out of the answer "
        f"to line {question_line}"
    )


def test_a_section_heading_inside_an_answer_is_reported() -> None:
    text = (
        "What are the hours?\n\nNine to five.\n\nPRINTING AND COPYING\n\n"
        "Can I print?\n\nYes.\n\n## Rooms\n\nCan I book a room?\n\nYes.\n"
    )
    doc = parse_document("faq.txt", text)
    assert _heading_warnings(doc) == [(5, _heading_warning(1)), (11, _section_warning(7))]
    assert doc.items[0].answer == "Nine to five.\n\nPRINTING AND COPYING"  # capitals: kept
    assert doc.items[1].answer == "Yes."  # a Markdown heading titles the next question


def test_a_heading_without_blank_lines_is_reported_when_a_question_follows() -> None:
    text = (
        "Can I book a repair?\nYes, for 15 pounds.\nPAYMENTS\nCan I pay by card?\nYes.\n"
        "## Repairs\nDo you fix brakes?\nYes.\nCALL FIRST\nIt saves a trip.\n"
    )
    doc = parse_document("faq.txt", text)
    assert _heading_warnings(doc) == [(3, _heading_warning(1)), (6, _section_warning(4))]
    # "CALL FIRST" is followed by more answer, not a question: answer text
    assert doc.items[0].answer == "Yes, for 15 pounds.\nPAYMENTS"  # nothing lost
    assert doc.items[1].answer == "Yes."


MARKDOWN_FAQ = """# Quill FAQ

## Getting started

### How do I install Quill?

Download it.

## Billing

**Can I get a refund?**

Yes, within 30 days.

- What is the warranty?
- *Is there a student price?*

1. Who makes Quill?
Quill Ltd.

Q: How do I reset my password?
A: Use the reset link.

Q. **Can I pay by card?**
A:
Yes.

### Where can I get help?

#### By email

Write to us.

#### By phone

Call us.
"""


def test_markdown_dress_is_not_part_of_a_question() -> None:
    doc = parse_document("faq.md", MARKDOWN_FAQ)
    assert [(qa.line, qa.question, qa.answer) for qa in doc.items] == [
        (5, "How do I install Quill?", "Download it."),
        (11, "Can I get a refund?", "Yes, within 30 days."),
        (15, "What is the warranty?", None),
        (16, "Is there a student price?", None),
        (18, "Who makes Quill?", "Quill Ltd."),
        (21, "How do I reset my password?", "Use the reset link."),
        (24, "Can I pay by card?", "Yes."),
        (28, "Where can I get help?", "#### By email\n\nWrite to us.\n\n#### By phone\n\nCall us."),
    ]
    assert doc.items[6].answer_line == 26  # "A:" alone on its line is no answer text
    assert _heading_warnings(doc) == [(9, _section_warning(5)), (34, _heading_warning(28))]


def test_section_headings_left_out_are_one_warning() -> None:
    text = (
        "## A\n\nOne?\nYes.\n\n## B\n\nTwo?\nYes.\n\n## C\n\nThree?\nYes.\n\n## D\n\nFour?\nNo.\n"
    )
    doc = parse_document("faq.md", text)
    assert [qa.answer for qa in doc.items] == ["Yes.", "Yes.", "Yes.", "No."]
    assert [str(d) for d in doc.diagnostics][1:] == [
        "faq.md:6: line is a section heading before the next question, as are lines 11, 16; "
        "each was left out of the answer before it"
    ]


def test_a_code_block_is_answer_text() -> None:
    text = (
        "How do I update?\n\n```\n$ tool update\nReally update?\n# restart it\n  done  \n```\n"
        "\nIs it free?\nYes.\n"
    )
    doc = parse_document("faq.md", text)
    assert [(qa.line, qa.question) for qa in doc.items] == [
        (1, "How do I update?"),
        (10, "Is it free?"),
    ]
    # the block's lines keep their indentation
    code = "```\n$ tool update\nReally update?\n# restart it\n  done\n```"
    assert doc.items[0].answer == code
    assert not doc.diagnostics


def test_a_code_block_never_closed_is_reported() -> None:
    doc = parse_document("faq.md", "How?\n~~~\ncode\nIs it free?\nYes.\n")
    assert [qa.question for qa in doc.items] == ["How?"]
    assert [str(d) for d in doc.diagnostics] == [
        "faq.md:2: this '~~~' opens a code block that is never closed, so every line after "
        "it was read as code, not as a question; close it with '~~~'"
    ]


@pytest.mark.parametrize(
    "line",
    [
        "A: Depending on etiology, the prefix stays.",  # no "Q:" above it: answer text
        "**Bold** then a question?",
        "-5 degrees or colder?",
        "3.5 million?",
        "#hashtag?",
    ],
)
def test_what_is_not_markdown_dress_stays(line: str) -> None:
    doc = parse_document("faq.md", f"What is it?\n{line}\n")
    texts = [qa.question for qa in doc.items] + [qa.answer or "" for qa in doc.items]
    assert line in texts


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("PAYMENTS", True),
        ("PRINTING AND COPYING", True),
        ("## Printing", True),
        ("CT and MRI show it.", False),
        ("MRI", False),
        ("NOTE: CALL US FIRST.", False),
        ("See the WHO guidance", False),
    ],
)
def test_looks_like_heading(line: str, heading: bool) -> None:
    from emh_cli.parse import looks_like_heading

    assert looks_like_heading(line) is heading

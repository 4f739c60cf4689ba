"""Parse scraped "people also ask" documents into question-answer pairs.

A question is a line ending in "?" (or the full-width "？" or Arabic "؟"
of other scripts); its answer is the following non-question
line(s), with or without blank lines between. Both layouts of the bundled
sources (blank line after every line, or none) follow from that rule.
Nothing is reworded: answer lines are kept as written (only surrounding white
space and CR/LF line ends are normalised). Markdown and FAQ dress around a
question (a heading or list marker, emphasis, a "Q:" label) is not part of its
text, nor an "A:" label under a "Q:" one, nor a Markdown heading that titles
the next question's section (`read_question`).

Two slips of layout change what a document means, so they are reported:
a question and its answer written on one line (the line does not end in "?",
so it is read as text of the answer before it), and an answer sentence that
ends a line with "?" (it becomes a question of its own and takes the answer
lines after it). See `_one_line_qa` and `_answer_like_questions` for the rules.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from emh_cli.errors import SourceError
from emh_cli.model import Diagnostic

TRUNCATION_MARKS = ("…", "...")
QUESTION_MARKS = ("?", "\uff1f", "\u061f")  # ?, full-width ？, Arabic ؟
# A short line that ends a few marks after a '?' ('?"', '?)', '?!', '? :)',
# '? 🚲'): not a question by the rule, but likely meant as one, so it is
# reported. Not '?.', which ends a sentence that names a title ("see Why Go?.").
_MARKS = re.escape("".join(QUESTION_MARKS))
_NEAR_QUESTION = re.compile(rf"[{_MARKS}]([^\w{_MARKS}]{{1,6}})$")
_NEAR_QUESTION_MAX = 150  # characters: longer lines are answer text


@dataclass(frozen=True)
class ParsedQA:
    question: str
    line: int
    answer: str | None
    answer_line: int | None

    @property
    def truncated(self) -> bool:
        return self.answer is not None and self.answer.rstrip().endswith(TRUNCATION_MARKS)


@dataclass(frozen=True)
class ParsedDocument:
    name: str
    lines: int
    items: tuple[ParsedQA, ...]
    diagnostics: tuple[Diagnostic, ...]
    # the text before the first question: no answer, but what the build may learn
    # from ("Quill is a command-line interface (CLI) ...")
    preamble: str = ""


def decode_source(name: str, data: bytes) -> str:
    """Decode a source document as UTF-8 (a byte-order mark is allowed)."""
    nul = data.find(b"\x00")
    if nul != -1:
        line = data.count(b"\n", 0, nul) + 1
        raise SourceError(f"{name}:{line}: binary data (NUL byte); expected a UTF-8 text file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise SourceError(
            f"{name}:{line}: not valid UTF-8 (byte 0x{data[e.start]:02x} at column {col})"
        ) from None


def split_lines(text: str) -> list[str]:
    """Lines of `text`; CRLF and LF both end a line, a final line end is optional."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def is_question(line: str) -> bool:
    """Whether a line is a question: it ends in '?', or it is one in Markdown
    dress ("## How do I install it?", "- Is it free?", "**Can I get a refund?**")."""
    return read_question(line.strip()) is not None


# Markdown and FAQ dress around a question line: a heading or list marker, a
# "Q:" label, and emphasis around the whole text. They are not words of the
# question, so they are left out of its text (the citation is still its line).
_LINE_MARKER = re.compile(r"(?:#{1,6}|[-*+]|\d{1,3}[.)])\s+")
_Q_LABEL = re.compile(r"(?:Q|Question|QUESTION)\s*:\s*|Q\.\s+")
_A_LABEL = re.compile(r"(?:A|Answer|ANSWER)\s*:\s*|A\.\s+")
_EMPHASIS = ("**", "__", "*", "_")
# A Markdown code block opens and closes with one of these: inside it a line
# ending in "?" ("Continue? [y/N]") or starting with "#" (a shell comment) is code.
CODE_FENCES = ("```", "~~~")


def _unwrap(text: str) -> str:
    """`text` without emphasis around all of it ("**Is it free?**" -> "Is it free?")."""
    for mark in _EMPHASIS:
        inner = text[len(mark) : -len(mark)]
        if (
            len(text) > 2 * len(mark)
            and text.startswith(mark)
            and text.endswith(mark)
            and mark not in inner
            and not inner[:1].isspace()
        ):
            return inner.strip()
    return text


def read_question(line: str) -> tuple[str, bool] | None:
    """The question a stripped line asks, and whether it carried a "Q:" label;
    None if the line is no question."""
    text = line
    if m := _LINE_MARKER.match(text):
        text = text[m.end() :]
    text = _unwrap(text)
    labelled = bool(m := _Q_LABEL.match(text))
    if m:
        text = _unwrap(text[m.end() :])
    text = text.strip()
    if not text.endswith(QUESTION_MARKS):
        return None
    return text, labelled


def _layout_slip(name: str, number: int, line: str, what: str) -> Diagnostic | None:
    """The warning for a non-question line that reads like a question, which
    was `what`: a question and its answer on one line, or a line that ends
    just after its '?'."""
    if _one_line_qa(line):
        return _one_line(name, number, what)
    m = _NEAR_QUESTION.search(line) if len(line) <= _NEAR_QUESTION_MAX else None
    if m is None or m.group(1).strip() == ".":
        return None
    tail = m.group(1).strip() or m.group(1)
    return Diagnostic(
        name,
        number,
        f"this line ends in '{tail}' after its '?', so it is no question and was {what}; "
        "end it with '?' if it is one",
    )


def _one_line(name: str, number: int, what: str) -> Diagnostic:
    """The warning for a question and its answer on one line, which was `what`."""
    return Diagnostic(
        name,
        number,
        "question and answer on one line: the line does not end in '?', so it was "
        f"{what}; put the answer on a line of its own",
    )


def parse_document(name: str, text: str) -> ParsedDocument:
    """Parse one document's text. Never raises; problems become diagnostics."""
    lines = split_lines(text)
    reader = _Reader(name)
    fence: str | None = None  # the mark of the Markdown code block we are in
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        fence_line = stripped.startswith(CODE_FENCES)
        code = fence is not None or fence_line  # text, whatever it says
        if fence_line:
            mark = stripped[:3]
            if fence is None:
                fence, reader.fence_line = mark, number
            elif mark == fence:
                fence = None
        question = None if code else read_question(stripped)
        if question is not None:
            reader.question(number, *question)
        elif not stripped:
            reader.blank()
        elif reader.q_text is None:
            reader.preamble_text(number, stripped)
        else:
            in_block = fence is not None and not fence_line
            reader.answer_text(number, raw.rstrip() if in_block else stripped, code)
    return reader.finish(lines, fence)


class _Reader:
    """`parse_document`'s state: the question being read, its answer so far,
    and what the document has said so far."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[ParsedQA] = []
        self.diags: list[Diagnostic] = []
        self.q_text: str | None = None
        self.q_line = 0
        self.labelled = False  # the question had a "Q:" label: its answer may have "A:"
        self.body: list[str] = []
        self.body_start: int | None = None
        self.body_last = 0
        self.preamble: list[str] = []
        self.preamble_line: int | None = None
        # a line in capitals right under answer text is a heading if a question follows
        self.capitals_before_question: int | None = None
        # a Markdown heading in an answer (its line, its place in `body`, the
        # answer's last line before it), until more text follows it
        self.markdown_heading: tuple[int, int, int] | None = None
        self.sections: list[tuple[int, int]] = []  # (heading line, question line) left out
        self.fence_line = 0

    def question(self, number: int, text: str, labelled: bool) -> None:
        if self.capitals_before_question is not None:
            self.diags.append(self.heading(self.capitals_before_question))
            self.capitals_before_question = None
        self.drop_section_heading()
        self.close()
        self.q_text, self.labelled, self.q_line = text, labelled, number
        self.body, self.body_start = [], None

    def blank(self) -> None:
        if self.body and self.body[-1] != "":
            self.body.append("")

    def preamble_text(self, number: int, text: str) -> None:
        self.preamble.append(text)
        if self.preamble_line is None:
            self.preamble_line = number
        what = "skipped with the text before the first question"
        if slip := _layout_slip(self.name, number, text, what):
            self.diags.append(slip)

    def answer_text(self, number: int, text: str, code: bool) -> None:
        """One line of the answer (`code`: of a code block, read as it is)."""
        body = self.body
        if self.labelled and not body and (m := _A_LABEL.match(text)):
            text = text[m.end() :]
            if not text:
                return  # "A:" on a line of its own
        if self.body_start is None:
            self.body_start = number
        self.capitals_before_question = None
        if self.markdown_heading is not None:  # text follows it: a heading inside the answer
            self.diags.append(self.heading(self.markdown_heading[0]))
            self.markdown_heading = None
        if body and not code and looks_like_heading(text):
            if _MARKDOWN_HEADING.match(text):
                self.markdown_heading = (number, len(body), self.body_last)
            elif body[-1] == "":
                self.diags.append(self.heading(number))
            else:
                self.capitals_before_question = number
        body.append(text)
        self.body_last = number
        what = f"read as more of the answer to line {self.q_line}"
        if not code and (slip := _layout_slip(self.name, number, text, what)):
            self.diags.append(slip)

    def heading(self, number: int) -> Diagnostic:
        return Diagnostic(
            self.name,
            number,
            f"line looks like a section heading; kept as more of the answer to "
            f"line {self.q_line} (emh has no headings: delete the line to leave it out)",
        )

    def drop_section_heading(self) -> None:
        """A Markdown heading that is the last text of an answer titles what follows."""
        if self.markdown_heading is not None:
            number, at, self.body_last = self.markdown_heading
            del self.body[at:]
            self.sections.append((number, self.q_line))
            self.markdown_heading = None

    def close(self) -> None:
        """The question being read, with its answer, as an item."""
        if self.q_text is None:
            return
        body = self.body
        while body and body[-1] == "":
            body.pop()
        answer = "\n".join(body) if body else None
        qa = ParsedQA(self.q_text, self.q_line, answer, self.body_start if answer else None)
        self.items.append(qa)
        if answer is None:
            self.diags.append(
                Diagnostic(self.name, self.q_line, "question has no answer; kept as unanswered")
            )
        elif qa.truncated:
            mark = next(m for m in TRUNCATION_MARKS if answer.rstrip().endswith(m))
            what = f"answer is cut off in the source (ends with '{mark}'); flagged truncated"
            self.diags.append(Diagnostic(self.name, self.body_last, what))

    def finish(self, lines: list[str], fence: str | None) -> ParsedDocument:
        self.drop_section_heading()
        self.close()
        diags, name = self.diags, self.name
        if self.sections:
            diags.append(_sections_left_out(name, self.sections))
        if fence is not None:
            what = (
                f"this '{fence}' opens a code block that is never closed, so every line "
                f"after it was read as code, not as a question; close it with '{fence}'"
            )
            diags.append(Diagnostic(name, self.fence_line, what))
        diags.extend(_answer_like_questions(name, lines, self.items))
        diags.sort(key=lambda d: d.line or 0)
        if self.preamble_line is not None:
            what = "text before the first question belongs to no question; skipped"
            diags.insert(0, Diagnostic(name, self.preamble_line, what))
        return ParsedDocument(
            name, len(lines), tuple(self.items), tuple(diags), "\n".join(self.preamble)
        )


def _sections_left_out(name: str, sections: list[tuple[int, int]]) -> Diagnostic:
    """One warning for the Markdown section headings left out of answers: a
    well-formed Markdown FAQ has one per section."""
    (first, q_line), *more = sections
    if not more:
        what = (
            "line is a section heading before the next question; left out of the answer "
            f"to line {q_line}"
        )
    else:
        lines = ", ".join(str(n) for n, _ in more)
        what = (
            f"line is a section heading before the next question, as are lines {lines}; "
            "each was left out of the answer before it"
        )
    return Diagnostic(name, first, what)


# A line's first sentence: everything up to the first '.', '!' or '?'.
_FIRST_SENTENCE = re.compile(r"[^.!?]*[.!?]+")
# A statement ends inside a line: a lower-case word of 3+ letters, '.' or '!', and a
# capital (so "Dr. Smith", "U.S. FDA", "e.g. this" and "etc. useful" are not one).
_STATEMENT_END = re.compile(r"(\w+)[.!]\s+(\w)")


_MARKDOWN_HEADING = re.compile(r"#{1,6}\s+\w")


def looks_like_heading(line: str) -> bool:
    """A paragraph that reads as a section heading, not answer text: a Markdown
    heading ("## Printing") or a short line in capitals ("PRINTING AND COPYING",
    "PAYMENTS"; not "MRI")."""
    if _MARKDOWN_HEADING.match(line):
        return True
    words = line.split()
    letters = [c for c in line if c.isalpha()]
    return (
        1 <= len(words) <= 8
        and len(letters) >= 4
        and all(c.isupper() for c in letters)
        and not line.endswith((".", "!", ",", ";"))
    )


def _one_line_qa(line: str) -> bool:
    """A question and its answer on one line, such as "Where do I park? Use the car
    park.": the line's first sentence is a question of three or more words and a
    sentence follows it. (Lines ending in '?' are questions and never get here.)"""
    m = _FIRST_SENTENCE.match(line)
    if m is None or not m.group().endswith("?"):
        return False
    rest = line[m.end() :].lstrip()
    if not rest or rest == line[m.end() :]:  # nothing after it, or no space before it
        return False
    return len(m.group().split()) >= 3 and rest.lstrip("\"'“‘([").strip()[:1].isalnum()


def _begins_with_statement(line: str) -> bool:
    return any(
        len(m.group(1)) >= 3 and m.group(1).islower() and m.group(2).isupper()
        for m in _STATEMENT_END.finditer(line)
    )


def _answer_like_questions(name: str, lines: list[str], items: list[ParsedQA]) -> list[Diagnostic]:
    """Question lines that read like a sentence of the answer to the question before.

    A line ending in '?' is reported when it stands where answer text stands
    and its wording or layout says it is answer text. Layout counts only in a
    document that sets its questions apart with blank lines (most other
    questions have one above them); where questions follow answers line by
    line, an unanswered question looks just like an answer's last sentence.
    - It is right under the previous answer's text (no blank line between) and
      nothing answers it: the answer's last sentence ended in '?'.
    - It is right under the previous answer's text and right above more text:
      it is inside a paragraph.
    - In any layout: it is right under the previous answer's text, or the
      previous question was left without an answer (this line took its place),
      and it begins in lower case or with a statement ("It opens at nine. Is it
      open on Sundays?").
    A question left unanswered because the next line took its answer is not
    itself reported (it is the victim, not the slip)."""
    blank = [not line.strip() for line in lines]

    def text_at(number: int) -> bool:  # 1-based; a non-blank line that is not a question
        return (
            1 <= number <= len(lines)
            and not blank[number - 1]
            and not is_question(lines[number - 1])
        )

    with_line_above = [qa.line for qa in items if qa.line > 1]
    blank_above = sum(blank[n - 2] for n in with_line_above)
    found: dict[int, tuple[ParsedQA, ParsedQA, list[str]]] = {}
    took_answer: set[int] = set()  # items whose wording stole the previous answer
    for k, (prev, qa) in enumerate(itertools.pairwise(items), start=1):
        glued_above = text_at(qa.line - 1)
        # the other questions with a line above: most of them have a blank one
        own = qa.line > 1
        others = len(with_line_above) - own
        spaced = (blank_above - (own and blank[qa.line - 2])) * 2 > others > 0
        reasons = []
        if glued_above and spaced and qa.answer is None:
            reasons.append("it follows that answer's text directly")
        elif glued_above and spaced and text_at(qa.line + 1):
            reasons.append("no blank line sets it apart from that answer's paragraph")
        if glued_above or prev.answer is None:
            worded = ""
            if qa.question[:1].islower():
                worded = "it begins in lower case"
            elif _begins_with_statement(qa.question[:-1]):
                worded = "it begins with a statement"
            if worded:
                reasons.append(worded)
                if not glued_above:
                    took_answer.add(k)
        if reasons:
            found[k] = (prev, qa, reasons)
    out = []
    for k, (prev, qa, reasons) in sorted(found.items()):
        if k + 1 in took_answer and reasons == ["it follows that answer's text directly"]:
            continue
        if qa.answer is None:
            became = "a question with no answer"
        else:
            first = qa.answer_line or qa.line + 1
            last = first + _span(lines, first) - 1
            span = f"line {first}" if first == last else f"lines {first}-{last}"
            became = f"a question with {span} as its answer"
        out.append(
            Diagnostic(
                name,
                qa.line,
                f"this line ends in '?', so it became {became}; it reads like part of the "
                f"answer to line {prev.line} ({'; '.join(reasons)})",
            )
        )
    return out


def _span(lines: list[str], first: int) -> int:
    """How many lines an answer starting at line `first` runs (to its last text line)."""
    end = first
    for number in range(first, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if is_question(stripped):
            break
        if stripped:
            end = number
    return end - first + 1

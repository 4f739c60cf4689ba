"""Parse scraped "people also ask" documents into question-answer pairs.

A question is a line ending in "?"; its answer is the following non-question
line(s), with or without blank lines between. Both layouts of the bundled
sources (blank line after every line, or none) follow from that rule.
Nothing is reworded: answer lines are kept as written (only surrounding white
space and CR/LF line ends are normalised).
"""

from __future__ import annotations

from dataclasses import dataclass

from emh_cli.errors import SourceError
from emh_cli.model import Diagnostic

TRUNCATION_MARKS = ("…", "...")


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
    return line.rstrip().endswith("?")


def parse_document(name: str, text: str) -> ParsedDocument:
    """Parse one document's text. Never raises; problems become diagnostics."""
    lines = split_lines(text)
    items: list[ParsedQA] = []
    diags: list[Diagnostic] = []
    q_text: str | None = None
    q_line = 0
    body: list[str] = []
    body_start: int | None = None
    body_last = 0
    preamble_line: int | None = None

    def close() -> None:
        if q_text is None:
            return
        while body and body[-1] == "":
            body.pop()
        answer = "\n".join(body) if body else None
        items.append(ParsedQA(q_text, q_line, answer, body_start if answer else None))
        if answer is None:
            diags.append(Diagnostic(name, q_line, "question has no answer; kept as unanswered"))
        elif items[-1].truncated:
            mark = next(m for m in TRUNCATION_MARKS if answer.rstrip().endswith(m))
            diags.append(
                Diagnostic(
                    name,
                    body_last,
                    f"answer is cut off in the source (ends with '{mark}'); flagged truncated",
                )
            )

    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if stripped.endswith("?"):
            close()
            q_text, q_line, body, body_start = stripped, number, [], None
        elif not stripped:
            if body and body[-1] != "":
                body.append("")
        elif q_text is None:
            if preamble_line is None:
                preamble_line = number
        else:
            if body_start is None:
                body_start = number
            body.append(stripped)
            body_last = number
    close()
    if preamble_line is not None:
        diags.insert(
            0,
            Diagnostic(
                name,
                preamble_line,
                "text before the first question belongs to no question; skipped",
            ),
        )
    return ParsedDocument(name, len(lines), tuple(items), tuple(diags))

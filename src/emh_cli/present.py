"""How entries and answers are put into words, for plain text and the terminal alike.

Citations (whole, or by each document's shortest unique prefix), flag notes,
what a query leaves uncovered, and `sanitize`, which makes untrusted store
text safe to print. output.py (plain text, JSON, choosing the renderer) and
render.py (rich) both use these; neither imports the other's helpers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from emh_cli.model import Answer, Entry, Source

# C0 controls except tab and newline, DEL, C1 controls, and the bidi
# embedding/override/isolate marks that can reorder what a terminal shows.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def sanitize(text: str) -> str:
    """Text safe to show in a terminal: control characters become visible escapes."""
    return _UNSAFE.sub(_escape, text.replace("\t", " "))


def quoted(text: str) -> str:
    """A user's text in a message, in quotes and safe to show: 'it\'s' is shown
    as "it's", and a backslash as itself (not doubled, as repr would)."""
    safe = sanitize(text)
    quote = '"' if "'" in safe and '"' not in safe else "'"
    return quote + safe + quote


def short_names(names: Sequence[str]) -> dict[str, str]:
    """Each document's shortest unique prefix, carried on to the end of its word:
    000_717d4dda9e782864.txt -> 000, faq.txt -> faq. `--source` accepts it."""
    ordered = sorted(set(names))
    out: dict[str, str] = {}

    def common(a: str, b: str) -> int:
        n = 0
        for x, y in zip(a, b, strict=False):
            if x != y:
                break
            n += 1
        return n

    for i, name in enumerate(ordered):
        shared = 0
        if i > 0:
            shared = max(shared, common(name, ordered[i - 1]))
        if i + 1 < len(ordered):
            shared = max(shared, common(name, ordered[i + 1]))
        k = min(shared + 1, len(name))
        while k < len(name) and name[k].isalnum():
            k += 1
        out[name] = name[:k] or name
    return out


def short_citation(source: Source, short: dict[str, str]) -> str:
    return f"{short.get(source.document, source.document)}:{source.line}"


def listed_as(entry: Entry, source: str | None) -> tuple[str, tuple[Source, ...]]:
    """The question and sources to list `entry` with: with `source`, that
    document's own wording and lines."""
    if source is not None:
        mine = tuple(s for s in entry.sources if s.document == source)
        if mine:
            return mine[0].question, mine
    return entry.question, entry.sources


def citations(entry: Entry) -> str:
    return ", ".join(s.citation for s in entry.sources)


def flag_note(entry: Entry) -> str:
    """The entry's flags in words. Off-topic is said generically: the store's
    subject is whatever its documents are about. "merged" is not said: the
    entry's several sources, listed beside it, say it already."""
    notes = {
        "truncated": "truncated in source",
        "unanswered": "no answer in source",
        "off_topic": "off-topic",
    }
    return ", ".join(notes[f] for f in entry.flags if f in notes)


TIE = 0.5  # results within this many points of the best are shown in full


def shown_in_full(answer: Answer, i: int, full: bool) -> bool:
    """The best result, any as good as it (a tie), or all with --full."""
    return full or i == 0 or answer.results[i].score >= answer.results[0].score - TIE


def reading_label(answer: Answer) -> str | None:
    """How a corrected query is announced above the results: "Showing results
    for: " when there are results, "Searched for: " when nothing was
    confident (None: the query was read as typed)."""
    if answer.plan is None or not answer.plan.corrected:
        return None
    return "Showing results for: " if answer.results else "Searched for: "


def not_covered_note(answer: Answer) -> str | None:
    """ "Nothing here is specific to: children" when results leave query words uncovered."""
    if not answer.results or not answer.not_covered:
        return None
    return "Nothing here is specific to: " + ", ".join(sanitize(w) for w in answer.not_covered)

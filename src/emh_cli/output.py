"""Every byte emh writes goes through here: JSON, plain text, or rich.

- `--json`: JSON only on stdout, written with the json module (never rich).
- a terminal: rich renderables built from `rich.text.Text` (never markup).
- anything else (pipe, file, TERM=dumb): plain text, no escape codes, and
  rich is not imported at all.
Text from the store is untrusted: in human output control characters are
shown as visible escapes (`\\x1b`, `\\u202e`); JSON keeps them exactly.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from emh_cli.model import Answer, Document, Entry, Result

if TYPE_CHECKING:
    from rich.console import Console

OUTPUT_SCHEMA_VERSION = 1

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


def prepare_stream(stream: IO[str]) -> None:
    """Never fail to print a character the stream's encoding lacks."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="backslashreplace")


def _utf(stream: IO[str]) -> bool:
    enc = (getattr(stream, "encoding", None) or "").lower().replace("_", "-")
    return enc in ("utf-8", "utf8", "utf-16", "utf-32")


def use_terminal(stream: IO[str]) -> bool:
    """Rich output only for an interactive, capable terminal."""
    if os.environ.get("TERM", "") == "dumb":
        return False
    try:
        return stream.isatty()
    except (ValueError, OSError):
        return False


def no_color() -> bool:
    """NO_COLOR (https://no-color.org) is set: no escape codes at all, not even bold."""
    return os.environ.get("NO_COLOR", "") != ""


def make_console(
    stream: IO[str], width: int | None = None, force_terminal: bool | None = None
) -> Console:
    from rich.console import Console

    return Console(
        file=stream,
        width=width,
        force_terminal=force_terminal,
        color_system=None if no_color() else "auto",
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
        safe_box=not _utf(stream),
    )


# -- JSON ---------------------------------------------------------------------


def entry_json(entry: Entry) -> dict[str, Any]:
    d = entry.to_json()
    d["citations"] = [s.citation for s in entry.sources]
    return d


def result_json(r: Result, explain: bool = False) -> dict[str, Any]:
    d = entry_json(r.entry)
    d["score"] = r.score
    if explain:
        d["matched"] = list(r.matched)
    return d


def answer_json(answer: Answer, explain: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "query": answer.query,
        "results": [result_json(r, explain) for r in answer.results],
        "threshold": answer.threshold,
    }
    plan = answer.plan
    if plan is not None:
        out["searched_for"] = plan.searched_for
        out["corrected"] = plan.corrected
    out["not_covered"] = list(answer.not_covered)
    if not answer.results:
        out["nearest"] = [
            {"id": r.entry.id, "question": r.entry.question, "score": r.score}
            for r in answer.nearest
        ]
    if explain and plan is not None:
        out["explain"] = {
            "searched_for": plan.searched_for,
            "corrections": [c.to_json() for c in plan.corrections],
            "dropped": list(plan.dropped),
            "intents": sorted(plan.intents),
            "terms": [
                {
                    "text": c.text,
                    "term": c.term,
                    "weight": round(c.weight, 3),
                    "known": c.known,
                    "role": c.role,
                    "alternatives": [t for t, _ in c.alternatives[1:]],
                }
                for c in plan.concepts
            ],
            "results": [{"id": r.entry.id, "matched": list(r.matched)} for r in answer.results],
        }
    return out


# json.dumps escapes C0 controls itself; these it would write raw.
_UNSAFE_IN_JSON = re.compile(r"[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def dumps(obj: Any, stream: IO[str]) -> str:
    """JSON text; DEL, C1 controls and bidi marks are written as \\uXXXX escapes
    (the value is unchanged) so that JSON shown in a terminal cannot drive it."""
    text = json.dumps(obj, ensure_ascii=not _utf(stream), indent=2)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


# -- human output -----------------------------------------------------------


class Output:
    """Writes one command's output in the mode it was asked for."""

    def __init__(
        self,
        json: bool = False,
        out: IO[str] | None = None,
        err: IO[str] | None = None,
        width: int | None = None,
        force_terminal: bool | None = None,
    ) -> None:
        self.json = json
        self.out: IO[str] = out or sys.stdout
        self.err: IO[str] = err or sys.stderr
        self.width = width
        self.force_terminal = force_terminal
        prepare_stream(self.out)
        prepare_stream(self.err)
        self.rich = not self.json and (
            self.force_terminal if self.force_terminal is not None else use_terminal(self.out)
        )
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            assert self.out is not None
            self._console = make_console(self.out, self.width, self.force_terminal)
        return self._console

    # plumbing
    def write(self, text: str) -> None:
        assert self.out is not None
        self.out.write(text)

    def emit_json(self, obj: Any) -> None:
        assert self.out is not None
        self.out.write(dumps(obj, self.out))
        self.out.flush()

    def message(self, text: str) -> None:
        """A line for stderr (errors, warnings, 'no confident answer')."""
        assert self.err is not None
        self.err.write(sanitize(text) + "\n")
        self.err.flush()

    # commands
    def answer(self, answer: Answer, *, explain: bool = False, full: bool = False) -> None:
        if self.json:
            self.emit_json(answer_json(answer, explain))
        elif self.rich:
            from emh_cli.render import rich_answer

            rich_answer(self.console, answer, explain=explain, full=full)
        else:
            self.write(plain_answer(answer, explain=explain, full=full))

    def entries(self, entries: Sequence[Entry]) -> None:
        if self.json:
            self.emit_json([entry_json(e) for e in entries])
        elif self.rich:
            from emh_cli.render import rich_entries

            rich_entries(self.console, entries)
        else:
            self.write(plain_entries(entries))

    def entry(self, entry: Entry) -> None:
        if self.json:
            self.emit_json(entry_json(entry))
        elif self.rich:
            from emh_cli.render import rich_entry

            rich_entry(self.console, entry)
        else:
            self.write(plain_entry(entry))

    def counts(self, rows: Sequence[tuple[str, int]], what: str, extra: Sequence[str] = ()) -> None:
        """Topic or document names with entry counts."""
        if self.json:
            key = "topic" if what == "topics" else "document"
            self.emit_json([{key: name, "entries": n} for name, n in rows])
        elif self.rich:
            from emh_cli.render import rich_counts

            rich_counts(self.console, rows, what)
        else:
            shown = [(sanitize(n), c) for n, c in rows]
            width = max((len(n) for n, _ in shown), default=0)
            self.write("".join(f"{n:<{width}}  {c}\n" for n, c in shown))

    def documents(self, docs: Sequence[Document], counts: dict[str, int]) -> None:
        if self.json:
            self.emit_json(
                [
                    {**d.to_json(), "document": d.name, "entries": counts.get(d.name, 0)}
                    for d in docs
                ]
            )
        else:
            self.counts([(d.name, counts.get(d.name, 0)) for d in docs], "sources")


def citations(entry: Entry) -> str:
    return ", ".join(s.citation for s in entry.sources)


def flag_note(entry: Entry) -> str:
    notes = {
        "truncated": "truncated in source",
        "unanswered": "no answer in source",
        "off_topic": "not about EMH",
    }
    return ", ".join(notes[f] for f in entry.flags if f in notes)


TIE = 0.5  # results within this many points of the best are shown in full


def shown_in_full(answer: Answer, i: int, full: bool) -> bool:
    """The best result, any as good as it (a tie), or all with --full."""
    return full or i == 0 or answer.results[i].score >= answer.results[0].score - TIE


def plain_answer(answer: Answer, *, explain: bool = False, full: bool = False) -> str:
    lines: list[str] = []
    plan = answer.plan
    if plan is not None and plan.corrected:
        lines.append(f"Showing results for: {sanitize(plan.searched_for)}")
        lines.append("")
    for i, r in enumerate(answer.results, start=1):
        e = r.entry
        if shown_in_full(answer, i - 1, full):
            lines.append(f"{i}. {sanitize(e.question)}")
            meta = f"   id {sanitize(e.id)} · score {r.score:g}"
            note = flag_note(e)
            if note:
                meta += f" · {note}"
            lines.append(meta)
            lines.extend("   " + sanitize(p) if p else "" for p in (e.answer or "").split("\n"))
            lines.append(f"   source: {sanitize(citations(e))}")
        else:
            lines.append(f"{i}. {sanitize(e.question)}  (id {sanitize(e.id)} · score {r.score:g})")
            lines.append(f"   source: {sanitize(citations(e))}")
        if explain and r.matched:
            lines.append(f"   matched: {sanitize(', '.join(r.matched))}")
        lines.append("")
    if explain and plan is not None:
        lines.extend(plain_explain(answer))
    return "\n".join(lines).rstrip("\n") + "\n" if lines else ""


def plain_explain(answer: Answer) -> list[str]:
    plan = answer.plan
    if plan is None:
        return []
    out = [f"searched for: {sanitize(plan.searched_for)}"]
    out.extend(f"  {sanitize(str(c))} ({c.kind})" for c in plan.corrections)
    for c in plan.concepts:
        alts = ", ".join(t for t, _ in c.alternatives[1:])
        known = "" if c.known else ", not in store"
        out.append(
            f"  term {sanitize(c.text)} -> {c.term} (weight {c.weight:.2f}{known}"
            + (f"; also {alts}" if alts else "")
            + ")"
        )
    return out


def nearest_message(answer: Answer) -> list[str]:
    best = max((r.score for r in answer.nearest), default=0.0)
    head = f"emh: no confident answer for {answer.query.strip()[:80]!r}"
    if answer.nearest:
        head += f" (best score {best:g}, threshold {answer.threshold:g})"
    lines = [head]
    if answer.nearest:
        lines.append("Did you mean:")
        lines.extend(f"  [{r.entry.id}] {r.entry.question}" for r in answer.nearest)
    return lines


def plain_entries(entries: Sequence[Entry]) -> str:
    out = []
    for e in entries:
        mark = " [unanswered]" if not e.answered else ""
        topics = sanitize(",".join(e.topics)) or "-"
        out.append(
            f"{sanitize(e.id)}\t{sanitize(e.question)}{mark}\t{topics}\t{sanitize(citations(e))}\n"
        )
    return "".join(out)


def plain_entry(e: Entry) -> str:
    lines = [f"[{sanitize(e.id)}] {sanitize(e.question)}"]
    lines.extend(f"  also asked as: {sanitize(q)}" for q in e.questions[1:])
    lines.append("")
    if e.answer is None:
        lines.append("(no answer in the source)")
    else:
        lines.extend(sanitize(p) for p in e.answer.split("\n"))
    lines.append("")
    lines.append(f"topics: {sanitize(', '.join(e.topics)) or '-'}")
    if e.flags:
        lines.append(f"flags: {sanitize(', '.join(e.flags))}")
    lines.extend(f"source: {sanitize(s.citation)}  {sanitize(s.question)}" for s in e.sources)
    return "\n".join(lines) + "\n"

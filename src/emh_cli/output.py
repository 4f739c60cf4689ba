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
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from emh_cli.model import Answer, Document, Entry, Result
from emh_cli.present import (
    citations,
    flag_note,
    listed_as,
    not_covered_note,
    quoted,
    reading_label,
    sanitize,
    short_names,
    shown_in_full,
)

if TYPE_CHECKING:
    from rich.console import Console

OUTPUT_SCHEMA_VERSION = 1


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
    stream: IO[str],
    width: int | None = None,
    force_terminal: bool | None = None,
    *,
    color: bool = True,
) -> Console:
    from rich.console import Console

    return Console(
        file=stream,
        width=width,
        force_terminal=force_terminal,
        color_system="auto" if color and not no_color() else None,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
        safe_box=not _utf(stream),
    )


def stream_width(stream: IO[str]) -> int | None:
    """The width of the terminal `stream` writes to; None when it is not one."""
    try:
        if not stream.isatty():
            return None
        return os.get_terminal_size(stream.fileno()).columns or None
    except (ValueError, OSError, AttributeError):
        return None


_MARKER = re.compile(r"\s*(?:emh: |\[[^\]]*\] |\d+\. |[^\s:]+:\d+: )?")  # or "faq.md:12: "


_SHORT_QUOTED = re.compile(r"'[^'\n]{1,24}'|\"[^\"\n]{1,24}\"")
_KEEP = "\x00"  # a space inside a short quoted span, while folding


def wrap_line(line: str, width: int | None) -> str:
    """`line` folded at spaces to `width` columns, continuation lines indented
    under its text (after a leading "emh: ", "[4, 20] ", "2. " or a build
    warning's "faq.md:12: ")."""
    if width is None or len(line) <= width or width < 20:
        return line
    import textwrap

    hang = " " * min(_MARKER.match(line).end(), width // 2)  # type: ignore[union-attr]
    # a short quoted command ('emh --help') is not split across lines
    kept = _SHORT_QUOTED.sub(lambda m: m.group().replace(" ", _KEEP), line)
    wrapped = textwrap.wrap(
        kept, width=width, subsequent_indent=hang, break_long_words=True, break_on_hyphens=False
    )
    return "\n".join(wrapped).replace(_KEEP, " ") or line


# -- the pager ----------------------------------------------------------------


def pager_command() -> str | None:
    """What to page with, as git chooses: $PAGER, else less when it is installed.
    None (print directly) when PAGER is empty or "cat"."""
    import shutil

    cmd = os.environ.get("PAGER")
    if cmd is None:
        return "less" if shutil.which("less") else None
    cmd = cmd.strip()
    return None if cmd in ("", "cat") else cmd


def pager_env() -> dict[str, str]:
    """As git does: LESS=FRX (colour, quit when it fits, leave the text on
    screen) and LV=-c, each unless the user set it."""
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    return env


def pager_shows_colour(cmd: str, env: dict[str, str]) -> bool:
    """Only less (with -R/-r) is known to pass colour codes through; other
    pagers (more) count them as text and break the lines."""
    words = cmd.split()
    if not words or os.path.basename(words[0]) != "less":
        return False
    options = " ".join(words[1:]) + " " + env.get("LESS", "")
    return bool(re.search(r"R|(?:^|\s)-\w*r|--raw", options))


def run_pager(text: str, cmd: str, env: dict[str, str], encoding: str) -> bool:
    """Feed `text` to the pager; False when it could not be run."""
    import subprocess

    try:
        proc = subprocess.Popen(
            cmd,
            shell=True,
            stdin=subprocess.PIPE,
            env=env,
            encoding=encoding,
            errors="backslashreplace",
        )
    except OSError:
        return False
    assert proc.stdin is not None
    try:
        with proc.stdin as pipe:
            pipe.write(text)
    except (OSError, ValueError):
        pass  # the pager was left (q) before it had read everything
    except KeyboardInterrupt:
        pass  # the pager has the terminal and handles Ctrl-C itself
    while True:
        try:
            status = proc.wait()
            break
        except KeyboardInterrupt:
            pass
    return status != 127  # the shell found no such command


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
        out["unanswered"] = [{"id": e.id, "question": e.question} for e in answer.unanswered]
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
        # every document of the store, for short citations (`000:13`) in a terminal
        self.documents: Sequence[str] = ()

    @property
    def console(self) -> Console:
        if self._console is None:
            assert self.out is not None
            self._console = make_console(self.out, self.width, self.force_terminal)
        return self._console

    def short_names(self, shown: Iterable[Entry]) -> dict[str, str]:
        names = set(self.documents)
        names.update(s.document for e in shown for s in e.sources)
        return short_names(sorted(names))

    # plumbing
    def write(self, text: str) -> None:
        assert self.out is not None
        self.out.write(text)

    def emit_json(self, obj: Any) -> None:
        assert self.out is not None
        self.out.write(dumps(obj, self.out))
        self.out.flush()

    def message(self, text: str) -> None:
        """A line for stderr (errors, warnings, 'no confident answer'); folded at
        spaces to the width of a terminal."""
        assert self.err is not None
        width = stream_width(self.err)
        self.err.write(wrap_line(sanitize(text), width) + "\n")
        self.err.flush()

    def paged(self, draw: Callable[[Console], None]) -> None:
        """Draw in the terminal; through a pager only when it does not fit the screen."""
        console = self.console
        with console.capture() as capture:
            draw(console)
        text = capture.get()
        cmd = pager_command() if text.count("\n") >= console.size.height else None
        if cmd is not None:
            env = pager_env()
            if not pager_shows_colour(cmd, env):
                import io

                buf = io.StringIO()
                draw(make_console(buf, console.width, True, color=False))
                text = buf.getvalue()
            encoding = getattr(self.out, "encoding", None) or "utf-8"
            if run_pager(text, cmd, env, encoding):
                return
        self.write(text)

    # commands
    def unsearchable(self, query: str, error: str) -> None:
        """A query with nothing to search: in JSON mode, the object `--batch`
        writes for such a line (the message itself goes to stderr)."""
        if self.json:
            self.emit_json(error_json(query, error))

    def answer(
        self,
        answer: Answer,
        *,
        explain: bool = False,
        full: bool = False,
    ) -> None:
        if self.json:
            self.emit_json(answer_json(answer, explain))
        elif self.rich:
            from emh_cli.render import rich_answer

            short = self.short_names(r.entry for r in answer.results)
            rich_answer(self.console, answer, explain=explain, full=full, short=short)
        else:
            self.write(plain_answer(answer, explain=explain, full=full))

    def entries(
        self, entries: Sequence[Entry], *, source: str | None = None, page: bool = False
    ) -> None:
        """A list of entries; with `source`, each in that document's wording."""
        if self.json:
            self.emit_json([entry_json(e) for e in entries])
        elif self.rich:
            from emh_cli.render import rich_entries

            short = self.short_names(entries)

            def draw(console: Console) -> None:
                rich_entries(console, entries, source=source, short=short)

            if page:
                self.paged(draw)
            else:
                draw(self.console)
        else:
            self.write(plain_entries(entries, source=source))

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

    def documents_table(
        self,
        docs: Sequence[Document],
        counts: dict[str, int],
        shared: dict[str, int] | None = None,
        *,
        total: int = 0,
        multi: int = 0,
    ) -> None:
        """Source documents with entry counts. `shared`: per document, how many
        of its entries other documents cite too (merged entries count under
        each); `multi` of the store's `total` entries are such."""
        shared = shared or {}
        if self.json:
            self.emit_json(
                [
                    {
                        **d.to_json(),
                        "document": d.name,
                        "entries": counts.get(d.name, 0),
                        "shared": shared.get(d.name, 0),
                    }
                    for d in docs
                ]
            )
            return
        self.counts([(d.name, counts.get(d.name, 0)) for d in docs], "sources")
        if not multi:
            return
        several = "both documents" if len(docs) == 2 else "more than one document"
        note = (
            f"{total} entries in all: {multi} {'is' if multi == 1 else 'are'} cited by"
            f" {several} (merged) and counted under each."
        )
        if self.rich:
            from rich.text import Text

            self.console.print(Text(note, style="dim"))
        else:
            self.message(f"emh: {note}")


def error_json(query: str, error: str) -> dict[str, object]:
    """The JSON of a query that could not be searched: no results, and why."""
    return {"query": query, "results": [], "error": error}


def plain_answer(answer: Answer, *, explain: bool = False, full: bool = False) -> str:
    lines: list[str] = []
    plan = answer.plan
    label = reading_label(answer)
    if label is not None and plan is not None:
        lines.append(label + sanitize(plan.searched_for))
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
            meta = f"id {sanitize(e.id)} · score {r.score:g}"
            note = flag_note(e)
            if note:
                meta += f" · {note}"
            lines.append(f"{i}. {sanitize(e.question)}  ({meta})")
            lines.append(f"   source: {sanitize(citations(e))}")
        if explain and r.matched:
            lines.append(f"   matched: {sanitize(', '.join(r.matched))}")
        lines.append("")
    uncovered = not_covered_note(answer)
    if uncovered:
        lines.extend([uncovered, ""])
    if explain and plan is not None:
        lines.extend(plain_explain(answer))
    return "\n".join(lines).rstrip("\n") + "\n" if lines else ""


def plain_explain(answer: Answer) -> list[str]:
    plan = answer.plan
    if plan is None:
        return []
    out = [f"searched for: {sanitize(plan.searched_for)}"]
    if plan.dropped:
        out.append(f"dropped: {sanitize(', '.join(plan.dropped))}")
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


def nearest_message(
    answer: Answer, *, explain: bool = False, show: str = "emh show", topics: str = "emh topics"
) -> list[str]:
    """The refusal: no confident answer, the closest questions (each wording
    once, with all its ids) and how to read one, or, if no question is near,
    how to see what the store covers. Scores only with --explain."""
    query = answer.query.strip()
    head = f"emh: no confident answer for {quoted(query if len(query) <= 80 else query[:79] + '…')}"
    if explain and answer.nearest:
        best = max(r.score for r in answer.nearest)
        head += f" (best score {best:g}, threshold {answer.threshold:g})"
    lines = [head]
    for e in answer.unanswered:
        lines.append(
            f"The store has this question, but its source gives no answer: "
            f"[{sanitize(e.id)}] {sanitize(e.question)}"
        )
    ids: dict[str, list[str]] = {}
    for r in answer.nearest:
        ids.setdefault(sanitize(r.entry.question), []).append(sanitize(r.entry.id))
    if ids:
        lines.append("Closest questions in the store:")
        lines.extend(f"  [{', '.join(i)}] {q}" for q, i in ids.items())
        lines.append(f"Read one with: {show} {sanitize(answer.nearest[0].entry.id)}")
    else:
        lines.append(f"No question in the store is near it. What the store covers: {topics}")
    return lines


def plain_entries(entries: Sequence[Entry], *, source: str | None = None) -> str:
    """One tab-separated line per entry: id, question, topics, citations."""
    out = []
    for e in entries:
        question, sources = listed_as(e, source)
        mark = " [unanswered]" if not e.answered else ""
        topics = sanitize(",".join(e.topics)) or "-"
        cites = sanitize(", ".join(s.citation for s in sources))
        out.append(f"{sanitize(e.id)}\t{sanitize(question)}{mark}\t{topics}\t{cites}\n")
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

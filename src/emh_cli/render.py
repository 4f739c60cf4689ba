"""Rich renderables for a terminal. Imported only when stdout is a terminal.

All store text goes in as `Text` objects after `sanitize`, so "[bold]",
"[/]" or "[link=...]" in an answer is shown as written, never interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from emh_cli.model import Answer, Entry, Result
from emh_cli.present import (
    citations,
    flag_note,
    listed_as,
    not_covered_note,
    reading_label,
    sanitize,
    short_citation,
    shown_in_full,
)

HIGHLIGHT = "bold yellow"


def _highlighted(text: str, words: Sequence[str]) -> Text:
    t = Text(sanitize(text))
    if words:
        pattern = (
            r"(?i)\b(?:"
            + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            + r")\b"
        )
        t.highlight_regex(pattern, HIGHLIGHT)
    return t


def _panel(r: Result | None, e: Entry, width: int, index: int | None = None) -> Panel:
    """One entry in a box. The question is the box's title when it fits the
    top border; else it goes whole, wrapped, at the top of the box."""
    words = r.highlight if r else ()
    body: list[Text] = []
    title = Text()
    if index is not None:
        title.append(f"{index}. ", style="bold")
    question = Text(sanitize(e.question), style="bold")
    # "╭─ " + title + " ─" + at least one "─" + "╮"
    if title.cell_len + question.cell_len + 7 <= width:
        title.append_text(question)
    else:
        title.rstrip()
        body.append(question)
    if e.answer is None:
        body.append(Text("(no answer in the source)", style="dim italic"))
    else:
        body.append(_highlighted(e.answer, words))
    foot = Text()
    foot.append("source ", style="dim")
    foot.append(sanitize(citations(e)), style="cyan")
    note = flag_note(e)
    if note:
        foot.append("  ⚠ " + note, style="magenta")
    body.append(foot)
    sub = Text(f"id {sanitize(e.id)}" + (f" · score {r.score:g}" if r else ""), style="dim")
    return Panel(
        Group(*body),
        title=title if title.plain else None,
        title_align="left",
        subtitle=sub,
        subtitle_align="right",
        border_style="cyan",
        padding=(0, 1),
    )


def _compact(i: int, r: Result, width: int, short: dict[str, str]) -> Table:
    """A result in brief: its number, the whole question (wrapped under itself),
    then id, score, short citations and flags, on the question's line when
    they fit and on the next line when not."""
    e = r.entry
    meta = Text(f"score {r.score:g} · id {sanitize(e.id)} · ", style="dim")
    meta.append(sanitize(", ".join(short_citation(s, short) for s in e.sources)), style="cyan")
    note = flag_note(e)
    if note:
        meta.append(" · ")
        meta.append("⚠ " + note, style="magenta")
    number = Text(f"{i}. ", style="bold")
    text = Text(sanitize(e.question))
    room = width - number.cell_len
    text.append("\n" if text.cell_len + 2 + meta.cell_len > room else "  ")
    text.append_text(meta)
    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(number, text)
    return grid


def rich_answer(
    console: Console,
    answer: Answer,
    *,
    explain: bool = False,
    full: bool = False,
    short: dict[str, str] | None = None,
) -> None:
    plan = answer.plan
    label = reading_label(answer)
    if label is not None and plan is not None:
        console.print(
            Text(label, style="italic") + Text(sanitize(plan.searched_for), style="bold italic")
        )
    for i, r in enumerate(answer.results, start=1):
        if shown_in_full(answer, i - 1, full):
            console.print(_panel(r, r.entry, console.width, i))
        else:
            console.print(_compact(i, r, console.width, short or {}))
    note = not_covered_note(answer)
    if note:
        console.print(Text(note, style="italic"))
    if explain and plan is not None:
        console.print(Text(f"searched for: {sanitize(plan.searched_for)}", style="dim"))
        if plan.dropped:
            console.print(Text(f"dropped: {sanitize(', '.join(plan.dropped))}", style="dim"))
        table = Table(title="How the query was read", title_justify="left", show_edge=False)
        # Words and terms are never cut or broken; the related terms wrap instead.
        table.add_column("word", no_wrap=True, min_width=max(len(c.text) for c in plan.concepts))
        table.add_column("term", no_wrap=True, min_width=max(len(c.term) for c in plan.concepts))
        table.add_column("weight", justify="right", no_wrap=True)
        table.add_column("also matches (terms)", ratio=1)
        for c in plan.concepts:
            table.add_row(
                Text(sanitize(c.text)),
                Text(c.term),
                Text(f"{c.weight:.2f}" + ("" if c.known else " *")),
                Text(", ".join(t for t, _ in c.alternatives[1:])),
            )
        console.print(table)
        if not all(c.known for c in plan.concepts):
            console.print(Text("  * not in the store", style="dim"))
        for fix in plan.corrections:
            console.print(Text(f"  {sanitize(str(fix))} ({fix.kind})", style="dim"))
        for i, r in enumerate(answer.results, start=1):
            console.print(Text(f"  {i}. matched: {sanitize(', '.join(r.matched))}", style="dim"))


QUESTION_MIN = 36  # narrower than this, the topics column gives way to the question


def rich_entries(
    console: Console,
    entries: Sequence[Entry],
    *,
    source: str | None = None,
    short: dict[str, str] | None = None,
) -> None:
    """The list as a table: the question whole (wrapped, never cut), topics
    (wrapped; left to `show` when the terminal is too narrow for them) and
    short citations (`000:13`, one a line)."""
    short = short or {}
    rows = []
    for e in entries:
        question, sources = listed_as(e, source)
        q = Text(sanitize(question))
        if not e.answered:
            q.append(" (unanswered)", style="magenta")
        cites = Text(sanitize("\n".join(short_citation(s, short) for s in sources)))
        rows.append((Text(sanitize(e.id)), q, Text(sanitize(", ".join(e.topics))), cites))

    def widest(cells: Sequence[Text]) -> int:
        return max((max(map(len, c.plain.split("\n"))) for c in cells), default=0)

    id_w = max(2, widest([r[0] for r in rows]))
    cite_w = max(6, widest([r[3] for r in rows]))
    q_w = max((r[1].cell_len for r in rows), default=8)
    longest_topic = max((len(sanitize(t)) for e in entries for t in e.topics), default=0)
    topics_w = max(6, longest_topic + 1, min(widest([r[2] for r in rows]), console.width // 5))
    # the box: one bar per column plus one, and a space each side of every cell
    with_topics = console.width - (5 + 8) - id_w - cite_w - topics_w
    show_topics = with_topics >= QUESTION_MIN
    room = with_topics if show_topics else console.width - (4 + 6) - id_w - cite_w
    table = Table(header_style="bold")
    table.add_column("id", justify="right", no_wrap=True, width=id_w)
    table.add_column("question", overflow="fold", width=max(8, min(q_w, room)))
    if show_topics:
        table.add_column("topics", overflow="fold", style="green", width=topics_w)
    table.add_column("source", no_wrap=True, overflow="ellipsis", style="cyan", width=cite_w)
    for id_, q, topics, cites in rows:
        table.add_row(id_, q, topics, cites) if show_topics else table.add_row(id_, q, cites)
    console.print(table)


def rich_entry(console: Console, entry: Entry) -> None:
    console.print(_panel(None, entry, console.width))
    for q in entry.questions[1:]:
        console.print(Text("also asked as: ", style="dim") + Text(sanitize(q)))
    console.print(
        Text("topics: ", style="dim")
        + Text(sanitize(", ".join(entry.topics)) or "-", style="green")
    )
    for s in entry.sources:
        line = Text(sanitize(s.citation), style="cyan")
        line.append("  " + sanitize(s.question))
        console.print(line)


def rich_counts(console: Console, rows: Sequence[tuple[str, int]], what: str) -> None:
    table = Table(header_style="bold")
    table.add_column("topic" if what == "topics" else "document", overflow="ellipsis", no_wrap=True)
    table.add_column("entries", justify="right")
    for name, n in rows:
        table.add_row(Text(sanitize(name)), str(n))
    console.print(table)

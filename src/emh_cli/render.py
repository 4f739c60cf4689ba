"""Rich renderables for a terminal. Imported only when stdout is a terminal.

All store text goes in as `Text` objects after `sanitize`, so "[bold]",
"[/]" or "[link=...]" in an answer is shown as written, never interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from emh_cli.model import Answer, Entry, Result
from emh_cli.output import citations, flag_note, sanitize, shown_in_full

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


def _panel(r: Result | None, e: Entry, index: int | None = None) -> Panel:
    words = r.highlight if r else ()
    body: list[Text] = []
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
    title = Text()
    if index is not None:
        title.append(f"{index}. ", style="bold")
    title.append(sanitize(e.question), style="bold")
    sub = Text(f"id {sanitize(e.id)}" + (f" · score {r.score:g}" if r else ""), style="dim")
    return Panel(
        Group(*body),
        title=title,
        title_align="left",
        subtitle=sub,
        subtitle_align="right",
        border_style="cyan",
        padding=(0, 1),
    )


def rich_answer(
    console: Console, answer: Answer, *, explain: bool = False, full: bool = False
) -> None:
    from rich.table import Table

    plan = answer.plan
    if plan is not None and plan.corrected:
        console.print(
            Text("Showing results for: ", style="italic")
            + Text(sanitize(plan.searched_for), style="bold italic")
        )
    for i, r in enumerate(answer.results, start=1):
        if shown_in_full(answer, i - 1, full):
            console.print(_panel(r, r.entry, i))
        else:
            line = Text(f"{i}. ", style="bold")
            line.append(sanitize(r.entry.question))
            line.append(f"  score {r.score:g} · id {sanitize(r.entry.id)} · ", style="dim")
            line.append(sanitize(citations(r.entry)), style="cyan")
            console.print(line)
    if explain and plan is not None:
        table = Table(title="How the query was read", title_justify="left", show_edge=False)
        table.add_column("word")
        table.add_column("term")
        table.add_column("weight", justify="right")
        table.add_column("also matches")
        for c in plan.concepts:
            table.add_row(
                Text(sanitize(c.text)),
                Text(c.term),
                Text(f"{c.weight:.2f}" + ("" if c.known else " (not in store)")),
                Text(", ".join(t for t, _ in c.alternatives[1:])),
            )
        console.print(table)
        for fix in plan.corrections:
            console.print(Text(f"  {sanitize(str(fix))} ({fix.kind})", style="dim"))
        for i, r in enumerate(answer.results, start=1):
            console.print(Text(f"  {i}. matched: {sanitize(', '.join(r.matched))}", style="dim"))


def rich_entries(console: Console, entries: Sequence[Entry]) -> None:
    from rich.table import Table

    table = Table(expand=False, show_lines=False, header_style="bold")
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("question", overflow="ellipsis", no_wrap=True, ratio=3)
    table.add_column("topics", overflow="ellipsis", no_wrap=True, ratio=1, style="green")
    table.add_column("source", overflow="ellipsis", no_wrap=True, ratio=1, style="cyan")
    for e in entries:
        q = Text(sanitize(e.question))
        if not e.answered:
            q.append(" (unanswered)", style="magenta")
        table.add_row(
            Text(sanitize(e.id)),
            q,
            Text(sanitize(", ".join(e.topics))),
            Text(sanitize(citations(e))),
        )
    # Too wide for the terminal: without expand, rich squeezes the no_wrap
    # columns to nothing (the ids vanish); with it, the ratios share the width.
    wide = console.options.update_width(1 << 16)
    if console.measure(table, options=wide).maximum > console.width:
        table.expand = True
    console.print(table)


def rich_entry(console: Console, entry: Entry) -> None:
    console.print(_panel(None, entry))
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
    from rich.table import Table

    table = Table(header_style="bold")
    table.add_column("topic" if what == "topics" else "document", overflow="ellipsis", no_wrap=True)
    table.add_column("entries", justify="right")
    for name, n in rows:
        table.add_row(Text(sanitize(name)), str(n))
    console.print(table)

"""Shell completion for `--topic`, `--source` and `show ID`.

The shell runs `emh` (with `_EMH_COMPLETE` set) while the user waits at a Tab
press, so these callbacks must be quick and must never fail: any problem
(no store, a broken store, an unwritable cache) means no suggestions, never a
traceback in the middle of the user's command line.

They read the store the command would read: `--data` if it is already on the
command line, else $EMH_DATA, else the bundled store.

Only click and the standard library are imported here: cli.py imports this
module at start-up. The index loads inside the callbacks.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from emh_cli.index import Index

# Past this many matching ids, offer the ids alone: looking up every question
# of a very large store would keep the shell waiting.
MAX_HELP = 500
HELP_WIDTH = 72

_SPACE = re.compile(r"\s+")
# What rich (which renders zsh and fish help text in typer) would read as markup.
_MARKUP = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def data_option(ctx: click.Context | None) -> str | None:
    """The --data value already given on the command line, if any."""
    while ctx is not None:
        value = ctx.params.get("data")
        if isinstance(value, str) and value:
            return value
        ctx = ctx.parent
    return None


def _index(ctx: click.Context | None) -> Index:
    from emh_cli.index import open_index
    from emh_cli.store import resolve_store_path

    return open_index(resolve_store_path(data_option(ctx)))


def _safe(value: str) -> bool:
    """A value the shell can insert as is: no control characters, not empty."""
    from emh_cli.present import sanitize

    return bool(value) and "\n" not in value and sanitize(value) == value


def help_text(text: str) -> str:
    """A question as one short, inert line of completion help."""
    from emh_cli.present import sanitize

    line = _SPACE.sub(" ", sanitize(text)).strip()
    if len(line) > HELP_WIDTH:
        line = line[: HELP_WIDTH - 1].rstrip() + "…"
    line = _MARKUP.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", line)
    if line.endswith("\\") and not line.endswith("\\\\"):
        line += "\\"
    return line


def topics_for(ctx: click.Context | None, incomplete: str) -> list[str]:
    """Topic names starting with `incomplete`."""
    try:
        from emh_cli.catalog import topic_names

        index = _index(ctx)
        names = topic_names(index.entries(), index.analyzer.lexicon)
        return [n for n in names if n.startswith(incomplete) and _safe(n)]
    except Exception:
        return []


def sources_for(ctx: click.Context | None, incomplete: str) -> list[str]:
    """Document names starting with `incomplete`."""
    try:
        from emh_cli.catalog import document_names

        index = _index(ctx)
        names = document_names(index.entries(), index.documents)
        return [n for n in names if n.startswith(incomplete) and _safe(n)]
    except Exception:
        return []


def ids_for(ctx: click.Context | None, incomplete: str) -> list[tuple[str, str]]:
    """(id, question) of the entries whose id starts with `incomplete`.

    The question is empty when too many ids match to look them all up."""
    try:
        index = _index(ctx)
        wanted = [i for i in index.ids() if i.startswith(incomplete) and _safe(i)]
        if len(wanted) > MAX_HELP:
            return [(i, "") for i in wanted]
        out = []
        for i in wanted:
            entry = index.entry(i)
            out.append((i, help_text(entry.question) if entry is not None else ""))
        return out
    except Exception:
        return []


# -- the callbacks typer calls (`autocompletion=`) ------------------------------


def complete_topic(ctx: click.Context, incomplete: str) -> list[str]:
    return topics_for(ctx, incomplete)


def complete_source(ctx: click.Context, incomplete: str) -> list[str]:
    return sources_for(ctx, incomplete)


def complete_id(ctx: click.Context, incomplete: str) -> list[tuple[str, str] | str]:
    return [(i, q) if q else i for i, q in ids_for(ctx, incomplete)]

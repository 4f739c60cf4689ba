"""`emh` with no arguments in a terminal: ask repeatedly at a prompt.

A line is a question, answered exactly as `emh ask` answers it in a terminal,
or a command starting with ':' (`:help` lists them). The index is opened once.
readline gives line editing, Tab completion of the commands and their
arguments, and a history kept in the user's state folder
($XDG_STATE_HOME/emh/history, else ~/.local/state/emh/history). An error is
one line and the prompt comes back; Ctrl-C drops the line being typed (or
stops the answer being worked out); Ctrl-D or `:q` leaves.

readline and rich load inside `run`, never at import.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emh_cli.errors import debug_enabled

if TYPE_CHECKING:
    from emh_cli.index import Index
    from emh_cli.output import Output

PROMPT = "emh> "
HISTORY_LENGTH = 1000
QUIT = frozenset({":q", ":quit", ":exit", "q", "quit", "exit"})
HELP_WORDS = frozenset({":help", ":h", ":?", "help", "?"})
# Commands that also run without their ':' when typed alone ("show ID" and
# "list TOPIC" too: see Session.bare_command).
BARE_COMMANDS = frozenset({"list", "topics", "sources"})
# the commands Tab completes, after a ':' and without one ("show" takes an id)
COMMAND_NAMES = ("list", "topics", "sources", "show", "help", "quit")
BARE_NAMES = tuple(n for n in COMMAND_NAMES if n in BARE_COMMANDS or n == "show")

COMMANDS = (
    (":list [TOPIC]", "entries (id, question, topics, sources), optionally of one topic"),
    (":topics", "topics with their entry counts"),
    (":sources", "source documents with their entry counts"),
    (":show ID", "one entry whole"),
    (":help, help, ?", "this help"),
    (":q, q, :quit", "leave (or Ctrl-D)"),
)


def help_text(width: int = 80, example: str = "how is it treated") -> str:
    """The prompt's help, folded at spaces to `width` columns."""
    import textwrap

    width = max(width, 30)
    wrap = textwrap.TextWrapper(width=width, break_long_words=True, break_on_hyphens=False)
    name_w = max(len(n) for n, _ in COMMANDS) + 4
    lines = wrap.wrap(f"Type a question and press Enter, e.g.  {example}")
    lines.append("Commands:")
    for name, what in COMMANDS:
        head = f"  {name:<{name_w - 2}}"
        if width - name_w >= 20:
            wrap.initial_indent, wrap.subsequent_indent = head, " " * name_w
        else:  # too narrow for two columns: the description under the name
            lines.append(f"  {name}")
            wrap.initial_indent = wrap.subsequent_indent = "      "
        lines.extend(wrap.wrap(what))
    wrap.initial_indent = wrap.subsequent_indent = ""
    lines.extend(
        wrap.wrap(
            "list [TOPIC], topics, sources and show ID also work without the ':'. "
            "Up/Down recall earlier lines; Tab completes commands, topics and ids; "
            "Ctrl-C cancels a line."
        )
    )
    return "\n".join(lines)


def history_path() -> Path | None:
    """Where the prompt's history lives; None when there is no home to keep it in."""
    xdg = os.environ.get("XDG_STATE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "emh" / "history"
    try:
        return Path.home() / ".local" / "state" / "emh" / "history"
    except (RuntimeError, KeyError, OSError):
        return None


@dataclass
class Session:
    """One prompt session over an open index. `handle` runs one line."""

    index: Index
    out: Output
    limit: int = 3
    example: str = "how is it treated"  # a question the help shows
    _topics: list[str] | None = field(default=None, repr=False)

    def width(self) -> int:
        """Columns to lay text out in: the terminal's, else 80."""
        from emh_cli.output import stream_width

        if self.out.rich:
            return int(self.out.console.width)
        return stream_width(self.out.out) or 80

    # -- what Tab offers -------------------------------------------------------

    def topics(self) -> list[str]:
        if self._topics is None:
            from emh_cli.catalog import topic_names

            self._topics = topic_names(self.index.entries(), self.index.analyzer.lexicon)
        return self._topics

    def completions(self, line: str) -> list[str]:
        """Whole-line candidates for what has been typed so far (commands only,
        with their ':' or, for those that work without it, without)."""
        mark = ":" if line.startswith(":") else ""
        names = COMMAND_NAMES if mark else BARE_NAMES
        head, space, rest = line.lower().partition(" ")
        name = head.removeprefix(mark)
        if not space:
            if not head:
                return []
            found = [n for n in names if n.startswith(name)]
            return [mark + n + (" " if n in ("list", "show") else "") for n in found]
        if " " in rest or name not in names:
            return []
        words = self.index.ids() if name == "show" else self.topics() if name == "list" else []
        # case-insensitive: `:list Thal` completes to `:list thalassemia`
        return [f"{head} {w}" for w in words if w.lower().startswith(rest)]

    # -- one line -------------------------------------------------------------

    def handle(self, line: str) -> bool:
        """Run one line of input; False when the user asked to leave."""
        from emh_cli.errors import EmhError

        text = line.strip()
        if not text:
            return True
        if text.lower() in QUIT:
            return False
        try:
            command = text if text.startswith(":") else self.bare_command(text)
            if command is not None:
                self.command(command)
            else:
                self.ask(text)
            self.out.write("\n")  # a blank line between one answer and the next prompt
        except EmhError as e:
            self.out.message(f"emh: {e}")
        except Exception as e:
            if debug_enabled():
                import traceback

                traceback.print_exc()
            self.out.message(
                f"emh: internal error: {type(e).__name__}: {e} (set EMH_DEBUG=1 for a traceback)"
            )
        return True

    def bare_command(self, text: str) -> str | None:
        """A command typed without its ':' ("help", "list", "show 4"), or None
        for a question. Only forms no question takes: one command word, "list"
        and a topic the store has, or "show" and an id (a number, or an id the
        store has)."""
        from emh_cli import catalog
        from emh_cli.errors import UsageError

        first, *rest = text.lower().split()
        arg = " ".join(rest)
        if not rest:
            if first in HELP_WORDS:
                return first
            return ":" + first if first in BARE_COMMANDS or first == "show" else None
        if first == "show" and len(rest) == 1:
            known = arg.isdigit() or self.index.lookup(arg) is not None
            return ":show " + arg if known else None
        if first == "list":
            with contextlib.suppress(UsageError):
                catalog.resolve_topic(arg, self.index.entries(), self.index.analyzer)
                return ":list " + arg
        return None

    def ask(self, text: str) -> None:
        from emh_cli.output import nearest_message
        from emh_cli.rank import DEFAULT_MIN_SCORE
        from emh_cli.rank import ask as run_ask

        answer = run_ask(
            self.index, text, limit=self.limit, min_score=DEFAULT_MIN_SCORE, highlight=True
        )
        self.out.answer(answer)
        if not answer.results:
            for line in nearest_message(answer, show=":show", topics=":topics"):
                self.out.message(line)

    def command(self, text: str) -> None:
        from emh_cli import catalog
        from emh_cli.errors import UsageError

        name, _, arg = text.partition(" ")
        name, arg = name.lower(), arg.strip()
        if name in HELP_WORDS:
            self.out.write(help_text(self.width(), self.example) + "\n")
        elif name in (":list", ":ls", ":l"):
            entries = self.index.entries()
            if arg:
                topic = catalog.resolve_topic(arg, entries, self.index.analyzer)
                entries = catalog.filter_entries(entries, topic=topic)
            self.out.entries(entries, page=True)  # through a pager when it overflows
        elif name in (":topics", ":t"):
            rows = catalog.topic_rows(self.index.entries(), self.index.analyzer.lexicon)
            self.out.counts(rows, "topics")
        elif name in (":sources", ":s"):
            entries = self.index.entries()
            shared, multi = catalog.shared_counts(entries)
            docs, counts = catalog.document_rows(entries, self.index.documents)
            self.out.documents_table(docs, counts, shared, total=len(entries), multi=multi)
        elif name == ":show":
            if not arg:
                raise UsageError("usage: :show ID (ids are in :list)")
            entry = self.index.lookup(arg)
            if entry is None:
                raise catalog.missing_id(arg, self.index.ids())
            self.out.entry(entry)
        else:
            raise UsageError(f"unknown command {name!r}; :help lists the commands")


# -- the terminal -------------------------------------------------------------


def _load_history(readline: Any, path: Path | None) -> None:
    readline.set_history_length(HISTORY_LENGTH)
    if path is None:
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(str(path))


def _save_history(readline: Any, path: Path | None) -> None:
    """Keep the last HISTORY_LENGTH lines, readable by the user alone; never fail."""
    if path is None:
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        readline.write_history_file(str(path))
        os.chmod(path, 0o600)


def _example(index: Index, store: Path) -> str:
    """A question for the help to show: the bundled store's usual one, else the
    store's own first answered question (a bicycle shop is not asked how it is
    treated)."""
    from emh_cli.present import sanitize
    from emh_cli.store import bundled_store_path

    if store == bundled_store_path():
        return "how is it treated"
    first = next((e for e in index.entries() if e.answered), None)
    return sanitize(first.question) if first is not None else "how do I start"


def _no_record(line: str) -> None:
    """No history to keep a line in."""


@contextlib.contextmanager
def _line_editing(session: Session) -> Iterator[Callable[[str], None]]:
    """readline set up for the session; yields a function that records a line."""
    try:
        import readline
    except ImportError:  # a Python built without readline: plain input() still works
        yield lambda line: None
        return
    path = history_path()
    old_completer = readline.get_completer()
    old_delims = readline.get_completer_delims()
    _load_history(readline, path)
    readline.set_auto_history(False)
    candidates: list[str] = []

    def complete(text: str, state: int) -> str | None:
        nonlocal candidates
        try:
            if state == 0:
                line = readline.get_line_buffer()[: readline.get_endidx()]
                start = len(line) - len(text)
                candidates = [c[start:] for c in session.completions(line)]
            return candidates[state] if state < len(candidates) else None
        except Exception:
            return None

    readline.set_completer(complete)
    readline.set_completer_delims(" \t\n")
    readline.parse_and_bind("set completion-ignore-case on")
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")

    def record(line: str) -> None:
        n = readline.get_current_history_length()
        if line.strip().lower() in QUIT:
            return
        if line.strip() and (n == 0 or readline.get_history_item(n) != line):
            readline.add_history(line)

    try:
        yield record
    finally:
        _save_history(readline, path)
        readline.set_completer(old_completer)
        readline.set_completer_delims(old_delims)


def _banner(out: Output, index: Index, store: Path) -> None:
    from rich.text import Text

    from emh_cli import __version__
    from emh_cli.plural import plural
    from emh_cli.present import sanitize

    n = len(index.ids())
    line = Text(f"emh {__version__}", style="bold")
    line.append(f" · {plural(n, 'entry', 'entries')} from {sanitize(store.name)}", style="dim")
    out.console.print(line)
    out.console.print(
        Text("Ask a question, or type :help for commands. :q or Ctrl-D leaves.", style="dim")
    )


def run(store: Path, *, read: Callable[[str], str] = input, line_editing: bool = True) -> int:
    """The prompt loop. Returns the exit status (0). Without `line_editing`
    (a dumb terminal, such as an editor's shell buffer) readline is not loaded:
    no history or Tab, and no escape codes for the terminal to show."""
    from emh_cli.index import open_index
    from emh_cli.output import Output

    index = open_index(store)  # a missing or broken store fails here, once
    out = Output()
    if out.rich:
        out.documents = [d.name for d in index.documents]
    session = Session(index, out, example=_example(index, store))
    if out.rich:
        _banner(out, index, store)
    else:
        out.write("Ask a question, or :help for commands. :q or Ctrl-D leaves.\n")
    editing = _line_editing(session) if line_editing else contextlib.nullcontext(_no_record)
    with editing as record:
        while True:
            try:
                line = read(PROMPT)
            except EOFError:  # Ctrl-D
                out.write("\n")
                break
            except KeyboardInterrupt:  # Ctrl-C at the prompt: drop the line, visibly
                out.write("^C\n")
                _flush(out.out)
                continue
            try:
                record(line)
                if not session.handle(line):
                    break
                _flush(out.out)
            except KeyboardInterrupt:  # Ctrl-C while answering: back to the prompt
                out.write("\n")
                _flush(out.out)
    return 0


def _flush(stream: Any) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        stream.flush()

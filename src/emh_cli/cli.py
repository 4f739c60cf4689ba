"""The command line: maps commands to the core and hands results to `output`.

Only typer and the standard library are imported at start-up; the core,
rapidfuzz and rich load when a command needs them.
"""

import contextlib
import itertools
import os
import re
import sys
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import click
import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from emh_cli import __version__
from emh_cli.complete import complete_id, complete_source, complete_topic
from emh_cli.errors import debug_enabled


def _keep_argument_help() -> None:
    """typer 0.24 sets an argument's help and then calls click's Argument.__init__,
    which since click 8.2 sets `help` itself (to None, as typer does not pass it):
    arguments lost their description in --help. Set it again afterwards."""
    init = TyperArgument.__init__
    if getattr(init, "_emh_keeps_help", False):
        return

    def keeping_help(self: TyperArgument, *args: Any, help: str | None = None, **kw: Any) -> None:
        init(self, *args, help=help, **kw)
        self.help = help

    keeping_help._emh_keeps_help = True  # type: ignore[attr-defined]
    TyperArgument.__init__ = keeping_help  # type: ignore[method-assign]


_keep_argument_help()


class EmhCommand(TyperCommand):
    """typer lists the arguments under "Arguments:" with the options; click 8.5 would
    list them once more under "Positional arguments:"."""

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        return None


class ExitStatus(IntEnum):
    FOUND = 0
    NO_ANSWER = 1
    ERROR = 2
    BROKEN_PIPE = 141
    INTERRUPTED = 130


# Not a \b block: click folds these at the terminal's width.
EXIT_HELP = "Exit status: 0 found, 1 no confident answer, 2 usage or data error."
BROWSE_EXIT_HELP = "Exit status: 0 shown, 2 usage or data error."


def _quiet_pipe() -> None:
    """stdout's reader went away: send what is left to /dev/null, quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _usage_line(e: click.UsageError) -> str:
    """click's usage error as one line: "no such option '--foo' (see 'emh ask --help')"."""
    message = " ".join(e.format_message().split()).rstrip(".")
    # "No such option '--ful'. Did you mean '--full'?" / "... (Did you mean one of: a, b?)"
    message = re.sub(r"\.? \(Did you mean (one of: .*)\)$", r"; did you mean \1", message)
    message = message.replace(". Did you mean", "; did you mean")
    if message[:1].isupper() and message[1:2].islower():
        message = message[0].lower() + message[1:]
    if e.ctx is not None:
        message += f" (see '{e.ctx.command_path} --help')"
    return message


class EmhGroup(TyperGroup):
    """Turns every failure into one line on stderr and an exit status."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            # click raises "Option '--data' requires an argument" without a context.
            if e.ctx is None:
                e.ctx = ctx
            if isinstance(e, click.exceptions.NoSuchOption):
                owners = self._commands_with_option(e.option_name)
                if owners:
                    name = next((a for a in args if a in owners), owners[0])
                    _fail(
                        f"{e.option_name!r} goes after the command: emh {name} ... "
                        f"{e.option_name} (see 'emh {name} --help')",
                        ExitStatus.ERROR,
                    )
            _fail(_usage_line(e), ExitStatus.ERROR)

    def _commands_with_option(self, name: str) -> list[str]:
        """The visible commands that take option `name` ("--json": ask, list, ...)."""
        return [
            command_name
            for command_name, command in self.commands.items()
            if not command.hidden
            and any(name in p.opts for p in command.params if isinstance(p, click.Option))
        ]

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return click.Group.resolve_command(self, ctx, args)
        except click.UsageError as e:
            # click (8.2+) and typer each add "Did you mean ...?": say it once, ourselves.
            name = click.utils.make_str(args[0]) if args else ""
            if not isinstance(e, click.exceptions.NoSuchCommand) or not name:
                raise
            from difflib import get_close_matches

            from emh_cli.present import quoted

            shown = [n for n, c in self.commands.items() if not c.hidden]
            near = get_close_matches(name, shown, n=1)
            words = list(itertools.takewhile(lambda a: not a.startswith("-"), args))
            if len(name.split()) > 1:  # emh "how is it treated": a quoted question
                words = [*name.split(), *words[1:]]
            if _reads_as_a_question(words, bool(near)):
                hint = f"; to ask a question: emh ask {_shell_quoted(' '.join(words))}"
            else:
                hint = f"; did you mean {near[0]!r}?" if near else ""
            raise click.UsageError(f"no such command {quoted(name)}{hint}", ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        from emh_cli.errors import EmhError

        try:
            return super().invoke(ctx)
        except click.UsageError as e:
            if e.ctx is None and ctx.invoked_subcommand:  # as in parse_args, for the command
                cmd = self.get_command(ctx, ctx.invoked_subcommand)
                if cmd is not None:
                    e.ctx = click.Context(cmd, info_name=ctx.invoked_subcommand, parent=ctx)
            _fail(_usage_line(e), ExitStatus.ERROR)
        except EmhError as e:
            _fail(str(e), e.exit_code)
        except BrokenPipeError:
            _quiet_pipe()
            raise SystemExit(ExitStatus.BROKEN_PIPE) from None
        except KeyboardInterrupt:
            sys.stderr.write("\n")
            raise SystemExit(ExitStatus.INTERRUPTED) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as e:  # writing the output failed: a full disk, a closed terminal
            if debug_enabled():
                raise
            where = f"{e.filename}: " if e.filename else "cannot write the output: "
            _fail(where + (e.strerror or str(e)), ExitStatus.ERROR)
        except Exception as e:
            if debug_enabled():
                raise
            _fail(f"internal error: {type(e).__name__}: {e} (set EMH_DEBUG=1 for a traceback)", 2)


def _reads_as_a_question(words: list[str], near_a_command: bool) -> bool:
    """Whether `emh WORDS...` (no such command) was a question without `ask`:
    three words or more, or two that are not a mistyped command, or words that
    start with a question word ("emh how is it treated")."""
    if len(words) < 2:
        return False
    if len(words) >= 3 or not near_a_command:
        return True
    from emh_cli.textnorm import english_vocabulary

    starters = english_vocabulary().get("words", {}).get("question_starters", [])
    return words[0].lower() in starters


def _shell_quoted(text: str) -> str:
    """`text` as one shell word, in double quotes where that is safe."""
    if not re.search(r'["$`\\!]', text):
        return f'"{text}"'
    import shlex

    return shlex.quote(text)


def _fail(message: str, code: int) -> NoReturn:
    from emh_cli.output import stream_width, wrap_line
    from emh_cli.present import sanitize

    sys.stderr.write(wrap_line(f"emh: {sanitize(message)}", stream_width(sys.stderr)) + "\n")
    sys.stderr.flush()
    raise SystemExit(code)


app = typer.Typer(
    cls=EmhGroup,
    help="Cited answers about extramedullary hematopoiesis (EMH), offline.\n\n"
    "\b\nExamples:\n"
    '  emh ask "how is it treated"\n'
    "  emh list --topic thalassemia\n"
    '  emh ask "emh tx" --json | jq ".results[0].answer"\n'
    "  emh          (in a terminal: ask at a prompt)\n\n" + EXIT_HELP,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    invoke_without_command=True,
    no_args_is_help=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class State:
    data: str | None = None


DATA_HELP = "Store to read (default: $EMH_DATA, else the bundled store)."


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"emh {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            metavar="PATH",
            help=DATA_HELP,
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    State.data = data
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            from emh_cli.interactive import run

            dumb = os.environ.get("TERM") == "dumb"  # an editor's shell buffer: no readline
            raise SystemExit(run(_store_path(), line_editing=not dumb))
        if _is_piped(sys.stdin):  # `echo "is it cancer" | emh`: say what reads stdin
            _fail(
                "no command given; to answer questions read from stdin, use: emh ask --batch",
                ExitStatus.ERROR,
            )
        sys.stdout.write(ctx.get_help() + "\n")
        raise typer.Exit()


def _is_piped(stream: Any) -> bool:
    """Whether `stream` is a pipe or a file (something to read), not a terminal
    or /dev/null."""
    import stat

    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (AttributeError, ValueError, OSError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode)


def _store_path() -> Path:
    from emh_cli.store import resolve_store_path

    return resolve_store_path(State.data)


def _index() -> Any:
    from emh_cli.errors import StoreError
    from emh_cli.index import open_index
    from emh_cli.store import store_origin

    try:
        return open_index(_store_path())
    except StoreError as e:
        origin = store_origin(State.data)
        if origin is None:
            raise
        raise StoreError(
            f"{e}; the path is from ${origin} (unset it to use the bundled store)"
        ) from None


def _output(json_: bool, index: Any = None) -> Any:
    """The command's Output; with `index`, one that knows the store's document
    names, for short citations in a terminal."""
    from emh_cli.output import Output

    out = Output(json=json_)
    if index is not None and out.rich:
        out.documents = [d.name for d in index.documents]
    return out


ENTRY_FIELDS = "id, question, questions, answer, topics, flags, sources, citations"
AskJson = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Write JSON to stdout: an object with query, results (best first: entry "
        f"fields {ENTRY_FIELDS}, and score 0-100), threshold, searched_for, corrected, "
        "not_covered (query words no shown answer holds); "
        "and, when nothing is confident, nearest (id, question, score) and unanswered "
        "(id, question: the store has the question asked, but no answer). "
        "With --batch, one such object per line.",
    ),
]
ListJson = Annotated[
    bool,
    typer.Option("--json", help=f"Write a JSON array of entries ({ENTRY_FIELDS}) to stdout."),
]
ShowJson = Annotated[
    bool,
    typer.Option("--json", help=f"Write the entry as a JSON object ({ENTRY_FIELDS}) to stdout."),
]
TopicsJson = Annotated[
    bool,
    typer.Option("--json", help="Write a JSON array of {topic, entries} objects to stdout."),
]
SourcesJson = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Write a JSON array of {document, entries, lines, questions, sha256} "
        "objects to stdout.",
    ),
]
# --data is a global option that may also follow the command's name.
DataOpt = Annotated[
    str | None, typer.Option("--data", metavar="PATH", help=DATA_HELP, show_default=False)
]
# The same where no store is read (build, help, version): accepted, as before the command.
UnusedDataOpt = Annotated[
    str | None, typer.Option("--data", metavar="PATH", hidden=True, show_default=False)
]


def _use_data(data: str | None) -> None:
    """--data given after the command: it wins over one given before it."""
    if data is not None:
        State.data = data


@app.command(
    cls=EmhCommand,
    epilog=EXIT_HELP,
    short_help="Answer a question, best answer first, with its source.",
    help="Answer a question from the store, best answer first, with its source.\n\n"
    "\b\nExamples:\n"
    '  emh ask "how is it treated"\n'
    "  emh ask emh tx --limit 1\n"
    '  emh ask "haematopoiesis outside the marrow" --explain\n'
    '  emh ask "emh dx" --json | jq -r ".results[0].answer"\n'
    "  printf 'emh tx\\nemh dx\\n' | emh ask --batch",
)
def ask(
    query: Annotated[
        list[str] | None,
        typer.Argument(
            help="The question, in any words; quotes are optional (emh ask how is it treated).",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most answers to show.")] = 3,
    json_: AskJson = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show how the query was read and what matched.")
    ] = False,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            min=0,
            max=100,
            help="Confidence threshold, 0-100 (default 50).",
            show_default=False,
        ),
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Show every answer in full.")] = False,
    batch: Annotated[
        bool, typer.Option("--batch", help="Read one query per line from stdin; write JSON Lines.")
    ] = False,
    data: DataOpt = None,
) -> None:
    _use_data(data)
    from emh_cli.errors import UsageError
    from emh_cli.rank import DEFAULT_MIN_SCORE

    if min_score is not None and min_score != min_score:  # NaN passes click's range check
        raise click.BadParameter(
            "nan is not a number in the range 0<=x<=100.",
            ctx=click.get_current_context(),
            param_hint="'--min-score'",
        )
    threshold = DEFAULT_MIN_SCORE if min_score is None else min_score
    if batch:
        if query:
            raise UsageError("--batch reads queries from stdin; give no QUERY")
        from emh_cli.batch import run_batch

        if _is_terminal(sys.stdin):  # else a blank screen would seem to hang
            sys.stderr.write("emh: reading queries from the terminal, one per line, until Ctrl-D\n")
            sys.stderr.flush()
        run_batch(
            _index(),
            sys.stdin,
            sys.stdout,
            limit=limit,
            min_score=threshold,
            explain=explain,
            warn=lambda message: sys.stderr.write(f"emh: {message}\n"),
        )
        return
    text = " ".join(query or [])
    if not text.strip():
        from emh_cli.store import bundled_store_path

        bundled = _store_path() == bundled_store_path()
        example = 'emh ask "how is it treated"' if bundled else 'emh ask "how do I start"'
        raise UsageError(f"empty query: ask a question, e.g. {example}")
    from emh_cli.errors import NothingToSearch
    from emh_cli.output import nearest_message
    from emh_cli.rank import ask as run_ask

    index = _index()
    out = _output(json_, index)
    try:
        answer = run_ask(index, text, limit=limit, min_score=threshold, highlight=out.rich)
    except NothingToSearch as e:
        from emh_cli.textnorm import clean_query

        out.unsearchable(clean_query(text), str(e))  # a script piping --json into jq gets JSON
        raise
    out.answer(answer, explain=explain, full=full)
    if not answer.results:
        import shlex  # only for a refusal: 0.5 ms at start-up otherwise

        emh = "emh" if State.data is None else f"emh --data {shlex.quote(State.data)}"
        for line in nearest_message(
            answer, explain=explain, show=f"{emh} show", topics=f"{emh} topics"
        ):
            out.message(line)
        raise typer.Exit(ExitStatus.NO_ANSWER)


@app.command(
    "list",
    cls=EmhCommand,
    epilog=BROWSE_EXIT_HELP,
    short_help="List entries: id, question, topics, sources.",
    help="List entries: id, question, topics, sources; unanswered ones are marked.\n\n"
    "\b\nExamples:\n"
    "  emh list\n"
    "  emh list thalassaemia\n"
    "  emh list --source 004_df62d6605becf123.txt --json",
)
def list_(
    topic_arg: Annotated[
        str | None,
        typer.Argument(
            metavar="[TOPIC]",
            help="Only entries under this topic (the same as --topic).",
            show_default=False,
            autocompletion=complete_topic,
        ),
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option(
            "--topic",
            "-t",
            help="Only entries under this topic.",
            show_default=False,
            autocompletion=complete_topic,
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            "-s",
            help="Only entries from this document.",
            show_default=False,
            autocompletion=complete_source,
        ),
    ] = None,
    json_: ListJson = False,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Never page long output.")] = False,
    data: DataOpt = None,
) -> None:
    _use_data(data)
    from emh_cli import catalog

    index = _index()
    entries = index.entries()
    t = catalog.resolve_topic(topic, entries, index.analyzer) if topic is not None else None
    if topic_arg is not None:
        t_arg = catalog.resolve_topic(topic_arg, entries, index.analyzer)
        if t is not None and t_arg != t:
            from emh_cli.errors import UsageError

            raise UsageError(
                f"two topics: {topic_arg!r} and --topic {topic!r}; give one (see 'emh list --help')"
            )
        t = t_arg
    s = (
        catalog.resolve_source(source, catalog.document_names(entries, index.documents))
        if source is not None
        else None
    )
    chosen = catalog.filter_entries(entries, topic=t, source=s)
    out = _output(json_, index)
    out.entries(chosen, source=s, page=not no_pager)
    if not chosen and not json_:
        out.message("emh: no entries match")


@app.command(
    cls=EmhCommand,
    epilog=BROWSE_EXIT_HELP,
    short_help="Show one entry whole, with its sources.",
    help="Show one entry whole: every question, the answer, topics, flags, sources.\n\n"
    "\b\nExamples:\n"
    "  emh show 4\n"
    "  emh show 4 --json",
)
def show(
    entry_id: Annotated[
        str,
        typer.Argument(metavar="ID", help="An id from `emh list`.", autocompletion=complete_id),
    ],
    json_: ShowJson = False,
    data: DataOpt = None,
) -> None:
    _use_data(data)
    from emh_cli.catalog import missing_id

    index = _index()
    entry = index.lookup(entry_id)
    if entry is None:
        raise missing_id(entry_id, index.ids())
    _output(json_).entry(entry)


@app.command(
    cls=EmhCommand,
    epilog=BROWSE_EXIT_HELP,
    short_help="List topics with their entry counts.",
    help="List topics with their entry counts.\n\n\b\nExamples:\n  emh topics\n  emh topics --json",
)
def topics(json_: TopicsJson = False, data: DataOpt = None) -> None:
    _use_data(data)
    from emh_cli import catalog

    index = _index()
    rows = catalog.topic_rows(index.entries(), index.analyzer.lexicon)
    out = _output(json_)
    if not rows and not json_:
        out.message("emh: this store has no topics (README: topics.toml)")
        return
    out.counts(rows, "topics")


@app.command(
    cls=EmhCommand,
    epilog=BROWSE_EXIT_HELP,
    short_help="List source documents with their entry counts.",
    help="List source documents with their entry counts.\n\n\b\nExamples:\n  emh sources\n  emh sources --json",
)
def sources(json_: SourcesJson = False, data: DataOpt = None) -> None:
    _use_data(data)
    from emh_cli import catalog

    index = _index()
    entries = index.entries()
    shared, multi = catalog.shared_counts(entries)
    _output(json_).documents_table(
        *catalog.document_rows(entries, index.documents), shared, total=len(entries), multi=multi
    )


@app.command(
    cls=EmhCommand,
    epilog="\b\nExit status: 0 built; 2 usage, source or write error\n(the output is then untouched).",
    short_help="Build a store from your own documents.",
    help="Build a store from source documents (a question is a line ending in '?', "
    "its answer the lines after it). Warnings go to stderr as document:line: message. "
    "The store's vocabulary (subject, abbreviations, synonyms, topics) comes from a "
    "folder named 'lexicon' beside the documents, or --lexicon DIR, and from what the "
    "documents define.\n\n"
    "PATH is never overwritten when it is one of the SOURCEs, nor, without --force, "
    "when it exists and is not an emh store (a JSON object with schema_version, documents and "
    "entries keys); "
    "an existing store is rebuilt.\n\n"
    "\b\nExamples:\n"
    "  emh build data/sources/*.txt --output data/faq.json\n"
    "  emh build my-faq.txt -o my.json\n"
    '  emh --data my.json ask "how do I start"',
)
def build(
    sources: Annotated[
        list[Path],
        typer.Argument(
            metavar="SOURCE...", help="Source documents (UTF-8 text).", show_default=False
        ),
    ],
    output: Annotated[
        str,  # not Path, which reads "./-" (a file) as "-" (stdout)
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="Where to write the store ('-': stdout).",
            show_default=False,
        ),
    ],
    lexicon: Annotated[
        Path | None,
        typer.Option(
            "--lexicon",
            metavar="DIR",
            help="Folder of the store's vocabulary files (default: 'lexicon' beside the "
            "documents, if there is one).",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not print warnings.")] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            "-f",
            help="Overwrite PATH even if it is not an emh store (never a SOURCE).",
        ),
    ] = False,
    data: UnusedDataOpt = None,
) -> None:
    from emh_cli.build import build as build_store
    from emh_cli.build import check_output, lexicon_folder, read_sources
    from emh_cli.vocabulary import read_vocabulary

    read = read_sources(sources)
    folder = lexicon if lexicon is not None else lexicon_folder(sources)
    inputs = [
        *sources,
        *(sorted(folder.iterdir()) if folder is not None and folder.is_dir() else []),
    ]
    if output != "-":  # stdout; a file named "-" is ./-
        check_output(output, inputs, force=force)
    vocabulary = read_vocabulary(folder) if folder is not None else {}
    result = build_store(read, vocabulary)
    _write_store(output, result)
    from emh_cli.output import stream_width, wrap_line
    from emh_cli.plural import plural
    from emh_cli.present import sanitize

    width = stream_width(sys.stderr)  # None in a pipe: one line each, as before
    if not quiet:
        for d in result.diagnostics:
            sys.stderr.write(wrap_line(sanitize(str(d)), width) + "\n")
    answered = sum(1 for e in result.entries if e.answered)
    where = "the store to stdout" if output == "-" else sanitize(output)
    summary = (
        f"emh: wrote {where}: {plural(len(result.entries), 'entry', 'entries')} "
        f"({answered} answered, {len(result.entries) - answered} unanswered) "
        f"from {plural(len(result.documents), 'document')}"
    )
    sys.stderr.write(wrap_line(summary, width) + "\n")
    if not answered:
        nothing = (
            "emh: warning: no question has an answer, so the store can answer nothing "
            "(an answer is the line or lines after its question)"
        )
        sys.stderr.write(wrap_line(nothing, width) + "\n")


def _write_store(output: str, result: Any) -> None:
    """Write a built store to `output` ("-": stdout) and index it for its first query."""
    from emh_cli.build import write_atomic
    from emh_cli.index import prime_cache

    if output == "-":
        sys.stdout.buffer.write(result.serialize())
        sys.stdout.flush()
        return
    write_atomic(output, result.serialize())
    prime_cache(Path(output), result)


@app.command(
    "help",
    cls=EmhCommand,
    help="Show emh's help, or a command's.\n\n\b\nExamples:\n  emh help\n  emh help ask",
)
def help_(
    command: Annotated[
        str | None,
        typer.Argument(metavar="[COMMAND]", help="A command to explain.", show_default=False),
    ] = None,
    data: UnusedDataOpt = None,
) -> None:
    ctx = click.get_current_context()
    top = ctx.find_root()
    if command is None:
        sys.stdout.write(top.get_help() + "\n")
        return
    group = top.command
    assert isinstance(group, click.Group)
    cmd = group.get_command(top, command)
    if cmd is None:
        group.resolve_command(top, [command])  # raises "no such command" with a suggestion
        raise click.UsageError(f"no such command {command!r}", top)
    sys.stdout.write(click.Context(cmd, info_name=command, parent=top).get_help() + "\n")


@app.command("version", cls=EmhCommand, hidden=True, help="Show the version (as --version does).")
def version_(data: UnusedDataOpt = None) -> None:
    _version(True)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _status(code: object) -> int:
    """The exit status Python would give for SystemExit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


def main() -> NoReturn:
    """Console entry point.

    Ends with os._exit once the output is flushed: emh registers nothing to
    run at exit, and skipping the interpreter's teardown saves ~10 ms a call."""
    from emh_cli.output import prepare_stream

    prepare_stream(sys.stdout)
    prepare_stream(sys.stderr)
    status = 0
    try:
        app()
    except SystemExit as e:
        status = _status(e.code)
    except BrokenPipeError:
        _quiet_pipe()
        status = ExitStatus.BROKEN_PIPE
    except KeyboardInterrupt:
        status = ExitStatus.INTERRUPTED
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_pipe()
        status = status or ExitStatus.BROKEN_PIPE
    except (OSError, ValueError):
        pass
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(int(status))

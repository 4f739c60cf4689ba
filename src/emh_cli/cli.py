"""The command line: maps commands to the core and hands results to `output`.

Only typer and the standard library are imported at start-up; the core,
rapidfuzz and rich load when a command needs them.
"""

import contextlib
import os
import sys
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import click
import typer
from typer.core import TyperGroup

from emh_cli import __version__
from emh_cli.complete import complete_id, complete_source, complete_topic
from emh_cli.errors import debug_enabled


class ExitStatus(IntEnum):
    FOUND = 0
    NO_ANSWER = 1
    ERROR = 2
    BROKEN_PIPE = 141
    INTERRUPTED = 130


EXIT_HELP = """\b
Exit status: 0 found, 1 no confident answer, 2 usage or data error."""


def _quiet_pipe() -> None:
    """stdout's reader went away: send what is left to /dev/null, quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


class EmhGroup(TyperGroup):
    """Turns every failure into one line on stderr and an exit status."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            # click raises "Option '--data' requires an argument" without a
            # context, and then prints no usage line: give it one.
            if e.ctx is None:
                e.ctx = ctx
            raise

    def invoke(self, ctx: click.Context) -> Any:
        from emh_cli.errors import EmhError

        try:
            return super().invoke(ctx)
        except click.UsageError as e:
            if e.ctx is None and ctx.invoked_subcommand:  # as in parse_args, for the command
                cmd = self.get_command(ctx, ctx.invoked_subcommand)
                if cmd is not None:
                    e.ctx = click.Context(cmd, info_name=ctx.invoked_subcommand, parent=ctx)
            raise
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
        except Exception as e:
            if debug_enabled():
                raise
            _fail(f"internal error: {type(e).__name__}: {e} (set EMH_DEBUG=1 for a traceback)", 2)


def _fail(message: str, code: int) -> NoReturn:
    from emh_cli.output import sanitize

    sys.stderr.write(f"emh: {sanitize(message)}\n")
    sys.stderr.flush()
    raise SystemExit(code)


app = typer.Typer(
    cls=EmhGroup,
    help="Cited answers about extramedullary hematopoiesis (EMH), offline.\n\n"
    "\b\nExamples:\n"
    '  emh ask "how is it treated"\n'
    "  emh list --topic thalassemia\n"
    '  emh ask "emh tx" --json | jq ".results[0].answer"\n'
    "  emh                      (in a terminal: ask at a prompt)\n\n" + EXIT_HELP,
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
            help="Store to read (default: $EMH_DATA, else the bundled store).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    State.data = data
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty() and os.environ.get("TERM") != "dumb":
            from emh_cli.interactive import run

            raise SystemExit(run(_store_path()))
        sys.stdout.write(ctx.get_help() + "\n")
        raise typer.Exit()


def _store_path() -> Path:
    from emh_cli.store import resolve_store_path

    return resolve_store_path(State.data)


def _index() -> Any:
    from emh_cli.index import open_index

    return open_index(_store_path())


def _output(json_: bool) -> Any:
    from emh_cli.output import Output

    return Output(json=json_)


JsonOpt = Annotated[bool, typer.Option("--json", help="Write JSON to stdout (see README).")]


@app.command(
    epilog=EXIT_HELP,
    help="Answer a question from the store, best answer first, with its source.\n\n"
    "\b\nExamples:\n"
    '  emh ask "how is it treated"\n'
    "  emh ask emh tx --limit 1\n"
    '  emh ask "haematopoiesis outside the marrow" --explain\n'
    '  emh ask "how is it diagnosed" --json | jq -r ".results[0].answer"\n'
    "  printf 'how is it treated\\nemh spleen\\n' | emh ask --batch",
)
def ask(
    query: Annotated[
        list[str] | None, typer.Argument(help="The question, in any words.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most answers to show.")] = 3,
    json_: JsonOpt = False,
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
) -> None:
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

        run_batch(
            _index(), sys.stdin, sys.stdout, limit=limit, min_score=threshold, explain=explain
        )
        return
    text = " ".join(query or [])
    if not text.strip():
        raise UsageError('empty query: ask a question, e.g. emh ask "how is it treated"')
    from emh_cli.output import nearest_message
    from emh_cli.rank import ask as run_ask

    out = _output(json_)
    answer = run_ask(_index(), text, limit=limit, min_score=threshold, highlight=out.rich)
    out.answer(answer, explain=explain, full=full)
    if not answer.results:
        for line in nearest_message(answer):
            out.message(line)
        raise typer.Exit(ExitStatus.NO_ANSWER)


@app.command(
    "list",
    epilog=EXIT_HELP,
    help="List entries: id, question, topics, sources; unanswered ones are marked.\n\n"
    "\b\nExamples:\n"
    "  emh list\n"
    "  emh list --topic thalassaemia\n"
    "  emh list --source 004_df62d6605becf123.txt --json",
)
def list_(
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
    json_: JsonOpt = False,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Never page long output.")] = False,
) -> None:
    from emh_cli import catalog

    index = _index()
    entries = index.entries()
    t = catalog.resolve_topic(topic, entries, index.analyzer) if topic is not None else None
    s = (
        catalog.resolve_source(source, catalog.document_names(entries, index.documents))
        if source is not None
        else None
    )
    chosen = catalog.filter_entries(entries, topic=t, source=s)
    out = _output(json_)
    if out.rich and not no_pager and len(chosen) + 4 > out.console.size.height:
        with out.console.pager(styles=True):
            out.entries(chosen)
    else:
        out.entries(chosen)
    if not chosen and not json_:
        out.message("emh: no entries match")


@app.command(
    epilog=EXIT_HELP,
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
    json_: JsonOpt = False,
) -> None:
    from emh_cli.catalog import missing_id

    index = _index()
    entry = index.entry(entry_id.strip())
    if entry is None:
        raise missing_id(entry_id, index.ids())
    _output(json_).entry(entry)


@app.command(
    epilog=EXIT_HELP,
    help="List topics with their entry counts.\n\n\b\nExamples:\n  emh topics\n  emh topics --json",
)
def topics(json_: JsonOpt = False) -> None:
    from emh_cli import catalog

    index = _index()
    _output(json_).counts(catalog.topic_rows(index.entries(), index.analyzer.lexicon), "topics")


@app.command(
    epilog=EXIT_HELP,
    help="List source documents with their entry counts.\n\n\b\nExamples:\n  emh sources\n  emh sources --json",
)
def sources(json_: JsonOpt = False) -> None:
    from emh_cli import catalog

    index = _index()
    _output(json_).documents(*catalog.document_rows(index.entries(), index.documents))


@app.command(
    epilog="\b\nExit status: 0 built, 2 usage, source or write error (the output is then untouched).",
    help="Build a store from source documents (a question is a line ending in '?', "
    "its answer the lines after it). Warnings go to stderr as document:line: message. "
    "The store's vocabulary (subject, abbreviations, synonyms, topics) comes from a "
    "folder named 'lexicon' beside the documents, or --lexicon DIR, and from what the "
    "documents define.\n\n"
    "PATH is never overwritten when it is one of the SOURCEs, nor, without --force, "
    "when it exists and is not an emh store (a JSON object with a schema_version key); "
    "an existing store is rebuilt.\n\n"
    "\b\nExamples:\n"
    "  emh build data/sources/*.txt --output data/faq.json\n"
    '  emh build my-faq.txt -o my.json && emh --data my.json ask "..."',
)
def build(
    sources: Annotated[
        list[Path],
        typer.Argument(
            metavar="SOURCE...", help="Source documents (UTF-8 text).", show_default=False
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", metavar="PATH", help="Where to write the store.", show_default=False
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
) -> None:
    from emh_cli.build import build as build_store
    from emh_cli.build import check_output, lexicon_folder, read_sources, write_atomic
    from emh_cli.index import prime_cache
    from emh_cli.vocabulary import read_vocabulary

    read = read_sources(sources)
    check_output(output, sources, force=force)
    folder = lexicon if lexicon is not None else lexicon_folder(sources)
    vocabulary = read_vocabulary(folder) if folder is not None else {}
    result = build_store(read, vocabulary)
    analyzer = result.analyzer
    assert analyzer is not None
    write_atomic(output, result.serialize())
    if not quiet:
        from emh_cli.output import sanitize

        for d in result.diagnostics:
            sys.stderr.write(sanitize(str(d)) + "\n")
    prime_cache(output, result, analyzer)
    from emh_cli.plural import plural

    answered = sum(1 for e in result.entries if e.answered)
    sys.stderr.write(
        f"emh: wrote {output}: {plural(len(result.entries), 'entry', 'entries')} "
        f"({answered} answered, {len(result.entries) - answered} unanswered) "
        f"from {plural(len(result.documents), 'document')}\n"
    )


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

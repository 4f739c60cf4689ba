"""`emh` in a real terminal (pexpect, a pseudo-terminal) and the prompt session.

The pexpect tests run the installed `emh` script as a user would: colour in a
terminal, none with NO_COLOR, highlighted terms, and the interactive prompt
(ask, commands, Ctrl-C, Ctrl-D, history).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from support import emh_script, modules_loaded_by

from emh_cli import interactive
from emh_cli.index import open_index
from emh_cli.output import Output
from emh_cli.store import bundled_store_path

pexpect = pytest.importorskip("pexpect")

PROMPT = "emh> "
CITATION = "000_717d4dda9e782864.txt:13"
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def term_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "EMH_DATA", "EMH_DEBUG")
    }
    env.update(
        TERM="xterm-256color",
        EMH_CACHE_DIR=str(tmp_path / "cache"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        HOME=str(tmp_path / "home"),
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


def spawn(tmp_path: Path, *args: str, **env: str) -> Any:
    return pexpect.spawn(
        emh_script(),
        list(args),
        env=term_env(tmp_path, **env),
        dimensions=(40, 100),
        encoding="utf-8",
        codec_errors="replace",
        timeout=20,
    )


def run_to_end(child: Any) -> tuple[str, int]:
    child.expect(pexpect.EOF)
    text = child.before
    child.close()
    return text, child.exitstatus


def colour_codes(text: str) -> list[str]:
    """SGR parameters that set a colour (foreground, background, 256 or true colour)."""
    found = []
    for m in SGR.finditer(text):
        for p in m.group(1).split(";"):
            if p and (30 <= int(p) <= 38 or 40 <= int(p) <= 48 or 90 <= int(p) <= 107):
                found.append(m.group(0))
                break
    return found


# -- one-shot commands in a terminal -------------------------------------------


def test_terminal_output_has_colour(tmp_path: Path) -> None:
    text, status = run_to_end(spawn(tmp_path, "ask", "how is it treated"))
    assert status == 0
    assert colour_codes(text), text
    assert CITATION in text


def test_no_color_means_no_colour_codes(tmp_path: Path) -> None:
    text, status = run_to_end(spawn(tmp_path, "ask", "how is it treated", NO_COLOR="1"))
    assert status == 0
    assert CITATION in text
    assert colour_codes(text) == []
    assert "38;5" not in text and "38;2" not in text


def test_query_terms_are_highlighted(tmp_path: Path) -> None:
    text, status = run_to_end(spawn(tmp_path, "ask", "radiotherapy"))
    assert status == 0
    assert re.search(r"\x1b\[[0-9;]*m(?i:radiotherapy)", text), text


# -- the prompt ---------------------------------------------------------------


def test_prompt_round_trip(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.expect_exact(PROMPT)
    child.sendline("how is it treated")
    child.expect("treated")
    child.expect_exact(CITATION)
    child.expect_exact(PROMPT)
    child.sendline(":q")
    _, status = run_to_end(child)
    assert status == 0
    history = tmp_path / "state" / "emh" / "history"
    assert history.read_text().splitlines() == ["how is it treated"]
    assert history.stat().st_mode & 0o077 == 0


def test_prompt_commands_ctrl_c_and_ctrl_d(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.expect_exact(PROMPT)
    child.send("a half typed question")
    child.expect_exact("a half typed question")
    # CPython's readline notices Ctrl-C only while it waits for a key: let it get there.
    time.sleep(0.3)
    child.sendintr()  # Ctrl-C drops the line, the program goes on
    child.expect_exact(PROMPT)
    child.sendline(":show 4")
    child.expect("treated")
    child.expect_exact(PROMPT)
    child.sendline(":show 999")
    child.expect("no entry with id '999'")
    child.expect_exact(PROMPT)
    child.sendline(":nonsense")
    child.expect("unknown command")
    child.expect_exact(PROMPT)
    child.sendline(":topics")
    child.expect("thalassemia")
    child.expect_exact(PROMPT)
    child.sendline(":help")
    child.expect(":show ID")
    child.expect_exact(PROMPT)
    child.sendeof()  # Ctrl-D leaves
    _, status = run_to_end(child)
    assert status == 0
    assert "a half typed question" not in (tmp_path / "state" / "emh" / "history").read_text()


def test_a_dumb_terminal_gets_a_plain_prompt(tmp_path: Path) -> None:
    """TERM=dumb (an editor's shell buffer): the prompt without readline or escape codes."""
    child = spawn(tmp_path, TERM="dumb")
    child.expect_exact(PROMPT)
    assert child.before.startswith("Ask a question, or :help for commands.")
    child.sendline("how is it treated")
    child.expect_exact(PROMPT)
    shown = child.before
    assert "1. How is extramedullary hematopoiesis treated?" in shown
    assert "\x1b" not in shown
    child.sendline(":quit")
    text, status = run_to_end(child)
    assert status == 0 and "\x1b" not in text
    assert not (tmp_path / "state" / "emh" / "history").exists()  # no readline, no history


def test_prompt_closest_questions(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.expect_exact(PROMPT)
    child.sendline("how is tuberculosis treated")
    child.expect("no confident answer")
    child.expect("Closest questions in the store:")
    child.expect(r"\[\d+(, \d+)*\] ")
    child.expect(r"Read one with: :show \d+")
    child.expect_exact(PROMPT)
    child.sendline(":quit")
    assert run_to_end(child)[1] == 0


def test_prompt_tab_completes_commands_and_topics(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.expect_exact(PROMPT)
    child.send(":li\tthal\t\r")
    child.expect_exact(":list thalassemia")
    child.expect_exact("occur in thala")
    child.expect_exact(PROMPT)
    child.sendline(":q")
    assert run_to_end(child)[1] == 0


def test_prompt_survives_an_unusable_history_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    child = spawn(tmp_path, XDG_STATE_HOME=str(blocker))
    child.expect_exact(PROMPT)
    child.sendline("how is it treated")
    child.expect_exact(CITATION)
    child.sendline(":q")
    assert run_to_end(child)[1] == 0


def test_prompt_with_a_missing_store_fails_once(tmp_path: Path) -> None:
    text, status = run_to_end(spawn(tmp_path, "--data", str(tmp_path / "missing.json")))
    assert status == 2
    assert "store not found" in text
    assert "Traceback" not in text


def test_no_terminal_prints_help(tmp_path: Path) -> None:
    env = term_env(tmp_path)
    done = subprocess.run(
        [emh_script()],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert done.returncode == 0
    assert "Usage:" in done.stdout
    assert "\x1b[" not in done.stdout
    assert not (tmp_path / "state").exists()


def test_piped_questions_without_a_command_point_at_batch(tmp_path: Path) -> None:
    """`echo "is it cancer" | emh` does not print the help and succeed."""
    done = subprocess.run(
        [emh_script()],
        input="is it cancer\n",
        capture_output=True,
        text=True,
        env=term_env(tmp_path),
        timeout=30,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "emh: no command given; to answer questions read from stdin, use: emh ask --batch\n"
    )


def test_lazy_imports() -> None:
    watched = ("readline", "rich", "rapidfuzz", "emh_cli.index")
    assert modules_loaded_by("emh_cli.interactive, emh_cli.cli", watched) == []


# -- the session, without a terminal -----------------------------------------


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> interactive.Session:
    monkeypatch.setenv("EMH_CACHE_DIR", str(tmp_path / "cache"))
    index = open_index(bundled_store_path())
    out = Output(out=io.StringIO(), err=io.StringIO(), force_terminal=False)
    return interactive.Session(index, out)


def _texts(s: interactive.Session) -> tuple[str, str]:
    assert isinstance(s.out.out, io.StringIO) and isinstance(s.out.err, io.StringIO)
    return s.out.out.getvalue(), s.out.err.getvalue()


def test_session_answers_like_ask(session: interactive.Session) -> None:
    assert session.handle("how is it treated") is True
    out, err = _texts(session)
    assert CITATION in out
    assert err == ""


def test_session_commands(session: interactive.Session) -> None:
    for line in (":help", ":list thalassaemia", ":topics", ":sources", ":show 4", "", "   "):
        assert session.handle(line) is True
    out, err = _texts(session)
    assert ":show ID" in out
    assert "occur in thalassemia" in out
    assert "004_df62d6605becf123.txt" in out
    assert "[4] How is extramedullary hematopoiesis treated?" in out
    # :sources says on stderr, in plain output, why its counts add up to 27
    assert err == (
        "emh: 24 entries in all: 3 are cited by both documents (merged) and counted under each.\n"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("list", "24\tWhat causes extramedullary hematopoiesis in thalassemia?"),
        ("Topics", "thalassemia"),
        ("sources", "004_df62d6605becf123.txt"),
        ("show 4", "[4] How is extramedullary hematopoiesis treated?"),
        ("show 04", "[4] How is extramedullary hematopoiesis treated?"),
        ("list thalassemia", "24\tWhat causes extramedullary hematopoiesis in thalassemia?"),
        ("list Thalassaemia", "24\tWhat causes extramedullary hematopoiesis in thalassemia?"),
    ],
)
def test_session_commands_without_a_colon(
    session: interactive.Session, line: str, expected: str
) -> None:
    assert session.bare_command(line) is not None
    assert session.handle(line) is True
    out, _ = _texts(session)
    assert expected in out
    assert "score" not in out  # not answered as a question


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("show 99", "emh: no entry with id '99' (ids run from 1 to 24)"),
        ("show", "emh: usage: :show ID (ids are in :list)"),
    ],
)
def test_session_show_without_a_colon_says_what_is_wrong(
    session: interactive.Session, line: str, message: str
) -> None:
    assert session.bare_command(line) is not None
    assert session.handle(line) is True
    out, err = _texts(session)
    assert out == "" and message in err


@pytest.mark.parametrize(
    "line", ["show me the treatment", "list the causes", "topics of emh", "list what it is"]
)
def test_session_questions_that_start_with_a_command_word(
    session: interactive.Session, line: str
) -> None:
    assert session.bare_command(line) is None


@pytest.mark.parametrize("line", [":q", ":quit", ":QUIT", "exit", "  quit  ", "q", "Q"])
def test_session_quit(session: interactive.Session, line: str) -> None:
    assert session.handle(line) is False


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (":show", "usage: :show ID"),
        (":show nope", "no entry with id 'nope'"),
        (":show \udce9", "no entry with id"),
        (":list nosuchtopic", "unknown topic"),
        (":frobnicate", "unknown command ':frobnicate'"),
    ],
)
def test_session_errors_are_one_line(session: interactive.Session, line: str, message: str) -> None:
    assert session.handle(line) is True
    _, err = _texts(session)
    assert err.startswith("emh: ") and message in err
    assert err.count("\n") == 1


def test_the_help_example_is_a_question_of_the_store(tmp_path: Path) -> None:
    bundled = bundled_store_path()
    assert interactive._example(open_index(bundled), bundled) == "how is it treated"
    store = tmp_path / "bike.json"
    src = tmp_path / "bike.txt"
    src.write_text("Untitled?\n\nHow do I fix a flat tyre?\nPatch the tube.\n", encoding="utf-8")
    from emh_cli.build import build, read_sources

    store.write_bytes(build(read_sources([src])).serialize())
    assert interactive._example(open_index(store), store) == "How do I fix a flat tyre?"


def test_session_closest_questions(session: interactive.Session) -> None:
    session.handle("how is tuberculosis treated")
    _, err = _texts(session)
    assert "Closest questions in the store:" in err
    assert re.search(r"^  \[\d+(, \d+)*\] ", err, re.M)
    assert re.search(r"^Read one with: :show \d+$", err, re.M)
    assert "threshold" not in err


def test_session_says_when_no_question_is_near(session: interactive.Session) -> None:
    session.handle("xyzzy plugh")
    _, err = _texts(session)
    assert err == (
        "emh: no confident answer for 'xyzzy plugh'\n"
        "No question in the store is near it. What the store covers: :topics\n"
    )


def test_session_internal_error_keeps_going(
    session: interactive.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr("emh_cli.rank.ask", boom)
    assert session.handle("how is it treated") is True
    _, err = _texts(session)
    assert "internal error: RuntimeError: kaput" in err


def test_session_completions(session: interactive.Session) -> None:
    assert session.completions(":sh") == [":show "]
    assert session.completions(":li") == [":list "]
    assert ":show 1" in session.completions(":show 1")
    assert ":show 10" in session.completions(":show 1")
    assert session.completions(":list thal") == [":list thalassemia"]
    assert session.completions("how is") == []
    # the commands that work without ':' complete without it too
    assert session.completions("li") == ["list "]
    assert session.completions("sh") == ["show "]
    assert session.completions("list thal") == ["list thalassemia"]
    assert session.completions("he") == session.completions("") == []  # help needs its ':'
    assert session.completions("show ")[:3] == ["show 1", "show 2", "show 3"]  # number order
    assert session.completions(":topics x") == []


@pytest.mark.parametrize("line", ["help", "?", "HELP", " help ", ":help", ":?"])
def test_session_help_words(session: interactive.Session, line: str) -> None:
    assert session.handle(line) is True
    out, err = _texts(session)
    assert ":show ID" in out and ":sources" in out
    assert err == ""


@pytest.mark.parametrize("width", [30, 40, 60, 80, 120])
def test_help_text_fits_and_wraps_at_spaces(width: int) -> None:
    text = interactive.help_text(width)
    assert all(len(line) <= width for line in text.splitlines()), text
    assert text.split() == interactive.help_text(500).split()  # no word broken


def test_session_completion_ignores_case(session: interactive.Session) -> None:
    assert session.completions(":list Thal") == [":list thalassemia"]
    assert session.completions(":list THAL") == [":list thalassemia"]
    assert session.completions(":LI") == [":list "]


def test_history_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert interactive.history_path() == tmp_path / "emh" / "history"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert interactive.history_path() == tmp_path / "home" / ".local" / "state" / "emh" / "history"


def test_run_loop_without_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """run() with scripted input: Ctrl-C at the prompt is survived, Ctrl-D ends with 0."""
    monkeypatch.setenv("EMH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    lines: list[object] = ["how is it treated", KeyboardInterrupt(), ":show 4", EOFError()]

    def read(prompt: str) -> str:
        item = lines.pop(0)
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, str)
        return item

    assert interactive.run(bundled_store_path(), read=read) == 0
    out = capsys.readouterr().out
    assert CITATION in out
    assert "^C\n" in out  # the dropped line is marked, not left looking submitted
    assert "[4] How is extramedullary hematopoiesis treated?" in out
    assert not lines


def test_history_is_capped_and_private(tmp_path: Path) -> None:
    readline = pytest.importorskip("readline")
    path = tmp_path / "state" / "emh" / "history"
    path.parent.mkdir(parents=True)
    path.write_text("".join(f"question {i}\n" for i in range(interactive.HISTORY_LENGTH + 500)))
    readline.clear_history()
    try:
        interactive._load_history(readline, path)
        readline.add_history("the newest question")
        interactive._save_history(readline, path)
    finally:
        readline.clear_history()
    lines = path.read_text().splitlines()
    assert len(lines) == interactive.HISTORY_LENGTH
    assert lines[-1] == "the newest question"
    assert path.stat().st_mode & 0o777 == 0o600


def test_history_failures_are_quiet(tmp_path: Path) -> None:
    readline = pytest.importorskip("readline")
    blocker = tmp_path / "file"
    blocker.write_text("")
    interactive._load_history(readline, blocker / "emh" / "history")
    interactive._save_history(readline, blocker / "emh" / "history")
    interactive._save_history(readline, None)


def test_ctrl_c_while_answering_returns_to_the_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EMH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("emh_cli.rank.ask", interrupted)
    lines = ["a slow question", ":show 4", ":q"]
    assert interactive.run(bundled_store_path(), read=lambda _: lines.pop(0)) == 0
    assert "[4] How is extramedullary hematopoiesis treated?" in capsys.readouterr().out
    assert not lines

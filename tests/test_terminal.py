"""emh in a real pseudo-terminal at 60, 80 and 120 columns, with LESS and
PAGER unset, as a new user first meets it: the list (pager, questions whole,
short citations, --source), results with their flags, and the prompt's help.

No timing assertions: every wait is for text to appear.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from support import emh_script, run_emh, squash, strip_ansi

from emh_cli.interactive import help_text

pexpect = pytest.importorskip("pexpect")

from test_interactive import PROMPT, colour_codes, run_to_end, term_env  # noqa: E402

SIZES = [(20, 60), (24, 80), (40, 120)]  # (rows, columns)


def spawn_at(tmp_path: Path, size: tuple[int, int], *args: str, **env: str) -> Any:
    full = term_env(tmp_path, **env)
    for name in ("LESS", "PAGER", "MANPAGER", "LV"):
        if name not in env:
            full.pop(name, None)
    return pexpect.spawn(
        emh_script(),
        list(args),
        env=full,
        dimensions=size,
        encoding="utf-8",
        codec_errors="replace",
        timeout=30,
    )


def store_json(*args: str) -> Any:
    r = run_emh([*args, "--json"])
    return json.loads(r.stdout)


def table_rows(text: str) -> list[list[str]]:
    """The cells of each row of a rich table (a row may span several lines)."""
    rows: list[list[str]] = []
    for line in strip_ansi(text).splitlines():
        line = line.rstrip()
        if not (line.startswith("│") and line.endswith("│")):
            continue
        cells = [c.strip() for c in line[1:-1].split("│")]
        if cells[0] or not rows:
            rows.append(cells)
        else:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return rows


def wide_lines(text: str, width: int) -> list[str]:
    return [line for line in strip_ansi(text).splitlines() if len(line) > width]


# -- the list -------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("less") is None, reason="less is not installed")
@pytest.mark.parametrize("size", [(24, 80), (20, 60)])
def test_list_pages_with_less_showing_colour_not_escape_codes(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    child = spawn_at(tmp_path, size, "list")
    child.expect_exact("question")
    child.expect(r"│\s+1 │")
    child.send("q")
    text, status = run_to_end(child)
    assert status == 0
    assert "ESC[" not in text  # what less shows for escape codes it was not told to pass
    assert colour_codes(text)  # ...but with LESS=FRX it passes them as colour


def test_pager_gets_less_frx_and_plain_text_when_it_is_not_less(tmp_path: Path) -> None:
    pager = f"printenv LESS > {tmp_path}/less; cat > {tmp_path}/paged"
    child = spawn_at(tmp_path, (24, 80), "list", PAGER=pager)
    _, status = run_to_end(child)
    assert status == 0
    assert (tmp_path / "less").read_text() == "FRX\n"
    paged = (tmp_path / "paged").read_text(encoding="utf-8")
    assert "\x1b" not in paged  # `more` would count escape codes as text and break rows
    assert "│  1 │ How is extramedullary hematopoiesis" in paged
    assert not wide_lines(paged, 80)


def test_a_set_less_is_left_alone(tmp_path: Path) -> None:
    pager = f"printenv LESS > {tmp_path}/less; cat > /dev/null"
    _, status = run_to_end(spawn_at(tmp_path, (24, 80), "list", PAGER=pager, LESS="-i"))
    assert status == 0
    assert (tmp_path / "less").read_text() == "-i\n"


def test_what_fits_the_screen_is_not_paged(tmp_path: Path) -> None:
    pager = f"touch {tmp_path}/paged; cat"
    text, status = run_to_end(spawn_at(tmp_path, (40, 120), "list", "-t", "thal", PAGER=pager))
    assert status == 0
    assert not (tmp_path / "paged").exists()
    assert "thalassemia" in text


@pytest.mark.parametrize("size", SIZES)
def test_list_shows_every_question_whole(tmp_path: Path, size: tuple[int, int]) -> None:
    text, status = run_to_end(spawn_at(tmp_path, size, "list", "--no-pager"))
    assert status == 0
    assert not wide_lines(text, size[1])
    assert "…" not in text
    rows = table_rows(text)
    entries = store_json("list")
    assert [r[0] for r in rows] == [e["id"] for e in entries]
    for row, e in zip(rows, entries, strict=True):
        expected = e["question"] + ("" if e["answer"] is not None else " (unanswered)")
        assert squash(row[1]) == squash(expected)
        # short citations: the document's unique prefix and the line
        assert row[-1].split() == [f"{c['document'][:3]}:{c['line']}" for c in e["sources"]]


@pytest.mark.parametrize("size", SIZES)
def test_list_by_source_shows_that_sources_wording(tmp_path: Path, size: tuple[int, int]) -> None:
    text, status = run_to_end(spawn_at(tmp_path, size, "list", "--source", "004", "--no-pager"))
    assert status == 0
    rows = table_rows(text)
    assert len(rows) == 11
    assert all(c.startswith("004:") for r in rows for c in r[-1].split()), rows
    first = rows[0]
    assert first[0] == "1"
    assert squash(first[1]) == "How do you test for extramedullary hematopoiesis?"
    assert first[-1] == "004:5"


def test_list_by_topic_at_80_shows_the_topic(tmp_path: Path) -> None:
    text, _ = run_to_end(spawn_at(tmp_path, (24, 80), "list", "--topic", "thalassemia"))
    rows = table_rows(text)
    assert rows and all("thalassemia" in r[2] for r in rows)


# -- results ----------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("full", [False, True])
def test_every_off_topic_result_carries_its_marker(
    tmp_path: Path, size: tuple[int, int], full: bool
) -> None:
    args = ["ask", "mediastinal mass", *(["--full"] if full else [])]
    results = store_json(*args)["results"]
    off = [r for r in results if "off_topic" in r["flags"]]
    assert len(off) >= 2
    text, status = run_to_end(spawn_at(tmp_path, size, *args))
    assert status == 0
    plain = strip_ansi(text)
    assert plain.count("⚠ off-topic") == len(off)
    assert "EMH" not in plain.replace("for EMH", "")  # the marker names no subject
    assert not wide_lines(text, size[1])
    for r in results:
        assert squash(r["question"]) in squash(plain.replace("│", " "))


@pytest.mark.parametrize("size", SIZES)
def test_compact_results_cite_briefly_and_whole(tmp_path: Path, size: tuple[int, int]) -> None:
    text, _ = run_to_end(spawn_at(tmp_path, size, "ask", "mediastinal mass"))
    plain = strip_ansi(text)
    assert re.search(r"^   .*· id 22 · 004:19 · ⚠ off-topic", plain, re.M) or re.search(
        r"malignant\?  score [\d.]+ · id 22 · 004:19 · ⚠ off-topic", plain
    ), plain


def test_refusal_in_a_terminal(tmp_path: Path) -> None:
    text, status = run_to_end(spawn_at(tmp_path, (24, 60), "ask", "how is tuberculosis treated"))
    assert status == 1
    plain = strip_ansi(text)
    assert "Did you mean" not in plain
    assert "threshold" not in plain
    assert "Closest questions in the store:" in plain
    assert plain.count("How is extramedullary hematopoiesis treated?") == 1
    assert re.search(r"\[(?:4, 20|20, 4)\] How is extramedullary", plain)
    assert re.search(r"Read one with: emh show (4|20)\r?\n", plain)
    assert not wide_lines(text, 60)


# -- the prompt -------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("word", ["help", "?", ":help"])
def test_help_at_the_prompt_lists_the_commands(
    tmp_path: Path, size: tuple[int, int], word: str
) -> None:
    child = spawn_at(tmp_path, size)
    child.expect_exact(PROMPT)
    child.sendline(word)
    child.expect_exact("line.")  # the end of the help, however it is folded
    shown = strip_ansi(child.before + child.after)
    child.expect_exact(PROMPT)
    child.sendline("q")
    _, status = run_to_end(child)
    assert status == 0
    assert "nothing to search for" not in shown
    for command in (":list", ":topics", ":sources", ":show ID", ":q"):
        assert command in shown
    assert not wide_lines(shown, size[1])
    words = set(shown.split())
    assert set(help_text(200).split()) <= words  # no word broken across lines


def test_ctrl_c_on_a_half_typed_line_shows_it(tmp_path: Path) -> None:
    child = spawn_at(tmp_path, (24, 80))
    child.expect_exact(PROMPT)
    child.send("a half typed question")
    child.expect_exact("a half typed question")
    time.sleep(0.3)  # readline notices Ctrl-C only while it waits for a key (not a timing check)
    child.sendintr()
    child.expect_exact("^C\r\n" + PROMPT)
    child.sendline(":q")
    assert run_to_end(child)[1] == 0


def test_tab_completion_ignores_case(tmp_path: Path) -> None:
    child = spawn_at(tmp_path, (24, 80))
    child.expect_exact(PROMPT)
    child.send(":list Thal\t")
    child.expect_exact("thalassemia")
    child.send("\r")
    child.expect_exact("000:33")  # entry 9, of topic thalassemia
    child.expect_exact(PROMPT)
    child.sendline(":q")
    assert run_to_end(child)[1] == 0


@pytest.mark.parametrize("size", [(20, 60), (24, 80)])
def test_error_lists_wrap_at_spaces(tmp_path: Path, size: tuple[int, int]) -> None:
    text, status = run_to_end(spawn_at(tmp_path, size, "list", "--topic", "nosuchtopic"))
    assert status == 2
    plain = strip_ansi(text)
    assert not wide_lines(plain, size[1])
    assert "known topics:" in squash(plain)
    lines = plain.strip().splitlines()
    assert len(lines) > 1 and all(line.startswith("     ") for line in lines[1:])
    for topic in ("thalassemia", "mediastinum", "myelofibrosis"):
        assert topic in plain.split() or f"{topic}," in plain.split()


def test_build_summary_wraps_at_spaces_in_a_terminal(tmp_path: Path) -> None:
    doc = tmp_path / "faq.txt"
    doc.write_text("What is a spleen?\nAn organ.\n", encoding="utf-8")
    out = tmp_path / "a-rather-long-store-name-for-sixty-columns.json"
    text, status = run_to_end(spawn_at(tmp_path, (20, 60), "build", str(doc), "-o", str(out)))
    assert status == 0
    plain = strip_ansi(text)
    assert not wide_lines(plain, 60)
    lines = plain.strip().splitlines()
    assert len(lines) > 1 and all(line.startswith("     ") for line in lines[1:])
    expected = f"emh: wrote {out}: 1 entry (1 answered, 0 unanswered) from 1 document"
    assert "".join(plain.split()) == "".join(expected.split())  # the path is wider than 60


def test_build_warnings_wrap_at_spaces_in_a_terminal(tmp_path: Path) -> None:
    doc = tmp_path / "faq.txt"
    doc.write_text("What are the hours?\n\nNine to five.\n\nPRINTING AND COPYING\n", "utf-8")
    out = tmp_path / "s.json"
    text, status = run_to_end(spawn_at(tmp_path, (20, 60), "build", str(doc), "-o", str(out)))
    assert status == 0
    plain = strip_ansi(text)
    assert not wide_lines(plain, 60)
    warning = (
        "faq.txt:5: line looks like a section heading; kept as more of the answer to "
        "line 1 (emh has no headings: delete the line to leave it out)"
    )
    assert "".join(warning.split()) in "".join(plain.split())
    assert " lin\n" not in plain  # folded at spaces, not inside a word

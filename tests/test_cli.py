"""Every command through CliRunner, human and JSON, on the bundled store (issue 2)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke, StoreMaker
from support import DOC_A, DOC_B, FAQ, REAL_SOURCES, real_source_qas, squash
from typer.testing import Result

from emh_cli import __version__

TREATED = "How is extramedullary hematopoiesis treated?"
THAL = re.compile(r"thalass(?:a)?emi", re.IGNORECASE)


def ok_json(r: Result) -> Any:
    """JSON on stdout, nothing on stderr, exit 0."""
    assert r.exit_code == 0, (r.stdout, r.stderr)
    assert r.stderr == ""
    return json.loads(r.stdout)


# -- version, help ---------------------------------------------------------------


def test_version(cli: Invoke) -> None:
    r = cli("--version")
    assert (r.exit_code, r.stdout, r.stderr) == (0, f"emh {__version__}\n", "")


@pytest.mark.parametrize(
    "args", [[], ["--help"], ["-h"], ["ask", "--help"], ["list", "-h"], ["build", "--help"]]
)
def test_help(cli: Invoke, args: list[str]) -> None:
    r = cli(*args)
    assert r.exit_code == 0
    assert r.stdout.startswith("Usage: emh")
    assert "Exit status" in r.stdout
    assert r.stderr == ""


def test_unknown_command(cli: Invoke) -> None:
    r = cli("frobnicate")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == "emh: no such command 'frobnicate' (see 'emh --help')\n"


@pytest.mark.parametrize(
    ("typo", "meant"), [("aks", "ask"), ("lst", "list"), ("shwo", "show"), ("topic", "topics")]
)
def test_mistyped_command_suggests_once(cli: Invoke, typo: str, meant: str) -> None:
    r = cli(typo, "spleen")
    assert (r.exit_code, r.stdout) == (2, "")
    assert (
        r.stderr == f"emh: no such command {typo!r}; did you mean {meant!r}? (see 'emh --help')\n"
    )


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["is", "it", "cancer"], 'emh ask "is it cancer"'),
        (["how", "treated"], 'emh ask "how treated"'),  # not 'show': a question word first
        (["cancer", "spleen"], 'emh ask "cancer spleen"'),
        (["why", "does", "it", "cost", "$5"], "emh ask 'why does it cost $5'"),
        (["is", "it", "cancer", "--json"], 'emh ask "is it cancer"'),
        (["is it cancer"], 'emh ask "is it cancer"'),  # quoted, as the README writes questions
    ],
)
def test_a_question_without_ask_says_how_to_ask_it(cli: Invoke, args: list[str], hint: str) -> None:
    r = cli(*args)
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        f"emh: no such command {args[0]!r}; to ask a question: {hint} (see 'emh --help')\n"
    )


def test_mistyped_option_suggests_once(cli: Invoke) -> None:
    r = cli("ask", "spleen", "--ful")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        "emh: no such option '--ful'; did you mean '--full'? (see 'emh ask --help')\n"
    )


@pytest.mark.parametrize("args", [["help"], ["--help"]])
def test_help_command(cli: Invoke, args: list[str]) -> None:
    r = cli(*args)
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout.startswith("Usage: emh [OPTIONS] [COMMAND]")
    assert r.stdout == cli("--help").stdout
    assert "  help " in r.stdout  # listed among the commands


@pytest.mark.parametrize("width", [60, 80])
@pytest.mark.parametrize("command", ["", "ask", "list", "show", "topics", "sources", "build"])
def test_help_fits_the_terminal(command: str, width: int) -> None:
    """No help line runs past a 60- or 80-column terminal (where the terminal
    would break it mid-word), and no command's summary is cut with '...'."""
    from support import run_emh

    r = run_emh(["help", *([command] if command else [])], env={"COLUMNS": str(width)})
    assert r.returncode == 0
    lines = r.stdout.decode().splitlines()
    assert max(len(line) for line in lines) <= width, max(lines, key=len)
    commands = lines[lines.index("Commands:") :] if "Commands:" in lines else []
    assert not any(line.endswith("...") for line in commands)


def test_help_for_a_command(cli: Invoke) -> None:
    r = cli("help", "ask")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == cli("ask", "--help").stdout
    r = cli("help", "aks")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == "emh: no such command 'aks'; did you mean 'ask'? (see 'emh --help')\n"


@pytest.mark.parametrize("args", [["--version"], ["-V"], ["version"]])
def test_every_spelling_of_version(cli: Invoke, args: list[str]) -> None:
    r = cli(*args)
    assert (r.exit_code, r.stdout, r.stderr) == (0, f"emh {__version__}\n", "")


def test_arguments_are_described_in_help(cli: Invoke) -> None:
    for command, line in [
        ("ask", "[QUERY]...  The question, in any words"),
        ("list", "[TOPIC]  Only entries under this topic (the same as --topic)."),
        ("show", "ID  An id from `emh list`."),
        ("build", "SOURCE...  Source documents (UTF-8 text)."),
    ]:
        out = cli(command, "--help").stdout
        assert line in out, out
        assert "Positional arguments" not in out  # listed once


@pytest.mark.parametrize("command", ["ask", "list", "show", "topics", "sources"])
def test_json_help_describes_the_json(cli: Invoke, command: str) -> None:
    out = " ".join(cli(command, "--help").stdout.split())
    assert "README" not in out
    assert "--json Write " in out and "JSON" in out


@pytest.mark.parametrize("query", ["how is it treated in children", "zzqx"])
def test_ask_help_names_every_json_field(cli: Invoke, query: str) -> None:
    help_text = " ".join(cli("ask", "--help").stdout.split())
    fields = json.loads(cli("ask", query, "--json").stdout)
    assert [name for name in fields if name not in help_text] == []


# -- ask ---------------------------------------------------------------------------


def test_ask_treatment_json_has_both_documents_on_top(cli: Invoke) -> None:
    out = ok_json(cli("ask", "how is it treated", "--json"))
    assert isinstance(out, dict)
    top = out["results"][:2]
    assert [r["question"] for r in top] == [TREATED, TREATED]
    assert sorted(r["citations"] for r in top) == [[f"{DOC_A}:13"], [f"{DOC_B}:15"]]
    starts = sorted(r["answer"][:20] for r in top)
    assert starts == ["Transfusion therapy,", "Treatment of such ca"]
    assert out["query"] == "how is it treated"
    for r in out["results"]:
        assert set(r) >= {"id", "question", "questions", "answer", "sources", "citations", "score"}
        assert 0 <= r["score"] <= 100
        assert all(re.fullmatch(r".+\.txt:\d+", c) for c in r["citations"])


def test_ask_words_need_no_quotes(cli: Invoke) -> None:
    a = ok_json(cli("ask", "how", "is", "it", "treated", "--json"))
    b = ok_json(cli("ask", "how is it treated", "--json"))
    assert isinstance(a, dict) and isinstance(b, dict)
    assert a["results"] == b["results"]


def test_ask_human(cli: Invoke) -> None:
    r = cli("ask", "how is it treated")
    assert r.exit_code == 0 and r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[0] == f"1. {TREATED}"
    assert "Transfusion therapy, radiotherapy" in r.stdout
    assert f"   source: {DOC_A}:13" in lines
    assert any(line.startswith(f"2. {TREATED}") for line in lines)
    assert f"   source: {DOC_B}:15" in lines
    assert "\x1b" not in r.stdout


def test_ask_full_shows_every_answer(cli: Invoke) -> None:
    r = cli("ask", "how is it treated", "--full", "--limit", "2")
    assert r.exit_code == 0
    assert "Transfusion therapy" in r.stdout and "Treatment of such cases" in r.stdout
    assert r.stdout.count("source: ") == 2


def test_ask_limit(cli: Invoke) -> None:
    out = ok_json(cli("ask", "how is it treated", "--json", "-n", "1"))
    assert isinstance(out, dict) and len(out["results"]) == 1


def test_ask_explain(cli: Invoke) -> None:
    out = ok_json(cli("ask", "how is it treated", "--json", "--explain"))
    assert isinstance(out, dict)
    ex = out["explain"]
    assert set(ex) >= {"searched_for", "corrections", "terms", "results"}
    assert all("matched" in r for r in out["results"])
    r = cli("ask", "how is it treated", "--explain")
    assert r.exit_code == 0 and "searched for:" in r.stdout and "matched:" in r.stdout


def test_ask_british_spelling_is_corrected_and_shown(cli: Invoke) -> None:
    out = ok_json(cli("ask", "haematopoiesis in thalassaemia", "--json"))
    assert isinstance(out, dict)
    assert out["results"], out
    assert "thalassemia" in out["searched_for"]
    assert any(THAL.search(r["question"] + (r["answer"] or "")) for r in out["results"])


def test_ask_a_split_word_is_joined_and_shown(cli: Invoke) -> None:
    out = ok_json(cli("ask", "what causes a medi a stinum mass", "--json", "--explain"))
    assert isinstance(out, dict) and out["corrected"] is True
    assert {"from": "medi a stinum", "to": "mediastinum", "kind": "joined"} in out["explain"][
        "corrections"
    ]


def test_ask_no_confident_answer(cli: Invoke) -> None:
    r = cli("ask", "xylophone zebra")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr.startswith("emh: no confident answer for 'xylophone zebra'")
    r = cli("ask", "xylophone zebra", "--json")
    assert r.exit_code == 1
    out = json.loads(r.stdout)
    assert out["results"] == []
    assert isinstance(out["nearest"], list)


@pytest.mark.parametrize("query", ["zzqx", "asdfgh", "qwerty uiop"])
def test_a_query_like_no_question_gets_no_closest_questions(cli: Invoke, query: str) -> None:
    r = cli("ask", query)
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == (
        f"emh: no confident answer for '{query}'\n"
        "No question in the store is near it. What the store covers: emh topics\n"
    )
    out = json.loads(cli("ask", query, "--json").stdout)
    assert (out["results"], out["nearest"]) == ([], [])


def test_ask_min_score(cli: Invoke) -> None:
    out = ok_json(cli("ask", "how is it treated", "--json", "--min-score", "0"))
    assert isinstance(out, dict) and out["threshold"] == 0
    r = cli("ask", "how is it treated", "--json", "--min-score", "100.5")
    assert (r.exit_code, r.stdout) == (2, "")
    r = cli("ask", "how is it treated", "--json", "--min-score", "nan")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        "emh: invalid value for '--min-score': nan is not a number in the range 0<=x<=100 "
        "(see 'emh ask --help')\n"
    )


def test_ask_batch(cli: Invoke) -> None:
    r = cli("ask", "--batch", input="how is it treated\n\nspleen\n")
    assert r.exit_code == 0
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["query"] for row in rows] == ["how is it treated", "", "spleen"]
    assert rows[0]["results"][0]["question"] == TREATED
    assert rows[1] == {"query": "", "results": [], "error": "empty query"}
    r = cli("ask", "--batch", "extra words")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == "emh: --batch reads queries from stdin; give no QUERY\n"


# -- list ----------------------------------------------------------------------------


def test_list_json_has_every_entry(cli: Invoke) -> None:
    out = ok_json(cli("list", "--json"))
    assert isinstance(out, list)
    assert len(out) == 24
    assert sum(e["answer"] is not None for e in out) == 22
    assert [e["id"] for e in out] == [str(i) for i in range(1, 25)]
    assert out == [
        dict(e, citations=[f"{s['document']}:{s['line']}" for s in e["sources"]])
        for e in json.loads(FAQ.read_text())["entries"]
    ]


def test_list_human(cli: Invoke) -> None:
    r = cli("list")
    assert r.exit_code == 0 and r.stderr == ""
    lines = r.stdout.splitlines()
    assert len(lines) == 24
    cols = lines[0].split("\t")
    assert cols[0] == "1" and cols[1] == "How is extramedullary hematopoiesis diagnosed?"
    assert cols[3] == f"{DOC_A}:1, {DOC_B}:5"
    unanswered = [line for line in lines if "[unanswered]" in line]
    assert len(unanswered) == 2


def test_nothing_lost(cli: Invoke) -> None:
    """Every question line of both sources is in `emh list --json` with its
    document, line and text, and every answer paragraph word for word."""
    listed = ok_json(cli("list", "--json"))
    assert isinstance(listed, list)
    where = {(s["document"], s["line"]): (s["question"], e) for e in listed for s in e["sources"]}
    qas = real_source_qas()
    assert len(qas) == 27 == len(where)
    for qa in qas:
        question, entry = where[(qa.document, qa.line)]
        assert question == qa.question
        assert qa.question in entry["questions"]
        assert f"{qa.document}:{qa.line}" in entry["citations"]
        if qa.answer is None:
            assert entry["answer"] is None and "unanswered" in entry["flags"]
        else:
            assert entry["answer"] == qa.answer
    # and word for word against the raw files too
    raw = "\n".join(p.read_text(encoding="utf-8") for p in REAL_SOURCES)
    for e in listed:
        if e["answer"] is not None:
            assert e["answer"] in raw


def expected_thalassemia_ids() -> list[str]:
    entries = json.loads(FAQ.read_text())["entries"]
    return [e["id"] for e in entries if THAL.search(" ".join([*e["questions"], e["answer"] or ""]))]


@pytest.mark.parametrize(
    "spelling", ["thalassemia", "thalassaemia", "Thalassemia", "THALASSAEMIA", "thalassemias"]
)
def test_list_topic_thalassemia(cli: Invoke, spelling: str) -> None:
    out = ok_json(cli("list", "--topic", spelling, "--json"))
    assert isinstance(out, list)
    assert [e["id"] for e in out] == expected_thalassemia_ids()
    assert len(out) == 4


def test_list_topic_human(cli: Invoke) -> None:
    r = cli("list", "-t", "Thalassaemia")
    assert r.exit_code == 0
    assert [line.split("\t")[0] for line in r.stdout.splitlines()] == expected_thalassemia_ids()


def test_list_unknown_topic(cli: Invoke) -> None:
    r = cli("list", "--topic", "thalasemia")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr.startswith(
        "emh: unknown topic 'thalasemia' (nearest: thalassemia); known topics: "
    )
    assert "spleen" in r.stderr and "treatment" in r.stderr
    assert r.stderr.count("\n") == 1
    r = cli("list", "--topic", "zzz", "--json")
    assert (r.exit_code, r.stdout) == (2, "")


def test_list_source(cli: Invoke) -> None:
    out = ok_json(cli("list", "--source", DOC_B, "--json"))
    assert isinstance(out, list) and len(out) == 11
    assert all(DOC_B in {s["document"] for s in e["sources"]} for e in out)
    short = ok_json(cli("list", "-s", "004", "--json"))
    assert short == out
    r = cli("list", "--source", "nope.txt")
    assert r.exit_code == 2
    assert r.stderr == f"emh: unknown source 'nope.txt'; known sources: {DOC_A}, {DOC_B}\n"


def test_list_topic_and_source(cli: Invoke) -> None:
    out = ok_json(cli("list", "--topic", "thalassemia", "--source", DOC_A, "--json"))
    assert isinstance(out, list)
    assert [e["sources"][0]["document"] for e in out] == [DOC_A, DOC_A]


def test_list_nothing_matches(cli: Invoke, make_store: StoreMaker) -> None:
    store = make_store("What is the spleen?\nAn organ.\n")
    r = cli("--data", str(store), "list", "--topic", "liver")
    assert r.exit_code == 0 and r.stdout == ""
    assert r.stderr == "emh: no entries match\n"
    assert ok_json(cli("--data", str(store), "list", "--topic", "liver", "--json")) == []


# -- show -----------------------------------------------------------------------------


def test_show_json(cli: Invoke) -> None:
    out = ok_json(cli("show", "1", "--json"))
    assert isinstance(out, dict)
    assert out["questions"] == [
        "How is extramedullary hematopoiesis diagnosed?",
        "How do you test for extramedullary hematopoiesis?",
    ]
    assert out["citations"] == [f"{DOC_A}:1", f"{DOC_B}:5"]
    assert "merged" in out["flags"]


def test_show_human(cli: Invoke) -> None:
    r = cli("show", "1")
    assert r.exit_code == 0 and r.stderr == ""
    assert r.stdout.splitlines()[:2] == [
        "[1] How is extramedullary hematopoiesis diagnosed?",
        "  also asked as: How do you test for extramedullary hematopoiesis?",
    ]
    assert f"source: {DOC_A}:1  How is extramedullary hematopoiesis diagnosed?" in r.stdout
    assert f"source: {DOC_B}:5  How do you test for extramedullary hematopoiesis?" in r.stdout


def test_show_unanswered(cli: Invoke) -> None:
    r = cli("show", "10")
    assert r.exit_code == 0
    assert "(no answer in the source)" in r.stdout
    assert "flags: unanswered" in r.stdout
    out = ok_json(cli("show", "10", "--json"))
    assert isinstance(out, dict) and out["answer"] is None


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ("99", "emh: no entry with id '99' (ids run from 1 to 24); nearest: 24, 23, 22\n"),
        ("0", "emh: no entry with id '0' (ids run from 1 to 24); nearest: 1, 2, 3\n"),
    ],
)
def test_show_unknown_id(cli: Invoke, wanted: str, message: str) -> None:
    for extra in ([], ["--json"]):
        r = cli("show", wanted, *extra)
        assert (r.exit_code, r.stdout, r.stderr) == (2, "", message)


def test_show_reads_leading_zeros_as_the_number(cli: Invoke) -> None:
    r = cli("show", "02")
    assert r.exit_code == 0 and r.stderr == ""
    assert r.stdout.splitlines()[0] == "[2] What is extramedullary hematopoiesis?"
    out = ok_json(cli("show", " 0002 ", "--json"))
    assert isinstance(out, dict) and out["id"] == "2"
    r = cli("show", "00")  # zero is no entry: the message names what was typed
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr.startswith("emh: no entry with id '00' ")


def test_show_unknown_text_id(cli: Invoke) -> None:
    r = cli("show", "abc")
    assert (r.exit_code, r.stdout) == (2, "")
    # no id is like 'abc', so none is suggested
    assert r.stderr == "emh: no entry with id 'abc' (ids run from 1 to 24)\n"


def test_a_query_is_quoted_as_typed_in_a_refusal(cli: Invoke) -> None:
    r = cli("ask", "xyzzy \\ plugh's")
    assert r.exit_code == 1
    assert r.stderr.startswith('emh: no confident answer for "xyzzy \\ plugh\'s"\n')


def test_an_unlike_topic_gets_no_suggestion(cli: Invoke) -> None:
    r = cli("list", "--topic", "nosuchtopic")
    assert r.exit_code == 2
    assert r.stderr.startswith("emh: unknown topic 'nosuchtopic'; known topics: ")


def test_show_missing_argument(cli: Invoke) -> None:
    r = cli("show")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == "emh: missing argument 'ID' (see 'emh show --help')\n"


# -- topics, sources ------------------------------------------------------------------


def test_topics(cli: Invoke) -> None:
    out = ok_json(cli("topics", "--json"))
    assert isinstance(out, list)
    counts = {t["topic"]: t["entries"] for t in out}
    assert counts["thalassemia"] == len(expected_thalassemia_ids())
    assert [t["topic"] for t in out] == sorted(counts)
    r = cli("topics")
    assert r.exit_code == 0 and r.stderr == ""
    rows = [line.split() for line in r.stdout.splitlines()]
    assert {name: int(n) for name, n in rows} == counts


def test_sources(cli: Invoke) -> None:
    out = ok_json(cli("sources", "--json"))
    assert isinstance(out, list)
    assert [(d["document"], d["entries"], d["questions"]) for d in out] == [
        (DOC_A, 16, 16),
        (DOC_B, 11, 11),
    ]
    r = cli("sources")
    assert r.exit_code == 0
    assert [line.split() for line in r.stdout.splitlines()] == [[DOC_A, "16"], [DOC_B, "11"]]


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "how is it treated", "--json"],
        ["ask", "spleen", "--json", "--explain"],
        ["list", "--json"],
        ["list", "--topic", "thalassaemia", "--json"],
        ["show", "4", "--json"],
        ["topics", "--json"],
        ["sources", "--json"],
    ],
)
def test_json_success_leaves_stderr_empty(cli: Invoke, args: list[str]) -> None:
    ok_json(cli(*args))


# -- --data and EMH_DATA -------------------------------------------------------------


def test_data_option_and_env(cli: Invoke, make_store: StoreMaker) -> None:
    a = make_store("What is store A?\nThe first store.\n", doc_name="a.txt")
    b = make_store("What is store B?\nThe second store.\n", doc_name="b.txt")

    def questions(*args: str, env: dict[str, str] | None = None) -> list[str]:
        out = ok_json(cli(*args, "list", "--json", env=env))
        assert isinstance(out, list)
        return [e["question"] for e in out]

    assert questions("--data", str(a)) == ["What is store A?"]
    assert questions(env={"EMH_DATA": str(b)}) == ["What is store B?"]
    assert questions("--data", str(a), env={"EMH_DATA": str(b)}) == ["What is store A?"]
    assert len(questions()) == 24  # the bundled store
    out = ok_json(cli("--data", str(a), "ask", "store", "--json", "--min-score", "0"))
    assert isinstance(out, dict)
    assert out["results"][0]["citations"] == ["a.txt:1"]


def test_the_refusals_hint_names_the_store_it_was_asked_of(
    cli: Invoke, make_store: StoreMaker
) -> None:
    a = make_store("What is store A?\nThe first store.\n", doc_name="a.txt")
    r = cli("--data", str(a), "ask", "zebra crossing first")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1] == f"Read one with: emh --data {a} show 1"
    r = cli("--data", str(a), "ask", "zebra crossing")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1].endswith(f"What the store covers: emh --data {a} topics")
    r = cli("ask", "zebra crossing the marrow")
    assert r.stderr.splitlines()[-1].startswith("Read one with: emh show ")


def test_a_refusal_names_the_question_the_store_has_without_an_answer(
    cli: Invoke, make_store: StoreMaker
) -> None:
    store = make_store(
        "How do I install Quill?\nRun the installer.\n\nWhat does it cost?\n\n"
        "Who makes Quill?\nQuill Ltd.\n",
        doc_name="quill.txt",
    )
    r = cli("--data", str(store), "ask", "what does it cost")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[:2] == [
        "emh: no confident answer for 'what does it cost'",
        "The store has this question, but its source gives no answer: [2] What does it cost?",
    ]
    out = json.loads(cli("--data", str(store), "ask", "what does it cost", "--json").stdout)
    assert out["unanswered"] == [{"id": "2", "question": "What does it cost?"}]
    out = json.loads(cli("--data", str(store), "ask", "who sells it", "--json").stdout)
    assert out["unanswered"] == []


def test_the_empty_query_hint_fits_the_store(cli: Invoke, make_store: StoreMaker) -> None:
    store = make_store("How do I fix a flat tyre?\nPatch the tube.\n", doc_name="bike.txt")
    r = cli("--data", str(store), "ask", "  ")
    assert (r.exit_code, r.stderr) == (
        2,
        'emh: empty query: ask a question, e.g. emh ask "how do I start"\n',
    )


def test_an_empty_data_path_is_an_error_not_the_bundled_store(cli: Invoke) -> None:
    for args in (["--data", "", "ask", "how is it treated"], ["list", "--data", " "]):
        r = cli(*args)
        assert (r.exit_code, r.stdout, r.stderr) == (2, "", "emh: --data: the path is empty\n")
    assert len(ok_json(cli("list", "--json", env={"EMH_DATA": ""}))) == 24  # unset, as shells mean


# -- build -----------------------------------------------------------------------------


def test_build_cli(cli: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "faq.json"
    r = cli("build", *map(str, REAL_SOURCES), "--output", str(out))
    assert r.exit_code == 0 and r.stdout == ""
    err = r.stderr.splitlines()
    assert err[-1] == f"emh: wrote {out}: 24 entries (22 answered, 2 unanswered) from 2 documents"
    assert f"{DOC_A}:37: question has no answer; kept as unanswered" in err
    assert f"{DOC_A}:51: answer is cut off in the source (ends with '…'); flagged truncated" in err
    assert out.read_bytes() == FAQ.read_bytes()
    # quiet: only the summary
    r = cli("build", *map(str, REAL_SOURCES), "-o", str(out), "-q")
    assert r.stderr.splitlines() == err[-1:]


def test_build_warns_when_no_question_has_an_answer(cli: Invoke, tmp_path: Path) -> None:
    src, out = tmp_path / "q.txt", tmp_path / "q.json"
    src.write_text("What is A?\nWhat is B?\n", encoding="utf-8")
    r = cli("build", str(src), "-o", str(out), "-q")
    assert r.exit_code == 0
    assert r.stderr.splitlines() == [
        f"emh: wrote {out}: 2 entries (0 answered, 2 unanswered) from 1 document",
        "emh: warning: no question has an answer, so the store can answer nothing "
        "(an answer is the line or lines after its question)",
    ]


def test_build_to_stdout(cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = cli("build", *map(str, REAL_SOURCES), "-o", "-", "-q")
    assert r.exit_code == 0
    assert r.stdout_bytes == FAQ.read_bytes()
    assert r.stderr == (
        "emh: wrote the store to stdout: 24 entries (22 answered, 2 unanswered) from 2 documents\n"
    )
    assert list(tmp_path.iterdir()) == []  # no file named "-"
    r = cli("build", *map(str, REAL_SOURCES), "-o", "./-", "-q")  # a file named "-" is ./-
    assert r.exit_code == 0 and r.stdout == ""
    assert (tmp_path / "-").read_bytes() == FAQ.read_bytes()


def test_build_is_deterministic_across_argument_order(cli: Invoke, tmp_path: Path) -> None:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert cli("build", *map(str, REAL_SOURCES), "-o", str(one), "-q").exit_code == 0
    rev = list(reversed(REAL_SOURCES))
    assert cli("build", *map(str, rev), "-o", str(two), "-q").exit_code == 0
    assert one.read_bytes() == two.read_bytes()
    assert cli("build", *map(str, REAL_SOURCES), "-o", str(one), "-q").exit_code == 0
    assert one.read_bytes() == two.read_bytes()


def test_build_then_query(cli: Invoke, tmp_path: Path) -> None:
    src = tmp_path / "mine.txt"
    src.write_text("How big is the spleen?\nAbout 12 cm long.\n", encoding="utf-8")
    store = tmp_path / "mine.json"
    assert cli("build", str(src), "-o", str(store)).exit_code == 0
    out = ok_json(cli("--data", str(store), "ask", "spleen size", "--json", "--min-score", "0"))
    assert isinstance(out, dict)
    assert out["results"][0]["answer"] == "About 12 cm long."
    assert out["results"][0]["citations"] == ["mine.txt:1"]


def test_build_needs_output_and_sources(cli: Invoke, tmp_path: Path) -> None:
    r = cli("build", str(REAL_SOURCES[0]))
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == "emh: missing option '--output' / '-o' (see 'emh build --help')\n"
    r = cli("build", "-o", str(tmp_path / "x.json"))
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == "emh: missing argument 'SOURCE...' (see 'emh build --help')\n"


def test_merged_answer_text_is_one_of_its_sources() -> None:
    entries = json.loads(FAQ.read_text())["entries"]
    qas = {(q.document, q.line): q for q in real_source_qas()}
    for e in entries:
        for s in e["sources"]:
            qa = qas[(s["document"], s["line"])]
            if e["answer"] is not None:
                assert squash(e["answer"]) == squash(qa.answer or "")


# -- build never destroys a file it was not meant to replace ---------------------------

DOC = "Where do I park?\nIn the car park.\n"


def refused(r: Result, target: Path, before: bytes) -> str:
    """Exit 2, nothing on stdout, one line on stderr, the target byte-identical."""
    assert (r.exit_code, r.stdout) == (2, ""), r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    assert target.read_bytes() == before
    return r.stderr


@pytest.mark.parametrize("force", [[], ["--force"], ["-f"]])
def test_build_refuses_to_overwrite_its_source(
    cli: Invoke, tmp_path: Path, force: list[str]
) -> None:
    src = tmp_path / "my-faq.txt"
    src.write_text(DOC, encoding="utf-8")
    err = refused(cli("build", str(src), "-o", str(src), *force), src, DOC.encode())
    assert err == (
        f"emh: {src}: is a source of this build; refusing to overwrite it "
        f"(write the store elsewhere, e.g. -o {tmp_path / 'my-faq.json'})\n"
    )


def test_build_refuses_any_of_several_sources(cli: Invoke, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(DOC, encoding="utf-8")
    b.write_text("Is it free?\nYes.\n", encoding="utf-8")
    refused(cli("build", str(a), str(b), "-o", str(b)), b, b"Is it free?\nYes.\n")
    assert a.read_text(encoding="utf-8") == DOC


def test_build_refuses_a_source_spelled_otherwise(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sub").mkdir()
    src = tmp_path / "faq.txt"
    src.write_text(DOC, encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(src)
    os.link(src, tmp_path / "hard.txt")
    monkeypatch.chdir(tmp_path)
    for spelling in ["./faq.txt", "sub/../faq.txt", str(src), "link.txt", "hard.txt"]:
        err = refused(cli("build", "faq.txt", "-o", spelling), src, DOC.encode())
        assert err.startswith(f"emh: {Path(spelling)}: is a source of this build")
        if str(Path(spelling)) != "faq.txt":
            assert "(the same file as the source faq.txt)" in err
    # and the other way round: the source named through the link
    refused(cli("build", "link.txt", "-o", "faq.txt"), src, DOC.encode())
    assert (tmp_path / "link.txt").is_symlink()


@pytest.mark.parametrize(
    "content",
    [b"# My notes\n", b"", b'{"name": "package.json"}\n', b"[1, 2]\n", b"{not json", b"\xff\xfe"],
)
def test_build_refuses_an_existing_non_store_without_force(
    cli: Invoke, tmp_path: Path, content: bytes
) -> None:
    src = tmp_path / "faq.txt"
    src.write_text(DOC, encoding="utf-8")
    notes = tmp_path / "notes.md"
    notes.write_bytes(content)
    err = refused(cli("build", str(src), "-o", str(notes)), notes, content)
    assert err == (
        f"emh: {notes}: exists and is not an emh store; refusing to overwrite it "
        "(--force replaces it)\n"
    )
    r = cli("build", str(src), "-o", str(notes), "--force")
    assert (r.exit_code, r.stdout) == (0, "")
    assert json.loads(notes.read_bytes())["entries"][0]["question"] == "Where do I park?"


def test_build_replaces_an_existing_store_without_force(cli: Invoke, tmp_path: Path) -> None:
    src = tmp_path / "faq.txt"
    src.write_text(DOC, encoding="utf-8")
    out = tmp_path / "faq.json"
    assert cli("build", str(src), "-o", str(out)).exit_code == 0
    src.write_text("Is it free?\nYes.\n", encoding="utf-8")
    r = cli("build", str(src), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert json.loads(out.read_bytes())["entries"][0]["question"] == "Is it free?"
    # a store written by hand (any key order, another version) is a store too
    out.write_text('{"entries": [], "documents": [], "schema_version": 99}', encoding="utf-8")
    assert cli("build", str(src), "-o", str(out)).exit_code == 0
    assert json.loads(out.read_bytes())["schema_version"] == 1


def test_build_never_replaces_a_device(cli: Invoke, tmp_path: Path) -> None:
    src = tmp_path / "faq.txt"
    src.write_text(DOC, encoding="utf-8")
    for force in ([], ["--force"]):
        r = cli("build", str(src), "-o", os.devnull, *force)
        assert (r.exit_code, r.stdout) == (2, "")
        assert (
            r.stderr
            == f"emh: {os.devnull}: not a regular file; refusing to replace it with a store\n"
        )


def test_build_warns_about_slips_of_layout(cli: Invoke, tmp_path: Path) -> None:
    src = tmp_path / "park.txt"
    src.write_text(
        "Is it open?\n\nYes.\n\nWhere do I park? Use the car park.\n\n"
        "When is it open?\n\nIt opens at nine. Is it open on Sundays?\nYes, from ten.\n",
        encoding="utf-8",
    )
    r = cli("build", str(src), "-o", str(tmp_path / "park.json"))
    assert (r.exit_code, r.stdout) == (0, "")
    assert r.stderr.splitlines() == [
        "park.txt:5: question and answer on one line: the line does not end in '?', so it "
        "was read as more of the answer to line 1; put the answer on a line of its own",
        "park.txt:7: question has no answer; kept as unanswered",
        "park.txt:9: this line ends in '?', so it became a question with line 10 as its "
        "answer; it reads like part of the answer to line 7 (it begins with a statement)",
        f"emh: wrote {tmp_path / 'park.json'}: 3 entries (2 answered, 1 unanswered) "
        "from 1 document",
    ]


@pytest.mark.parametrize(
    ("docs", "summary"),
    [
        ({"a.txt": "Is it one?\nYes.\n"}, "1 entry (1 answered, 0 unanswered) from 1 document"),
        (
            {"a.txt": "Is it one?\nYes.\n", "b.txt": "Is it two?\n"},
            "2 entries (1 answered, 1 unanswered) from 2 documents",
        ),
    ],
)
def test_build_summary_counts_in_the_right_number(
    cli: Invoke, tmp_path: Path, docs: dict[str, str], summary: str
) -> None:
    for name, text in docs.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    out = tmp_path / "s.json"
    r = cli("build", *(str(tmp_path / n) for n in docs), "-o", str(out), "-q")
    assert (r.exit_code, r.stderr) == (0, f"emh: wrote {out}: {summary}\n")


def test_unknown_id_in_a_store_of_one(cli: Invoke, make_store: StoreMaker) -> None:
    store = make_store("Is it one?\nYes.\n")
    r = cli("--data", str(store), "show", "2")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == "emh: no entry with id '2' (the only id is 1); nearest: 1\n"


# -- the command line: list TOPIC, --data after the command --------------------------


@pytest.mark.parametrize("spelling", ["thalassemia", "Thalassaemia", "thal"])
def test_list_takes_a_topic_argument(cli: Invoke, spelling: str) -> None:
    out = ok_json(cli("list", spelling, "--json"))
    assert isinstance(out, list)
    assert [e["id"] for e in out] == expected_thalassemia_ids()
    assert ok_json(cli("list", spelling, "--topic", "thalassemia", "--json")) == out


def test_list_with_two_different_topics(cli: Invoke) -> None:
    r = cli("list", "thalassemia", "--topic", "spleen")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == (
        "emh: two topics: 'thalassemia' and --topic 'spleen'; give one (see 'emh list --help')\n"
    )
    r = cli("list", "nope")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr.startswith("emh: unknown topic 'nope'")


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "store", "--json", "--min-score", "0"],
        ["list", "--json"],
        ["show", "1", "--json"],
        ["topics", "--json"],
        ["sources", "--json"],
    ],
)
def test_data_after_the_command(cli: Invoke, make_store: StoreMaker, args: list[str]) -> None:
    a = make_store("What is store A?\nThe first store.\n", doc_name="a.txt")
    b = make_store("What is store B?\nThe second store.\n", doc_name="b.txt")
    before = ok_json(cli("--data", str(a), *args))
    assert ok_json(cli(*args, "--data", str(a))) == before
    assert ok_json(cli(args[0], "--data", str(a), *args[1:])) == before
    # given twice, the one after the command wins (the later one)
    assert ok_json(cli("--data", str(b), *args, "--data", str(a))) == before
    if args[0] != "topics":  # both stores have the same (empty) topics
        assert ok_json(cli(*args, "--data", str(b))) != before
        assert "a.txt" in json.dumps(before)


def test_data_after_build_or_help_is_accepted(cli: Invoke, tmp_path: Path) -> None:
    src = tmp_path / "faq.txt"
    src.write_text(DOC, encoding="utf-8")
    r = cli("build", str(src), "-o", str(tmp_path / "s.json"), "--data", "ignored.json")
    assert r.exit_code == 0, r.stderr
    assert cli("help", "--data", "x.json").exit_code == 0
    assert "--data PATH" not in cli("build", "--help").stdout  # accepted, not advertised


def test_build_refuses_a_lexicon_file(cli: Invoke, tmp_path: Path) -> None:
    """The vocabulary files a build reads are its sources too."""
    src = tmp_path / "faq.txt"
    src.write_text(DOC, encoding="utf-8")
    (tmp_path / "lexicon").mkdir()
    words = tmp_path / "lexicon" / "stopwords.txt"
    words.write_text("the\n", encoding="utf-8")
    err = refused(cli("build", str(src), "-o", str(words), "--force"), words, b"the\n")
    assert err.startswith(f"emh: {words}: is a source of this build")


def test_the_readme_examples_show_the_scores_emh_gives(cli: Invoke) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"id (\d+) · score ([\d.]+)", readme)
    assert shown, "the README shows example results"
    asked = {
        "20": ok_json(cli("ask", "how is it treated", "--json")),
        "4": ok_json(cli("ask", "how is it treated", "--json")),
        "2": ok_json(cli("ask", "emh in children", "--limit", "1", "--json")),
    }
    for entry_id, score in shown:
        out = asked[entry_id]
        assert isinstance(out, dict)
        scores = {r["id"]: r["score"] for r in out["results"]}
        assert scores[entry_id] == float(score), entry_id
    assert f'"score": {float(shown[-1][1])}' in readme  # the JSON example, too


def test_topics_of_a_store_without_topics_says_so(cli: Invoke, make_store: StoreMaker) -> None:
    bare = make_store("What is a zorb?\nA ball.\n", doc_name="z.txt", vocabulary={})
    r = cli("--data", str(bare), "topics")
    assert (r.exit_code, r.stdout, r.stderr) == (
        0,
        "",
        "emh: this store has no topics (README: topics.toml)\n",
    )
    assert ok_json(cli("--data", str(bare), "topics", "--json")) == []


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--json", "list"], "emh: '--json' goes after the command: emh list ... --json"),
        (["--json", "ask", "x"], "emh: '--json' goes after the command: emh ask ... --json"),
        (
            ["--limit", "2", "ask", "x"],
            "emh: '--limit' goes after the command: emh ask ... --limit",
        ),
    ],
)
def test_a_commands_option_before_the_command_says_where_it_goes(
    cli: Invoke, args: list[str], line: str
) -> None:
    r = cli(*args)
    name = line.split(": emh ")[1].split()[0]
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == f"{line} (see 'emh {name} --help')\n"


@pytest.mark.parametrize(("store_word", "corrected"), [("colour", False), ("color", True)])
def test_a_variant_the_store_writes_is_not_announced(
    cli: Invoke, make_store: StoreMaker, store_word: str, corrected: bool
) -> None:
    store = make_store(
        f"What {store_word} is the bike?\nRed, a {store_word} the rider chose.\n"
        "How do I fix a flat tyre?\nPatch the tube.\n",
        vocabulary={},
    )
    out = ok_json(cli("--data", str(store), "ask", "what colour is it", "--json"))
    assert isinstance(out, dict) and out["results"][0]["id"] == "1"
    assert out["corrected"] is corrected and out["searched_for"] == "color"
    r = cli("--data", str(store), "ask", "what colour is it")
    assert r.exit_code == 0 and ("Showing results for: color" in r.stdout) is corrected


@pytest.mark.parametrize("query", ["how r u", "?", "should I be worried"])
def test_json_of_a_query_with_nothing_to_search(cli: Invoke, query: str) -> None:
    # a question emh cannot answer (exit 1), not a usage error
    r = cli("ask", query, "--json")
    message = "nothing to search for: the query has no searchable words"
    assert (r.exit_code, r.stderr) == (1, f"emh: {message}\n")
    assert json.loads(r.stdout) == {"query": query, "results": [], "error": message}
    r = cli("ask", query)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"emh: {message}\n")

"""Unit tests of building a store: merging, flags, determinism, atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from support import DOC_A, DOC_B, FAQ, FIXTURES, REAL_SOURCES, bundled_vocabulary, real_source_qas

from emh_cli import build as build_mod
from emh_cli.build import BuildResult, assign_topics, build, read_sources, write_atomic
from emh_cli.errors import SourceError, StoreError
from emh_cli.learn import learn_topics
from emh_cli.model import Entry
from emh_cli.textnorm import LEXICON_DIR, Analyzer, load_lexicon, read_not_topics


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_lexicon(bundled_vocabulary()))


@pytest.fixture(scope="module")
def vocab() -> dict[str, Any]:
    return bundled_vocabulary()


@pytest.fixture(scope="module")
def real(vocab: dict[str, Any]) -> BuildResult:
    return build(read_sources(REAL_SOURCES), vocab)


def by_question(entries: tuple[Entry, ...], question: str) -> list[Entry]:
    return [e for e in entries if question in e.questions]


# -- the real sources -------------------------------------------------------------


def test_real_sources_give_22_answered_and_2_unanswered(real: BuildResult) -> None:
    assert len(real.entries) == 24
    assert sum(e.answered for e in real.entries) == 22
    unanswered = [e for e in real.entries if not e.answered]
    assert [e.question for e in unanswered] == [
        "What is extramedullary disease in all?",
        "Does extramedullary hematopoiesis cause splenomegaly?",
    ]
    assert all(e.flags[0] == "unanswered" and e.answer is None for e in unanswered)
    assert [e.id for e in real.entries] == [str(i) for i in range(1, 25)]


def test_same_answer_under_different_questions_is_one_entry(real: BuildResult) -> None:
    (diag,) = by_question(real.entries, "How is extramedullary hematopoiesis diagnosed?")
    assert diag.questions == (
        "How is extramedullary hematopoiesis diagnosed?",
        "How do you test for extramedullary hematopoiesis?",
    )
    assert [s.citation for s in diag.sources] == [f"{DOC_A}:1", f"{DOC_B}:5"]
    assert [s.answer_line for s in diag.sources] == [3, 7]
    assert "merged" in diag.flags

    (trig,) = by_question(real.entries, "What triggers extramedullary hematopoiesis?")
    assert trig.questions == (
        "What is responsible for extramedullary hematopoiesis?",
        "What triggers extramedullary hematopoiesis?",
    )
    assert [s.citation for s in trig.sources] == [f"{DOC_A}:9", f"{DOC_B}:12"]

    (what,) = by_question(real.entries, "What is extramedullary hematopoiesis?")
    assert what.questions == ("What is extramedullary hematopoiesis?",)
    assert [s.citation for s in what.sources] == [f"{DOC_A}:5", f"{DOC_B}:1"]
    assert sum("merged" in e.flags for e in real.entries) == 3


def test_same_question_with_different_answers_stays_separate(real: BuildResult) -> None:
    for q, cites in [
        ("How is extramedullary hematopoiesis treated?", [f"{DOC_A}:13", f"{DOC_B}:15"]),
        ("Is extramedullary hematopoiesis cancerous?", [f"{DOC_A}:25", f"{DOC_B}:10"]),
    ]:
        found = by_question(real.entries, q)
        assert len(found) == 2
        assert [e.sources[0].citation for e in found] == cites
        assert found[0].answer != found[1].answer
        assert all("merged" not in e.flags for e in found)
    msgs = [str(d) for d in real.diagnostics]
    assert (
        f"{DOC_B}:15: same question as {DOC_A}:13 with a different answer; kept as separate entries"
        in msgs
    )


def test_truncated_entry_is_flagged(real: BuildResult) -> None:
    cut = [e for e in real.entries if "truncated" in e.flags]
    assert [e.sources[0].citation for e in cut] == [f"{DOC_A}:49"]


def test_real_build_diagnostics(real: BuildResult) -> None:
    assert [str(d) for d in real.diagnostics] == [
        f"{DOC_A}:37: question has no answer; kept as unanswered",
        f"{DOC_A}:43: question has no answer; kept as unanswered",
        f"{DOC_A}:51: answer is cut off in the source (ends with '…'); flagged truncated",
        f"{DOC_B}:1: same answer as {DOC_A}:5; merged into entry 2",
        f"{DOC_B}:5: same answer as {DOC_A}:1; merged into entry 1",
        f"{DOC_B}:10: same question as {DOC_A}:25 with a different answer; kept as separate entries",
        f"{DOC_B}:12: same answer as {DOC_A}:9; merged into entry 3",
        f"{DOC_B}:15: same question as {DOC_A}:13 with a different answer; kept as separate entries",
    ]


def test_every_source_question_is_in_the_build(real: BuildResult) -> None:
    cited = {(s.document, s.line): (s.question, e) for e in real.entries for s in e.sources}
    qas = real_source_qas()
    assert len(qas) == 27
    for qa in qas:
        question, entry = cited[(qa.document, qa.line)]
        assert question == qa.question
        assert entry.answer == qa.answer


def test_documents_record_lines_questions_and_hash(real: BuildResult) -> None:
    import hashlib

    assert [d.name for d in real.documents] == [DOC_A, DOC_B]
    assert [d.questions for d in real.documents] == [16, 11]
    for d, p in zip(real.documents, REAL_SOURCES, strict=True):
        assert d.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
        assert d.lines == len(p.read_text(encoding="utf-8").rstrip("\n").split("\n"))


# -- merging rules on synthetic documents -------------------------------------------


def test_merge_fixtures(vocab: dict[str, Any]) -> None:
    res = build(read_sources([FIXTURES / "merge_a.txt", FIXTURES / "merge_b.txt"]), vocab)
    shared = [e for e in res.entries if e.answer == "Shared answer text."]
    assert len(shared) == 1
    (e,) = shared
    assert e.questions == (
        "What is the shared answer?",
        "What else gives the shared answer?",
        "How is the shared answer phrased elsewhere?",
    )
    assert [s.citation for s in e.sources] == [
        "merge_a.txt:1",
        "merge_a.txt:3",
        "merge_b.txt:1",
        "merge_b.txt:6",
    ]
    assert [s.question for s in e.sources][-1] == "What is the shared answer?"
    repeated = [e for e in res.entries if "Which question is repeated?" in e.questions]
    assert [r.answer for r in repeated] == [
        "First answer to the repeated question.",
        "Second, different answer to the repeated question.",
    ]
    assert len(res.entries) == 3


def _pairs(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"{q}\n\n{a}\n\n" for q, a in pairs)


@pytest.mark.parametrize(
    ("on_subject", "flagged"),
    [(7, False), (9, True)],  # of 12 entries: 58% does not flag, 75% does
)
def test_off_topic_only_where_most_entries_name_the_subject(
    tmp_path: Path, on_subject: int, flagged: bool
) -> None:
    text = _pairs(
        [(f"Does the library lend item {i}?", f"Yes, item {i} is lent.") for i in range(on_subject)]
        + [(f"How long is loan {i}?", f"Loan {i} lasts a week.") for i in range(12 - on_subject)]
    )
    (tmp_path / "faq.txt").write_text(text, encoding="utf-8")
    vocab = {"words": {"subject": "library"}}
    res = build(read_sources([tmp_path / "faq.txt"]), vocab)
    off = [e for e in res.entries if "off_topic" in e.flags]
    assert len(off) == (12 - on_subject if flagged else 0)
    learned = build(read_sources([tmp_path / "faq.txt"]))  # the subject is a guess
    assert "library" in learned.vocabulary["words"]["subject"]
    assert [e.id for e in learned.entries if "off_topic" in e.flags] == []


def test_the_text_before_the_first_question_teaches_abbreviations() -> None:
    doc = (
        b"# Quill\n\nQuill is a command line interface (CLI) for notes.\n\n"
        b"How do I install Quill?\nRun pip install quill.\n"
    )
    res = build([("faq.md", doc)])
    assert res.vocabulary["abbreviations"] == {"cli": "command line interface"}
    assert [e.question for e in res.entries] == ["How do I install Quill?"]


def test_unanswered_duplicates_are_not_merged(vocab: dict[str, Any]) -> None:
    res = build([("a.txt", b"Why?\n"), ("b.txt", b"Why?\nBecause.\nWhy?\n")], vocab)
    assert [(e.question, e.answer) for e in res.entries] == [
        ("Why?", None),
        ("Why?", "Because."),
        ("Why?", None),
    ]


def test_merge_of_truncated_answers_keeps_flag(vocab: dict[str, Any]) -> None:
    res = build([("a.txt", "One?\nCut …\nTwo?\nCut …\n".encode())], vocab)
    (e,) = res.entries
    assert set(e.flags) == {"truncated", "merged"}


def test_topics_are_assigned_from_any_spelling(analyzer: Analyzer) -> None:
    assert "thalassemia" in assign_topics(analyzer, ["Is it common in thalassaemia?"])
    assert "thalassemia" in assign_topics(analyzer, ["THALASSEMIC patients"])
    assert "thalassemia" not in assign_topics(analyzer, ["nothing here"])


# -- errors -------------------------------------------------------------------------


def test_no_sources(vocab: dict[str, Any]) -> None:
    with pytest.raises(SourceError, match="no source documents given"):
        build([], vocab)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "e.txt: document is empty"),
        (b"no question\nhere\n", "e.txt:1: document has no question (a line ending in '?')"),
        (b"\n \n\t\n", "e.txt:1: document has no question (a line ending in '?')"),
    ],
)
def test_documents_without_questions(vocab: dict[str, Any], data: bytes, message: str) -> None:
    with pytest.raises(SourceError) as e:
        build([("e.txt", data)], vocab)
    assert str(e.value) == message


def test_read_sources_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        read_sources([tmp_path / "missing.txt"])
    with pytest.raises(SourceError, match="is a directory"):
        read_sources([tmp_path])
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "same.txt").write_text("Q?\nA\n")
    (tmp_path / "same.txt").write_text("Q?\nA\n")
    with pytest.raises(SourceError, match="names must be unique"):
        read_sources([tmp_path / "a" / "same.txt", tmp_path / "same.txt"])


# -- determinism ----------------------------------------------------------------------


def test_build_is_deterministic_and_order_independent(vocab: dict[str, Any]) -> None:
    srcs = read_sources(REAL_SOURCES)
    one = build(srcs, vocab).serialize()
    two = build(srcs, vocab).serialize()
    rev = build(list(reversed(srcs)), bundled_vocabulary()).serialize()
    assert one == two == rev


def test_bundled_store_is_not_stale(real: BuildResult) -> None:
    """data/faq.json must be exactly `emh build data/sources/*.txt --output data/faq.json`."""
    assert FAQ.read_bytes() == real.serialize(), (
        "data/faq.json is stale: run emh build data/sources/*.txt --output data/faq.json"
    )


def test_serialized_store_is_pretty_utf8_json(real: BuildResult) -> None:
    data = real.serialize()
    assert data.endswith(b"}\n")
    assert "…".encode() in data  # not \u2026
    obj = json.loads(data)
    assert obj["schema_version"] == 1
    assert set(obj) == {"schema_version", "documents", "vocabulary", "entries"}


# -- atomic write ---------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_replaces(tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fail_in", ["replace", "fsync"])
def test_failed_write_leaves_target_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_in: str
) -> None:
    target = tmp_path / "s.json"
    target.write_bytes(b"precious")

    def boom(*a: object, **k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_mod.os, fail_in, boom)
    with pytest.raises(StoreError) as e:
        write_atomic(target, b"new")
    assert str(e.value) == f"{target}: cannot write (No space left on device)"
    assert target.read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


def test_interrupted_write_leaves_target_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "s.json"
    target.write_bytes(b"precious")

    def interrupt(*a: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(build_mod.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"precious"
    assert leftovers(tmp_path) == []


def test_write_atomic_bad_targets(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        write_atomic(tmp_path / "no" / "s.json", b"x")
    with pytest.raises(StoreError, match="is a directory"):
        write_atomic(tmp_path, b"x")


def test_written_store_gets_normal_permissions(tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    write_atomic(target, b"{}")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


# -- which outputs a build may replace ---------------------------------------------------


@pytest.mark.parametrize(
    ("content", "is_store"),
    [
        (b'{\n  "schema_version": 1,\n  "documents": [],\n  "entries": []\n}\n', True),
        (b'  {"schema_version":"x", "documents": 0, "entries": 0}', True),
        (b'{"entries": [], "documents": [], "schema_version": 1}', True),  # any key order
        (b'{"entries": [], "documents": [], "version": 1}', False),
        (b'{"schema_version": 1, "my": "config of another tool"}', False),
        (b'{"schema_version": 1, "entries": []}', False),
        (b'{"a": {"schema_version": 1, "documents": [], "entries": []}}', False),  # top level
        (b'[{"schema_version": 1, "documents": [], "entries": []}]', False),
        (b'{\n  "schema_version": 2,\n  "documents": [\n    {"na', True),  # damaged: rebuilt
        (b'{"schema_version": 1', False),  # nothing says emh wrote it
        (b"", False),
        (b"What is it?\nThis.\n", False),
        (b"\xef\xbb\xbf" + b'{"entries": [], "schema_version": 1}', False),
        (b'{"x": "\xff"}', False),
    ],
)
def test_looks_like_store(tmp_path: Path, content: bytes, is_store: bool) -> None:
    from emh_cli.store import looks_like_store

    p = tmp_path / "f.json"
    p.write_bytes(content)
    assert looks_like_store(p) is is_store
    assert looks_like_store(tmp_path / "missing.json") is False
    assert looks_like_store(tmp_path) is False


def test_the_bundled_store_looks_like_a_store() -> None:
    from emh_cli.store import looks_like_store

    assert looks_like_store(FAQ)


def test_check_output(tmp_path: Path) -> None:
    from emh_cli.build import check_output
    from emh_cli.errors import UsageError

    src = tmp_path / "a.txt"
    src.write_text("Q?\nA.\n")
    check_output(tmp_path / "new.json", [src])  # a new file: fine
    check_output(tmp_path / "new.json", [tmp_path / "missing.txt"])
    with pytest.raises(UsageError, match="is a source of this build"):
        check_output(src, [tmp_path / "missing.txt", src], force=True)
    (tmp_path / "notes.md").write_text("notes")
    with pytest.raises(UsageError, match="not an emh store"):
        check_output(tmp_path / "notes.md", [src])
    check_output(tmp_path / "notes.md", [src], force=True)
    check_output(tmp_path, [src])  # a directory: write_atomic explains


# -- learned topics -----------------------------------------------------------------


def _english() -> Analyzer:
    return Analyzer(load_lexicon({}))


def test_learned_topics_leave_out_phrasing_words() -> None:
    questions = [
        ["How do I get the installer?", "What are the different ways to install?"],
        ["How do I get a refund?"],
        ["Can I use a different modem?"],
        ["How long does a refund take?", "How long does it take to install?"],
        ["What is a modem?"],
        ["Can I use it abroad?"],
        ["How long is the warranty?"],
        ["Can I get the warranty extended?"],
    ]
    topics = learn_topics(questions, _english(), "")
    assert set(topics) == {"install", "modem", "refund", "warranty"}
    assert topics["install"]["terms"] == ["install", "installer"]


def test_a_learned_topic_is_named_by_a_form_that_is_not_phrasing() -> None:
    questions = [["What is the difference between funds?"], ["Any difference in fees?"]]
    questions += [["Are different shares taxed?"], ["Are different units taxed?"]]
    questions += [["Why buy a unit?"], ["Who sells shares?"]]
    topics = learn_topics(questions, _english(), "")
    assert topics["difference"]["terms"] == ["difference", "different"]
    assert "different" not in topics


def test_the_phrasing_list_is_generated_lowercase_and_sorted() -> None:
    text = (LEXICON_DIR / "not_topics.txt").read_text(encoding="utf-8")
    assert "Generated by data/make_not_topics.py from WordNet 3.0" in text
    words = read_not_topics()
    assert words == sorted(set(words)) and all(w.isalpha() and w.islower() for w in words)
    assert {"get", "make", "different", "many", "using"} <= set(words)
    assert not {"install", "upgrade", "payment", "news", "children"} & set(words)

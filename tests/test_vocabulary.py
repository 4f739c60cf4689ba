"""A store's vocabulary: what the engine knows comes from the store, not the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import StoreMaker

from emh_cli.errors import LexiconError
from emh_cli.index import open_index
from emh_cli.learn import defined_abbreviations, learn_subject
from emh_cli.rank import ask, plan_query
from emh_cli.textnorm import Analyzer, english_vocabulary, load_lexicon
from emh_cli.vocabulary import merge_vocabularies, read_vocabulary

TOOL_FAQ = """What is Quill?
Quill is a note-taking program that keeps your notes as plain text files.

How do I install Quill?
Download the installer from the website and run it.

How do I uninstall Quill?
Open the settings, choose Remove, and confirm.

Where can I get help?
Ask on the community forum or write to the support team.

Does Quill work offline?
Yes, Quill works without a network connection.

How do I export my notes from Quill?
Use the Export button to save every note as a ZIP archive.

What does the command line interface (CLI) do?
The CLI lets scripts create and search notes.
"""


def test_defined_abbreviations_follow_the_letters() -> None:
    text = "Extramedullary hematopoiesis (EMH) in myeloproliferative neoplasms (MPNs)."
    assert defined_abbreviations(text) == [
        ("EMH", "Extramedullary hematopoiesis"),
        ("MPNs", "myeloproliferative neoplasms"),
    ]
    assert defined_abbreviations("a list (see below) of things (AB)") == []


def test_the_engine_alone_knows_no_field() -> None:
    lex = load_lexicon()
    assert lex["subject"] == []
    assert lex["abbrev"] == {}
    assert lex["topics"] == []
    assert "help" not in lex["stop"] and "use" not in lex["stop"] and "work" not in lex["stop"]


def test_a_plain_store_learns_its_subject_and_reads_it_for_it(make_store: StoreMaker) -> None:
    store = make_store({"quill.txt": TOOL_FAQ}, vocabulary={})
    index = open_index(store)
    assert index.analyzer.subject == ["quill"]
    plan = plan_query(index, "how do i uninstall it")
    assert plan.searched_for == "uninstall [quill]"
    assert (
        ask(index, "how do i uninstall it").results[0].entry.question == "How do I uninstall Quill?"
    )
    # no medical abbreviation fires on ordinary words
    for word in ("ln", "tx", "path", "im", "who"):
        assert word not in index.analyzer.abbrev
    assert index.analyzer.abbrev["cli"] == ["command", "line", "interface"]


def test_help_is_searched_in_a_plain_store(make_store: StoreMaker) -> None:
    store = make_store({"quill.txt": TOOL_FAQ}, vocabulary={})
    a = ask(open_index(store), "where can I get help")
    assert a.results and a.results[0].entry.question == "Where can I get help?"


def test_learned_subject_needs_enough_questions() -> None:
    an = Analyzer(load_lexicon())
    assert (
        learn_subject(["What is a cat?", "How do dogs bark?", "Why is the sky blue?"], an) is None
    )


def test_vocabulary_merges_lists_and_tables() -> None:
    merged = merge_vocabularies(
        {"stopwords": ["a"], "words": {"pronouns": ["it"]}},
        {"stopwords": ["a", "b"], "words": {"subject": "x"}},
    )
    assert merged == {"stopwords": ["a", "b"], "words": {"pronouns": ["it"], "subject": "x"}}
    assert "subject" not in english_vocabulary().get("words", {})


def test_a_missing_lexicon_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LexiconError):
        read_vocabulary(tmp_path / "nope")


def test_a_synonym_of_several_words_is_a_phrase_not_its_words() -> None:
    """A group member that folds to several words ("e-book", "wireless internet")
    must not make each of its words a synonym: "kindle books" is not "ebook"."""
    vocab = {
        "synonyms": {
            "groups": [["ebook", "ebooks", "e-book", "e-books"], ["wifi", "wireless internet"]],
            "phrases": {"e books": "ebook"},  # "e" is a stop word: dropped, not "books"
        }
    }
    an = Analyzer(load_lexicon(vocab))
    assert an.term("books") != an.term("ebook")
    assert an.term("ebooks") == an.term("ebook")
    assert an.term("internet") != an.term("wifi")
    assert an.find_phrases(["wireless", "internet"])
    assert not an.find_phrases(["books"])


def test_a_store_with_a_hyphenated_synonym_still_finds_books(make_store: StoreMaker) -> None:
    store = make_store(
        "Can I borrow books?\nYes, ten books at a time.\n\nDo you have ebooks?\nYes, online.\n",
        vocabulary={"synonyms": {"groups": [["ebook", "e-book", "e-books"]]}},
    )
    a = ask(open_index(store), "borrow books")
    assert a.results and a.results[0].entry.id == "1"


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("synonyms.toml", 'groupz = [["fee", "fine"]]', "unknown key 'groupz'"),
        ("synonyms.toml", 'groups = "fines"', "groups must be a list of lists of words"),
        ("topics.toml", '[topics.x]\nterms = "fee"', "topics must be a table of"),
        ("topics.toml", '[topics.x]\nterm = ["fee"]', "topics must be a table of"),
        ("words.toml", "subject = 3", "subject must be text"),
    ],
)
def test_a_mistake_in_a_lexicon_file_is_an_error(
    tmp_path: Path, file: str, text: str, message: str
) -> None:
    (tmp_path / file).write_text(text + "\n", encoding="utf-8")
    with pytest.raises(LexiconError) as e:
        read_vocabulary(tmp_path)
    assert str(e.value).startswith(f"{tmp_path / file}: ")
    assert message in str(e.value)


def test_a_right_lexicon_file_reads() -> None:
    vocab = read_vocabulary(Path(__file__).resolve().parent.parent / "data" / "sources" / "lexicon")
    assert vocab["synonyms"]["groups"] and vocab["topics"]

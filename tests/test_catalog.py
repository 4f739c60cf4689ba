"""Unit tests of browsing helpers: topics, sources, ids."""

from __future__ import annotations

import pytest
from support import DOC_A, DOC_B, FAQ, bundled_vocabulary

from emh_cli import catalog
from emh_cli.errors import UsageError
from emh_cli.model import Entry
from emh_cli.store import load_store
from emh_cli.textnorm import Analyzer, load_lexicon


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(load_lexicon(bundled_vocabulary()))


@pytest.fixture(scope="module")
def entries() -> tuple[Entry, ...]:
    return load_store(FAQ).entries


@pytest.mark.parametrize(
    "name",
    ["thalassemia", "Thalassemia", "THALASSEMIA", "thalassaemia", "Thalassaemia", "thalassemias", " thalassemia "],
)  # fmt: skip
def test_topic_spellings(name: str, entries: tuple[Entry, ...], analyzer: Analyzer) -> None:
    assert catalog.resolve_topic(name, entries, analyzer) == "thalassemia"


def test_topic_aliases(entries: tuple[Entry, ...], analyzer: Analyzer) -> None:
    assert catalog.resolve_topic("anaemia", entries, analyzer) == "anemia"
    assert catalog.resolve_topic("Tumour", entries, analyzer) == "cancer"


def test_unknown_topic_names_known_and_nearest(
    entries: tuple[Entry, ...], analyzer: Analyzer
) -> None:
    with pytest.raises(UsageError) as e:
        catalog.resolve_topic("thalasemia", entries, analyzer)
    msg = str(e.value)
    assert msg.startswith("unknown topic 'thalasemia' (nearest: thalassemia); known topics: ")
    names = catalog.topic_names(entries, analyzer.lexicon)
    assert msg.endswith(", ".join(names))
    assert e.value.exit_code == 2


def test_resolve_source() -> None:
    docs = [DOC_A, DOC_B, "other.md"]
    assert catalog.resolve_source(DOC_B, docs) == DOC_B
    assert catalog.resolve_source(DOC_B.removesuffix(".txt"), docs) == DOC_B
    assert catalog.resolve_source("004", docs) == DOC_B
    assert catalog.resolve_source("other", docs) == "other.md"
    with pytest.raises(UsageError, match="ambiguous"):
        catalog.resolve_source("00", docs)
    with pytest.raises(UsageError, match=r"unknown source 'x\.txt'; known sources: "):
        catalog.resolve_source("x.txt", docs)
    with pytest.raises(UsageError, match="unknown source ''"):
        catalog.resolve_source("", docs)


def test_nearest_ids() -> None:
    ids = [str(i) for i in range(1, 25)]
    assert catalog.nearest_ids("99", ids) == ["24", "23", "22"]
    assert catalog.nearest_ids("0", ids) == ["1", "2", "3"]
    assert catalog.nearest_ids(" 12 ", ids) == ["12", "11", "13"]
    assert catalog.nearest_ids("abc", ids) == []  # nothing alike: no suggestion
    assert catalog.nearest_ids("a2", ["a1", "b7", "a20"]) == ["a20"]
    assert catalog.nearest_ids("x", []) == []


def test_missing_id_message() -> None:
    e = catalog.missing_id("99", ["1", "2", "3"])
    assert str(e) == "no entry with id '99' (ids run from 1 to 3); nearest: 3, 2, 1"
    e = catalog.missing_id("abc", ["1", "2", "3"])
    assert str(e) == "no entry with id 'abc' (ids run from 1 to 3)"
    e = catalog.missing_id("it's", ["1", "2", "3"])
    assert str(e) == 'no entry with id "it\'s" (ids run from 1 to 3)'
    e = catalog.missing_id("2", ["1"])
    assert str(e) == "no entry with id '2' (the only id is 1); nearest: 1"


@pytest.mark.parametrize(
    ("n", "one", "many", "text"),
    [(0, "entry", "entries", "0 entries"), (1, "entry", "entries", "1 entry"),
     (2, "entry", "entries", "2 entries"), (1, "document", None, "1 document"),
     (21, "document", None, "21 documents")],
)  # fmt: skip
def test_plural(n: int, one: str, many: str | None, text: str) -> None:
    from emh_cli.plural import plural

    assert plural(n, one, many) == text


def test_filters_and_counts(entries: tuple[Entry, ...]) -> None:
    thal = catalog.filter_entries(entries, topic="thalassemia")
    assert all("thalassemia" in e.topics for e in thal)
    only_b = catalog.filter_entries(entries, source=DOC_B)
    assert all(any(s.document == DOC_B for s in e.sources) for e in only_b)
    counts = catalog.source_counts(entries)
    assert counts == {DOC_A: 16, DOC_B: 11}
    assert sum(counts.values()) == 27  # merged entries count once per document
    assert dict(catalog.topic_counts(entries, ["thalassemia", "nope"]))["nope"] == 0

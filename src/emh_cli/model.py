"""Plain data types shared by the core and the CLI.

Records are typing.NamedTuple classes rather than frozen dataclasses: as
immutable, typed and printable, and about fifteen times cheaper to define,
which an `emh ask` pays at every start (about seven milliseconds on the
project's machine)."""

from __future__ import annotations

from typing import Any, NamedTuple

SCHEMA_VERSION = 1

FLAG_UNANSWERED = "unanswered"
FLAG_TRUNCATED = "truncated"
FLAG_MERGED = "merged"
FLAG_OFF_TOPIC = "off_topic"


class Source(NamedTuple):
    """Where one phrasing of an entry's question stands: `document:line`."""

    document: str
    line: int
    question: str
    answer_line: int | None = None

    @property
    def citation(self) -> str:
        return f"{self.document}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "document": self.document,
            "line": self.line,
            "question": self.question,
        }
        if self.answer_line is not None:
            out["answer_line"] = self.answer_line
        return out


class Entry(NamedTuple):
    """One answer (or one unanswered question) with every question it answers."""

    id: str
    question: str
    questions: tuple[str, ...]
    answer: str | None
    topics: tuple[str, ...]
    flags: tuple[str, ...]
    sources: tuple[Source, ...]

    @property
    def answered(self) -> bool:
        return self.answer is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "questions": list(self.questions),
            "answer": self.answer,
            "topics": list(self.topics),
            "flags": list(self.flags),
            "sources": [s.to_json() for s in self.sources],
        }


class Document(NamedTuple):
    """A source document a store was built from."""

    name: str
    lines: int
    questions: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lines": self.lines,
            "questions": self.questions,
            "sha256": self.sha256,
        }


class Diagnostic(NamedTuple):
    """A build warning, printed as `document:line: message`."""

    document: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.document if self.line is None else f"{self.document}:{self.line}"
        return f"{where}: {self.message}"


class Store(NamedTuple):
    """A loaded store: entries in store order, plus the documents they came from."""

    path: str
    entries: tuple[Entry, ...]
    documents: tuple[Document, ...]
    # the store's field knowledge (emh_cli.vocabulary); {} for everyday English only
    vocabulary: dict[str, Any]


class Correction(NamedTuple):
    """A change made to the query before searching, for --explain."""

    original: str
    replacement: str
    kind: str  # "spelling" | "typo" | "abbreviation" | "phrase" | "prefix" | "joined"

    def to_json(self) -> dict[str, str]:
        return {"from": self.original, "to": self.replacement, "kind": self.kind}

    def __str__(self) -> str:
        return f"{self.original} → {self.replacement}"


class Concept(NamedTuple):
    """One thing the query asks about: a term and the alternatives that also count."""

    text: str  # the words as the user typed them (after correction)
    term: str  # canonical term
    alternatives: tuple[tuple[str, float], ...]  # (term, factor), the term itself first
    weight: float
    known: bool
    role: str = "content"  # "content" | "subject" | "option" (of a multiple-choice quiz)
    aspect: bool = False  # a word from lexicon/keywords.txt: what the question is about
    task: bool = False  # a word of `tasks` in lexicon/words.toml ("treat") the question asks about
    story: bool = False  # outside the question clause of a several-clause query
    qualifier: bool = False  # narrows the question to a case the store lacks ("in children")


class QueryPlan(NamedTuple):
    """A query after folding, correction and expansion."""

    query: str
    searched_for: str  # the corrected, expanded query in words
    concepts: tuple[Concept, ...]
    intents: frozenset[str]
    corrections: tuple[Correction, ...] = ()
    dropped: tuple[str, ...] = ()
    mentions_subject: bool = False
    # terms of the store's subject the query names
    subject_terms: frozenset[str] = frozenset()
    # the store's vocabulary has synonyms of its field: a word it lacks says more
    curated: bool = False

    @property
    def corrected(self) -> bool:
        return any(c.kind in ("typo", "spelling", "prefix", "joined") for c in self.corrections)


class Result(NamedTuple):
    """An entry with its score for one query."""

    entry: Entry
    score: float
    matched: tuple[str, ...] = ()  # the words of the query that matched
    highlight: tuple[str, ...] = ()  # canonical terms matched, for highlighting


class Answer(NamedTuple):
    """The outcome of `ask`: confident results, or none plus the nearest questions."""

    query: str
    plan: QueryPlan | None
    results: tuple[Result, ...]
    nearest: tuple[Result, ...] = ()
    threshold: float = 0.0
    notes: tuple[str, ...] = ()
    # words of the query, as typed, that carry weight and that none of the
    # results (or, with none, of the nearest questions) covers
    not_covered: tuple[str, ...] = ()
    # with no confident result: the store's unanswered questions that ask just
    # what the query asks (its source has the question but no answer)
    unanswered: tuple[Entry, ...] = ()

"""Build a store from source documents: merge, flag, assign topics, write atomically."""

from __future__ import annotations

import bisect
import gc
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emh_cli.errors import SourceError, StoreError, UsageError
from emh_cli.learn import complete_vocabulary
from emh_cli.model import (
    FLAG_MERGED,
    FLAG_OFF_TOPIC,
    FLAG_TRUNCATED,
    FLAG_UNANSWERED,
    SCHEMA_VERSION,
    Diagnostic,
    Document,
    Entry,
    Source,
)
from emh_cli.parse import ParsedDocument, decode_source, parse_document
from emh_cli.textnorm import Analyzer, load_lexicon


@dataclass(frozen=True)
class BuildResult:
    documents: tuple[Document, ...]
    entries: tuple[Entry, ...]
    diagnostics: tuple[Diagnostic, ...]
    vocabulary: dict[str, Any] = field(default_factory=dict)
    # compiled from `vocabulary` (for indexing the new store); not written
    analyzer: Analyzer | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        fields = self._fields()
        fields["entries"] = list(fields["entries"])
        return fields

    def _fields(self) -> dict[str, Any]:
        """What `to_json` returns, with the entries as an iterator of dicts."""
        return {
            "schema_version": SCHEMA_VERSION,
            "documents": [d.to_json() for d in self.documents],
            "vocabulary": self.vocabulary,
            "entries": (e.to_json() for e in self.entries),
        }

    def serialize(self) -> bytes:
        """`json.dumps(self.to_json(), ensure_ascii=False, indent=2)` and a newline, in UTF-8.

        Encoded one entry at a time: in one call, a store of 100,000 entries
        would exist as dicts, as millions of JSON fragments and as text at once
        (~350 MiB more at the peak of `emh build`)."""
        return _dump_indented(self._fields())


def _dump_indented(fields: dict[str, Any]) -> bytes:
    """`json.dumps(fields, ensure_ascii=False, indent=2) + "\\n"` in UTF-8, where a value
    may be an iterator (of a list's items), encoded item by item.

    Every newline json.dumps writes is layout (it escapes those in strings), so a
    value nests one level deeper by indenting after each newline."""

    def dump(obj: Any) -> str:
        return json.dumps(obj, ensure_ascii=False, indent=2)

    if not fields:
        return b"{}\n"
    parts: list[bytes] = []
    for i, (key, value) in enumerate(fields.items()):
        parts.append(("{\n  " if i == 0 else ",\n  ").encode() + dump(key).encode("utf-8") + b": ")
        if isinstance(value, (list, tuple, Iterator)):
            n = 0
            for item in value:
                lead = "[\n    " if n == 0 else ",\n    "
                parts.append((lead + dump(item).replace("\n", "\n    ")).encode("utf-8"))
                n += 1
            parts.append(b"\n  ]" if n else b"[]")
        else:
            parts.append(dump(value).replace("\n", "\n  ").encode("utf-8"))
    parts.append(b"\n}\n")
    return b"".join(parts)


def read_sources(paths: Sequence[str | os.PathLike[str]]) -> list[tuple[str, bytes]]:
    """Read source files as (document name, bytes); names must be unique. A
    file given twice (`emh build *.txt faq.txt`) is read once."""
    out: list[tuple[str, bytes]] = []
    seen: dict[str, str] = {}
    files: set[str] = set()
    for p in paths:
        path = Path(p)
        name = path.name
        file = os.path.realpath(path)
        if file in files:
            continue
        files.add(file)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SourceError(f"{p}: no such file") from None
        except IsADirectoryError:
            raise SourceError(f"{p}: is a directory, not a source document") from None
        except PermissionError:
            raise SourceError(f"{p}: cannot read (permission denied)") from None
        except OSError as e:
            raise SourceError(f"{p}: cannot read ({e.strerror or e})") from None
        if name in seen:
            raise SourceError(
                f"{p}: another source is also named {name!r} ({seen[name]}); "
                "answers cite documents by name, so names must be unique"
            )
        seen[name] = str(p)
        out.append((name, data))
    return out


LEXICON_FOLDER = "lexicon"


def lexicon_folder(paths: Sequence[str | os.PathLike[str]]) -> Path | None:
    """The folder named `lexicon` beside the documents, when they share one folder."""
    folders = {Path(p).parent for p in paths}
    if len(folders) != 1:
        return None
    folder = folders.pop() / LEXICON_FOLDER
    return folder if folder.is_dir() else None


def build(
    sources: Sequence[tuple[str, bytes]], vocabulary: dict[str, Any] | None = None
) -> BuildResult:
    """Parse, merge and flag. Documents are taken in name order, so the result
    does not depend on the order they were given in. The store's vocabulary
    is `vocabulary` (a lexicon folder's, see emh_cli.vocabulary) with what the
    documents teach added (emh_cli.learn)."""
    if not sources:
        raise SourceError("no source documents given")
    # A build makes ~10 long-lived objects per pair and no reference cycles: the
    # cyclic collector would only rescan them, again and again (~30% of the time
    # at 100,000 pairs).
    collecting = gc.isenabled()
    gc.disable()
    try:
        parsed: list[tuple[ParsedDocument, str]] = []
        for name, data in sorted(sources, key=lambda s: s[0]):
            doc = parse_document(name, decode_source(name, data))
            if not doc.items:
                where = f"{name}:1" if doc.lines else name
                what = "is empty" if not doc.lines else "has no question (a line ending in '?')"
                raise SourceError(f"{where}: document {what}")
            parsed.append((doc, hashlib.sha256(data).hexdigest()))
        answered = [qa for doc, _ in parsed for qa in doc.items if qa.answer is not None]
        subject_given = "subject" in (vocabulary or {}).get("words", {})
        vocab = complete_vocabulary(
            [[qa.question] for qa in answered],
            # what a document says before its first question teaches too
            [*(str(qa.answer) for qa in answered), *(d.preamble for d, _ in parsed if d.preamble)],
            vocabulary or {},
        )
        return _merge(parsed, Analyzer(load_lexicon(vocab)), vocab, subject_given)
    finally:
        if collecting:
            gc.enable()


@dataclass
class _Draft:
    questions: list[str]
    answer: str | None
    sources: list[Source]
    truncated: bool


def _merge(
    parsed: list[tuple[ParsedDocument, str]],
    analyzer: Analyzer,
    vocabulary: dict[str, Any],
    subject_given: bool,
) -> BuildResult:
    diags: list[Diagnostic] = []
    drafts = _merge_answers(parsed, diags)
    diags.extend(_same_question_different_answer(drafts))
    entries = _entries(drafts, analyzer, flag_off_topic=subject_given)
    documents = tuple(Document(doc.name, doc.lines, len(doc.items), sha) for doc, sha in parsed)
    order = {doc.name: i for i, (doc, _) in enumerate(parsed)}
    diags.sort(key=lambda d: (order.get(d.document, -1), d.line or 0))
    return BuildResult(documents, entries, tuple(diags), vocabulary, analyzer)


def _merge_answers(
    parsed: list[tuple[ParsedDocument, str]], diags: list[Diagnostic]
) -> list[_Draft]:
    """One draft per distinct answer (and per unanswered question), in document
    order; the parser's diagnostics and each merge are added to `diags`."""
    drafts: list[_Draft] = []
    by_answer: dict[str, int] = {}
    for doc, _ in parsed:
        diags.extend(doc.diagnostics)
        for qa in doc.items:
            src = Source(doc.name, qa.line, qa.question, qa.answer_line)
            if qa.answer is None:
                drafts.append(_Draft([qa.question], None, [src], False))
                continue
            key = " ".join(qa.answer.split())
            idx = by_answer.get(key)
            if idx is None:
                by_answer[key] = len(drafts)
                drafts.append(_Draft([qa.question], qa.answer, [src], qa.truncated))
                continue
            d = drafts[idx]
            message = f"same answer as {d.sources[0].citation}; merged into entry {idx + 1}"
            diags.append(Diagnostic(doc.name, qa.line, message))
            if qa.question not in d.questions:
                d.questions.append(qa.question)
            d.sources.append(src)
    return drafts


def _same_question_different_answer(drafts: list[_Draft]) -> list[Diagnostic]:
    def key(q: str) -> str:
        return " ".join(q.casefold().split())

    by_question: dict[str, list[int]] = {}
    for i, d in enumerate(drafts):
        if d.answer is not None:
            for q in d.questions:
                by_question.setdefault(key(q), []).append(i)
    out: list[Diagnostic] = []
    for ids in by_question.values():
        first = drafts[ids[0]].sources[0]
        for i in ids[1:]:
            out.extend(
                Diagnostic(
                    s.document,
                    s.line,
                    f"same question as {first.citation} with a different answer; "
                    "kept as separate entries",
                )
                for s in drafts[i].sources
                if key(s.question) == key(first.question)
            )
    return out


# An entry that never names the store's subject is flagged off-topic only in a
# store where at least this share of the entries name it: where many entries
# do not (a library's FAQ that says "library" in half of them), the subject is
# too weak a sign of what an entry is about.
OFF_TOPIC_SHARE = 0.75


def _entries(
    drafts: list[_Draft], analyzer: Analyzer, *, flag_off_topic: bool
) -> tuple[Entry, ...]:
    """Entries numbered from 1, with topics and flags. Off-topic is flagged only
    if `flag_off_topic`: when the store's lexicon gives its subject. A subject
    learned from the documents is a guess (a COVID-19 FAQ's "What is a
    coronavirus?" never says "covid 19"), and a user's FAQ is about itself."""
    subject = set(analyzer.subject) if flag_off_topic else set()
    compiled = _compile_topics(analyzer)
    about_subject: list[bool] = []
    topics: list[list[str]] = []
    for d in drafts:  # each text is split into words once, for both
        per_text = [analyzer.words_of(t) for t in [*d.questions, d.answer or ""]]
        about_subject.append(any(not subject.isdisjoint(ws) for ws in per_text))
        topics.append(_topics_of(compiled, per_text))
    mostly_on_subject = bool(subject) and sum(about_subject) >= OFF_TOPIC_SHARE * len(drafts)
    entries = []
    for i, d in enumerate(drafts):
        flags = []
        if d.answer is None:
            flags.append(FLAG_UNANSWERED)
        if d.truncated:
            flags.append(FLAG_TRUNCATED)
        if len(d.sources) > 1:
            flags.append(FLAG_MERGED)
        if mostly_on_subject and not about_subject[i]:
            flags.append(FLAG_OFF_TOPIC)
        entries.append(
            Entry(
                id=str(i + 1),
                question=d.questions[0],
                questions=tuple(d.questions),
                answer=d.answer,
                topics=tuple(topics[i]),
                flags=tuple(flags),
                sources=tuple(d.sources),
            )
        )
    return tuple(entries)


def assign_topics(analyzer: Analyzer, texts: Sequence[str]) -> list[str]:
    """Topics whose terms occur in any of `texts` (see lexicon/topics.toml)."""
    return _topics_of(_compile_topics(analyzer), [analyzer.words_of(t) for t in texts])


_PHRASE, _PREFIX, _WORD = 0, 1, 2


def _compile_topics(analyzer: Analyzer) -> list[tuple[str, list[tuple[int, str]]]]:
    """(name, [(kind, term)]) of every topic: a term is a phrase (matched with the
    spaces around it), a prefix ("term*") or a word."""
    compiled = []
    for topic in analyzer.lexicon["topics"]:
        terms = []
        for raw in topic["terms"]:
            term = raw.casefold().strip()
            if " " in term:
                terms.append((_PHRASE, f" {term} "))
            elif term.endswith("*"):
                terms.append((_PREFIX, term[:-1]))
            else:
                terms.append((_WORD, term))
        compiled.append((topic["name"], terms))
    return compiled


def _topics_of(
    compiled: list[tuple[str, list[tuple[int, str]]]], per_text: Sequence[list[str]]
) -> list[str]:
    """Topics with a term in the words of the texts (`Analyzer.words_of` of each)."""
    words = []
    for ws in per_text:
        words.extend(ws)
        words.append("\x00")  # no multi-word term spans two texts
    joined = " " + " ".join(words) + " "
    unique = set(words)  # a long answer repeats words: test each distinct word once
    ordered = sorted(unique)  # for prefixes: a binary search, not a scan of every word
    found = []
    for name, terms in compiled:
        for kind, term in terms:
            if kind == _PHRASE:
                hit = term in joined
            elif kind == _PREFIX:
                # In sorted order the words starting with `term` come first among those >= it.
                i = bisect.bisect_left(ordered, term)
                hit = i < len(ordered) and ordered[i].startswith(term)
            else:
                hit = term in unique
            if hit:
                found.append(name)
                break
    return sorted(found)


def check_output(
    output: str | os.PathLike[str],
    sources: Sequence[str | os.PathLike[str]],
    *,
    force: bool = False,
) -> None:
    """Refuse an output that would destroy something the user did not mean to replace.

    Never one of the sources (the same file however it is spelled: another path,
    a symlink or a hard link), never a device or other non-regular file; an
    existing file that is not an emh store (see `store.looks_like_store`) only
    with `force`. A missing output, or an existing store, is fine."""
    from emh_cli.store import looks_like_store

    target = Path(output)
    try:
        st = target.stat()
    except OSError:  # missing (or a dangling symlink): nothing to lose
        return
    for s in sources:
        try:
            same = os.path.samestat(st, os.stat(s))
        except OSError:
            continue
        if same:
            alias = "" if str(s) == str(output) else f" (the same file as the source {s})"
            hint = (
                f", e.g. -o {target.with_suffix('.json')}"
                if target.suffix.lower() != ".json"
                else ""
            )
            raise UsageError(
                f"{target}: is a source of this build{alias}; refusing to overwrite it "
                f"(write the store elsewhere{hint})"
            )
    if stat.S_ISDIR(st.st_mode):
        return  # write_atomic says "is a directory"
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(f"{target}: not a regular file; refusing to replace it with a store")
    if not force and not looks_like_store(target):
        raise UsageError(
            f"{target}: exists and is not an emh store; refusing to overwrite it "
            "(--force replaces it)"
        )


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` via a temporary file and rename: all or nothing."""
    target = Path(path)
    parent = target.parent
    if not parent.is_dir():
        raise StoreError(f"{target}: folder {str(parent)!r} does not exist")
    if target.is_dir():
        raise StoreError(f"{target}: is a directory")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as e:
        raise StoreError(f"{target}: cannot write ({e.strerror or e})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as e:
        raise StoreError(f"{target}: cannot write ({e.strerror or e})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)

"""Browsing the store: topics, documents, ids. Pure functions over entries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from emh_cli.errors import UsageError
from emh_cli.model import Document, Entry
from emh_cli.present import quoted
from emh_cli.textnorm import Analyzer, fold

# How alike (rapidfuzz WRatio, 0-100) a name must be to be suggested.
NEAREST_CUTOFF = 60


def _nearest(word: str, choices: Sequence[str], k: int = 3) -> list[str]:
    from rapidfuzz import fuzz, process, utils

    if not choices or not word.strip():
        return list(choices[:k])
    best = process.extract(
        word,
        list(choices),
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=k,
        score_cutoff=NEAREST_CUTOFF,
    )
    return [c for c, _, _ in best]


def topic_names(entries: Sequence[Entry], lexicon: dict[str, Any]) -> list[str]:
    names = {t["name"] for t in lexicon.get("topics", [])}
    names.update(t for e in entries for t in e.topics)
    return sorted(names)


def resolve_topic(name: str, entries: Sequence[Entry], analyzer: Analyzer) -> str:
    """The topic `name` means: a topic, an alias, or a spelling variant of either."""
    names = topic_names(entries, analyzer.lexicon)

    def key(s: str) -> str:
        return " ".join(analyzer.term(analyzer.spell(t)) for t in fold(s))

    wanted = key(name)
    if wanted:
        for topic in names:
            if key(topic) == wanted:
                return topic
        for spec in analyzer.lexicon.get("topics", []):
            if spec["name"] in names and any(key(a) == wanted for a in spec["aliases"]):
                return str(spec["name"])
    near = _nearest(name, names, 1)
    hint = f" (nearest: {near[0]})" if near else ""
    raise UsageError(f"unknown topic {quoted(name)}{hint}; known topics: {', '.join(names)}")


def resolve_source(name: str, documents: Sequence[str]) -> str:
    """A document by exact name, by name without extension, or by unique prefix."""
    if name in documents:
        return name
    stems = [d for d in documents if d.rsplit(".", 1)[0] == name]
    if len(stems) == 1:
        return stems[0]
    pref = [d for d in documents if d.startswith(name)] if name else []
    if len(pref) == 1:
        return pref[0]
    if len(pref) > 1:
        raise UsageError(f"source {quoted(name)} is ambiguous: {', '.join(pref)}")
    raise UsageError(f"unknown source {quoted(name)}; known sources: {', '.join(documents)}")


def document_names(entries: Sequence[Entry], documents: Sequence[Document]) -> list[str]:
    names = [d.name for d in documents]
    for e in entries:
        for s in e.sources:
            if s.document not in names:
                names.append(s.document)
    return names


def filter_entries(
    entries: Sequence[Entry], *, topic: str | None = None, source: str | None = None
) -> list[Entry]:
    out = list(entries)
    if topic is not None:
        out = [e for e in out if topic in e.topics]
    if source is not None:
        out = [e for e in out if any(s.document == source for s in e.sources)]
    return out


def topic_counts(entries: Sequence[Entry], names: Sequence[str]) -> list[tuple[str, int]]:
    c = Counter(t for e in entries for t in e.topics)
    return [(n, c.get(n, 0)) for n in names]


def source_counts(entries: Sequence[Entry]) -> dict[str, int]:
    c: Counter[str] = Counter()
    for e in entries:
        for d in {s.document for s in e.sources}:
            c[d] += 1
    return dict(c)


def shared_counts(entries: Sequence[Entry]) -> tuple[dict[str, int], int]:
    """Per document, how many of its entries another document cites too (a
    merged entry counts under each); and how many entries are such."""
    c: Counter[str] = Counter()
    multi = 0
    for e in entries:
        docs = {s.document for s in e.sources}
        if len(docs) > 1:
            multi += 1
            for d in docs:
                c[d] += 1
    return dict(c), multi


def nearest_ids(wanted: str, ids: Sequence[str], k: int = 3) -> list[str]:
    """Ids closest to `wanted`: numerically when both are numbers, else by spelling."""
    if wanted.strip().isdigit() and all(i.isdigit() for i in ids):
        w = int(wanted.strip())
        return sorted(ids, key=lambda i: (abs(int(i) - w), int(i)))[:k]
    return _nearest(wanted, list(ids), k)


def missing_id(wanted: str, ids: Sequence[str]) -> UsageError:
    near = nearest_ids(wanted, ids)
    if not ids:
        span = "the store is empty"
    elif len(ids) == 1:
        span = f"the only id is {ids[0]}"
    else:
        span = f"ids run from {ids[0]} to {ids[-1]}"
    nearest = f"; nearest: {', '.join(near)}" if near else ""
    return UsageError(f"no entry with id {quoted(wanted)} ({span}){nearest}")


def topic_rows(entries: Sequence[Entry], lexicon: dict[str, Any]) -> list[tuple[str, int]]:
    """Every topic (the lexicon's and the store's) with its entry count."""
    return topic_counts(entries, topic_names(entries, lexicon))


def document_rows(
    entries: Sequence[Entry], documents: Sequence[Document]
) -> tuple[list[Document], dict[str, int]]:
    """Every document (a store's own list, plus any its entries cite) and entry counts."""
    docs = list(documents)
    known = {d.name for d in docs}
    docs.extend(Document(n, 0, 0, "") for n in document_names(entries, docs) if n not in known)
    return docs, source_counts(entries)

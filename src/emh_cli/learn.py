"""What `emh build` learns of a store's vocabulary from its documents.

A store built without a lexicon folder still gets the three things a reader
of the documents would pick up:

- abbreviations the text defines ("extramedullary hematopoiesis (EMH)");
- the subject most questions share, which a pronoun in a query then stands
  for ("how do I uninstall it" in a FAQ about pip);
- topics: the words several questions share.

Anything the given vocabulary already has wins over what is learned.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from emh_cli.textnorm import Analyzer, fold, load_lexicon, read_common_words, read_not_topics
from emh_cli.vocabulary import merge_vocabularies

# A subject is a run of one to three words in at least this share of the
# questions, or of NAME_SHARE when it starts with a name (a word mostly written
# with a capital inside a sentence: "Syncthing").
SUBJECT_SHARE = 0.4
NAME_SHARE = 0.2
# A longer run is preferred while it is in at least this share of the
# questions its most frequent word is in ("extramedullary hematopoiesis", not
# "extramedullary").
SUBJECT_KEEP = 0.75
# Learned topics: words of the questions of at least TOPIC_MIN entries and at
# most TOPIC_MAX_SHARE of them, the TOPIC_COUNT most frequent, leaving out the
# phrasing words of lexicon/not_topics.txt ("get", "different", "long"; made
# from WordNet by data/make_not_topics.py).
TOPIC_MIN = 2
TOPIC_MAX_SHARE = 0.5
TOPIC_COUNT = 20
# An abbreviation that is also one of this many most common English words is
# read as the abbreviation only when a query writes it in capitals.
COMMON_ABBREVIATION_RANK = 20_000

_DEFINED = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9]{1,9})\s*\)")
_WORD = re.compile(r"[^\W_][\w'-]*")


def defined_abbreviations(text: str) -> list[tuple[str, str]]:
    """(short, long) for each "long form (SHORT)" in `text`, where the letters
    of SHORT stand in order in the long form, the first at its first word's
    start (the Schwartz-Hearst rule). A plural "s" after capitals is kept
    on both sides: "neoplasms (MPNs)"."""
    found: list[tuple[str, str]] = []
    for m in _DEFINED.finditer(text):
        short = m.group(1)
        if sum(c.isupper() for c in short) < 2:
            continue
        words = _WORD.findall(text[: m.start()])[-min(len(short) + 5, 2 * len(short)) :]
        long = _long_form(short[:-1] if short[-1] == "s" else short, " ".join(words))
        if long and short.casefold() not in fold(long):
            found.append((short, long))
    return found


def _long_form(short: str, candidate: str) -> str | None:
    s, i = len(short) - 1, len(candidate) - 1
    while s >= 0:
        c = short[s].casefold()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (
            candidate[i].casefold() != c or (s == 0 and i > 0 and candidate[i - 1].isalnum())
        ):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    return candidate[candidate.rfind(" ", 0, i + 1) + 1 :]


def learn_abbreviations(
    texts: Sequence[str], vocab: dict[str, Any], common_rank: Callable[[str], int | None]
) -> dict[str, dict[str, str]]:
    """{"abbreviations": {...}, "cased": {...}} the texts define and `vocab` lacks."""
    known = {k.casefold() for k in vocab.get("abbreviations", {})}
    known |= {k.casefold() for k in vocab.get("cased", {})}
    plain: dict[str, str] = {}
    cased: dict[str, str] = {}
    for text in texts:
        for short, long in defined_abbreviations(text):
            key = short.casefold()
            if key in known or key in plain or short in cased:
                continue
            rank = common_rank(key)
            if rank is not None and rank <= COMMON_ABBREVIATION_RANK:
                if short.isupper():
                    cased[short] = long.casefold()
            else:
                plain[key] = long.casefold()
    out: dict[str, dict[str, str]] = {}
    if plain:
        out["abbreviations"] = dict(sorted(plain.items()))
    if cased:
        out["cased"] = dict(sorted(cased.items()))
    return out


def names(texts: Sequence[str]) -> set[str]:
    """Folded words that are mostly written with a capital inside a sentence."""
    capital: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for text in texts:
        for sentence in re.split(r"(?<=[.!?:])\s+", text):
            for i, w in enumerate(_WORD.findall(sentence)):
                if i and w[:1].isalpha():
                    key = w.casefold()
                    seen[key] += 1
                    capital[key] += w[0].isupper() and not w.isupper()
    return {w for w, n in seen.items() if capital[w] * 2 > n}


def learn_subject(
    questions: Sequence[str], analyzer: Analyzer, texts: Sequence[str] = ()
) -> str | None:
    """The run of words most questions share, if one is in enough of them."""
    counts: Counter[tuple[str, ...]] = Counter()
    for q in questions:
        words = analyzer.content(analyzer.words_of(q))
        counts.update(
            {tuple(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
        )
    named = names([*questions, *texts])

    def floor(word: str) -> float:
        return max(2.0, (NAME_SHARE if word in named else SUBJECT_SHARE) * len(questions))

    singles = [(c, w) for w, c in counts.items() if len(w) == 1 and c >= floor(w[0])]
    if not singles:
        return None
    top_count, top = max(singles)
    best: tuple[str, ...] = top
    for gram, c in counts.items():
        if top[0] in gram and c >= SUBJECT_KEEP * top_count and len(gram) > len(best):
            best = gram
    return " ".join(best)


def complete_vocabulary(
    questions: Sequence[Sequence[str]], answers: Sequence[str], vocab: dict[str, Any]
) -> dict[str, Any]:
    """`vocab` with what the documents teach and it lacks: abbreviations the
    text defines, the subject and topics. `questions` holds each answered
    pair's question(s), `answers` the answers."""
    rank = {w: i for i, w in enumerate(read_common_words(), start=1)}
    texts = [*(q for qs in questions for q in qs), *answers]
    vocab = merge_vocabularies(vocab, learn_abbreviations(texts, vocab, rank.get))
    has_subject = "subject" in vocab.get("words", {})
    if has_subject and "topics" in vocab:
        return vocab
    analyzer = Analyzer(load_lexicon(vocab))
    subject = vocab.get("words", {}).get("subject", "")
    if not has_subject:
        subject = learn_subject([q for qs in questions for q in qs], analyzer, answers) or ""
        vocab = merge_vocabularies(vocab, {"words": {"subject": subject}})
    if "topics" not in vocab:
        vocab = {**vocab, "topics": learn_topics(questions, analyzer, subject)}
    return vocab


def learn_topics(
    questions_by_entry: Sequence[Sequence[str]], analyzer: Analyzer, subject: str
) -> dict[str, dict[str, list[str]]]:
    """Topics from the words that the questions of several entries share."""
    skip = {analyzer.term(w) for w in analyzer.content(analyzer.words_of(subject))}
    phrasing = set(read_not_topics())  # words, not terms: "applied" is, "apply" is not
    entries_with: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for questions in questions_by_entry:
        seen: set[str] = set()
        for q in questions:
            for w in analyzer.content(analyzer.words_of(q)):
                if not w.isalpha() or len(w) < 3:
                    continue
                t = analyzer.term(w)
                forms.setdefault(t, Counter())[w] += 1
                if w not in phrasing:
                    seen.add(t)
        entries_with.update(seen - skip)
    most = TOPIC_MAX_SHARE * len(questions_by_entry)
    chosen = sorted(
        (t for t, n in entries_with.items() if TOPIC_MIN <= n <= most),
        key=lambda t: (-entries_with[t], t),
    )[:TOPIC_COUNT]
    topics: dict[str, dict[str, list[str]]] = {}
    for t in chosen:
        words = forms[t]
        name = min(words, key=lambda w: (w in phrasing, -words[w], len(w), w))
        topics[name] = {"aliases": [], "terms": sorted(words)}
    return dict(sorted(topics.items()))

"""Query planning: a query as the ranker reads it (a pure function over an `Index`).

`plan_query` runs these steps, each a function of its own:

    cased abbreviations ("ALL")  -> split_options (multiple-choice options apart)
    -> fold, join_split_words ("myelo fibrosis") -> expand (spelling variants,
    abbreviations) -> idioms -> stop words out -> normalise (typos, prefixes,
    common misspellings, phrases) -> stems and synonym groups -> weigh each
    concept (IDF in the store; a word the store lacks by its rarity in English)
    -> concepts with their roles (content, subject a pronoun stands for, option)
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

from emh_cli.errors import NothingToSearch
from emh_cli.index import Index
from emh_cli.model import Concept, Correction, QueryPlan
from emh_cli.textnorm import Analyzer, fold, sound_key, splice
from emh_cli.weights import WEIGHTS, Weights, idf

MAX_QUERY_CHARS = 1000
MAX_QUERY_WORDS = 64


def _typo_budget(word: str) -> int:
    if len(word) <= 2 or not word.isalpha():
        return 0
    return 1 if len(word) <= 8 else 2


def _closest(word: str, choices: list[tuple[str, int]], budget: int) -> str | None:
    from rapidfuzz.distance import OSA

    best: tuple[int, int, str] | None = None
    for cand, freq in choices:
        d = OSA.distance(word, cand, score_cutoff=budget)
        if len(word) == 3 and len(cand) != 4:
            continue  # "tst" may be "test"; a 3-letter word is never rewritten otherwise
        if 0 < d <= budget and (d < 2 or cand[-2:] == word[-2:]):
            key = (d, -freq, cand)
            if best is None or key < best:
                best = key
    return None if best is None else best[2]


def correct_word(index: Index, word: str) -> str | None:
    """The store word `word` is most likely a misspelling of, or None.

    Only small edits (1 for 4-8 letters, 2 for longer words, then with the
    same last two letters), or for words of 7 letters or more one edit once
    both are written as they sound; same first letter, and never a common
    English word: a real word the store lacks ("splenectomy", "bond") is left
    alone."""
    budget = _typo_budget(word)
    if budget == 0:
        return None
    found = _closest(word, index.words_near(word, budget), budget)
    if found is None and len(word) >= 7:
        found = _sounds_like(word, index.words_near(word, 3))
    return found


def _sounds_like(word: str, choices: list[tuple[str, int]]) -> str | None:
    """The most frequent of `choices` spelled like `word` once both are written
    as they sound ("patofisiology" -> "pathophysiology"), within one edit."""
    from rapidfuzz.distance import OSA

    key = sound_key(word)
    best: tuple[int, int, str] | None = None
    for cand, freq in choices:
        d = OSA.distance(key, sound_key(cand), score_cutoff=1)
        if d <= 1 and cand != word:
            rank_key = (d, -freq, cand)
            if best is None or rank_key < best:
                best = rank_key
    return None if best is None else best[2]


def without_prefix(index: Index, word: str) -> str | None:
    """The store word that `word` is with a prefix of lexicon/words.toml before
    it ("hypertransfusion" -> "transfusion"), or None."""
    for p in index.analyzer.word_prefixes:
        rest = word[len(p) :]
        if word.startswith(p) and len(rest) >= 5 and index.known_words([rest]):
            return rest
    return None


def common_misspelling(index: Index, word: str) -> str | None:
    """The common English word `word` misspells ("docters" -> "doctors"), or None.
    Words under six letters are left alone: one letter from a common word, a
    short word is as likely a rarer real one ("yolk", "vats")."""
    budget = min(_typo_budget(word), 1)
    if budget == 0 or len(word) < 6:
        return None
    return _closest(word, index.common_near(word, budget), budget)


def join_split_words(index: Index, toks: list[str]) -> tuple[list[str], list[Correction]]:
    """`toks` with a store word that dictation or a stray space split in pieces
    put back together ("myelo fibrosis", "medi a stinum", "hema to poesis").

    Two to four pieces are joined when the result is a store word, or, when a
    piece is no word at all, when it is one typo away from a store word. A
    stop word may sit inside ("a", "to") but never starts or ends the run."""
    an = index.analyzer
    if len(toks) < 2:
        return toks, []
    runs = {
        (i, size): an.spell("".join(run))
        for size in (4, 3, 2)
        for i in range(len(toks) - size + 1)
        if (run := toks[i : i + size])[0] not in an.stop
        and run[-1] not in an.stop
        and all(t.isalpha() for t in run)
    }
    if not runs:
        return toks, []
    store = index.known_words([*toks, *runs.values()])
    plain = store | set(index.common_rank(toks)) | an.stop
    out: list[str] = []
    fixes: list[Correction] = []
    i = 0
    while i < len(toks):
        for size in (4, 3, 2):
            joined = runs.get((i, size))
            if joined is None:
                continue
            run = toks[i : i + size]
            found = joined if joined in store else None
            if found is None and len(joined) >= 8 and any(t not in plain for t in run):
                found = correct_word(index, joined)
            if found is not None:
                fixes.append(Correction(" ".join(run), found, "joined"))
                out.append(found)
                i += size
                break
        else:
            out.append(toks[i])
            i += 1
    return out, fixes


_OPTION = re.compile(r"(?:^|(?<=\s))(?:\(([a-eA-E])\)|([a-eA-E])[).:])(?=\s)")


# A "which/what ...: X, Y, or Z" question lists its options after the colon.
_LISTED_OPTIONS = re.compile(
    r"(.*\b(?:which|what)\b[^:]*):\s*([^:]*,[^:]*\bor\b[^:]*)$", re.IGNORECASE | re.DOTALL
)


def split_options(query: str) -> tuple[str, str]:
    """A multiple-choice question's stem and its options ("(a) ... (b) ...").

    Lettered options, or a list after a colon ("which ...: X, Y, or Z?").
    The options of a quiz question name the answer and its distractors: the
    ranker uses them only where they match, so wrong options cannot make a
    question look unanswerable."""
    marks = list(_OPTION.finditer(query))
    letters = [(m.group(1) or m.group(2)).lower() for m in marks]
    for i in range(len(letters) - 1):
        if letters[i] == "a" and letters[i + 1] == "b":
            return query[: marks[i].start()], query[marks[i].start() :]
    listed = _LISTED_OPTIONS.match(query)
    if listed:  # "Which confirms it: biopsy, bone scan, PET, or ferritin?"
        return listed.group(1), listed.group(2)
    return query, ""


class _Reading:
    """What the steps of one query's reading share: the corrections shown in
    --explain, each word's weight share from a several-word abbreviation, the
    common English word an unknown word misspells, and the question clause.
    (A plain class, as model.py's records are NamedTuples: no dataclass to
    define at start-up.)"""

    __slots__ = ("common_alias", "corrections", "focus", "index", "share")

    def __init__(self, index: Index) -> None:
        self.index = index
        self.corrections: list[Correction] = []
        self.share: dict[str, float] = {}
        self.common_alias: dict[str, str] = {}
        self.focus: set[str] = set()

    @property
    def an(self) -> Analyzer:
        return self.index.analyzer


def read_cased_abbreviations(r: _Reading, text: str) -> str:
    """`text` with capitalised abbreviations that are also words ("ALL") spelled out."""
    for abbr, exp in r.an.cased_abbreviations(text):
        text = re.sub(rf"\b{abbr}\b", " ".join(exp), text)
        r.corrections.append(Correction(abbr, " ".join(exp), "abbreviation"))
    return text


def expand(r: _Reading, tokens: list[str]) -> list[str]:
    """Spelling variants read as American, abbreviations spelled out. A variant
    the store itself writes ("colour") is read alike but not announced as a
    correction."""
    an = r.an
    out: list[str] = []
    spelled = [an.spell(tok) for tok in tokens]
    variants = [tok for tok, sp in zip(tokens, spelled, strict=True) if sp != tok]
    own = r.index.store_spellings(variants) if variants else set()
    for tok, sp in zip(tokens, spelled, strict=True):
        if sp != tok and tok not in own:
            r.corrections.append(Correction(tok, sp, "spelling"))
        exp = an.abbrev.get(sp)
        if exp is not None:
            r.corrections.append(Correction(tok, " ".join(exp), "abbreviation"))
            for w in exp:  # "CT" is one thing asked about, not two
                r.share[w] = min(r.share.get(w, 1.0), 1.0 / len(exp))
        out.extend(exp if exp is not None else [sp])
    return out


def replace(r: _Reading, words: list[str], found: list[tuple[int, int, list[str]]]) -> list[str]:
    """`words` with each found phrase or idiom replaced (and shown in --explain)."""
    r.corrections.extend(
        Correction(" ".join(words[start:end]), " ".join(rep), "phrase") for start, end, rep in found
    )
    return splice(words, found)


class _Known(NamedTuple):
    """What the store and English know of a query's content words."""

    df: dict[str, int]
    common: dict[str, int]
    in_store: set[str]


def known_of(r: _Reading, words: list[str]) -> _Known:
    an, index = r.an, r.index
    return _Known(
        index.df(an.term(w) for w in words), index.common_rank(words), index.known_words(words)
    )


def normalise(r: _Reading, content: list[str], known: _Known) -> list[str]:
    """Content words with typos corrected, known prefixes taken off and phrases read."""
    an, index = r.an, r.index
    fixed: list[str] = []
    lacking = [w for w in content if an.term(w) not in known.df and w not in known.in_store]
    compounds = index.compound_pieces(lacking) if lacking else {}
    for w in content:
        if w in compounds:  # "wifi" where the store writes "wi-fi": its spelling, not a typo
            pieces = an.content(compounds[w]) or compounds[w]
            for piece in pieces:  # one thing asked about, as an abbreviation's words are
                r.share[piece] = min(r.share.get(piece, 1.0), 1.0 / len(pieces))
            fixed.extend(pieces)
            continue
        if an.term(w) in known.df or w in an.words or w in known.common or w in known.in_store:
            fixed.append(w)
            continue
        c = correct_word(index, w)
        if c is not None:
            c = an.spell(c)  # a variant spelling corrected to is read as the store's
        base = None if c is not None else without_prefix(index, w)
        if base is not None:
            r.corrections.append(Correction(w, base, "prefix"))
            fixed.append(base)
        elif c is None:
            fixed.append(w)
            alias = common_misspelling(index, w)
            if alias is not None:
                r.common_alias[w] = alias
        else:
            r.corrections.append(Correction(w, c, "typo"))
            exp = an.abbrev.get(c)
            fixed.extend(exp if exp else [c])
    return replace(r, fixed, phrases_the_store_uses(r, fixed))


def phrases_the_store_uses(r: _Reading, words: list[str]) -> list[tuple[int, int, list[str]]]:
    """The phrases found in `words`, each replaced only by the words of its
    replacement that the store uses ("hepatosplenomegaly" is read as
    splenomegaly in a store that never says hepatomegaly); a phrase none of
    whose replacement the store uses keeps its own words."""
    an = r.an
    found = an.find_phrases(words)
    if not found:
        return found
    reps = {w for _, _, rep in found for w in rep}
    df = r.index.df(an.term(w) for w in reps)
    used = {w for w in reps if an.term(w) in df}
    out = []
    for start, end, rep in found:
        kept = [w for w in rep if w in used]
        if kept:
            out.append((start, end, kept))
    return out


class _Weighing(NamedTuple):
    """Store statistics for the query's terms and those the lexicon relates to them."""

    df: dict[str, int]
    topical: set[str]
    ranks: dict[str, int]  # rank in general English of the query's common words
    n: int  # answered entries


def weighing(r: _Reading, terms: set[str], final: list[str], options: list[str]) -> _Weighing:
    an, index = r.an, r.index
    all_terms = set(terms)
    for t in list(all_terms):
        all_terms.update(an.related.get(t, ()))
        all_terms.update(an.kinds.get(t, ()))
    ranks = index.common_rank([*final, *options, *r.common_alias.values()])
    for w in final:
        if an.is_keyword(w):
            ranks.pop(w, None)
    for w, alias in r.common_alias.items():
        if alias in ranks:
            ranks[w] = ranks[alias]
    return _Weighing(
        index.df(all_terms), index.question_terms(all_terms), ranks, max(index.answered_count, 1)
    )


def alternatives(
    an: Analyzer, term: str, df: dict[str, int], weights: Weights
) -> list[tuple[str, float]]:
    """The term, its narrower kinds at full weight, and related words at less."""
    kinds = [k for k in an.kinds.get(term, ()) if k in df]  # "organ": the liver is one
    return [(term, 1.0), *((k, 1.0) for k in kinds)] + [
        (rel, weights.related)
        for rel in an.related.get(term, ())
        if rel in df and rel != term and rel not in kinds
    ]


def base_weight(
    an: Analyzer,
    word: str,
    term: str,
    alts: list[tuple[str, float]],
    w: _Weighing,
    weights: Weights,
) -> tuple[float, bool]:
    """A concept's weight by rarity, and whether the store knows it."""
    df = w.df
    if term in df:
        # A word the store's questions use is one of its topics, and so is one
        # the lexicon relates to others ("radiation", "surgery"); any other
        # common English word found only inside answers is mostly phrasing.
        weight = idf(df[term], w.n)
        if term not in w.topical and term not in an.related and term not in an.kinds:
            rarity = unknown_factor(word, w.ranks.get(word), weights)
            weight *= weights.known_common + (1 - weights.known_common) * rarity
        return weight, True
    if any(rel in df for rel, _ in alts[1:]):
        return idf(min(df[rel] for rel, _ in alts[1:]), w.n), True
    return idf(0, w.n) * unknown_factor(word, w.ranks.get(word), weights), False


def concept(
    r: _Reading, word: str, term: str, role: str, w: _Weighing, weights: Weights
) -> Concept:
    """One thing the query asks about, weighed, with its role."""
    an, focus = r.an, r.focus
    alts = alternatives(an, term, w.df, weights)
    weight, known = base_weight(an, word, term, alts, w, weights)
    weight *= r.share.get(word, 1.0) ** weights.abbrev_share
    qualifier = role == "content" and not known and an.is_qualifier(word)
    if qualifier:  # narrows the question to a case: answer, and say it is not covered
        weight *= weights.qualifier
    if role == "content" and word in focus:
        weight *= weights.focus
    elif role == "option":
        weight *= weights.option
    story = role == "content" and ((bool(focus) and word not in focus) or qualifier)
    task = role == "content" and term in an.tasks and not story
    return Concept(
        word, term, tuple(alts), weight, known, role, an.is_keyword(word), task, story, qualifier
    )


def plan_query(index: Index, query: str, weights: Weights = WEIGHTS) -> QueryPlan:
    an = index.analyzer
    r = _Reading(index)
    stem_text, options_text = split_options(read_cased_abbreviations(r, query[:MAX_QUERY_CHARS]))
    toks, joined = join_split_words(index, fold(stem_text)[:MAX_QUERY_WORDS])
    r.corrections.extend(joined)
    intents = an.query_intents([an.spell(t) for t in toks])
    clause = an.focus_clause(stem_text)
    r.focus = {an.spell(t) for t in fold(clause)} if clause else set()

    words = expand(r, toks)
    words = replace(r, words, an.find_idioms(words))
    option_words = expand(r, fold(options_text)[:MAX_QUERY_WORDS])
    pronoun = any(w in an.pronouns for w in words)
    content, option_content = an.content(words), an.content(option_words)
    known = known_of(r, [*content, *option_content])
    final, options = normalise(r, content, known), normalise(r, option_content, known)

    subject_terms = [an.term(w) for w in an.subject]
    terms = [an.term(w) for w in final]
    option_terms = [an.term(w) for w in options]
    w = weighing(r, {*terms, *subject_terms, *option_terms}, final, options)
    for fix in r.corrections:
        if set(fix.original.split()) <= r.focus:
            r.focus.update(fix.replacement.split())
    roles = [(final, terms, "content")]
    if pronoun:
        roles.append((an.subject, subject_terms, "subject"))
    roles.append((options, option_terms, "option"))
    concepts = concepts_of(r, roles, w, weights)
    if not concepts:
        raise NothingToSearch("nothing to search for: the query has no searchable words")
    named = frozenset(subject_terms) & set(terms)
    return QueryPlan(
        query=query,
        mentions_subject=pronoun or bool(named),
        subject_terms=named,
        searched_for=searched_for(an, concepts, pronoun and not named),
        concepts=tuple(concepts),
        intents=intents,
        corrections=tuple(r.corrections),
        dropped=tuple(x for x in words if x not in content),
        curated=bool(an.canon),
    )


def concepts_of(
    r: _Reading, roles: list[tuple[list[str], list[str], str]], w: _Weighing, weights: Weights
) -> list[Concept]:
    """One concept per distinct term, in role order (content, subject, options)."""
    concepts: list[Concept] = []
    seen: set[str] = set()
    for role_words, role_terms, role in roles:
        for word, term in zip(role_words, role_terms, strict=True):
            if term not in seen:
                seen.add(term)
                concepts.append(concept(r, word, term, role, w, weights))
    return concepts


def searched_for(an: Analyzer, concepts: list[Concept], bracket_subject: bool) -> str:
    """The query as searched; `[subject]` for a pronoun when the query does not
    name the subject itself (not "… hematopoiesis [… hematopoiesis]")."""
    searched = " ".join(c.text for c in concepts if c.role == "content")
    if bracket_subject and an.subject:
        searched = (searched + " [" + " ".join(an.subject) + "]").strip()
    return searched or " ".join(an.subject)


def unknown_factor(word: str, rank: int | None, weights: Weights = WEIGHTS) -> float:
    """How much a word the store lacks says about the question (0-1)."""
    if word.isalnum() and word[0].isalpha() and word[-1].isdigit():
        # a code such as "t2", "jak2", "hba1c": a precise thing the store lacks
        return 1.0 if len(word) >= 3 else 0.5
    if word.isdigit() or len(word) <= 2:
        return 0.2
    factor = 1.0
    if rank is not None:
        x = (math.log10(rank) - weights.common_lo) / (weights.common_hi - weights.common_lo)
        factor = min(1.0, max(weights.common_floor, x))
        if len(word) >= 7 and word.endswith("ly"):
            factor = weights.common_floor  # an English adverb ("suddenly") says how, not what
    if len(word) <= 3:
        factor = min(factor, 0.5)
    return factor

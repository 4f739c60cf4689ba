"""Query planning and ranking: pure functions over an `Index`.

1. Plan: fold the query, read British spellings and abbreviations, drop stop
   words, correct typos against the store's own vocabulary, replace phrases,
   stem, map synonyms to one term, and weight each remaining concept by how
   rare it is in the store (IDF). A word the store never uses keeps the
   weight of the rarest term: it is probably what the question is about.
2. Candidates: entries sharing at least one term (FTS5, BM25 order).
3. Score 0-100 per entry:
     coverage   share of the query's weight the entry contains (question or
                answer); a known term it lacks counts less than an unknown one
     fields     the same, counting a question match above an answer match
     precision  share of the entry's question the query covers
     intent     the question word matches (how/why/when/where ...)
   Answers at or above the threshold are confident.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from emh_cli.errors import NothingToSearch
from emh_cli.index import Index, Indexed
from emh_cli.model import Answer, Concept, Correction, QueryPlan, Result
from emh_cli.textnorm import fold

MAX_QUERY_CHARS = 1000
MAX_QUERY_WORDS = 64
DEFAULT_MIN_SCORE = 50.0


@dataclass(frozen=True)
class Weights:
    related: float = 0.6  # a related word, relative to the word itself
    answer_field: float = 0.6  # an answer-only match, relative to a question match
    missing_known: float = 0.5  # weight of a known term the entry lacks, for coverage
    coverage: float = 0.62
    fields: float = 0.18
    precision: float = 0.15
    intent: float = 0.05
    candidates: int = 300


WEIGHTS = Weights()


def idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _typo_budget(word: str) -> int:
    if len(word) <= 4 or not word.isalpha():
        return 0
    return 1 if len(word) <= 7 else 2


def correct_word(index: Index, word: str) -> str | None:
    """The store word `word` is most likely a misspelling of, or None.

    Only small edits (1 for 5-7 letters, 2 for longer words), same first
    letter, so a real word the store lacks ("splenectomy") is left alone."""
    budget = _typo_budget(word)
    if budget == 0:
        return None
    choices = index.words_near(word, budget)
    if not choices:
        return None
    from rapidfuzz.distance import OSA

    best: tuple[int, int, str] | None = None
    for cand, freq in choices:
        d = OSA.distance(word, cand, score_cutoff=budget)
        if d <= budget and d > 0:
            key = (d, -freq, cand)
            if best is None or key < best:
                best = key
    return None if best is None else best[2]


def plan_query(index: Index, query: str, weights: Weights = WEIGHTS) -> QueryPlan:
    an = index.analyzer
    toks = fold(query[:MAX_QUERY_CHARS])[:MAX_QUERY_WORDS]
    intents = an.query_intents(toks)
    corrections: list[Correction] = []
    words: list[str] = []
    pronoun = False
    for tok in toks:
        sp = an.spell(tok)
        if sp != tok:
            corrections.append(Correction(tok, sp, "spelling"))
        exp = an.abbrev.get(sp)
        if exp is not None:
            corrections.append(Correction(tok, " ".join(exp), "abbreviation"))
            words.extend(exp)
            continue
        if sp in an.pronouns:
            pronoun = True
        words.append(sp)
    content = an.content(words)
    dropped = tuple(w for w in words if w not in content)

    known_df = index.df(an.term(w) for w in content)
    fixed: list[str] = []
    for w in content:
        if an.term(w) in known_df or w in an.words or index.has_word(w):
            fixed.append(w)
            continue
        c = correct_word(index, w)
        if c is None:
            fixed.append(w)
        else:
            corrections.append(Correction(w, c, "typo"))
            exp = an.abbrev.get(c)
            fixed.extend(exp if exp else [c])

    final: list[str] = []
    phrases = {start: (end, rep) for start, end, rep in an.find_phrases(fixed)}
    i = 0
    while i < len(fixed):
        if i in phrases:
            end, rep = phrases[i]
            corrections.append(Correction(" ".join(fixed[i:end]), " ".join(rep), "phrase"))
            final.extend(rep)
            i = end
        else:
            final.append(fixed[i])
            i += 1

    subject_terms = [an.term(w) for w in an.subject]
    need_subject = pronoun or not final
    terms = [an.term(w) for w in final]
    all_terms = set(terms) | set(subject_terms)
    for t in list(all_terms):
        all_terms.update(an.related.get(t, ()))
    df = index.df(all_terms)
    n = max(index.answered_count, 1)
    unknown_weight = idf(0, n)

    concepts: list[Concept] = []
    seen: set[str] = set()

    def add(word: str, term: str, role: str) -> None:
        if term in seen:
            return
        seen.add(term)
        alts = [(term, 1.0)] + [
            (r, weights.related) for r in an.related.get(term, ()) if r in df and r != term
        ]
        if term in df:
            weight, known = idf(df[term], n), True
        elif any(r in df for r, _ in alts[1:]):
            weight, known = idf(min(df[r] for r, _ in alts[1:]), n), True
        else:
            factor = 1.0 if len(word) >= 5 else 0.7 if len(word) == 4 else 0.3
            if word.isdigit():
                factor = 0.3
            weight, known = unknown_weight * factor, False
        concepts.append(Concept(word, term, tuple(alts), weight, known, role))

    for w, t in zip(final, terms, strict=True):
        add(w, t, "content")
    if need_subject:
        for w, t in zip(an.subject, subject_terms, strict=True):
            add(w, t, "subject")
    if not concepts:
        raise NothingToSearch("nothing to search for: the query has no searchable words")
    searched = " ".join(c.text for c in concepts if c.role == "content")
    if need_subject and pronoun:
        searched = (searched + " [" + " ".join(an.subject) + "]").strip()
    return QueryPlan(
        query=query,
        searched_for=searched or " ".join(an.subject),
        concepts=tuple(concepts),
        intents=intents,
        corrections=tuple(corrections),
        dropped=dropped,
    )


@dataclass(frozen=True)
class Scored:
    item: Indexed
    score: float
    matched_terms: frozenset[str]


def score_entry(plan: QueryPlan, item: Indexed, weights: Weights = WEIGHTS) -> Scored:
    q_all: frozenset[str] = frozenset().union(*item.qterms) if item.qterms else frozenset()
    a = item.aterms
    total = cov = fcov = den = 0.0
    matched: set[str] = set()
    factor_of: dict[str, float] = {}
    for c in plan.concepts:
        hq = ha = 0.0
        for t, f in c.alternatives:
            factor_of[t] = max(factor_of.get(t, 0.0), f)
            if t in q_all:
                hq = max(hq, f)
                matched.add(t)
            if t in a:
                ha = max(ha, f)
                matched.add(t)
        hit = max(hq, ha)
        total += c.weight
        cov += c.weight * hit
        fcov += c.weight * max(hq, weights.answer_field * ha)
        den += c.weight * (1.0 if (hit > 0 or not c.known) else weights.missing_known)
    if cov <= 0 or total <= 0:
        return Scored(item, 0.0, frozenset())
    coverage = cov / den
    fields = fcov / total
    precision = 0.0
    for qt in item.qterms:
        if qt:
            got = sum(factor_of.get(t, 0.0) for t in qt)
            precision = max(precision, got / len(qt))
    intent = 1.0 if plan.intents & item.intents else 0.0
    s = (
        weights.coverage * coverage
        + weights.fields * fields
        + weights.precision * precision
        + weights.intent * intent
    )
    s *= coverage  # an entry that misses what the query is about cannot be confident
    return Scored(item, round(100.0 * min(s, 1.0), 1), frozenset(matched))


def rank(index: Index, plan: QueryPlan, weights: Weights = WEIGHTS) -> list[Scored]:
    terms = [t for c in plan.concepts for t, _ in c.alternatives]
    items = index.candidates(terms, weights.candidates)
    scored = [score_entry(plan, it, weights) for it in items]
    scored = [s for s in scored if s.score > 0]
    scored.sort(key=lambda s: (-s.score, s.item.order))
    return scored


def matched_words(texts: Sequence[str], terms: frozenset[str], index: Index) -> tuple[str, ...]:
    """Folded words of `texts` whose term is in `terms` (for highlighting)."""
    an = index.analyzer
    out: set[str] = set()
    for text in texts:
        for tok in fold(text):
            sp = an.spell(tok)
            words = an.abbrev.get(sp, [sp])
            if any(an.term(w) in terms for w in an.content(words)):
                out.add(tok)
    return tuple(sorted(out))


def ask(
    index: Index,
    query: str,
    *,
    limit: int = 3,
    min_score: float = DEFAULT_MIN_SCORE,
    weights: Weights = WEIGHTS,
) -> Answer:
    plan = plan_query(index, query, weights)
    scored = rank(index, plan, weights)
    confident = [s for s in scored if s.score >= min_score][:limit]
    results = tuple(_result(index, plan, s) for s in confident)
    nearest: tuple[Result, ...] = ()
    if not results:
        nearest = tuple(_result(index, plan, s) for s in scored[:3])
        if not nearest:
            nearest = tuple(fuzzy_nearest(index, query, 3))
    return Answer(query, plan, results, nearest, min_score)


def _result(index: Index, plan: QueryPlan, s: Scored) -> Result:
    e = s.item.entry
    words = matched_words([*e.questions, e.answer or ""], s.matched_terms, index)
    concept_words = tuple(
        c.text for c in plan.concepts if any(t in s.matched_terms for t, _ in c.alternatives)
    )
    return Result(e, s.score, concept_words, words)


def fuzzy_nearest(index: Index, query: str, k: int) -> list[Result]:
    """Answered questions most like `query` by characters, when no term matched."""
    from rapidfuzz import fuzz, process, utils

    qs = [(eid, q) for eid, q, answered in index.questions() if answered]
    if not qs or not query.strip():
        return []
    best = process.extract(
        query[:MAX_QUERY_CHARS],
        [q for _, q in qs],
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=k * 3,
    )
    out: list[Result] = []
    seen: set[str] = set()
    for _, _sim, i in best:
        eid = qs[i][0]
        if eid in seen:
            continue
        seen.add(eid)
        entry = index.entry(eid)
        if entry is not None:
            out.append(Result(entry, 0.0))
        if len(out) == k:
            break
    return out

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
     intent     share of the question's kinds (how/why/where ...) the entry's question has
   Answers at or above the threshold are confident.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

from emh_cli.errors import NothingToSearch
from emh_cli.index import Index, Indexed
from emh_cli.model import Answer, Concept, Correction, QueryPlan, Result
from emh_cli.textnorm import fold, sound_key, splice

MAX_QUERY_CHARS = 1000
MAX_QUERY_WORDS = 64
DEFAULT_MIN_SCORE = 50.0
# Suggestions when no term matched: above this many questions, the nearest
# PREFILTER_KEEP by plain edit distance are ranked by WRatio, not all of them.
PREFILTER_ABOVE = 2000
PREFILTER_KEEP = 200


class Weights(NamedTuple):
    related: float = 0.5  # a related word, relative to the word itself
    related_more: float = 0.25  # each further related word of the same concept adds this share
    focus: float = 1.8  # words of the question clause of a several-clause query
    option: float = 0.3  # words of a multiple-choice option
    answer_field: float = 0.5  # an answer-only match, relative to a question match
    missing_known: float = 0.3  # weight of a known term the entry lacks, for coverage
    coverage: float = 0.62
    fields: float = 0.18
    precision: float = 0.4
    intent: float = 0.15
    abbrev_share: float = 0.5  # words of an n-word abbreviation weigh (1/n) ** this each
    off_subject: float = 0.3  # rank lost by an entry that lacks a subject word the query names
    lacks_task: float = 0.3  # rank lost by an entry that lacks the task the question asks for
    qualifier: float = 0.3  # weight of a qualifier the store lacks ("in children"), relative
    bm25: float = 0.2  # rank added by the entry's BM25 score (question + answer) against the best
    candidates: int = 300
    # An unknown word's weight grows with its rarity in general English:
    # rank 10**common_lo or more common -> common_floor, 10**common_hi or rarer -> 1.
    common_lo: float = 3.3
    common_hi: float = 4.2
    common_floor: float = 0.1
    known_common: float = 0.1  # a known word's weight keeps this share however common it is


WEIGHTS = Weights()


def idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


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


def plan_query(index: Index, query: str, weights: Weights = WEIGHTS) -> QueryPlan:
    an = index.analyzer
    text = query[:MAX_QUERY_CHARS]
    corrections: list[Correction] = []
    for abbr, exp in an.cased_abbreviations(text):
        text = re.sub(rf"\b{abbr}\b", " ".join(exp), text)
        corrections.append(Correction(abbr, " ".join(exp), "abbreviation"))
    stem_text, options_text = split_options(text)
    toks, joined = join_split_words(index, fold(stem_text)[:MAX_QUERY_WORDS])
    corrections.extend(joined)
    option_toks = fold(options_text)[:MAX_QUERY_WORDS]
    intents = an.query_intents([an.spell(t) for t in toks])
    clause = an.focus_clause(stem_text)
    focus = {an.spell(t) for t in fold(clause)} if clause else set()

    share: dict[str, float] = {}  # weight share of a word from a several-word abbreviation

    def expand(tokens: list[str]) -> list[str]:
        """Spelling variants read as American, abbreviations spelled out."""
        out: list[str] = []
        for tok in tokens:
            sp = an.spell(tok)
            if sp != tok:
                corrections.append(Correction(tok, sp, "spelling"))
            exp = an.abbrev.get(sp)
            if exp is not None:
                corrections.append(Correction(tok, " ".join(exp), "abbreviation"))
                for w in exp:  # "CT" is one thing asked about, not two
                    share[w] = min(share.get(w, 1.0), 1.0 / len(exp))
            out.extend(exp if exp is not None else [sp])
        return out

    def replace(words: list[str], found: list[tuple[int, int, list[str]]]) -> list[str]:
        """`words` with each found phrase or idiom replaced (and shown in --explain)."""
        corrections.extend(
            Correction(" ".join(words[start:end]), " ".join(rep), "phrase")
            for start, end, rep in found
        )
        return splice(words, found)

    words = expand(toks)
    words = replace(words, an.find_idioms(words))
    option_words = expand(option_toks)
    pronoun = any(w in an.pronouns for w in words)
    content = an.content(words)
    option_content = an.content(option_words)
    dropped = tuple(w for w in words if w not in content)

    known_df = index.df(an.term(w) for w in [*content, *option_content])
    common = index.common_rank([*content, *option_content])
    in_store = index.known_words([*content, *option_content])
    common_alias: dict[str, str] = {}

    def normalise(content: list[str]) -> list[str]:
        fixed: list[str] = []
        for w in content:
            if an.term(w) in known_df or w in an.words or w in common or w in in_store:
                fixed.append(w)
                continue
            c = correct_word(index, w)
            if c is not None:
                c = an.spell(c)  # a variant spelling corrected to is read as the store's
            base = None if c is not None else without_prefix(index, w)
            if base is not None:
                corrections.append(Correction(w, base, "prefix"))
                fixed.append(base)
            elif c is None:
                fixed.append(w)
                alias = common_misspelling(index, w)
                if alias is not None:
                    common_alias[w] = alias
            else:
                corrections.append(Correction(w, c, "typo"))
                exp = an.abbrev.get(c)
                fixed.extend(exp if exp else [c])
        return replace(fixed, an.find_phrases(fixed))

    final = normalise(content)
    options = normalise(option_content)

    subject_terms = [an.term(w) for w in an.subject]
    terms = [an.term(w) for w in final]
    option_terms = [an.term(w) for w in options]
    all_terms = set(terms) | set(subject_terms) | set(option_terms)
    for t in list(all_terms):
        all_terms.update(an.related.get(t, ()))
        all_terms.update(an.kinds.get(t, ()))
    df = index.df(all_terms)
    topical = index.question_terms(all_terms)
    n = max(index.answered_count, 1)
    unknown_weight = idf(0, n)
    ranks = index.common_rank([*final, *options, *common_alias.values()])
    for w in final:
        if an.is_keyword(w):
            ranks.pop(w, None)
    for w, alias in common_alias.items():
        if alias in ranks:
            ranks[w] = ranks[alias]

    concepts: list[Concept] = []
    seen: set[str] = set()

    def add(word: str, term: str, role: str) -> None:
        if term in seen:
            return
        seen.add(term)
        kinds = [k for k in an.kinds.get(term, ()) if k in df]  # "organ": the liver is one
        alts = [(term, 1.0), *((k, 1.0) for k in kinds)] + [
            (r, weights.related)
            for r in an.related.get(term, ())
            if r in df and r != term and r not in kinds
        ]
        if term in df:
            # A word the store's questions use is one of its topics, and so is
            # one the lexicon relates to others ("radiation", "surgery"); any
            # other common English word found only inside answers is mostly
            # phrasing.
            weight, known = idf(df[term], n), True
            if term not in topical and term not in an.related and term not in an.kinds:
                rarity = unknown_factor(word, ranks.get(word), weights)
                weight *= weights.known_common + (1 - weights.known_common) * rarity
        elif any(r in df for r, _ in alts[1:]):
            weight, known = idf(min(df[r] for r, _ in alts[1:]), n), True
        else:
            weight, known = unknown_weight * unknown_factor(word, ranks.get(word), weights), False
        weight *= share.get(word, 1.0) ** weights.abbrev_share
        qualifier = role == "content" and not known and an.is_qualifier(word)
        if qualifier:  # narrows the question to a case: answer, and say it is not covered
            weight *= weights.qualifier
        if role == "content" and word in focus:
            weight *= weights.focus
        elif role == "option":
            weight *= weights.option
        story = role == "content" and ((bool(focus) and word not in focus) or qualifier)
        task = role == "content" and term in an.tasks and not story
        concepts.append(
            Concept(
                word,
                term,
                tuple(alts),
                weight,
                known,
                role,
                an.is_keyword(word),
                task,
                story,
                qualifier,
            )
        )

    for fix in corrections:
        if set(fix.original.split()) <= focus:
            focus.update(fix.replacement.split())
    for w, t in zip(final, terms, strict=True):
        add(w, t, "content")
    if pronoun:
        for w, t in zip(an.subject, subject_terms, strict=True):
            add(w, t, "subject")
    for w, t in zip(options, option_terms, strict=True):
        add(w, t, "option")
    if not concepts:
        raise NothingToSearch("nothing to search for: the query has no searchable words")
    searched = " ".join(c.text for c in concepts if c.role == "content")
    if pronoun and an.subject:
        searched = (searched + " [" + " ".join(an.subject) + "]").strip()
    named = frozenset(subject_terms) & set(terms)
    return QueryPlan(
        query=query,
        mentions_subject=pronoun or bool(named),
        subject_terms=named,
        searched_for=searched or " ".join(an.subject),
        concepts=tuple(concepts),
        intents=intents,
        corrections=tuple(corrections),
        dropped=dropped,
        curated=bool(an.canon),
    )


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


class Features(NamedTuple):
    """What the confidence of one (query, entry) pair is computed from."""

    coverage: float  # matched weight / (weight, a known missing term at a discount)
    matched: float  # log(1 + matched weight in units of an unknown word)
    unknown: float  # share of the query's weight the store does not know at all (not story)
    missing: float  # share of the query's weight the store knows but this entry lacks
    precision: float  # share of the entry's question terms the query covers
    fields: float  # matched weight found in the question rather than the answer
    intent: float  # share of the query's question kinds (how/why/where ...) the entry has
    subject: float  # the query names the store's subject or points at it ("it")
    dominant: float  # log(1 + the heaviest unknown word / matched weight)
    aspect: float  # 1 if the entry lacks a word of lexicon/keywords.txt the query has
    sharpest: float  # the weight of the rarest word that matched, in units of an unknown word
    off_subject: float  # 1 if the entry lacks a word of the store's subject the query names
    task: float  # 1 if the entry lacks what the question asks to be done ("treat")
    story_unknown: float  # the same as `unknown`, for words outside the question clause
    # `unknown` and `dominant` again, in a store whose vocabulary has its field's
    # synonyms (there a word it lacks says more), else 0
    unknown_curated: float = 0.0
    dominant_curated: float = 0.0
    relative: float = 1.0  # this entry's rank against the best candidate's (1 for the best)
    bm25: float = 0.0  # the entry's BM25 score (question + answer) against the best candidate's

    def vector(self) -> tuple[float, ...]:
        return tuple(self)


# Logistic calibration of the confidence. A result's score is
#     100 * P(the store answers the query) * P(this result is an answer) / P(the best is)
# = 100 * sigmoid(a . best's features) * sigmoid(b . this result's) / sigmoid(b . best's),
# the last ratio at most 1: the best result's score is how likely the store answers.
# CALIBRATION holds a (bias, then one coefficient per Features field), then b.
# Fitted by `benchmarks/fit_calibration.py --write` on the development suites of
# several stores (the bundled one and other-field FAQs), each weighing the same;
# a's bias is then moved so that at most SHIPPED_MAX_FALSE of the answerable
# queries have a best score under 50 (see fit_calibration.py).
# fmt: off
CALIBRATION: tuple[float, ...] = (
    -2.388, 2.466, 1.837, -0.354, -0.065, 1.118, 1.106, 0.549, 0.133, 0.705, -1.913, -0.754, -0.378, -2.991, 2.211, 0.262, -1.265, 0.000, -0.088,
    -7.985, 0.086, 0.873, -1.308, -1.698, 1.848, 1.104, 0.265, -0.180, 0.079, -0.614, 2.299, -3.621, -1.184, -1.086, 0.323, 0.401, 4.313, 1.321,
)
# fmt: on


class Scored(NamedTuple):
    item: Indexed
    rank: float
    features: Features
    matched_terms: frozenset[str]
    score: float = 0.0


def _sigmoid(coefficients: Sequence[float], f: Features) -> float:
    z = coefficients[0] + sum(c * x for c, x in zip(coefficients[1:], f.vector(), strict=True))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def confidence(
    f: Features, best: Features | None = None, calibration: Sequence[float] = CALIBRATION
) -> float:
    """100 * P(the store answers) (from the `best` candidate's features; `f`'s
    own by default), times how likely the result with features `f` is an
    answer against the best candidate (at most 1)."""
    best = best if best is not None else f
    half = len(calibration) // 2
    answers = _sigmoid(calibration[:half], best)
    mine, top = _sigmoid(calibration[half:], f), _sigmoid(calibration[half:], best)
    return 100.0 * answers * (min(1.0, mine / top) if top > 0 else 0.0)


def factors(plan: QueryPlan) -> dict[str, float]:
    """How much each term of `plan` counts when found: 1 for a query word, less
    for a related word (the highest, if several concepts have the term)."""
    out: dict[str, float] = {}
    for c in plan.concepts:
        for t, f in c.alternatives:
            out[t] = max(out.get(t, 0.0), f)
    return out


def score_entry(
    plan: QueryPlan,
    item: Indexed,
    unit: float,
    weights: Weights = WEIGHTS,
    factor_of: dict[str, float] | None = None,
    lexical: float = 0.0,
) -> Scored | None:
    """`item` scored for `plan`; `lexical` is its BM25 score against the best
    candidate's (0-1)."""
    q_all = item.qall
    a = item.aterms
    total = cov = fcov = den = unknown = missing = heaviest = 0.0
    aspect = task = story_unknown = 0.0
    sharpest = 0.0
    matched: set[str] = set()
    if factor_of is None:
        factor_of = factors(plan)
    for c in plan.concepts:
        hq = ha = 0.0
        nq = na = 0  # related words found: several say more than one
        for t, f in c.alternatives:
            if t in q_all:
                hq = max(hq, f)
                nq += f < 1.0
                matched.add(t)
            if t in a:
                ha = max(ha, f)
                na += f < 1.0
                matched.add(t)
        if hq < 1.0 and nq > 1:
            hq = min(1.0, hq * (1.0 + weights.related_more * (nq - 1)))
        if ha < 1.0 and na > 1:
            ha = min(1.0, ha * (1.0 + weights.related_more * (na - 1)))
        hit = max(hq, ha)
        if hit > 0:
            sharpest = max(sharpest, c.weight * hit)
        if c.role == "option" and hit == 0:
            continue  # a distractor of a multiple-choice question
        total += c.weight
        if c.aspect and hit == 0:
            aspect = 1.0
        if c.task and hit == 0:
            task = 1.0
        cov += c.weight * hit
        fcov += c.weight * max(hq, weights.answer_field * ha)
        den += c.weight * (1.0 if (hit > 0 or not c.known) else weights.missing_known)
        if not c.known:
            if c.story:
                story_unknown += c.weight
            else:
                unknown += c.weight
            heaviest = max(heaviest, c.weight)
        elif hit == 0:
            missing += c.weight
    if cov <= 0 or total <= 0:
        return None
    off_subject = float(any(t not in q_all and t not in a for t in plan.subject_terms))
    precision = 0.0
    for qt in item.qterms:
        if qt:
            got = sum(factor_of.get(t, 0.0) for t in qt)
            precision = max(precision, got / len(qt))
    feats = Features(
        coverage=cov / den,
        matched=math.log1p(cov / unit),
        unknown=unknown / total,
        missing=missing / total,
        precision=precision,
        fields=fcov / cov,
        intent=len(plan.intents & item.intents) / len(plan.intents) if plan.intents else 0.0,
        subject=1.0 if plan.mentions_subject else 0.0,
        dominant=math.log1p(heaviest / cov),
        aspect=aspect,
        sharpest=sharpest / unit,
        off_subject=off_subject,
        task=task,
        story_unknown=story_unknown / total,
        unknown_curated=unknown / total if plan.curated else 0.0,
        dominant_curated=math.log1p(heaviest / cov) if plan.curated else 0.0,
        bm25=lexical,
    )
    r = (
        weights.coverage * feats.coverage
        + weights.fields * (fcov / total)
        + weights.precision * precision
        + weights.intent * feats.intent
    ) * feats.coverage
    if off_subject:
        r *= 1.0 - weights.off_subject  # about something else that shares a word
    if task:
        r *= 1.0 - weights.lacks_task  # "how is it treated": not an entry silent on treatment
    r += weights.bm25 * lexical  # plain BM25 over question + answer
    return Scored(item, r, feats, frozenset(matched))


def rank(
    index: Index,
    plan: QueryPlan,
    weights: Weights = WEIGHTS,
    calibration: Sequence[float] = CALIBRATION,
    scores_for: int | None = None,
) -> list[Scored]:
    """Candidates best first, each scored by how likely it answers the query
    (0-100); only the first `scores_for` are scored (all by default), the rest
    keep 0."""
    terms = [t for c in plan.concepts for t, _ in c.alternatives]
    found = index.candidates(terms, weights.candidates)
    unit = idf(0, max(index.answered_count, 1))
    factor_of = factors(plan)
    best_bm25 = max((b for _, b in found), default=0.0)
    scale = 1.0 / best_bm25 if best_bm25 > 0 else 0.0
    scored = [
        s
        for it, b in found
        if (s := score_entry(plan, it, unit, weights, factor_of, b * scale)) is not None
    ]
    scored.sort(key=lambda s: (-s.rank, s.item.order))
    n = len(scored) if scores_for is None else min(scores_for, len(scored))
    top = scored[0].rank if scored else 1.0
    best = scored[0].features if scored else None
    for i in range(n):
        s = scored[i]
        feats = s.features._replace(relative=s.rank / top if top > 0 else 0.0)
        score = round(confidence(feats, best, calibration), 1)
        scored[i] = s._replace(features=feats, score=score)
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
    calibration: Sequence[float] = CALIBRATION,
    highlight: bool = False,
) -> Answer:
    """Answer `query`. `highlight` also finds the answer words to highlight
    (only a terminal shows them)."""
    plan = plan_query(index, query, weights)
    scored = rank(index, plan, weights, calibration, scores_for=max(limit, 3))
    confident = [s for s in scored[:limit] if s.score >= min_score]
    results = tuple(_result(index, plan, s, highlight) for s in confident)
    nearest: tuple[Result, ...] = ()
    if not results:
        nearest = tuple(_result(index, plan, s, False) for s in scored[:3])
        if not nearest:
            nearest = tuple(fuzzy_nearest(index, query, 3))
    uncovered = not_covered(plan, results or nearest, idf(0, max(index.answered_count, 1)))
    return Answer(query, plan, results, nearest, min_score, not_covered=uncovered)


# A query word counts as not covered when it weighs at least this share of an
# unknown word (so phrasing such as "people" or "show" is not listed).
NOT_COVERED_WEIGHT = 0.5


def not_covered(plan: QueryPlan, shown: Sequence[Result], unit: float) -> tuple[str, ...]:
    """The query's words (as typed, after correction) that weigh and that no
    shown result matches: "children" in "emh in children"."""
    matched = {w for r in shown for w in r.matched}
    return tuple(
        c.text
        for c in plan.concepts
        if c.role == "content"
        and c.text not in matched
        and (c.qualifier or c.weight >= NOT_COVERED_WEIGHT * unit)
    )


def _result(index: Index, plan: QueryPlan, s: Scored, highlight: bool) -> Result:
    e = s.item.entry
    words = (
        matched_words(
            [*e.questions, e.answer or ""],
            s.matched_terms & {c.term for c in plan.concepts},  # not the weaker related words
            index,
        )
        if highlight
        else ()
    )
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
    text = utils.default_process(query[:MAX_QUERY_CHARS])
    if len(qs) > PREFILTER_ABOVE:  # a large store: plain edit distance first, ten times faster
        near = process.extract(
            text,
            [q for _, q in qs],
            scorer=fuzz.QRatio,
            processor=utils.default_process,
            limit=PREFILTER_KEEP,
        )
        qs = [qs[i] for _, _, i in near]
    best = process.extract(
        text, [q for _, q in qs], scorer=fuzz.WRatio, processor=utils.default_process, limit=k * 3
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

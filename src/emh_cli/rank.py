"""Ranking: pure functions over an `Index` and a query plan (plan.py).

1. Plan (emh_cli.plan.plan_query): the query's concepts, weighted.
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
from collections.abc import Sequence
from typing import NamedTuple

from emh_cli.index import Index, Indexed
from emh_cli.model import Answer, Concept, Entry, QueryPlan, Result
from emh_cli.plan import (  # re-exported: the ranker's public names
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    common_misspelling,
    correct_word,
    join_split_words,
    plan_query,
    split_options,
    unknown_factor,
)
from emh_cli.textnorm import clean_query, fold, is_phrasing_word
from emh_cli.weights import WEIGHTS, Weights, idf

__all__ = [
    "CALIBRATION",
    "DEFAULT_MIN_SCORE",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_WORDS",
    "WEIGHTS",
    "Features",
    "Weights",
    "ask",
    "common_misspelling",
    "confidence",
    "correct_word",
    "fuzzy_nearest",
    "idf",
    "join_split_words",
    "plan_query",
    "rank",
    "rank_entry",
    "score_entry",
    "split_options",
    "unknown_factor",
]

DEFAULT_MIN_SCORE = 50.0
# Suggestions when no term matched: above this many questions, the nearest
# PREFILTER_KEEP by plain edit distance are ranked by WRatio, not all of them.
PREFILTER_ABOVE = 2000
PREFILTER_KEEP = 200
# A question is near such a query only if one of their words is spelled like
# the other (rapidfuzz ratio, 0-100): "hematopoesiss" is near "hematopoiesis",
# but nothing in a store is near "zzqx" or "asdfgh".
FUZZY_WORD_RATIO = 70.0


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
    -0.930, 0.543, 1.381, -0.657, -0.912, 1.048, 1.201, 0.264, 0.298, -0.094, -1.759, -0.197, -0.181, -2.485, 0.054, -2.652, 0.300, 0.000, 0.067,
    -7.336, -0.668, 0.530, -2.059, -1.667, 1.965, 0.327, 0.403, -0.344, 0.118, -0.499, 1.758, -0.866, -0.962, -1.479, 0.299, 0.331, 4.360, 2.648,
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
    return _relative_score(answers, _sigmoid(calibration[half:], best), calibration, f)


def _relative_score(answers: float, top: float, calibration: Sequence[float], f: Features) -> float:
    """`confidence` with the best candidate's two probabilities already known."""
    mine = _sigmoid(calibration[len(calibration) // 2 :], f)
    return 100.0 * answers * (min(1.0, mine / top) if top > 0 else 0.0)


def factors(plan: QueryPlan) -> dict[str, float]:
    """How much each term of `plan` counts when found: 1 for a query word, less
    for a related word (the highest, if several concepts have the term)."""
    out: dict[str, float] = {}
    for c in plan.concepts:
        for t, f in c.alternatives:
            out[t] = max(out.get(t, 0.0), f)
    return out


def concept_hit(
    c: Concept, q_all: frozenset[str], a: frozenset[str], weights: Weights, matched: set[str]
) -> tuple[float, float]:
    """How well an entry has concept `c` in its questions and in its answer (0-1
    each; a related word counts less, several related words more). The terms
    found are added to `matched`."""
    hq = ha = 0.0
    nq = na = 0  # related words found: several say more than one
    for t, f in c.alternatives:
        if t in q_all:
            if f > hq:
                hq = f
            nq += f < 1.0
            matched.add(t)
        if t in a:
            if f > ha:
                ha = f
            na += f < 1.0
            matched.add(t)
    if hq < 1.0 and nq > 1:
        hq = min(1.0, hq * (1.0 + weights.related_more * (nq - 1)))
    if ha < 1.0 and na > 1:
        ha = min(1.0, ha * (1.0 + weights.related_more * (na - 1)))
    return hq, ha


def question_precision(item: Indexed, factor_of: dict[str, float]) -> float:
    """The largest share of one of the entry's questions that the query covers."""
    precision = 0.0
    for qt in item.qterms:
        if qt:
            precision = max(precision, sum(factor_of.get(t, 0.0) for t in qt) / len(qt))
    return precision


class _Tally(NamedTuple):
    """One pass of an entry over the query's concepts: the weights it has and lacks."""

    total: float  # the query's weight (less the options the entry lacks)
    cov: float  # matched weight
    fcov: float  # matched weight, an answer-only match at a discount
    den: float  # coverage's denominator: a known term the entry lacks at a discount
    unknown: float
    missing: float
    heaviest: float  # the heaviest unknown word
    aspect: float
    task: float
    story_unknown: float
    sharpest: float
    matched: frozenset[str]


def tally(plan: QueryPlan, item: Indexed, weights: Weights = WEIGHTS) -> _Tally | None:
    """How much of `plan` the entry has, or None when it has nothing of it."""
    q_all, a = item.qall, item.aterms
    answer_field, missing_known = weights.answer_field, weights.missing_known
    total = cov = fcov = den = unknown = missing = heaviest = 0.0
    aspect = task = story_unknown = sharpest = 0.0
    matched: set[str] = set()
    for c in plan.concepts:
        hq, ha = concept_hit(c, q_all, a, weights, matched)
        hit = hq if hq > ha else ha
        w = c.weight
        if hit > 0 and w * hit > sharpest:
            sharpest = w * hit
        if hit == 0 and c.role == "option":
            continue  # a distractor of a multiple-choice question
        total += w
        if hit == 0:
            if c.aspect:
                aspect = 1.0
            if c.task:
                task = 1.0
        cov += w * hit
        fcov += w * (hq if hq > answer_field * ha else answer_field * ha)
        den += w if (hit > 0 or not c.known) else w * missing_known
        if not c.known:
            if c.story:
                story_unknown += w
            else:
                unknown += w
            if w > heaviest:
                heaviest = w
        elif hit == 0:
            missing += w
    if cov <= 0 or total <= 0:
        return None
    return _Tally(
        total, cov, fcov, den, unknown, missing, heaviest, aspect, task, story_unknown, sharpest,
        frozenset(matched),
    )  # fmt: skip


class _Ranked(NamedTuple):
    """Where an entry ranks for a query, and what its features are made from."""

    rank: float
    tally: _Tally
    item: Indexed
    coverage: float  # matched weight over coverage's denominator
    precision: float
    intent: float
    off_subject: float
    lexical: float  # BM25 against the best candidate's (0-1)


def features_of(plan: QueryPlan, ranked: _Ranked, unit: float) -> Features:
    """The confidence's features of a ranked entry."""
    t = ranked.tally
    total, cov = t.total, t.cov
    dominant = math.log1p(t.heaviest / cov)
    return Features(
        coverage=ranked.coverage,
        matched=math.log1p(cov / unit),
        unknown=t.unknown / total,
        missing=t.missing / total,
        precision=ranked.precision,
        fields=t.fcov / cov,
        intent=ranked.intent,
        subject=1.0 if plan.mentions_subject else 0.0,
        dominant=dominant,
        aspect=t.aspect,
        sharpest=t.sharpest / unit,
        off_subject=ranked.off_subject,
        task=t.task,
        story_unknown=t.story_unknown / total,
        unknown_curated=t.unknown / total if plan.curated else 0.0,
        dominant_curated=dominant if plan.curated else 0.0,
        bm25=ranked.lexical,
    )


def intent_share(plan: QueryPlan, item: Indexed) -> float:
    return len(plan.intents & item.intents) / len(plan.intents) if plan.intents else 0.0


def off_subject(plan: QueryPlan, item: Indexed) -> float:
    """1 if the entry lacks a word of the store's subject that the query names."""
    return float(any(t not in item.qall and t not in item.aterms for t in plan.subject_terms))


def score_entry(
    plan: QueryPlan,
    item: Indexed,
    unit: float,
    weights: Weights = WEIGHTS,
    factor_of: dict[str, float] | None = None,
    lexical: float = 0.0,
) -> Scored | None:
    """`item` ranked for `plan`, with its features (score left at 0: the score
    needs the best candidate, see `rank`); `lexical` is its BM25 score against
    the best candidate's (0-1)."""
    ranked = rank_entry(plan, item, weights, factor_of or factors(plan), lexical)
    if ranked is None:
        return None
    return Scored(item, ranked.rank, features_of(plan, ranked, unit), ranked.tally.matched)


def rank_entry(
    plan: QueryPlan, item: Indexed, weights: Weights, factor_of: dict[str, float], lexical: float
) -> _Ranked | None:
    """Where `item` ranks for `plan` (None: it has nothing of the query)."""
    t = tally(plan, item, weights)
    if t is None:
        return None
    coverage = t.cov / t.den if t.den else 0.0
    precision = question_precision(item, factor_of)
    intent, off = intent_share(plan, item), off_subject(plan, item)
    r = rank_value(coverage, t.fcov / t.total, precision, intent, off, t.task, lexical, weights)
    return _Ranked(r, t, item, coverage, precision, intent, off, lexical)


def rank_value(
    coverage: float,
    field_share: float,
    precision: float,
    intent: float,
    off_subject: float,
    task: float,
    bm25: float,
    weights: Weights = WEIGHTS,
) -> float:
    """Where an entry ranks: coverage, the question field, precision and question
    words; less for an entry about something else that shares a word, or
    silent on the task asked for; plus its share of BM25."""
    r = (
        weights.coverage * coverage
        + weights.fields * field_share
        + weights.precision * precision
        + weights.intent * intent
    ) * coverage
    if off_subject:
        r *= 1.0 - weights.off_subject  # about something else that shares a word
    if task:
        r *= 1.0 - weights.lacks_task  # "how is it treated": not an entry silent on treatment
    return r + weights.bm25 * bm25  # plain BM25 over question + answer


def rank(
    index: Index,
    plan: QueryPlan,
    weights: Weights = WEIGHTS,
    calibration: Sequence[float] = CALIBRATION,
    scores_for: int | None = None,
) -> list[Scored]:
    """Candidates best first, each scored by how likely it answers the query
    (0-100), in score order; only the first `scores_for` are scored and
    returned (all by default)."""
    terms = [t for c in plan.concepts for t, _ in c.alternatives]
    found = index.candidates(terms, weights.candidates)
    unit = idf(0, max(index.answered_count, 1))
    factor_of = factors(plan)
    best_bm25 = max((b for _, b in found), default=0.0)
    scale = 1.0 / best_bm25 if best_bm25 > 0 else 0.0
    ranked = [
        hit
        for it, b in found
        if (hit := rank_entry(plan, it, weights, factor_of, b * scale)) is not None
    ]
    ranked.sort(key=lambda x: (-x.rank, x.item.order))
    n = len(ranked) if scores_for is None else min(scores_for, len(ranked))
    if n == 0:
        return []
    top = ranked[0].rank
    half = len(calibration) // 2
    scored: list[Scored] = []
    for i, hit in enumerate(ranked[:n]):
        feats = features_of(plan, hit, unit)
        if i == 0:
            best = feats
            answers = _sigmoid(calibration[:half], best)
            best_result = _sigmoid(calibration[half:], best)
        else:
            feats = feats._replace(relative=hit.rank / top if top > 0 else 0.0)
        score = round(_relative_score(answers, best_result, calibration, feats), 1)
        scored.append(Scored(hit.item, hit.rank, feats, hit.tally.matched, score))
    scored.sort(key=lambda s: -s.score)  # best first; the best stays first
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
    query = clean_query(query)
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
    asked = () if results else unanswered_asking(index, plan)
    return Answer(query, plan, results, nearest, min_score, not_covered=uncovered, unanswered=asked)


def unanswered_asking(index: Index, plan: QueryPlan) -> tuple[Entry, ...]:
    """The store's unanswered questions whose words are just the query's
    ("what does it cost" and "What does it cost?"), so that a refusal can say
    the store has the question but not its answer."""
    wanted = {c.term for c in plan.concepts if c.role == "content"}
    if not wanted:
        return ()
    # an entry once, though several of its questions ask it
    ids = dict.fromkeys(eid for eid, terms in index.unanswered_terms if terms == wanted)
    return tuple(e for eid in ids if (e := index.entry(eid)) is not None)


# A query word counts as not covered when it weighs at least this share of an
# unknown word (so phrasing such as "people" or "show" is not listed), or, if
# the store lacks it altogether, this smaller share: a common English word such
# as "paint" or "donate" weighs little in the rank but is what a question asks.
NOT_COVERED_WEIGHT = 0.5
NOT_COVERED_UNKNOWN = 0.2


def not_covered(plan: QueryPlan, shown: Sequence[Result], unit: float) -> tuple[str, ...]:
    """The query's words (as typed, after correction) that weigh and that no
    shown result matches: "children" in "emh in children"."""
    matched = {w for r in shown for w in r.matched}
    return tuple(
        c.text
        for c in plan.concepts
        if c.role == "content"
        and c.text not in matched
        and (
            c.qualifier
            or c.weight >= NOT_COVERED_WEIGHT * unit
            or (not c.known and _unknown_worth_naming(c, unit))
        )
    )


def _unknown_worth_naming(c: Concept, unit: float) -> bool:
    """A word the store lacks altogether is named if it weighs at least
    NOT_COVERED_UNKNOWN and has four letters or more, or, whatever it weighs,
    if it has three or more and is not English phrasing (lexicon/not_topics.txt):
    "dog" in "can I bring my dog" on a bicycle-hire FAQ. Never a number or a
    fragment ("im", "re")."""
    if not c.text.isalpha() or len(c.text) < 3:
        return False
    if len(c.text) >= 4 and c.weight >= NOT_COVERED_UNKNOWN * unit:
        return True
    return not is_phrasing_word(c.text)


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
    words = _fuzzy_words(text)
    out: list[Result] = []
    seen: set[str] = set()
    for _, _sim, i in best:
        eid = qs[i][0]
        if eid in seen or not _resembles(words, _fuzzy_words(utils.default_process(qs[i][1]))):
            continue
        seen.add(eid)
        entry = index.entry(eid)
        if entry is not None:
            out.append(Result(entry, 0.0))
        if len(out) == k:
            break
    return out


def _fuzzy_words(text: str) -> set[str]:
    return {w for w in text.split() if len(w) >= 3}


def _resembles(query_words: set[str], question_words: set[str]) -> bool:
    from rapidfuzz import fuzz

    return any(fuzz.ratio(q, w) >= FUZZY_WORD_RATIO for q in query_words for w in question_words)

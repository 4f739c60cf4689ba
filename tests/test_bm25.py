"""The in-memory BM25 (emh_cli.bm25) returns exactly what FTS5's bm25() does."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from emh_cli import bm25
from emh_cli.index import Index, open_index
from emh_cli.store import bundled_store_path

INDEX: Index = open_index(bundled_store_path())
POSTINGS = INDEX._postings
VOCABULARY = sorted(POSTINGS.freq) if POSTINGS else []


def _both(terms: list[str], limit: int) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    ts = sorted(set(terms))
    assert POSTINGS is not None
    return bm25.best(POSTINGS, ts, limit), INDEX._fts_best(ts, limit)


def test_a_small_store_is_scored_in_memory() -> None:
    assert POSTINGS is not None
    assert POSTINGS.rows == INDEX.answered_count
    assert len(VOCABULARY) > 100


def test_every_pair_of_terms_scores_as_fts5_does() -> None:
    pairs = list(itertools.combinations(VOCABULARY, 2))
    for a, b in random.Random(7).sample(pairs, 2_000):
        mine, theirs = _both([a, b], 50)
        assert mine == theirs, (a, b)  # the same rows, order and floats


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=12),
    st.integers(min_value=1, max_value=60),
)
def test_any_query_and_limit_score_as_fts5_does(terms: list[str], limit: int) -> None:
    mine, theirs = _both(terms, limit)
    assert mine == theirs


def test_unknown_terms_find_nothing_in_either() -> None:
    assert _both(["zzzqqq"], 10) == ([], [])


def test_a_term_fts5_would_split_is_left_to_fts5() -> None:
    assert bm25.can_score(["spleen", "b12"])
    assert not bm25.can_score(["b-12"])
    assert not bm25.can_score(["Spleen"])
    assert not bm25.can_score(["café"])


def test_postings_of_counts_weighted_frequency_and_length() -> None:
    p = bm25.postings_of([("x", 1, "q"), ("x", 1, "a"), ("y", 2, "a")], rows=3)
    assert p.freq == {"x": {1: 3.0}, "y": {2: 1.0}}
    assert p.avgdl == 1.0  # three tokens over three rows
    assert bm25.best(p, ["x", "y"], 5)[0][0] == 1

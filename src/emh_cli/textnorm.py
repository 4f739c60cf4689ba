"""Text normalisation shared by documents and queries.

The lexicon is everyday English (`emh_cli/lexicon/`) with the store's own
vocabulary (abbreviations, synonyms, topics, ...; see `emh_cli.vocabulary`)
laid over it, compiled into one JSON-able dict, which the index caches so that
a query never re-reads or re-stems it. `Analyzer` turns text into canonical terms:

    fold (Unicode, case, accents, punctuation) -> British-to-American spelling
    -> abbreviations -> stop words out -> phrases -> Porter2 stem -> synonym group
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from emh_cli.vocabulary import merge_vocabularies, read_vocabulary, read_word_list

LEXICON_DIR = Path(__file__).parent / "lexicon"

_TOKEN = re.compile(r"[^\W_]+")
_CLAUSE = re.compile(r"[,;:.!?()\u2013\u2014]+|\s-\s")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


# A terminal's escape sequence (CSI such as colours, OSC such as titles, or
# a two-character one): pasted from a terminal, it is no part of the words.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def clean_query(text: str) -> str:
    """`text` as typed, without terminal escape sequences, and with bytes that
    were not UTF-8 (lone surrogates from the command line) as U+FFFD."""
    text = _ESCAPE.sub("", text)
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


_HYPHENATED = re.compile(r"[^\W_]+(?:-[^\W_]+)+")


def _folded(text: str) -> str:
    """`text` case- and accent-folded (Unicode NFKD, combining marks dropped)."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


def hyphenated(text: str) -> list[list[str]]:
    """The folded pieces of each hyphenated word of `text` ("wi-fi" -> wi, fi)."""
    return [m.group().split("-") for m in _HYPHENATED.finditer(_folded(text))]


def fold(text: str) -> list[str]:
    """Unicode-, case- and accent-folded word tokens of `text`."""
    return _TOKEN.findall(_folded(text))


def read_common_words() -> list[str]:
    """Common English words, most frequent first (lexicon/common_words.txt)."""
    return read_word_list(LEXICON_DIR / "common_words.txt")


def read_not_topics() -> list[str]:
    """English phrasing words never learned as topics (lexicon/not_topics.txt)."""
    return read_word_list(LEXICON_DIR / "not_topics.txt")


def is_phrasing_word(word: str) -> bool:
    """Whether `word` is in lexicon/not_topics.txt (an adjective, adverb or light
    verb: "different", "long", "get"). The file is read on first use, as text:
    a lookup in its lines costs microseconds, a set of its words 2.5 ms."""
    return f"\n{word}\n" in _not_topics_text()


@lru_cache(maxsize=1)
def _not_topics_text() -> str:
    return "\n" + (LEXICON_DIR / "not_topics.txt").read_text(encoding="utf-8")


def english_vocabulary() -> dict[str, Any]:
    """The engine's own vocabulary: everyday English, no field (lexicon/)."""
    return read_vocabulary(LEXICON_DIR)


def load_lexicon(vocabulary: dict[str, Any] | None = None) -> dict[str, Any]:
    """Compile everyday English with a store's `vocabulary` laid over it."""
    return compile_lexicon(merge_vocabularies(english_vocabulary(), vocabulary or {}))


def compile_lexicon(vocab: dict[str, Any]) -> dict[str, Any]:
    """Compile a (merged) vocabulary into a JSON-able dict; stems are computed
    here, once."""
    c = _Compiler(vocab)
    words: dict[str, Any] = vocab.get("words", {})
    return {
        "stop": sorted(c.stop),
        "pronouns": sorted(c.pronouns),
        "subject": [t for t in c.norm(words.get("subject", "")) if t not in c.drop],
        "intents": {k.casefold(): c.norm_all(v) for k, v in words.get("intents", {}).items()},
        "first_word_intents": sorted(words.get("first_word_intents", ["is"])),
        "query_intents": {
            k.casefold(): sorted(set(c.norm_all(v)))
            for k, v in words.get("query_intents", {}).items()
        },
        "question_starters": sorted(set(c.norm_all(words.get("question_starters", [])))),
        "joiners": sorted(set(c.norm_all(words.get("joiners", [])))),
        "word_prefixes": sorted(
            {p.casefold() for p in words.get("prefixes", [])}, key=lambda p: (-len(p), p)
        ),  # longest first; the same order every run
        "spell_words": c.spell.words,
        "spell_prefixes": c.spell.prefixes,
        "spell_suffixes": c.spell.suffixes,
        "abbrev": c.abbrev,
        "cased": {k: c.norm(v) for k, v in vocab.get("cased", {}).items() if k.isupper()},
        "phrases": c.phrases(),
        "idioms": c.idioms(),
        "canon": c.canon,
        "related": c.links("related"),
        "kinds": c.links("kinds"),
        "topics": c.topics(),
        "words": sorted(c.lexicon_words()),
        "tasks": sorted({c.key_term(w) for w in words.get("tasks", [])}),
        "qualifiers": sorted(set(c.norm_all(words.get("qualifiers", [])))),
        "keywords": sorted(set(c.norm_all(vocab.get("keywords", [])))),
    }


class _Compiler:
    """The steps of `compile_lexicon`: spelling, stop words, synonym groups,
    phrases, idioms, links, topics, and the words the lexicon knows."""

    def __init__(self, vocab: dict[str, Any]) -> None:
        self.vocab = vocab
        self.stem = _stemmer()
        spelling: dict[str, Any] = vocab.get("spelling", {})
        self.synonyms: dict[str, Any] = vocab.get("synonyms", {})
        self.spell = _Speller(
            spelling.get("words", {}),
            list(spelling.get("prefixes", {}).items()),
            list(spelling.get("suffixes", {}).items()),
        )
        not_stop = set(self.norm_all(vocab.get("not_stopwords", [])))
        self.stop = set(self.norm_all(vocab.get("stopwords", []))) - not_stop
        pronouns = vocab.get("words", {}).get("pronouns", [])
        self.pronouns = {t for t in self.norm_all(pronouns) if len(t) > 1}
        self.abbrev = {
            k.casefold(): self.norm(v) for k, v in vocab.get("abbreviations", {}).items()
        }
        self.drop = self.stop | self.pronouns
        self.words: set[str] = set()  # words the lexicon itself knows
        # a synonym group's member of several words ("wireless internet") -> its head
        self.group_phrases: dict[str, str] = {}
        self.canon = self._groups()

    def norm(self, word: str) -> list[str]:
        return [self.spell(t) for t in fold(word)]

    def norm_all(self, words: list[str]) -> list[str]:
        return [t for w in words for t in self.norm(w)]

    def _groups(self) -> dict[str, str]:
        """Each synonym group's stems, mapped to its first word's stem."""
        canon: dict[str, str] = {}
        for group in self.synonyms.get("groups", []):
            members = [self.norm(w) for w in group]
            toks = [m[0] for m in members if len(m) == 1 and m[0] not in self.drop]
            if not toks:
                continue
            head = self.stem(toks[0])
            for t in toks:
                canon.setdefault(self.stem(t), head)
                self.words.add(t)
            for m in members:  # "e-book" is not "book": read as a phrase (see phrases)
                if len(m) > 1:
                    self.group_phrases[" ".join(m)] = toks[0]
        return canon

    def term(self, word: str) -> str:
        s = str(self.stem(word))
        return self.canon.get(s, s)

    def key_term(self, word: str) -> str:
        return self.term(self.spell(word.casefold()))

    def phrases(self) -> dict[str, list[str]]:
        phrases: dict[str, list[str]] = {}
        pairs = [*self.synonyms.get("phrases", {}).items(), *self.group_phrases.items()]
        for key, value in pairs:
            raw = self.norm(key)
            k = [t for t in raw if t not in self.drop]
            v = [t for t in self.norm(value) if t not in self.drop]
            if len(raw) > 1 and len(k) == 1:
                continue  # "e books" without its stop word would rewrite every "books"
            if len(k) >= 1 and v:
                phrases[" ".join(self.term(t) for t in k)] = v
                self.words.update(k)
                self.words.update(v)
        return phrases

    def idioms(self) -> dict[str, list[str]]:
        # A query's abbreviations are spelled out before idioms are read, so an
        # idiom's are too ("ct report" matches "computed tomography report").
        return {
            " ".join(t for w in self.norm(key) for t in self.abbrev.get(w, [w])): self.norm(value)
            for key, value in self.synonyms.get("idioms", {}).items()
        }

    def links(self, section: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, values in self.synonyms.get(section, {}).items():
            for v in values:
                out.setdefault(self.key_term(key), []).extend(
                    self.term(t) for t in self.norm(v) if t not in self.drop
                )
        return {k: sorted(set(v) - {k}) for k, v in sorted(out.items())}

    def topics(self) -> list[dict[str, Any]]:
        topic_list = []
        for name, spec in sorted(self.vocab.get("topics", {}).items()):
            topic_list.append(
                {
                    "name": name.casefold(),
                    "aliases": sorted({a.casefold() for a in spec.get("aliases", [])}),
                    "terms": list(spec.get("terms", [])),
                }
            )
            self.words.update(self.norm_all(spec.get("aliases", [])))
        return topic_list

    def lexicon_words(self) -> set[str]:
        """Words the lexicon knows (after phrases and topics are compiled)."""
        words = set(self.words)
        for exp in self.abbrev.values():
            words.update(exp)
        # a slip in a listed variant spelling ("hemopoeisis") is corrected to it
        spelled = self.vocab.get("spelling", {}).get("words", {})
        words.update(k.casefold() for k in spelled if len(k) >= 8)
        words.update(self.abbrev)
        # a slip in a qualifier ("childern") is corrected to it, and then noted
        words.update(self.norm_all(self.vocab.get("words", {}).get("qualifiers", [])))
        return words - self.drop


@lru_cache(maxsize=1)
def _stemmer_obj() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def _stemmer() -> Any:
    return _stemmer_obj().stemWord


class _Speller:
    def __init__(
        self,
        words: dict[str, str],
        prefixes: list[tuple[str, str]] | list[list[str]],
        suffixes: list[tuple[str, str]] | list[list[str]],
    ) -> None:
        self.words = {k.casefold(): v.casefold() for k, v in words.items()}
        self.prefixes = sorted(([a, b] for a, b in prefixes), key=lambda p: -len(p[0]))
        self.suffixes = sorted(([a, b] for a, b in suffixes), key=lambda p: -len(p[0]))

    def __call__(self, word: str) -> str:
        w = self.words.get(word)
        if w is not None:
            return w
        for a, b in self.prefixes:
            if word.startswith(a) and len(word) > len(a):
                word = b + word[len(a) :]
                break
        for a, b in self.suffixes:
            if word.endswith(a) and len(word) > len(a):
                word = word[: -len(a)] + b
                break
        return word


_SOUNDS = (
    ("ph", "f"),
    ("th", "t"),
    ("ae", "e"),
    ("oe", "e"),
    ("y", "i"),
    ("ck", "k"),
    ("qu", "kw"),
)


def sound_key(word: str) -> str:
    """`word` written roughly as it sounds, for matching phonetic misspellings:
    ph/f, th/t, ae/e, y/i, c/k before a, o, u, and no doubled letters."""
    for a, b in _SOUNDS:
        word = word.replace(a, b)
    word = re.sub(r"c(?=[aou])", "k", word)
    return re.sub(r"(.)\1+", r"\1", word)


def _matches(
    keys: Sequence[str], table: dict[str, list[str]], longest: int, shortest: int
) -> list[tuple[int, int, list[str]]]:
    """(start, end, replacement) of each run of `keys` that `table` has, longest
    first, left to right, never overlapping."""
    found: list[tuple[int, int, list[str]]] = []
    i = 0
    while i < len(keys):
        for size in range(min(longest, len(keys) - i), shortest - 1, -1):
            rep = table.get(" ".join(keys[i : i + size]))
            if rep is not None:
                found.append((i, i + size, rep))
                i += size
                break
        else:
            i += 1
    return found


def splice(words: list[str], found: Sequence[tuple[int, int, list[str]]]) -> list[str]:
    """`words` with each found (start, end, replacement) put in place (in place)."""
    for start, end, rep in reversed(found):
        words[start:end] = rep
    return words


class Analyzer:
    """Turns text into canonical terms with a compiled lexicon (see `load_lexicon`)."""

    def __init__(self, lexicon: dict[str, Any]) -> None:
        self.lexicon = lexicon
        self.stop = frozenset(lexicon["stop"])
        self.pronouns = frozenset(lexicon["pronouns"])
        self.subject: list[str] = lexicon["subject"]
        self.abbrev: dict[str, list[str]] = lexicon["abbrev"]
        self.cased: dict[str, list[str]] = lexicon.get("cased", {})
        self.phrases: dict[str, list[str]] = lexicon["phrases"]
        self.phrase_len = max((k.count(" ") + 1 for k in self.phrases), default=1)
        self.idioms: dict[str, list[str]] = lexicon.get("idioms", {})
        self.idiom_len = max((k.count(" ") + 1 for k in self.idioms), default=1)
        self.canon: dict[str, str] = lexicon["canon"]
        self.related: dict[str, list[str]] = lexicon["related"]
        self.kinds: dict[str, list[str]] = lexicon.get("kinds", {})
        self.intents: dict[str, list[str]] = lexicon["intents"]
        self.first_word_intents = frozenset(lexicon["first_word_intents"])
        self.query_intents_of: dict[str, list[str]] = lexicon.get("query_intents", {})
        self.speller = _Speller(
            lexicon["spell_words"], lexicon["spell_prefixes"], lexicon["spell_suffixes"]
        )
        self._stem = _stemmer()
        self._term_cache: dict[str, str] = {}
        self._spell_cache: dict[str, str] = {}
        self.words = frozenset(lexicon["words"])
        self.keywords = frozenset(lexicon.get("keywords", ()))
        self.tasks = frozenset(lexicon.get("tasks", ()))
        self.qualifiers = frozenset(lexicon.get("qualifiers", ()))
        self._drop = self.stop | self.pronouns | frozenset(self.intents)
        self.starters = frozenset(lexicon.get("question_starters", ()))
        self.joiners = frozenset(lexicon.get("joiners", ()))
        self.word_prefixes: list[str] = lexicon.get("word_prefixes", [])

    # -- words ------------------------------------------------------------
    def spell(self, word: str) -> str:
        s = self._spell_cache.get(word)
        if s is None:
            s = self._spell_cache[word] = self.speller(word)
        return s

    def term(self, word: str) -> str:
        """The canonical term of one (spelling-normalised) word."""
        t = self._term_cache.get(word)
        if t is None:
            s = self._stem(word)
            t = self._term_cache[word] = self.canon.get(s, s)
        return t

    def words_of(self, text: str) -> list[str]:
        """Folded, spelling-normalised words with abbreviations expanded."""
        return self.words_of_tokens(fold(text))

    def words_of_tokens(self, tokens: list[str]) -> list[str]:
        """`words_of` for tokens already folded."""
        out: list[str] = []
        for tok in tokens:
            tok = self.spell(tok)
            exp = self.abbrev.get(tok)
            if exp is not None:
                out.extend(exp)
            else:
                out.append(tok)
        return out

    def cased_abbreviations(self, text: str) -> list[tuple[str, list[str]]]:
        """The [cased] abbreviations written in capitals in `text` (a query not
        itself in capitals), with their expansions, in order of appearance."""
        if not self.cased or text.upper() == text:
            return []
        return [(w, self.cased[w]) for w in re.findall(r"\b[A-Z]{2,}\b", text) if w in self.cased]

    def content(self, words: Iterable[str]) -> list[str]:
        """Words without stop words, pronouns, question words and 1-letter tokens
        (a number of any length stays)."""
        drop = self._drop
        return [w for w in words if (len(w) > 1 or w.isdigit()) and w not in drop]

    def is_keyword(self, word: str) -> bool:
        """A word of lexicon/keywords.txt, or its plural ("infections")."""
        return word in self.keywords or (word.endswith("s") and word[:-1] in self.keywords)

    def is_qualifier(self, word: str) -> bool:
        """A word that narrows a question to a case ("children", "pediatric"),
        or its plural."""
        q = self.qualifiers
        return word in q or (word.endswith("s") and word[:-1] in q)

    def focus_clause(self, text: str) -> str | None:
        """The clause of a several-clause query that is the question itself, if
        any: the last one that starts with a question word (or a command such as
        "explain") and has a word to search, with the question clauses right
        before it."""
        clauses = [c for c in _CLAUSE.split(text) if fold(c)]
        if len(clauses) < 2:
            return None
        asks = [self._asks(c) for c in clauses]
        for i in reversed(range(len(clauses))):
            if asks[i]:
                words = self.words_of(clauses[i])  # idioms read: "do about" is "treat"
                if self.content(splice(words, self.find_idioms(words))):
                    start = i  # "which therapy works, and what explains it?" asks both
                    while start > 0 and asks[start - 1]:
                        start -= 1
                    return " , ".join(clauses[start : i + 1])
        return None

    def _asks(self, clause: str) -> bool:
        """The clause starts with a question word or command (after any joiner)."""
        toks = [self.spell(t) for t in fold(clause)]
        while toks and toks[0] in self.joiners:
            toks.pop(0)
        return bool(toks) and toks[0] in self.starters

    def find_phrases(self, words: Sequence[str]) -> list[tuple[int, int, list[str]]]:
        """(start, end, replacement) for each phrase, longest match first, no overlap.
        Phrases are matched on terms, so word forms and the words of a synonym
        group need no listing ("splenic enlargement" is "spleen enlargement")."""
        terms = [self.term(w) for w in words]
        return [
            (i, j, rep)
            for i, j, rep in _matches(terms, self.phrases, self.phrase_len, 1)
            if j - i > 1 or rep != [words[i]]
        ]

    def find_idioms(self, words: Sequence[str]) -> list[tuple[int, int, list[str]]]:
        """(start, end, replacement) for each idiom in `words` (stop words included)."""
        return _matches(words, self.idioms, self.idiom_len, 2)

    # -- documents --------------------------------------------------------
    def doc_terms(self, text: str) -> list[str]:
        """Canonical terms of a document field; phrase replacements are added."""
        words = self.content(self.words_of(text))
        terms = [self.term(w) for w in words]
        for _, _, rep in self.find_phrases(words):
            terms.extend(self.term(w) for w in rep)
        return terms

    def intents_of_question(self, text: str) -> list[str]:
        """The question-word kinds of a stored question ("how", "why", ...)."""
        toks = fold(text)
        kinds = []
        for kind, words in self.intents.items():
            if kind in self.first_word_intents:
                if toks and toks[0] in words:
                    kinds.append(kind)
            elif any(t in words for t in toks):
                kinds.append(kind)
        return sorted(kinds)

    def query_intents(self, toks: Sequence[str]) -> frozenset[str]:
        kinds = {t for t in toks if t in self.intents and t not in self.first_word_intents}
        kinds.update(k for k, ws in self.query_intents_of.items() if any(t in ws for t in toks))
        if toks and toks[0] in self.intents.get("is", ()) and "is" in self.first_word_intents:
            kinds.add("is")
        return frozenset(kinds)

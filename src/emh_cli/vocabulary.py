"""A store's vocabulary: the field knowledge the engine reads as data.

The engine itself knows only everyday English (`emh_cli/lexicon/`: stop words,
question words, pronouns, common words, British and chat spellings). What a
field adds (the subject a pronoun stands for, abbreviations, synonyms,
phrases, idioms, keywords, topics, more stop words) travels inside the store,
under its "vocabulary" key. `emh build` reads it from a lexicon folder (the
same file names as the engine's, each optional) and learns what the folder
does not give from the documents themselves (see `emh_cli.learn`). Any other
`.toml` file in the folder (a generated one, such as the bundled store's
hpo.toml) is read as vocabulary in the shape below.

A vocabulary is a JSON-able dict:

    words        {"subject": str, "tasks": [...], "qualifiers": [...], "pronouns": [...],
                  "query_intents": {...}, ...}
    abbreviations {short: long}        cased  {SHORT: long}
    spelling     {"words": {...}, "prefixes": {...}, "suffixes": {...}}
    synonyms     {"groups": [[...]], "phrases": {...}, "idioms": {...}, "related": {...},
                  "kinds": {...}}
    stopwords    [...]                 not_stopwords [...]
    keywords     [...]                 topics {name: {"aliases": [...], "terms": [...]}}
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from emh_cli.errors import LexiconError

VOCABULARY_FILES = (
    "abbreviations.toml",
    "keywords.txt",
    "spelling.toml",
    "stopwords.txt",
    "synonyms.toml",
    "topics.toml",
    "words.toml",
)


def read_word_list(path: Path) -> list[str]:
    """Whitespace-separated words of a text file; '#' starts a comment."""
    words: list[str] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LexiconError(f"{path}: broken lexicon file ({e})") from None
    for line in text.splitlines():
        words.extend(line.split("#", 1)[0].split())
    return words


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise LexiconError(f"{path}: broken lexicon file ({e})") from None


def _text(v: Any) -> bool:
    return isinstance(v, str)


def _texts(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _table_of(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, dict) and all(check(x) for x in v.values())


def _groups(v: Any) -> bool:
    return isinstance(v, list) and all(_texts(g) for g in v)


def _topic(v: Any) -> bool:
    return isinstance(v, dict) and set(v) <= {"aliases", "terms"} and all(map(_texts, v.values()))


# The keys each hand-written lexicon file may have, with what each must hold
# (a description for the error, and a check). A misspelt key or a wrong shape is
# an error, not a vocabulary that silently does nothing.
_SHAPES: dict[str, dict[str, tuple[str, Callable[[Any], bool]]]] = {
    "synonyms.toml": {
        "groups": ("a list of lists of words", _groups),
        "phrases": ("a table of text", _table_of(_text)),
        "idioms": ("a table of text", _table_of(_text)),
        "related": ("a table of lists of words", _table_of(_texts)),
        "kinds": ("a table of lists of words", _table_of(_texts)),
    },
    "words.toml": {
        "subject": ("text", _text),
        **{
            k: ("a list of words", _texts)
            for k in (
                "tasks",
                "qualifiers",
                "not_stopwords",
                "pronouns",
                "question_starters",
                "joiners",
                "prefixes",
                "first_word_intents",
            )
        },
        "intents": ("a table of lists of words", _table_of(_texts)),
        "query_intents": ("a table of lists of words", _table_of(_texts)),
    },
    "topics.toml": {
        "topics": (
            "a table of [topics.NAME] tables, each with aliases and terms lists",
            _table_of(_topic),
        ),
    },
    "spelling.toml": {
        k: ("a table of text", _table_of(_text)) for k in ("words", "prefixes", "suffixes")
    },
    "abbreviations.toml": {
        k: ("a table of text", _table_of(_text)) for k in ("abbreviations", "cased")
    },
}


def _checked(path: Path) -> dict[str, Any]:
    """A hand-written lexicon file, read, with its keys and shapes checked."""
    table = _read_toml(path)
    shapes = _SHAPES[path.name]
    for key, value in table.items():
        if key not in shapes:
            known = ", ".join(shapes)
            raise LexiconError(f"{path}: unknown key {key!r} (this file takes: {known})")
        what, ok = shapes[key]
        if not ok(value):
            raise LexiconError(f"{path}: {key} must be {what}")
    return table


def read_vocabulary(folder: Path) -> dict[str, Any]:
    """The vocabulary in the lexicon files of `folder` (every file optional)."""
    vocab: dict[str, Any] = {}
    if not folder.is_dir():
        raise LexiconError(f"{folder}: no such lexicon folder")
    path = folder / "abbreviations.toml"
    if path.is_file():
        table = _checked(path)
        vocab["abbreviations"] = dict(table.get("abbreviations", {}))
        vocab["cased"] = dict(table.get("cased", {}))
    for name, key in (("spelling.toml", "spelling"), ("synonyms.toml", "synonyms")):
        if (folder / name).is_file():
            vocab[key] = _checked(folder / name)
    if (folder / "words.toml").is_file():
        words = _checked(folder / "words.toml")
        not_stop = words.pop("not_stopwords", [])
        vocab["words"] = words
        if not_stop:
            vocab["not_stopwords"] = list(not_stop)
    if (folder / "topics.toml").is_file():
        vocab["topics"] = dict(_checked(folder / "topics.toml").get("topics", {}))
    for name, key in (("stopwords.txt", "stopwords"), ("keywords.txt", "keywords")):
        if (folder / name).is_file():
            vocab[key] = read_word_list(folder / name)
    for extra in sorted(folder.glob("*.toml")):
        if extra.name not in VOCABULARY_FILES:  # generated: already in the store's shape
            vocab = merge_vocabularies(vocab, check_vocabulary(_read_toml(extra), str(extra)))
    return vocab


def merge_vocabularies(base: Any, extra: Any) -> Any:
    """`extra` laid over `base`: tables merge key by key, lists are joined
    (base first, no repeats), anything else in `extra` wins."""
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for k, v in extra.items():
            out[k] = merge_vocabularies(base[k], v) if k in base else v
        return out
    if isinstance(base, list) and isinstance(extra, list):
        return base + [x for x in extra if x not in base]
    return extra


def check_vocabulary(vocab: Any, where: str) -> dict[str, Any]:
    """`vocab` if it has the shape of a vocabulary, else LexiconError."""
    if not isinstance(vocab, dict):
        raise LexiconError(f"{where}: expected an object")
    tables = ("words", "abbreviations", "cased", "spelling", "synonyms", "topics")
    lists = ("stopwords", "not_stopwords", "keywords")
    for key, value in vocab.items():
        if key in tables and not isinstance(value, dict):
            raise LexiconError(f"{where}.{key}: expected an object")
        if key in lists and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise LexiconError(f"{where}.{key}: expected a list of text")
    return vocab

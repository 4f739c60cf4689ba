"""A derived search index beside the JSON store, cached on disk.

The JSON store stays the readable source of truth. Everything a query needs
that would otherwise be recomputed per call (terms of every entry, document
frequencies, the vocabulary for typo correction, the compiled lexicon) lives
in one SQLite file in the user's cache folder, keyed by the store's path and
rebuilt when the store, the lexicon or emh itself changes. Candidates come
from an FTS5 table, so a query touches only the entries that share a term
with it, at 25 entries or at 100,000; a small store's postings are read once
and scored in memory instead (emh_cli.bm25), with the same results.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emh_cli import __version__
from emh_cli.errors import StoreError
from emh_cli.model import Document, Entry, Source, Store
from emh_cli.store import parse_store, read_store_bytes
from emh_cli.textnorm import (
    LEXICON_DIR,
    Analyzer,
    fold,
    hyphenated,
    load_lexicon,
    read_common_words,
)

if TYPE_CHECKING:
    from emh_cli.bm25 import Postings

# Part of every index's fingerprint: raise it when the way a text becomes terms
# changes (5: the field's vocabulary comes from the store; 6: a synonym of several
# words is a phrase, not its words; 7: the store's own spellings are kept; 8: its
# hyphenated words, for a query that writes them joined), so old indexes are rebuilt.
INDEX_FORMAT = 8
ENV_CACHE = "EMH_CACHE_DIR"
# Per-term lookups and decoded entries an Index keeps (its database never
# changes under it); past this many of a kind, that memo starts afresh.
MEMO_MAX = 50_000
# A store of at most this many answered entries is scored by BM25 in memory
# (emh_cli.bm25) from its second query on: its postings load in under a
# millisecond (the bundled store's), once per Index, and then save a run of
# queries FTS5's bm25().
IN_MEMORY_MAX = 2_000


class Indexed:
    """An entry with the terms the ranker needs.

    The entry itself is decoded from its JSON on first use: a query scores a
    few hundred candidates but shows only a few. (A plain class: a dataclass
    costs ~0.5 ms of start-up.)"""

    __slots__ = ("_data", "_entry", "aterms", "intents", "order", "qall", "qterms")

    def __init__(
        self,
        order: int,
        entry: Entry | None,
        qterms: tuple[frozenset[str], ...],
        aterms: frozenset[str],
        intents: frozenset[str],
        data: str = "",
    ) -> None:
        self.order = order
        self._entry = entry
        self._data = data
        self.qterms = qterms
        self.qall: frozenset[str] = frozenset().union(*qterms)  # every question's terms
        self.aterms = aterms
        self.intents = intents

    @property
    def entry(self) -> Entry:
        if self._entry is None:
            self._entry = _entry_from_json(json.loads(self._data))
        return self._entry


def _in_memory_best(
    postings: Postings, terms: Sequence[str], limit: int
) -> list[tuple[int, float]] | None:
    """What FTS5 would return, from `postings`; None when a term needs FTS5."""
    from emh_cli.bm25 import best, can_score  # imported by _postings already

    return best(postings, terms, limit) if can_score(terms) else None


def cache_dir() -> Path:
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "emh"


def _fingerprint(path: Path) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise StoreError(f"{path}: store not found") from None
    except OSError as e:
        raise StoreError(f"{path}: cannot read store ({e.strerror or e})") from None
    return (
        f"{INDEX_FORMAT}|{__version__}|{_lexicon_stamp()}|{str(path.resolve())!a}"
        f"|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}"
    )


def _lexicon_stamp() -> str:
    """Name, size and modification time of every file of the engine's lexicon
    folder (every file there is read: see vocabulary.read_vocabulary).

    A query must notice a changed lexicon, but reading and hashing the files
    (300 kB) and importing hashlib (OpenSSL) on every start costs ~4 ms."""
    try:
        entries = sorted(os.scandir(LEXICON_DIR), key=lambda e: e.name)
        return ",".join(
            f"{e.name}:{st.st_size}:{st.st_mtime_ns}"
            for e in entries
            if e.is_file() and (st := e.stat())
        )
    except OSError:
        return "-"


def _path_key(text: str) -> str:
    """64-bit FNV-1a of `text`, in hex: a cache file name without importing hashlib.

    A collision is harmless: the fingerprint holds the full path, so the
    other store's index is seen as stale and rebuilt."""
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8", "surrogateescape"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def _cache_file(path: Path) -> Path:
    return cache_dir() / f"index-{_path_key(str(path.resolve()))}.sqlite"


def open_index(path: Path, *, cache: bool = True) -> Index:
    """Open the index of the store at `path`, building it first if it is stale."""
    fp = _fingerprint(path)
    target = _cache_file(path)
    if cache and target.is_file():
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True, check_same_thread=False)
            row = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
            if row is not None and row[0] == fp:
                return Index(conn, path)
        except sqlite3.Error:
            pass
        if conn is not None:
            conn.close()
    store = parse_store(path, read_store_bytes(path))
    if cache and _write_cache(store, fp, target):
        with contextlib.suppress(sqlite3.Error):
            return Index(
                sqlite3.connect(f"file:{target}?mode=ro", uri=True, check_same_thread=False), path
            )
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    write_index(conn, store, fp)
    return Index(conn, path)


def _write_cache(store: Store, fp: str, target: Path, analyzer: Analyzer | None = None) -> bool:
    """Build into a temporary file and rename it into place; False if the cache
    folder cannot be written (the caller then indexes in memory or skips)."""
    import tempfile

    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".index-", suffix=".tmp")
        os.close(fd)
        conn = sqlite3.connect(tmp)
        try:
            write_index(conn, store, fp, analyzer)
        finally:
            conn.close()
        os.replace(tmp, target)
        tmp = None
        prune_cache(target.parent, keep=target)
        return True
    except (OSError, sqlite3.Error):
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# An unfinished build's temporary file older than this (seconds) is left over.
STALE_TMP_AGE = 24 * 3600
_CACHE_NAME = re.compile(r"index-[0-9a-f]{16}\.sqlite")


def prune_cache(folder: Path, keep: Path | None = None) -> list[Path]:
    """Delete the cached indexes in `folder` whose store no longer exists, and
    temporary files of builds that never finished; return what was deleted.

    Runs only when an index has just been built, so a query never pays for it.
    Only files named as emh names them are touched, and an index only when its
    own metadata names a store that is gone."""
    import time

    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    now = time.time()
    for name in names:
        path = folder / name
        if path == keep:
            continue
        if name.startswith(".index-") and name.endswith(".tmp"):
            gone = _older_than(path, now - STALE_TMP_AGE)
        elif _CACHE_NAME.fullmatch(name):
            store = _indexed_store(path)
            gone = store is not None and not os.path.exists(store)
        else:
            continue
        if gone:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _older_than(path: Path, when: float) -> bool:
    try:
        return path.stat().st_mtime < when
    except OSError:
        return False


def _indexed_store(path: Path) -> str | None:
    """The resolved store path a cached index records (None: not readable as one)."""
    import ast

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        finally:
            conn.close()
        parts = str(row[0]).split("|") if row is not None else []
        # see _fingerprint: format|version|lexicon|'resolved path'|size|mtime|inode
        value = ast.literal_eval("|".join(parts[3:-3])) if len(parts) >= 7 else None
    except (sqlite3.Error, ValueError, SyntaxError, OSError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) and value else None


_SCHEMA = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE entries (
            rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, answered INTEGER NOT NULL,
            data TEXT NOT NULL, qterms TEXT NOT NULL, aterms TEXT NOT NULL, intents TEXT NOT NULL);
        CREATE TABLE terms (term TEXT PRIMARY KEY, df INTEGER NOT NULL, qdf INTEGER NOT NULL)
            WITHOUT ROWID;
        CREATE TABLE words (word TEXT PRIMARY KEY, len INTEGER NOT NULL, freq INTEGER NOT NULL)
            WITHOUT ROWID;
        CREATE INDEX words_len ON words (len, word);
        CREATE TABLE respelled (word TEXT PRIMARY KEY) WITHOUT ROWID;
        CREATE TABLE compounds (word TEXT PRIMARY KEY, pieces TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE common (word TEXT PRIMARY KEY, rank INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE questions (id TEXT NOT NULL, question TEXT NOT NULL, answered INTEGER NOT NULL);
        CREATE VIRTUAL TABLE fts USING fts5 (q, a, content='');
        """


def write_index(
    conn: sqlite3.Connection, store: Store, fingerprint: str, analyzer: Analyzer | None = None
) -> None:
    """Fill an empty SQLite database with the index of `store`."""
    lexicon = analyzer.lexicon if analyzer else load_lexicon(store.vocabulary)
    an = analyzer or Analyzer(lexicon)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.executescript(_SCHEMA)
    df: Counter[str] = Counter()
    qdf: Counter[str] = Counter()
    words: Counter[str] = Counter()
    raw_words: set[str] = set()  # as the store writes them, before respelling
    compounds: dict[str, str] = {}  # "wifi": "wi fi", from the store's "wi-fi"
    answered = 0
    fts_rows: list[tuple[int, str, str]] = []  # joined: a fraction of the memory of lists
    question_rows: list[tuple[str, str, int]] = []  # for suggestions, in store order

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal answered
        for order, e in enumerate(store.entries, start=1):
            qterms = [an.doc_terms(q) for q in e.questions]
            aterms = an.doc_terms(e.answer) if e.answer is not None else []
            for text in (*e.questions, e.answer or ""):
                tokens = fold(text)
                words.update(an.content(an.words_of_tokens(tokens)))
                raw_words.update(tokens)
                if "-" in text:
                    for pieces in hyphenated(text):
                        compounds.setdefault("".join(pieces), " ".join(pieces))
            question_rows.extend((e.id, q, int(e.answer is not None)) for q in e.questions)
            if e.answer is not None:
                answered += 1
                df.update({t for ts in qterms for t in ts} | set(aterms))
                qdf.update({t for ts in qterms for t in ts})
                fts_rows.append((order, " ".join(t for ts in qterms for t in ts), " ".join(aterms)))
            yield (
                order,
                e.id,
                int(e.answer is not None),
                json.dumps(e.to_json(), ensure_ascii=False),
                json.dumps(qterms),
                json.dumps(sorted(set(aterms))),
                json.dumps(sorted({i for q in e.questions for i in an.intents_of_question(q)})),
            )

    conn.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)", rows())
    conn.executemany("INSERT INTO fts (rowid, q, a) VALUES (?, ?, ?)", fts_rows)
    fts_rows.clear()
    conn.executemany("INSERT INTO questions VALUES (?, ?, ?)", question_rows)
    question_rows.clear()
    conn.executemany(
        "INSERT INTO terms VALUES (?, ?, ?)", sorted((t, n, qdf[t]) for t, n in df.items())
    )
    # the store's own spellings that the lexicon respells ("colour")
    respelled = sorted(w for w in raw_words if an.spell(w) != w)
    conn.executemany("INSERT INTO respelled VALUES (?)", ((w,) for w in respelled))
    # hyphenated words the store never writes joined, for a query that does ("wifi")
    conn.executemany(
        "INSERT INTO compounds VALUES (?, ?)",
        sorted((w, p) for w, p in compounds.items() if w not in raw_words and len(p) <= 60),
    )
    for w in an.words:
        words[w] += 0
    conn.executemany(
        "INSERT INTO words VALUES (?, ?, ?)",
        sorted((w, len(w), n) for w, n in words.items() if w.isalpha()),
    )
    _write_meta(conn, store, fingerprint, lexicon, answered)


def _write_meta(
    conn: sqlite3.Connection, store: Store, fingerprint: str, lexicon: Any, answered: int
) -> None:
    """The common-words table and the index's metadata, then commit."""
    conn.executemany(
        "INSERT OR IGNORE INTO common VALUES (?, ?)",
        ((w, r) for r, w in enumerate(read_common_words(), start=1)),
    )
    meta = {
        "fingerprint": fingerprint,
        "lexicon": json.dumps(lexicon, ensure_ascii=False),
        "answered": str(answered),
        "entries": str(len(store.entries)),
        "documents": json.dumps([d.to_json() for d in store.documents], ensure_ascii=False),
        "store": ascii(store.path),  # the path may not be valid UTF-8
    }
    conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
    conn.commit()


def _entry_from_json(d: dict[str, Any]) -> Entry:
    return Entry(
        id=d["id"],
        question=d["question"],
        questions=tuple(d["questions"]),
        answer=d["answer"],
        topics=tuple(d["topics"]),
        flags=tuple(d["flags"]),
        sources=tuple(
            Source(s["document"], s["line"], s["question"], s.get("answer_line"))
            for s in d["sources"]
        ),
    )


class Index:
    """Read access to a built index. Cheap to open; loads what a call needs."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        # Memos for a run of queries (`ask --batch`, the interactive prompt),
        # which ask about the same words and entries again and again.
        self._memo: dict[str, dict[Any, Any]] = {}
        self._items: dict[int, Indexed] = {}
        self._asked = 0  # calls of candidates()

    def _memo_of(self, kind: str) -> dict[Any, Any]:
        memo = self._memo.setdefault(kind, {})
        if len(memo) > MEMO_MAX:
            memo.clear()
        return memo

    def _lookup(self, kind: str, keys: Iterable[str], sql: str) -> dict[str, Any]:
        """{key: value} of those `keys` that `sql` (`... IN ({marks})`, rows of key and
        value) finds, in key order; each key is asked of SQLite once per Index."""
        memo = self._memo_of(kind)
        ks = sorted(set(keys))
        missing = [k for k in ks if k not in memo]
        if missing:
            found = dict(self.conn.execute(sql.format(marks=",".join("?" * len(missing))), missing))
            for k in missing:
                memo[k] = found.get(k)
        return {k: v for k in ks if (v := memo[k]) is not None}

    def _meta(self, key: str) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return "" if row is None else str(row[0])

    @cached_property
    def analyzer(self) -> Analyzer:
        return Analyzer(json.loads(self._meta("lexicon")))

    @cached_property
    def answered_count(self) -> int:
        return int(self._meta("answered") or 0)

    @cached_property
    def documents(self) -> tuple[Document, ...]:
        raw = json.loads(self._meta("documents") or "[]")
        return tuple(Document(d["name"], d["lines"], d["questions"], d["sha256"]) for d in raw)

    def question_terms(self, terms: Iterable[str]) -> set[str]:
        """Those `terms` that occur in some answered entry's question."""
        return set(
            self._lookup(
                "qterm", terms, "SELECT term, 1 FROM terms WHERE qdf > 0 AND term IN ({marks})"
            )
        )

    def df(self, terms: Iterable[str]) -> dict[str, int]:
        found = self._lookup("df", terms, "SELECT term, df FROM terms WHERE term IN ({marks})")
        return {t: int(n) for t, n in found.items()}

    def _near(self, kind: str, sql: str, word: str, spread: int) -> list[tuple[str, int]]:
        """Rows of `sql` (word, number) for words of about `word`'s length and first letter."""
        n = len(word)
        memo = self._memo_of(kind)
        key = (n, spread, word[0])
        if key not in memo:
            rows = self.conn.execute(sql, (n - spread, n + spread, word[0], word[0] + "\U0010ffff"))
            memo[key] = [(w, int(x)) for w, x in rows]
        return list(memo[key])

    def words_near(self, word: str, spread: int) -> list[tuple[str, int]]:
        """Vocabulary words (with frequency) of about the same length and first letter."""
        return self._near(
            "near",
            "SELECT word, freq FROM words WHERE len BETWEEN ? AND ? AND word >= ? AND word < ?",
            word,
            spread,
        )

    def common_near(self, word: str, spread: int) -> list[tuple[str, int]]:
        """Common English words of about the same length and first letter, with -rank."""
        return self._near(
            "common_near",
            "SELECT word, -rank FROM common WHERE length(word) BETWEEN ? AND ? "
            "AND word >= ? AND word < ?",
            word,
            spread,
        )

    def common_rank(self, words: Iterable[str]) -> dict[str, int]:
        """Frequency rank in general English of those `words` that are common."""
        found = self._lookup(
            "common", words, "SELECT word, rank FROM common WHERE word IN ({marks})"
        )
        return {w: int(r) for w, r in found.items()}

    def store_spellings(self, words: Iterable[str]) -> set[str]:
        """Those `words` that the store itself writes, though the lexicon
        respells them ("colour" in a store that spells it so)."""
        return set(
            self._lookup(
                "respelled", words, "SELECT word, 1 FROM respelled WHERE word IN ({marks})"
            )
        )

    def compound_pieces(self, words: Iterable[str]) -> dict[str, list[str]]:
        """Those `words` the store writes only with hyphens, with their pieces
        ("wifi" -> wi, fi, where the store says "wi-fi")."""
        found = self._lookup(
            "compound", words, "SELECT word, pieces FROM compounds WHERE word IN ({marks})"
        )
        return {w: str(p).split() for w, p in found.items()}

    def known_words(self, words: Iterable[str]) -> set[str]:
        """Those `words` the store's vocabulary (or the lexicon) has."""
        return set(self._lookup("word", words, "SELECT word, 1 FROM words WHERE word IN ({marks})"))

    def candidates(self, terms: Sequence[str], limit: int) -> list[tuple[Indexed, float]]:
        """Answered entries sharing a term with `terms`, best BM25 first, at most
        `limit`, each with its BM25 score (higher is better)."""
        ts = sorted({t for t in terms if t})
        if not ts:
            return []
        try:
            # One query asks FTS5 (reading the postings would cost it more than
            # it saves); a run of them reads a small store's postings once.
            self._asked += 1
            postings = self._postings if self._asked > 1 else None
            rows = None if postings is None else _in_memory_best(postings, ts, limit)
            if rows is None:
                rows = self._fts_best(ts, limit)
            ids = [r for r, _ in rows]
            items = self._items
            missing = [i for i in ids if i not in items]
            if missing:
                if len(items) + len(missing) > MEMO_MAX:
                    items.clear()
                marks = ",".join("?" * len(missing))
                for row in self.conn.execute(
                    "SELECT rowid, data, qterms, aterms, intents FROM entries "
                    f"WHERE rowid IN ({marks})",
                    missing,
                ):
                    items[int(row[0])] = self._indexed(row)
        except sqlite3.Error:
            return []
        return [(items[i], s) for i, s in rows if i in items]

    def _fts_best(self, terms: Sequence[str], limit: int) -> list[tuple[int, float]]:
        """(rowid, BM25) of the best `limit` rows sharing a term, from FTS5."""
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        return [
            (int(r), -float(s))
            for r, s in self.conn.execute(
                "SELECT rowid, bm25(fts, 2.0, 1.0) AS s FROM fts WHERE fts MATCH ? "
                "ORDER BY s LIMIT ?",
                (match, limit),
            )
        ]

    @cached_property
    def _postings(self) -> Postings | None:
        """The FTS table's postings, for a store small enough to hold them."""
        if self.answered_count > IN_MEMORY_MAX:
            return None
        try:
            self.conn.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_instance "
                "USING fts5vocab(main, fts, 'instance')"
            )
            rows = self.conn.execute("SELECT term, doc, col FROM temp.fts_instance")
            from emh_cli.bm25 import postings_of  # at a run's second query only

            return postings_of(rows, self.answered_count)
        except sqlite3.Error:
            return None

    def _indexed(self, row: Sequence[Any]) -> Indexed:
        order, data, qterms, aterms, intents = row
        return Indexed(
            order=int(order),
            entry=None,
            qterms=tuple(frozenset(q) for q in json.loads(qterms)),
            aterms=frozenset(json.loads(aterms)),
            intents=frozenset(json.loads(intents)),
            data=data,
        )

    def entries(self) -> list[Entry]:
        rows = self.conn.execute("SELECT data FROM entries ORDER BY rowid")
        return [_entry_from_json(json.loads(d)) for (d,) in rows]

    def entry(self, entry_id: str) -> Entry | None:
        try:
            entry_id.encode("utf-8")
        except UnicodeEncodeError:
            return None  # an undecodable command-line argument names no entry
        row = self.conn.execute("SELECT data FROM entries WHERE id = ?", (entry_id,)).fetchone()
        return None if row is None else _entry_from_json(json.loads(row[0]))

    def lookup(self, wanted: str) -> Entry | None:
        """The entry a user means by `wanted`: its id, else the same number
        without leading zeros ("02" is entry 2, when no entry is called "02")."""
        wanted = wanted.strip()
        entry = self.entry(wanted)
        if entry is None and wanted.isascii() and wanted.isdigit():
            entry = self.entry(str(int(wanted)))
        return entry

    def ids(self) -> list[str]:
        return [str(r[0]) for r in self.conn.execute("SELECT id FROM entries ORDER BY rowid")]

    @cached_property
    def unanswered_terms(self) -> list[tuple[str, frozenset[str]]]:
        """(id, terms) of every question its source leaves unanswered, from the
        terms the index keeps of each entry's questions (read once)."""
        rows = self.conn.execute("SELECT id, qterms FROM entries WHERE answered = 0")
        return [(str(i), frozenset(ts)) for i, qterms in rows for ts in json.loads(qterms)]

    def questions(self) -> list[tuple[str, str, bool]]:
        """(id, question, answered) of every entry, for suggestions."""
        rows = self.conn.execute("SELECT id, question, answered FROM questions ORDER BY rowid")
        return [(str(i), str(q), bool(a)) for i, q, a in rows]


def prime_cache(path: Path, built: Any) -> None:
    """After `emh build`: index the new store now, so its first query is fast.

    `built` is a `BuildResult` (its analyzer, compiled from its vocabulary, is
    used again). A cache that cannot be written is skipped."""
    store = Store(str(path), tuple(built.entries), tuple(built.documents), built.vocabulary)
    with contextlib.suppress(StoreError):
        _write_cache(store, _fingerprint(path), _cache_file(path), built.analyzer)

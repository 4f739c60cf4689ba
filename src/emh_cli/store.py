"""Find, read and validate a store (the JSON written by `emh build`)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from emh_cli.errors import LexiconError, StoreError, UsageError
from emh_cli.model import SCHEMA_VERSION, Document, Entry, Source, Store
from emh_cli.vocabulary import check_vocabulary

ENV_DATA = "EMH_DATA"


def bundled_store_path() -> Path:
    """The store shipped with emh: inside the installed package, else the checkout's data/."""
    here = Path(__file__).resolve().parent
    packaged = here / "data" / "faq.json"
    if packaged.is_file():
        return packaged
    return here.parent.parent / "data" / "faq.json"


def resolve_store_path(option: str | None) -> Path:
    """--data, then $EMH_DATA, then the bundled store. An empty --data is an
    error (a script's unset variable), not the bundled store."""
    if option is not None:
        if not option.strip():
            raise UsageError("--data: the path is empty")
        return Path(option)
    env = os.environ.get(ENV_DATA)
    if env:
        return Path(env)
    return bundled_store_path()


def store_origin(option: str | None) -> str | None:
    """Where `resolve_store_path(option)` took its path from, when the user may not
    know it: "EMH_DATA" (set in the environment, perhaps long ago), else None."""
    if not option and os.environ.get(ENV_DATA):
        return ENV_DATA
    return None


# How every store `emh build` writes begins (a damaged one too, if these bytes survived).
_STORE_HEAD = re.compile(rb'\A\s*\{\s*"schema_version"\s*:\s*[^,{}\[\]"]*,\s*"documents"\s*:\s*\[')
_STORE_KEYS = ("schema_version", "documents", "entries")


def looks_like_store(path: Path) -> bool:
    """Whether `path` holds an emh store: a JSON object with the top-level keys
    "schema_version", "documents" and "entries" (any version, valid or not
    otherwise: it is what `emh build` may replace without --force; another
    tool's JSON with a "schema_version" is not). Files that `emh build` wrote
    begin with the first two keys and are recognised from their first bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
            if _STORE_HEAD.match(head):
                return True
            if not head.lstrip().startswith(b"{"):
                return False
            data = head + f.read()
    except OSError:
        return False
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(obj, dict) and all(k in obj for k in _STORE_KEYS)


def read_store_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise StoreError(f"{path}: store not found") from None
    except IsADirectoryError:
        raise StoreError(f"{path}: is a directory, not a store file") from None
    except PermissionError:
        raise StoreError(f"{path}: cannot read store (permission denied)") from None
    except OSError as e:
        raise StoreError(f"{path}: cannot read store ({e.strerror or e})") from None


NOT_A_STORE = "not an emh store (build one with `emh build`)"


def not_a_store(path: Path, why: str) -> StoreError:
    """A file that is no store at all (a source document, some other JSON), as
    opposed to a store with a fault: say so, and how to make one."""
    return StoreError(f"{path}: {why}, so {NOT_A_STORE}")


def parse_store(path: Path, data: bytes) -> Store:
    """Decode and validate store bytes; the first problem raises StoreError."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise StoreError(f"{path}: starts with a byte-order mark; a store must be plain UTF-8 JSON")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise not_a_store(path, f"not UTF-8 text (byte {e.start})") from None
    if not text.strip():
        raise not_a_store(path, "the file is empty")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        if not text.lstrip().startswith(("{", "[")):  # not JSON at all: a document?
            raise not_a_store(path, "not JSON") from None
        raise StoreError(
            f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})"
        ) from None
    except RecursionError:
        raise not_a_store(path, "JSON nested too deeply") from None
    return validate_store(path, obj)


def load_store(path: Path) -> Store:
    return parse_store(path, read_store_bytes(path))


class _Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> StoreError:
        return StoreError(f"{self.path}: {where}: {problem}")

    def field(self, obj: dict[str, Any], key: str, where: str) -> Any:
        if key not in obj:
            raise self.fail(where, f"missing key {key!r}")
        return obj[key]

    def text(self, value: Any, where: str, *, nullable: bool = False) -> str | None:
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            want = "text or null" if nullable else "text"
            raise self.fail(where, f"expected {want}, got {_kind(value)}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:  # "\ud800" in the JSON: not a character
            bad = ord(value[e.start])
            raise self.fail(
                where, f"unpaired surrogate \\u{bad:04x} at position {e.start}"
            ) from None
        return value

    def texts(self, value: Any, where: str, *, nonempty: bool = False) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list of text, got {_kind(value)}")
        if nonempty and not value:
            raise self.fail(where, "expected at least one item")
        return [str(self.text(v, f"{where}[{i}]")) for i, v in enumerate(value)]

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, got {_kind(value)}")
        return value

    def integer(self, value: Any, where: str, *, minimum: int = 0) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, f"expected a whole number, got {_kind(value)}")
        if value < minimum:
            raise self.fail(where, f"expected a number >= {minimum}, got {value}")
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def validate_store(path: Path, obj: Any) -> Store:
    c = _Checker(path)
    if not isinstance(obj, dict):
        raise not_a_store(path, f"its JSON is {_kind(obj)}, not an object")
    if "schema_version" not in obj:
        raise not_a_store(path, "JSON without a schema_version key")
    version = obj["schema_version"]
    if version != SCHEMA_VERSION:
        raise c.fail(
            "schema_version", f"unsupported version {version!r} (this emh reads {SCHEMA_VERSION})"
        )
    raw_entries = c.field(obj, "entries", "top level")
    if not isinstance(raw_entries, list):
        raise c.fail("entries", f"expected a list, got {_kind(raw_entries)}")
    if not raw_entries:
        raise c.fail("entries", "the store has no entries")
    raw_documents = obj.get("documents", [])
    if not isinstance(raw_documents, list):
        raise c.fail("documents", f"expected a list, got {_kind(raw_documents)}")
    documents = []
    for i, d in enumerate(raw_documents):
        w = f"documents[{i}]"
        d = c.obj(d, w)
        documents.append(
            Document(
                name=str(c.text(c.field(d, "name", w), f"{w}.name")),
                lines=c.integer(d.get("lines", 0), f"{w}.lines"),
                questions=c.integer(d.get("questions", 0), f"{w}.questions"),
                sha256=str(c.text(d.get("sha256", ""), f"{w}.sha256")),
            )
        )
    entries = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_entries):
        w = f"entries[{i}]"
        e = c.obj(raw, w)
        eid = str(c.text(c.field(e, "id", w), f"{w}.id"))
        if not eid.strip():
            raise c.fail(f"{w}.id", "empty id")
        if eid in seen:
            raise c.fail(f"{w}.id", f"duplicate id {eid!r}")
        seen.add(eid)
        question = str(c.text(c.field(e, "question", w), f"{w}.question"))
        questions = c.texts(e.get("questions", [question]), f"{w}.questions", nonempty=True)
        answer = c.text(c.field(e, "answer", w), f"{w}.answer", nullable=True)
        topics = c.texts(e.get("topics", []), f"{w}.topics")
        flags = c.texts(e.get("flags", []), f"{w}.flags")
        raw_sources = c.field(e, "sources", w)
        if not isinstance(raw_sources, list) or not raw_sources:
            raise c.fail(f"{w}.sources", "expected a non-empty list of sources")
        sources = []
        for j, s in enumerate(raw_sources):
            sw = f"{w}.sources[{j}]"
            s = c.obj(s, sw)
            al = s.get("answer_line")
            sources.append(
                Source(
                    document=str(c.text(c.field(s, "document", sw), f"{sw}.document")),
                    line=c.integer(c.field(s, "line", sw), f"{sw}.line", minimum=1),
                    question=str(c.text(s.get("question", question), f"{sw}.question")),
                    answer_line=None
                    if al is None
                    else c.integer(al, f"{sw}.answer_line", minimum=1),
                )
            )
        entries.append(
            Entry(
                eid, question, tuple(questions), answer, tuple(topics), tuple(flags), tuple(sources)
            )
        )
    try:
        vocabulary = check_vocabulary(obj.get("vocabulary", {}), "vocabulary")
    except LexiconError as e:
        raise StoreError(f"{path}: {e}") from None
    return Store(str(path), tuple(entries), tuple(documents), vocabulary)

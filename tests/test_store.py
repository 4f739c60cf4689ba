"""Finding, reading and validating stores; every broken store is one line and exit 2."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Invoke
from support import FAQ, entry_doc, store_doc

from emh_cli.errors import StoreError
from emh_cli.store import bundled_store_path, load_store, parse_store, resolve_store_path

P = Path("s.json")


def test_resolve_store_path_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_store_path(None) == bundled_store_path()
    # installed from a wheel the bundled store is a copy inside the package
    assert bundled_store_path().read_bytes() == FAQ.read_bytes()
    monkeypatch.setenv("EMH_DATA", "/env/store.json")
    assert resolve_store_path(None) == Path("/env/store.json")
    assert resolve_store_path("/opt/x.json") == Path("/opt/x.json")


def test_load_the_bundled_store() -> None:
    store = load_store(FAQ)
    assert len(store.entries) == 24
    assert len(store.documents) == 2


def test_minimal_store_defaults() -> None:
    raw = {
        "schema_version": 1,
        "entries": [
            {"id": "7", "question": "Q?", "answer": None, "sources": [{"document": "d", "line": 2}]}
        ],
    }
    store = parse_store(P, json.dumps(raw).encode())
    (e,) = store.entries
    assert e.questions == ("Q?",)
    assert e.topics == () and e.flags == ()
    assert e.sources[0].question == "Q?" and e.sources[0].answer_line is None
    assert store.documents == ()


def test_store_keeps_hostile_text_exactly() -> None:
    nasty = "a\x00b\x1b[2J\u202e[bold]x[/]\r\n"
    store = parse_store(P, store_doc([entry_doc(question=nasty + "?", answer=nasty)]))
    assert store.entries[0].answer == nasty
    assert store.entries[0].question == nasty + "?"


BAD_STORES: list[tuple[str, bytes, str]] = [
    ("empty file", b"", "the file is empty, so not an emh store (build one with `emh build`)"),
    ("blank file", b"  \n\t\n", "the file is empty, so not an emh store"),
    ("bom", b"\xef\xbb\xbf" + store_doc([entry_doc()]), "starts with a byte-order mark"),
    ("not utf8", b"\xff\xfe{}", "not UTF-8 text (byte 0), so not an emh store"),
    ("not json", b"nope", "not JSON, so not an emh store (build one with `emh build`)"),
    ("a source document", b"What is it?\nThis.\n", "not JSON, so not an emh store (build one with `emh build`)"),
    ("broken json", b'{"schema_version": 1,', "not valid JSON (line 1, column 22: Expecting property name"),
    ("truncated json", store_doc([entry_doc()])[:-5], "not valid JSON"),
    ("deep json", b"[" * 100_000, "JSON nested too deeply, so not an emh store"),
    ("a list", b"[1, 2]", "its JSON is a list, not an object, so not an emh store"),
    ("a string", b'"store"', "its JSON is text, not an object, so not an emh store"),
    ("no version", b'{"entries": []}', "JSON without a schema_version key, so not an emh store (build one with `emh build`)"),
    ("version 2", store_doc([entry_doc()], schema_version=2), "unsupported version 2"),
    ("version text", store_doc([entry_doc()], schema_version="1"), "unsupported version '1'"),
    ("no entries key", b'{"schema_version": 1}', "top level: missing key 'entries'"),
    ("entries null", store_doc([], entries=None), "entries: expected a list, got null"),
    ("entries object", store_doc([], entries={}), "entries: expected a list, got an object"),
    ("no entries", store_doc([]), "entries: the store has no entries"),
    ("entry a number", store_doc([5]), "entries[0]: expected an object, got a number"),  # type: ignore[list-item]
    ("missing id", store_doc([{"question": "Q?", "answer": "A", "sources": []}]), "missing key 'id'"),
    ("id number", store_doc([entry_doc(eid=1)]), "entries[0].id: expected text, got a number"),  # type: ignore[arg-type]
    ("id empty", store_doc([entry_doc(eid=" ")]), "entries[0].id: empty id"),
    ("id twice", store_doc([entry_doc(), entry_doc()]), "entries[1].id: duplicate id '1'"),
    ("question null", store_doc([entry_doc(question=None)]), "entries[0].question: expected text, got null"),  # type: ignore[arg-type]
    ("question number", store_doc([entry_doc(question=3)]), "entries[0].question: expected text, got a number"),  # type: ignore[arg-type]
    ("answer number", store_doc([entry_doc(answer=3)]), "entries[0].answer: expected text or null, got a number"),  # type: ignore[arg-type]
    ("answer list", store_doc([entry_doc(answer=["a"])]), "entries[0].answer: expected text or null, got a list"),  # type: ignore[arg-type]
    ("missing answer", store_doc([{"id": "1", "question": "Q?", "sources": [{"document": "d", "line": 1}]}]), "entries[0]: missing key 'answer'"),
    ("questions empty", store_doc([entry_doc(questions=[])]), "entries[0].questions: expected at least one item"),
    ("questions text", store_doc([entry_doc(questions="Q?")]), "entries[0].questions: expected a list of text, got text"),
    ("question item null", store_doc([entry_doc(questions=[None])]), "entries[0].questions[0]: expected text, got null"),
    ("topics number", store_doc([entry_doc(topics=1)]), "entries[0].topics: expected a list of text, got a number"),
    ("flags bool", store_doc([entry_doc(flags=[True])]), "entries[0].flags[0]: expected text, got true/false"),
    ("no sources", store_doc([entry_doc(sources=[])]), "entries[0].sources: expected a non-empty list of sources"),
    ("sources null", store_doc([entry_doc(sources=None)]), "entries[0].sources: expected a non-empty list of sources"),
    ("source text", store_doc([entry_doc(sources=["d:1"])]), "entries[0].sources[0]: expected an object, got text"),
    ("source line 0", store_doc([entry_doc(sources=[{"document": "d", "line": 0}])]), "entries[0].sources[0].line: expected a number >= 1, got 0"),
    ("source line text", store_doc([entry_doc(sources=[{"document": "d", "line": "1"}])]), "entries[0].sources[0].line: expected a whole number, got text"),
    ("source line float", store_doc([entry_doc(sources=[{"document": "d", "line": 1.5}])]), "entries[0].sources[0].line: expected a whole number, got a number"),
    ("source no document", store_doc([entry_doc(sources=[{"line": 1}])]), "entries[0].sources[0]: missing key 'document'"),
    ("answer_line 0", store_doc([entry_doc(sources=[{"document": "d", "line": 1, "answer_line": 0}])]), "answer_line: expected a number >= 1, got 0"),
    ("lone surrogate", b'{"schema_version": 1, "entries": [{"id": "1", "question": "Q?", "answer": "x\\ud800y", "sources": [{"document": "d", "line": 1}]}]}', "entries[0].answer: unpaired surrogate \\ud800 at position 1"),
    ("surrogate in name", store_doc([entry_doc()], documents=[{"name": "\ud800"}]), "documents[0].name: unpaired surrogate"),
    ("documents number", store_doc([entry_doc()], documents=5), "documents: expected a list, got a number"),
    ("document text", store_doc([entry_doc()], documents=["d"]), "documents[0]: expected an object, got text"),
    ("document no name", store_doc([entry_doc()], documents=[{"lines": 1}]), "documents[0]: missing key 'name'"),
    ("document lines -1", store_doc([entry_doc()], documents=[{"name": "d", "lines": -1}]), "documents[0].lines: expected a number >= 0, got -1"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "problem"), [(d, p) for _, d, p in BAD_STORES], ids=[n for n, _, _ in BAD_STORES]
)
def test_bad_store_unit(data: bytes, problem: str) -> None:
    with pytest.raises(StoreError) as e:
        parse_store(P, data)
    assert str(e.value).startswith("s.json: ")
    assert problem in str(e.value)


COMMANDS = [["list"], ["list", "--json"], ["ask", "how is it treated", "--json"], ["show", "1"], ["topics"], ["sources", "--json"]]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "problem"), [(d, p) for _, d, p in BAD_STORES], ids=[n for n, _, _ in BAD_STORES]
)
def test_bad_store_cli(
    cli: Invoke, write_store: Callable[[bytes], Path], data: bytes, problem: str
) -> None:
    path = write_store(data)
    for args in COMMANDS:
        r = cli("--data", str(path), *args)
        assert r.exit_code == 2, (args, r.output)
        assert r.stdout == ""
        lines = r.stderr.splitlines()
        assert len(lines) == 1, r.stderr
        assert lines[0].startswith(f"emh: {path}: ")
        assert problem in lines[0]


def test_missing_store(cli: Invoke, tmp_path: Path) -> None:
    r = cli("--data", str(tmp_path / "nope.json"), "list")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == f"emh: {tmp_path / 'nope.json'}: store not found\n"


def test_store_is_a_directory(cli: Invoke, tmp_path: Path) -> None:
    r = cli("--data", str(tmp_path), "topics")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == f"emh: {tmp_path}: is a directory, not a store file\n"


ENV_HINT = "; the path is from $EMH_DATA (unset it to use the bundled store)"


def test_missing_store_via_env(cli: Invoke, tmp_path: Path) -> None:
    """A store named by EMH_DATA, set perhaps long ago, says so."""
    r = cli("ask", "spleen", env={"EMH_DATA": str(tmp_path / "env.json")})
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == f"emh: {tmp_path / 'env.json'}: store not found{ENV_HINT}\n"
    (tmp_path / "other.json").write_text('{"name": "x"}')
    r = cli("list", env={"EMH_DATA": str(tmp_path / "other.json")})
    assert r.stderr == (
        f"emh: {tmp_path / 'other.json'}: JSON without a schema_version key, so not an "
        f"emh store (build one with `emh build`){ENV_HINT}\n"
    )
    # --data wins over EMH_DATA, and then EMH_DATA is not the cause
    r = cli("--data", str(tmp_path / "nope.json"), "list", env={"EMH_DATA": "x.json"})
    assert r.stderr == f"emh: {tmp_path / 'nope.json'}: store not found\n"


@pytest.mark.parametrize("where", ["before", "after"])
def test_data_that_is_a_source_document_or_other_json(
    cli: Invoke, tmp_path: Path, where: str
) -> None:
    doc = tmp_path / "my-faq.txt"
    doc.write_text("Where do I park?\nIn the car park.\n", encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text('{"name": "package", "version": "1.0"}', encoding="utf-8")
    for path, why in [(doc, "not JSON"), (other, "JSON without a schema_version key")]:
        args = ["--data", str(path), "list"] if where == "before" else ["list", "--data", str(path)]
        r = cli(*args)
        assert (r.exit_code, r.stdout) == (2, "")
        assert r.stderr == (
            f"emh: {path}: {why}, so not an emh store (build one with `emh build`)\n"
        )


def test_unreadable_store(cli: Invoke, tmp_path: Path) -> None:
    p = tmp_path / "locked.json"
    p.write_bytes(FAQ.read_bytes())
    p.chmod(0)
    try:
        if os.access(p, os.R_OK):
            pytest.skip("running as root: a chmod 000 file is still readable")
        r = cli("--data", str(p), "list")
    finally:
        p.chmod(0o644)
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == f"emh: {p}: cannot read store (permission denied)\n"


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (PermissionError(13, "Permission denied"), "cannot read store (permission denied)"),
        (OSError(5, "Input/output error"), "cannot read store (Input/output error)"),
    ],
)
def test_unreadable_store_emulated(
    cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, message: str
) -> None:
    """The same, wherever the tests run (root reads a chmod 000 file)."""
    p = tmp_path / "locked.json"
    p.write_bytes(FAQ.read_bytes())
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == p:
            raise error
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    r = cli("--data", str(p), "list")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == f"emh: {p}: {message}\n"


def test_store_change_is_noticed(cli: Invoke, tmp_path: Path) -> None:
    """The derived index is rebuilt when the store changes, and a store broken
    after it was indexed is reported, not served from the cache."""
    p = tmp_path / "s.json"
    p.write_bytes(store_doc([entry_doc(question="What is first?", answer="First.")]))
    assert cli("--data", str(p), "list", "--json").exit_code == 0
    p.write_bytes(store_doc([entry_doc(question="What is second, now?", answer="Second.")]))
    r = cli("--data", str(p), "list", "--json")
    assert [e["question"] for e in json.loads(r.stdout)] == ["What is second, now?"]
    p.write_bytes(b"{broken")
    r = cli("--data", str(p), "list", "--json")
    assert r.exit_code == 2 and "not valid JSON" in r.stderr


def test_a_new_index_prunes_those_of_stores_that_are_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emh_cli.index import _cache_file, open_index

    cache = tmp_path / "cache"
    monkeypatch.setenv("EMH_CACHE_DIR", str(cache))
    gone, kept, new = (tmp_path / f"{n}.json" for n in ("gone", "kept", "new"))
    for p in (gone, kept, new):
        p.write_bytes(FAQ.read_bytes())
    for p in (gone, kept):
        open_index(p).conn.close()
    gone_index, kept_index = _cache_file(gone), _cache_file(kept)
    assert gone_index.is_file() and kept_index.is_file()
    gone.unlink()
    foreign = cache / "notes.txt"  # not emh's: never touched
    foreign.write_text("mine", encoding="utf-8")
    lookalike = cache / "index-0123456789abcdef.sqlite"  # emh's name, but no index
    lookalike.write_text("not sqlite", encoding="utf-8")
    old_tmp, fresh_tmp = cache / ".index-old.tmp", cache / ".index-fresh.tmp"
    old_tmp.write_bytes(b"")
    fresh_tmp.write_bytes(b"")  # perhaps another emh building right now
    os.utime(old_tmp, (0, 0))
    open_index(new).conn.close()  # a build prunes
    left = sorted(p.name for p in cache.iterdir())
    assert left == sorted(
        p.name for p in (kept_index, _cache_file(new), foreign, lookalike, fresh_tmp)
    )
    open_index(kept).conn.close()  # a query of a cached store changes nothing
    assert sorted(p.name for p in cache.iterdir()) == left

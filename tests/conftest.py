"""Shared fixtures: an isolated cache and environment, a CliRunner, store builders.

Hypothesis example counts live in the settings profiles below. The default
profile ("ci") is derandomized, so every run tries the same examples; choose
another with HYPOTHESIS_PROFILE=thorough.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner, Result

from emh_cli.cli import app

# Base example count; tests/test_properties.py scales it per property
# (the argument-list property runs 3x this).
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Environment variables that change how emh reads its store or writes output.
_SCRUBBED = ("EMH_DATA", "EMH_DEBUG", "NO_COLOR", "FORCE_COLOR", "PYTHONIOENCODING")


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("emh-cache")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, cache_root: Path) -> None:
    """Every test: the index cache in a per-session temp dir, no EMH_DATA."""
    monkeypatch.setenv("EMH_CACHE_DIR", str(cache_root))
    for name in _SCRUBBED:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


Invoke = Callable[..., Result]


@pytest.fixture
def cli(runner: CliRunner) -> Invoke:
    """Run `emh ARGS` in-process. Unexpected exceptions propagate (fail the test)."""

    def invoke(
        *args: str,
        input: str | bytes | None = None,
        env: Mapping[str, str | None] | None = None,
        catch_exceptions: bool = False,
    ) -> Result:
        return runner.invoke(
            app,
            list(args),
            input=input,
            env=env,
            catch_exceptions=catch_exceptions,
            prog_name="emh",
        )

    return invoke


_counter = itertools.count()


def build_store_at(
    folder: Path,
    docs: Mapping[str, str | bytes],
    *,
    name: str = "store.json",
    vocabulary: dict[str, Any] | None = None,
) -> Path:
    """Write `docs` (document name -> text or bytes) into `folder` and build a store
    there, with the bundled store's vocabulary unless `vocabulary` is given."""
    from support import bundled_vocabulary

    from emh_cli.build import build, read_sources, write_atomic

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc_name, content in docs.items():
        p = folder / doc_name
        p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        paths.append(p)
    vocab = bundled_vocabulary() if vocabulary is None else vocabulary
    result = build(read_sources(paths), vocab)
    out = folder / name
    write_atomic(out, result.serialize())
    return out


StoreMaker = Callable[..., Path]


@pytest.fixture
def make_store(tmp_path: Path) -> StoreMaker:
    """make_store("Q?\\nA.\\n") or make_store({"a.txt": ..., "b.txt": ...}) -> store path."""

    def make(
        docs: str | bytes | Mapping[str, str | bytes],
        *,
        doc_name: str = "doc.txt",
        vocabulary: dict[str, Any] | None = None,
    ) -> Path:
        if isinstance(docs, (str, bytes)):
            docs = {doc_name: docs}
        return build_store_at(tmp_path / f"store{next(_counter)}", docs, vocabulary=vocabulary)

    return make


@pytest.fixture
def write_store(tmp_path: Path) -> Callable[[bytes], Path]:
    """A hand-written store file (for shapes `emh build` never writes)."""

    def write(data: bytes, name: str | None = None) -> Path:
        p = tmp_path / (name or f"hand{next(_counter)}.json")
        p.write_bytes(data)
        return p

    return write


def many_pairs(n: int) -> str:
    """A source with `n` question-answer pairs, each answer a few hundred bytes."""
    parts = []
    for i in range(n):
        parts.append(f"What is extramedullary hematopoiesis fact number {i}?\n")
        parts.append(
            f"Fact {i}: extramedullary hematopoiesis occurs in the spleen and liver; "
            "the marrow cannot keep up with demand. " * 3 + "\n"
        )
    return "".join(parts)


@pytest.fixture(scope="session")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store whose `list` and `ask --json` output is far larger than a pipe (64 kB)."""
    return build_store_at(tmp_path_factory.mktemp("big"), {"big.txt": many_pairs(2000)})

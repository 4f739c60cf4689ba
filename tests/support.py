"""Helpers shared by the test modules (plain functions, no fixtures)."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_LEXICON = ROOT / "data" / "sources" / "lexicon"


def bundled_vocabulary() -> dict[str, Any]:
    """The vocabulary of the bundled store's lexicon folder."""
    from emh_cli.vocabulary import read_vocabulary

    return read_vocabulary(BUNDLED_LEXICON)


TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"
GOLDEN = TESTS / "golden"
SOURCES_DIR = ROOT / "data" / "sources"
REAL_SOURCES = sorted(SOURCES_DIR.glob("*.txt"))
FAQ = ROOT / "data" / "faq.json"
DOC_A = "000_717d4dda9e782864.txt"  # blank line after every line
DOC_B = "004_df62d6605becf123.txt"  # no blank lines (mostly)

EMH_BIN = Path(sys.executable).parent / "emh"


def emh_script() -> str:
    """The installed `emh` script: beside this interpreter, else on PATH (else skip)."""
    import shutil

    import pytest

    if EMH_BIN.is_file():
        return str(EMH_BIN)
    found = shutil.which("emh")
    if found is None:
        pytest.skip("the emh script is not installed")
    return found


# CSI, OSC (ended by BEL or ST), and lone two-byte escapes.
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def update_golden() -> bool:
    return os.environ.get("UPDATE_GOLDEN", "") not in ("", "0")


@dataclass(frozen=True)
class SourceQA:
    """One question of a source document as an independent reader sees it."""

    document: str
    line: int
    question: str
    answer: str | None  # the answer lines joined with "\n", blank lines dropped


_DRESS = re.compile(r"(?:#{1,6}\s+|[-*+]\s+|\d{1,3}[.)]\s+)?(.*)")
_QLABEL = re.compile(r"(?:Q|Question|QUESTION)\s*:\s*|Q\.\s+")
_ALABEL = re.compile(r"(?:A|Answer|ANSWER)\s*:\s*|A\.\s+")
_HEADING = re.compile(r"#{1,6}\s+\w")


def _oracle_unwrap(s: str) -> str:
    for mark in ("**", "__", "*", "_"):
        n = len(mark)
        inner = s[n:-n]
        wrapped = len(s) > 2 * n and s[:n] == s[-n:] == mark and mark not in inner
        if wrapped and not inner[0].isspace():
            return inner.strip()
    return s


def _oracle_question(s: str) -> tuple[str, bool] | None:
    s = _oracle_unwrap(_DRESS.fullmatch(s).group(1))  # type: ignore[union-attr]
    label = _QLABEL.match(s)
    if label:
        s = _oracle_unwrap(s[label.end() :])
    s = s.strip()
    return (s, bool(label)) if s.endswith(("?", "\uff1f", "\u061f")) else None


def oracle_parse(document: str, text: str) -> list[SourceQA]:
    """A deliberately simple second reading of a source (not emh's parser):
    a question is a line ending in '?' (or '？', '؟'), once a Markdown heading
    or list marker, a "Q:" label and emphasis around it are set aside; its
    answer the non-blank lines up to the next question, less an "A:" label
    after a "Q:" one and less a Markdown heading that ends it (a section title)."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[SourceQA] = []
    current: tuple[int, str] | None = None
    labelled = False
    body: list[str] = []
    fence = ""  # inside a Markdown code block (``` or ~~~), a line is text
    last_is_code = False

    def close() -> None:
        if current is not None:
            if len(body) > 1 and _HEADING.match(body[-1]) and not last_is_code:
                body.pop()
            out.append(SourceQA(document, current[0], current[1], "\n".join(body) or None))

    for number, raw in enumerate(lines, start=1):
        s = raw.strip()
        code = bool(fence) or s[:3] in ("```", "~~~")
        if s[:3] in ("```", "~~~"):
            fence = s[:3] if not fence else ("" if s[:3] == fence else fence)
        q = None if code else _oracle_question(s)
        if s and q is None:
            last_is_code = code
        if q is not None:
            close()
            current, body, labelled = (number, q[0]), [], q[1]
        elif s and current is not None:
            if labelled and not body and (a := _ALABEL.match(s)):
                s = s[a.end() :]
                if not s:
                    continue
            body.append(s)
    close()
    return out


def real_source_qas() -> list[SourceQA]:
    out: list[SourceQA] = []
    for p in REAL_SOURCES:
        out.extend(oracle_parse(p.name, p.read_text(encoding="utf-8")))
    return out


def squash(text: str) -> str:
    return " ".join(text.split())


def run_emh(
    args: Sequence[str | bytes],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    """Run the installed `emh` entry point; environment = os.environ + env."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [os.fsencode(EMH_BIN), *[a if isinstance(a, bytes) else os.fsencode(a) for a in args]],
        cwd=cwd,
        env=full_env,
        input=input if input is not None else b"",
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def no_traceback(stderr: str | bytes) -> bool:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    return "Traceback" not in text and "Exception ignored" not in text


def store_doc(items: list[Any], **top: Any) -> bytes:
    """A hand-written store file."""
    obj: dict[str, Any] = {"schema_version": 1, "documents": [], "entries": items}
    obj.update(top)
    try:
        return json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: only JSON escapes can hold them
        return json.dumps(obj).encode("ascii")


def entry_doc(
    eid: str = "1", question: str = "What is it?", answer: str | None = "It is.", **extra: Any
) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": eid,
        "question": question,
        "questions": [question],
        "answer": answer,
        "topics": [],
        "flags": [] if answer is not None else ["unanswered"],
        "sources": [{"document": "doc.txt", "line": 1, "question": question}],
    }
    d.update(extra)
    return d


def modules_loaded_by(imports: str, watched: Sequence[str]) -> list[str]:
    """Which of `watched` (module names, or top-level package names) a fresh
    interpreter has loaded after `import {imports}`."""
    code = (
        f"import sys, {imports}\n"
        f"watched = {tuple(watched)!r}\n"
        "print(sorted(m for m in sys.modules if m in watched or m.split('.')[0] in watched))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    return list(ast.literal_eval(done.stdout.strip()))

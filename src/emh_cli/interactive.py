"""`emh` with no arguments in a terminal: ask repeatedly at a prompt."""

from __future__ import annotations

from pathlib import Path


def run(store: Path) -> int:
    raise NotImplementedError

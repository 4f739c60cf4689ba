"""The one error family of emh. The core raises these; the CLI prints one line."""

from __future__ import annotations

import os


def debug_enabled() -> bool:
    """EMH_DEBUG=1: let unexpected errors show their traceback."""
    return os.environ.get("EMH_DEBUG", "") not in ("", "0")


class EmhError(Exception):
    """Base class: a problem the user can act on (exit status 2)."""

    exit_code = 2


class UsageError(EmhError):
    """The command line asked for something that does not exist or makes no sense."""


class StoreError(EmhError):
    """A store file is missing, unreadable or malformed."""


class SourceError(EmhError):
    """A source document cannot be parsed into a store."""


class NothingToSearch(EmhError):
    """The query has no searchable words ("should I be worried"): a question
    emh has no answer for, not a mistake of usage (exit status 1)."""

    exit_code = 1


class LexiconError(EmhError):
    """A lexicon file or a store's vocabulary is missing or malformed."""

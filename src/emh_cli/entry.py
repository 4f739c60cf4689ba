"""The `emh` console script. It imports the command line inside a guard, so
that Ctrl-C while Python is still loading typer ends as it does later: no
traceback, exit status 130."""

import contextlib
import os
import sys


def run() -> None:
    try:
        from emh_cli.cli import main

        main()
    except KeyboardInterrupt:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os._exit(130)

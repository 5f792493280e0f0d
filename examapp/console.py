"""What every command shares on the terminal: exit codes, emit/fail, --json, progress bars.

Exit codes: 0 done, 1 input understood but rejected, 2 usage or unreadable input. With --json
one JSON document goes to stdout; human messages always go to stderr. Imports no feature.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click

EXIT_REJECTED = 1
EXIT_USAGE = 2


def emit(as_json: bool, document: Any, human: str | None = None) -> None:
    """One JSON document on stdout with --json; otherwise the human text on stderr."""
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, default=str))
    elif human:
        click.echo(human, err=True)


def fail(as_json: bool, code: int, message: str, **extra: Any) -> NoReturn:
    emit(as_json, {"error": message, **extra}, f"error: {message}")
    sys.exit(code)


def progress_bar(enabled: bool, total: int, label: str):
    """A tqdm bar on a terminal; nothing when piped or with --json."""
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="row", disable=not enabled or not sys.stderr.isatty(),
                file=sys.stderr, leave=False)

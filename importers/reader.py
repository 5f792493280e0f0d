"""read_questions: one entry point from any supported file to an ImportResult."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from importers import limits
from importers.aiken import parse_aiken
from importers.formats import format_from_name
from importers.gift import looks_like_gift, parse_gift
from importers.messages import msg
from importers.model import ImportFileError, ImportResult, ParsedQuestion, RowError
from importers.safety import check_file_size, decode_text
from importers.spreadsheet import SHEET_FORMATS, questions_from_sheets, read_sheets
from importers.validate import DuplicateFinder, text_question

Progress = Callable[[int, int], None]
Accept = Callable[[ParsedQuestion], None]
Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO


def read_questions(
    source: Source,
    filename: str,
    format: str = "auto",
    *,
    progress: Progress | None = None,
    accept: Accept | None = None,
) -> ImportResult:
    """Read a question file; bad rows land in errors, a bad file raises ImportFileError.

    `accept`, if given, is called with each question of `questions`, in order, as soon as its
    row has passed every rule, while later rows are still being read: a caller can start
    storing them early. A later row never makes an accepted one invalid (a repeat is an error
    on the later copy), but the file as a whole may still turn out to have errors.
    """
    fmt = format_from_name(filename, format)
    data = _read_bytes(source)
    if not data or data.isspace():
        raise ImportFileError(msg("the file is empty"))
    try:
        with _collector_paused():
            return _dispatch(data, fmt, _guarded(progress), _guarded(accept))
    except ImportFileError:
        raise
    except _CallerError as exc:
        raise exc.original from None
    except (MemoryError, RecursionError) as exc:
        raise ImportFileError(msg("the file is too complex to read")) from exc
    except Exception as exc:  # promise: never a stack trace for a bad file
        error = type(exc).__name__
        raise ImportFileError(msg("the file could not be read (%(error)s)", error=error)) from exc


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a file is read.

    A 10,000-question workbook makes some 100,000 objects that all live until the read
    returns; the collector would walk them again and again, a sixth of the read, to find no
    garbage. Objects go on being freed as usual; only the search for cycles waits.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _CallerError(Exception):
    """Carries an exception raised by a caller's callback past the file-error net."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


def _guarded(callback: Callable | None) -> Callable | None:
    if callback is None:
        return None

    def call(*args: object) -> None:
        try:
            callback(*args)
        except Exception as exc:
            raise _CallerError(exc) from exc

    return call


def _dispatch(data: bytes, fmt: str, progress: Progress | None, accept: Accept | None) -> ImportResult:
    if fmt in SHEET_FORMATS:
        return questions_from_sheets(read_sheets(data, fmt), fmt, progress, accept)
    what = {"txt": msg("GIFT or Aiken"), "gift": "GIFT"}.get(fmt, "Aiken")
    text = decode_text(data, what)
    if (lines := text.count("\n") + 1) > limits.MAX_TEXT_LINES:
        raise ImportFileError(
            msg("the file has %(lines)s lines; a %(format)s file may have at most %(limit)s: split it into "
                "smaller files", lines=f"{lines:,}", format=what, limit=f"{limits.MAX_TEXT_LINES:,}")
        )
    if fmt == "txt":
        fmt = "gift" if looks_like_gift(text) else "aiken"
    items = parse_gift(text) if fmt == "gift" else parse_aiken(text)
    if len(items) > limits.MAX_ROWS:
        raise ImportFileError(
            msg("the file has %(count)s questions; at most %(limit)s can be imported at once: split it "
                "into smaller files", count=f"{len(items):,}", limit=f"{limits.MAX_ROWS:,}")
        )
    return _check_text_items(items, fmt, progress, accept)


def _check_text_items(
    items: list[ParsedQuestion | RowError], fmt: str, progress: Progress | None, accept: Accept | None
) -> ImportResult:
    result = ImportResult(format=fmt, rows_read=len(items))
    if not items:
        if fmt == "gift":
            missing = msg("no questions found; expected GIFT questions ({…} answer blocks)")
        else:
            missing = msg("no questions found; expected Aiken questions")
        result.add_errors([RowError(None, None, missing)])
    duplicates = DuplicateFinder("line")
    total = len(items)
    step = max(1, total // 100)
    for done, item in enumerate(items, 1):
        if isinstance(item, RowError):
            result.add_errors([item])
        elif errors := text_question(item, duplicates):
            result.add_errors(errors)
        else:
            result.questions.append(item)
            if accept is not None:
                accept(item)
        if progress is not None and (done % step == 0 or done == total):
            progress(done, total)
    return result


def _read_bytes(source: Source) -> bytes:
    """Load the whole file, refusing anything over the size limit before reading it."""
    try:
        if isinstance(source, bytes | bytearray | memoryview):
            data = bytes(source)
        elif isinstance(source, str | os.PathLike):
            check_file_size(os.path.getsize(source))
            with open(source, "rb") as handle:
                data = handle.read(limits.MAX_FILE_BYTES + 1)
        else:
            data = source.read(limits.MAX_FILE_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ImportFileError(msg("cannot read the file: %(reason)s", reason=reason)) from exc
    if not isinstance(data, bytes):
        raise ImportFileError(msg("the file must be opened in binary mode"))
    check_file_size(len(data))
    return data

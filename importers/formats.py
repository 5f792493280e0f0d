"""Choosing the file format from the name (and, for .txt, from the text)."""

from __future__ import annotations

import os

from importers.messages import msg
from importers.model import ImportFileError

SUPPORTED_FORMATS = ("xlsx", "xlsm", "ods", "csv", "gift", "aiken")
_BY_EXTENSION = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsm",
    ".ods": "ods",
    ".csv": "csv",
    ".gift": "gift",
    ".aiken": "aiken",
    ".txt": "txt",
}
_NOT_SUPPORTED = {
    ".xls": msg("old .xls workbooks are not supported; save the file as .xlsx"),
    ".xlsb": msg("binary .xlsb workbooks are not supported; save the file as .xlsx"),
    ".fods": msg("flat .fods files are not supported; save the file as .ods"),
}


def format_from_name(filename: str, format: str = "auto") -> str:
    """Return a SUPPORTED_FORMATS entry, or "txt" when only the text can tell GIFT from Aiken."""
    wanted = (format or "auto").strip().lower()
    if wanted != "auto":
        if wanted not in SUPPORTED_FORMATS:
            raise ImportFileError(msg("unknown format '%(format)s'; choose one of auto, %(formats)s",
                                      format=format, formats=", ".join(SUPPORTED_FORMATS)))
        return wanted
    extension = os.path.splitext(filename or "")[1].lower()
    if extension in _NOT_SUPPORTED:
        raise ImportFileError(_NOT_SUPPORTED[extension])
    if extension not in _BY_EXTENSION:
        if not extension:
            raise ImportFileError(msg("cannot tell the format of '%(file)s' (no extension); use a .xlsx, "
                                      ".xlsm, .ods, .csv, .gift or .txt (Aiken) file, or name the format",
                                      file=filename))
        raise ImportFileError(msg("cannot tell the format of '%(file)s' (%(extension)s); use a .xlsx, .xlsm, "
                                  ".ods, .csv, .gift or .txt (Aiken) file, or name the format",
                                  file=filename, extension=extension))
    return _BY_EXTENSION[extension]

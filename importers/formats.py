"""Choosing the file format from the name (and, for .txt, from the text)."""

from __future__ import annotations

import os

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
    ".xls": "old .xls workbooks are not supported; save the file as .xlsx",
    ".xlsb": "binary .xlsb workbooks are not supported; save the file as .xlsx",
    ".fods": "flat .fods files are not supported; save the file as .ods",
}


def format_from_name(filename: str, format: str = "auto") -> str:
    """Return a SUPPORTED_FORMATS entry, or "txt" when only the text can tell GIFT from Aiken."""
    wanted = (format or "auto").strip().lower()
    if wanted != "auto":
        if wanted not in SUPPORTED_FORMATS:
            raise ImportFileError(
                f"unknown format '{format}'; choose one of auto, {', '.join(SUPPORTED_FORMATS)}"
            )
        return wanted
    extension = os.path.splitext(filename or "")[1].lower()
    if extension in _NOT_SUPPORTED:
        raise ImportFileError(_NOT_SUPPORTED[extension])
    if extension not in _BY_EXTENSION:
        shown = extension or "no extension"
        raise ImportFileError(
            f"cannot tell the format of '{filename}' ({shown}); use a .xlsx, .xlsm, .ods, .csv, "
            ".gift or .txt (Aiken) file, or name the format"
        )
    return _BY_EXTENSION[extension]

"""Cells that spreadsheet programs open as the text they are, never as formulas.

Excel and LibreOffice run a cell that starts with one of FORMULA_STARTS as a formula
(CSV injection); every export of user-typed text goes through here. A CSV is also opened in
locales whose list separator is ";" (Vietnamese Excel among them): there a line is cut at every
";" whatever the quotes meant in a comma file, so in `Lan;=HYPERLINK(...)` the part after the ";"
becomes a cell of its own. Such a part gets the same ' guard as a cell that starts with it.
"""

from __future__ import annotations

import csv
import re
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A part another locale would cut off at its separator, starting like a formula.
_FORMULA_PART = re.compile(r"([;,\t] *)([=+\-@])")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_text(value: str) -> str:
    """The value for a CSV cell: a leading ' keeps formula-like text (and parts) as text."""
    guarded = "'" + value if looks_like_formula(value) else value
    return _FORMULA_PART.sub(r"\1'\2", guarded)


def csv_writer(out: IO[str]):
    """A csv.writer that quotes every cell, so a reader splitting at the file's own commas never cuts one."""
    return csv.writer(out, quoting=csv.QUOTE_ALL)


def xlsx_value(sheet, value: object):
    """A value for a write-only openpyxl sheet: formula-like text becomes a string cell with
    Excel's quote prefix, so it stays text even when edited."""
    if not looks_like_formula(value):
        return value  # openpyxl writes other str values as plain strings already
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell

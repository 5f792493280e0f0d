"""Cells that spreadsheet programs open as the text they are, never as formulas.

Excel and LibreOffice run a cell that starts with one of FORMULA_STARTS as a formula
(CSV injection); every export of user-typed text goes through here. A CSV is also opened in
locales whose list separator is ";" (Vietnamese Excel among them), where an unquoted
`Lan;=HYPERLINK(...)` splits into a second cell that starts with "=": so every CSV cell is
quoted, and a cell with such a part inside is guarded as if it started with it.
"""

from __future__ import annotations

import csv
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Separators some locale may split a cell on when it opens a CSV.
_SEPARATORS = (";", ",", "\t")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _has_formula_part(value: str) -> bool:
    return any(part.lstrip(" ").startswith(FORMULA_STARTS)
               for separator in _SEPARATORS if separator in value
               for part in value.split(separator)[1:])


def csv_text(value: str) -> str:
    """The value for a CSV cell: a leading ' keeps formula-like text as text."""
    return "'" + value if looks_like_formula(value) or _has_formula_part(value) else value


def csv_writer(out: IO[str]):
    """A csv.writer that quotes every cell, so no locale's separator splits one."""
    return csv.writer(out, quoting=csv.QUOTE_ALL)

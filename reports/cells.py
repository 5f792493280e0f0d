"""Cells that spreadsheet programs open as the text they are, never as formulas.

Excel and LibreOffice run a cell that starts with one of FORMULA_STARTS as a formula
(CSV injection); every export of user-typed text goes through here.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_text(value: str) -> str:
    """The value for a CSV cell: a leading ' keeps formula-like text as text."""
    return "'" + value if looks_like_formula(value) else value

"""Builders that write question files from code, so no binary fixture is committed."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence

import openpyxl
import pandas as pd

Rows = Sequence[Sequence[object]]
ENGLISH_HEADER = ["question", "option_a", "option_b", "option_c", "option_d", "answer"]


def xlsx_bytes(rows: Rows, *, sheets: dict[str, Rows] | None = None) -> bytes:
    """Write rows (None = empty cell) to an in-memory xlsx, optionally with sheets before it."""
    workbook = openpyxl.Workbook()
    first = workbook.active
    for title, other in (sheets or {}).items():
        sheet = workbook.create_sheet(title)
        for row in other:
            sheet.append(list(row))
    for row in rows:
        first.append(list(row))
    if sheets:
        workbook.move_sheet(first, offset=len(sheets))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ods_bytes(rows: Rows) -> bytes:
    """Write rows to an in-memory ods through pandas' odfpy writer."""
    width = max(len(row) for row in rows)
    frame = pd.DataFrame([list(row) + [None] * (width - len(row)) for row in rows])
    buffer = io.BytesIO()
    frame.to_excel(buffer, engine="odf", header=False, index=False)
    return buffer.getvalue()


def csv_bytes(rows: Rows, *, sep: str = ",", encoding: str = "utf-8") -> bytes:
    """Write rows as CSV text through pandas, in the given encoding."""
    width = max(len(row) for row in rows)
    frame = pd.DataFrame([list(row) + [None] * (width - len(row)) for row in rows])
    return frame.to_csv(sep=sep, header=False, index=False).encode(encoding)


def cp1258_bytes(text: str) -> bytes:
    """Encode as Windows-1258 does: base letters precomposed, tone marks as combining marks."""
    shape_marks = {"\u0302", "\u0306", "\u031b"}  # circumflex, breve, horn: cp1258 has â ă ơ ...
    out = []
    for char in text:
        try:
            char.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            shaped = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in shape_marks))
            char = shaped + "".join(m for m in marks if m not in shape_marks)
        out.append(char)
    return "".join(out).encode("cp1258")

"""Candidate tickets as a CSV file that spreadsheet programs open safely and in Vietnamese."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from examapp.exams.service import IssuedTicket

HEADER = ("username", "name", "ticket")
# A cell starting with one of these is read as a formula by Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """The value as text a spreadsheet shows as it is: a leading ' stops it being run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def tickets_csv(tickets: Iterable[IssuedTicket]) -> str:
    """username, name, ticket rows under a header, every cell guarded against formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for t in tickets:
        writer.writerow([spreadsheet_text(value) for value in (t.username, t.full_name, t.ticket)])
    return out.getvalue()

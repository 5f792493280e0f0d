"""Candidate tickets as a CSV file that spreadsheet programs open safely and in Vietnamese."""

from __future__ import annotations

import io
from collections.abc import Iterable

from examapp.exams.tickets import IssuedTicket
from reports.cells import csv_text, csv_writer

HEADER = ("username", "name", "ticket")


def tickets_csv(tickets: Iterable[IssuedTicket]) -> str:
    """username, name, ticket rows under a header, every cell guarded against formulas."""
    out = io.StringIO()
    out.write(",".join(HEADER) + "\r\n")  # plain words: nothing to quote
    writer = csv_writer(out)
    for t in tickets:
        writer.writerow([csv_text(value) for value in (t.username, t.full_name, t.ticket)])
    return out.getvalue()

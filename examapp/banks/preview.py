"""The upload preview: the file's rows as the trainer sees them, with each bad cell and its message.

Spreadsheets are shown as their own grid (row numbers and headers as in the file) so a
RowError's row and column point at a visible cell. Text formats (GIFT, Aiken), and any sheet
whose header row cannot be found again, are shown as the parsed questions instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from examapp.banks.importing import ImportReport
from importers import ParsedQuestion
from importers.spreadsheet import SHEET_FORMATS, Rows, read_sheets

MAX_SHOWN_ROWS = 200
MAX_CELL = 300
LETTERS = "ABCDEFGH"


@dataclass
class PreviewRow:
    number: int | None
    cells: list[str]
    state: str  # ok | duplicate | error
    bad: set[int] = field(default_factory=set)  # positions of the cells an error names
    messages: list[str] = field(default_factory=list)


@dataclass
class PreviewTable:
    headers: list[str]
    rows: list[PreviewRow]
    hidden: int = 0  # rows without errors left out of the page


def build_preview(data: bytes, report: ImportReport) -> PreviewTable:
    """Rows to show for an upload: every row with an error, and the first good ones."""
    parsed = report.questions
    grid = None
    if report.format in SHEET_FORMATS:
        try:
            grid = _sheet_grid(data, report, parsed)
        except Exception:  # the preview must never fail an upload the importer has read
            grid = None
    return grid or _parsed_table(report, parsed)


def _sheet_grid(data: bytes, report: ImportReport, parsed: list[ParsedQuestion]) -> PreviewTable | None:
    # The importer's own reader: the cells show as the importer read them, row numbers included.
    sheets = list(read_sheets(data, report.format))
    numbered = {q.row for q in parsed} | {e.row for e in report.errors if e.row is not None}
    if not numbered:
        return None
    first = min(numbered)
    titles = {e.column.strip() for e in report.errors if e.column}
    rows = _pick_sheet(sheets, parsed, titles, first)
    if rows is None:
        return None
    header_index = _header_index(rows, titles, first)
    if header_index is None:
        return None
    headers = [cell.strip() for cell in rows[header_index]]
    by_row = _errors_by_row(report)
    duplicates = set(report.duplicate_rows)
    table = PreviewTable(headers=headers, rows=[])
    for error in by_row.get(None, []):
        table.rows.append(PreviewRow(None, [""] * len(headers), "error", messages=[error.message]))
    shown_good = 0
    for number in sorted(numbered):
        cells = [_short(c) for c in (rows[number - 1] if number - 1 < len(rows) else [])]
        cells += [""] * (len(headers) - len(cells))
        errors = by_row.get(number, [])
        if not errors:
            shown_good += 1
            if shown_good > MAX_SHOWN_ROWS:
                table.hidden += 1
                continue
        state = "error" if errors else "duplicate" if number in duplicates else "ok"
        row = PreviewRow(number, cells, state, messages=[e.message for e in errors])
        for error in errors:
            if error.column:
                row.bad.update(i for i, h in enumerate(headers) if h == error.column.strip())
        table.rows.append(row)
    return table


def _pick_sheet(sheets: list[Rows], parsed: list[ParsedQuestion], titles: set[str],
                first: int) -> Rows | None:
    """The sheet the importer read: the one holding the parsed stems, else the error's headers."""
    for rows in sheets:
        if parsed and all(q.row - 1 < len(rows) and q.text in {c.strip() for c in rows[q.row - 1]}
                          for q in parsed[:5]):
            return rows
    for rows in sheets:
        if titles and any(titles & {c.strip() for c in row} for row in rows[: first - 1]):
            return rows
    return sheets[0] if len(sheets) == 1 else None


def _header_index(rows: Rows, titles: set[str], first: int) -> int | None:
    """The header: the row above the data naming most error columns, else the nearest filled one."""
    above = [i for i in range(min(first - 1, len(rows))) if any(c.strip() for c in rows[i])]
    if not above:
        return None
    if titles:
        best = max(above, key=lambda i: (len(titles & {c.strip() for c in rows[i]}), i))
        if titles & {c.strip() for c in rows[best]}:
            return best
    return above[-1]


def _errors_by_row(report: ImportReport) -> dict:
    by_row: dict[int | None, list] = {}
    for error in report.errors:
        by_row.setdefault(error.row, []).append(error)
    return by_row


def _parsed_table(report: ImportReport, parsed: list[ParsedQuestion]) -> PreviewTable:
    headers = ["question", "options", "answer", "type", "topic", "difficulty", "points"]
    by_row = _errors_by_row(report)
    duplicates = set(report.duplicate_rows)
    table = PreviewTable(headers=headers, rows=[])
    questions = {q.row: q for q in parsed}
    numbers = sorted(set(questions) | {r for r in by_row if r is not None})
    for error in by_row.get(None, []):
        table.rows.append(PreviewRow(None, [""] * len(headers), "error", messages=[error.message]))
    shown_good = 0
    for number in numbers:
        errors = by_row.get(number, [])
        q = questions.get(number)
        if not errors:
            shown_good += 1
            if shown_good > MAX_SHOWN_ROWS:
                table.hidden += 1
                continue
        cells = [""] * len(headers)
        if q is not None:
            answer = ", ".join(LETTERS[i] for i, o in enumerate(q.options) if o.correct)
            options = " | ".join(f"{LETTERS[i]}. {o.text}" for i, o in enumerate(q.options))
            cells = [_short(q.text), _short(options), answer, q.type, q.topic or "", q.difficulty,
                     str(q.points)]
        state = "error" if errors else "duplicate" if number in duplicates else "ok"
        table.rows.append(PreviewRow(number, cells, state, messages=[e.message for e in errors]))
    return table


def _short(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"

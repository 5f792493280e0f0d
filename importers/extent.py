"""How far each sheet of a workbook reaches, measured in its XML before any reader parses it.

calamine and the pandas engines hold a sheet as one grid from A1 to its furthest cell, and size
that grid, or a table of strings, by what the file says: one cell at XFD1048576 in a 1.6 KB
xlsx, a row repeated 65,536 times across 16,384 columns in an 831-byte ods, or a declared count
of two billion shared strings asks for hundreds of GiB and the process aborts. So the declared
dimension, the cell references in use and every repeat are measured here first, against
limits.MAX_ROWS, MAX_COLUMNS and MAX_CELLS, and a sheet beyond them is refused with the cell
that reaches too far.

Every program writes a cell as `<c r="B7" ...>`, reference first: while a sheet holds only such
cells in columns A-Z and rows under 100,000 (one search finds any other), its grid is small
and nothing more is measured. Any other sheet is walked tag by tag, as calamine and openpyxl
place cells (a cell without a reference follows the previous one).
"""

from __future__ import annotations

import html
import re
from typing import NoReturn

from importers import limits
from importers.model import ImportFileError

_ATTRS = rb'((?:[^>"\']|"[^"]*"|\'[^\']*\')*)'  # a tag's attributes; quoted values may hold ">"
_UNUSUAL_CELL = re.compile(rb'<c(?! r="[A-Z][0-9]{1,5}"(?: [a-qs-z][\w:.-]*="[^"]*")*/?>)[\s>/]')
_PREFIXED_CELL = re.compile(rb":c[\s>/]")
_TAG = re.compile(rb"<(?:[\w.-]+:)?(c|row)(?=[\s>/])" + _ATTRS + rb">")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension(?=[\s>/])" + _ATTRS + rb">")
_SHARED_STRINGS = re.compile(rb"<(?:[\w.-]+:)?sst(?=[\s>/])" + _ATTRS + rb">")
_COUNT = re.compile(rb'(?<![\w:.-])(?:count|uniqueCount)\s*=\s*["\']\s*0*([0-9]{1,12})')
# A reference as readers take it: letters, then digits (leading zeros dropped, so they count).
_REF = re.compile(rb'(?<![\w:.-])r\s*=\s*["\']\s*\$?([A-Za-z]{0,4})\$?0*([0-9]{0,10})')
_RANGE_END = re.compile(rb"\$?([A-Za-z]{0,4})\$?0*([0-9]{0,10})")


def check_extent(fmt: str, parts: dict[str, bytes]) -> None:
    """Refuse the workbook (xlsx or ods) if a sheet reaches beyond the limits; parts are its
    inflated XML parts that readers take cells or sizes from."""
    if fmt == "ods":
        if "content.xml" in parts:
            _check_ods_content(parts["content.xml"])
        return
    named = {name.lower(): text for name, text in parts.items()}
    if (strings := named.get("xl/sharedstrings.xml")) is not None:
        _check_shared_strings(strings)
    names = _sheet_names(named)
    for name, text in parts.items():
        if b"sheetData" in text:
            _check_xlsx_sheet(names.get(name.lower(), name), text)


def refuse_extent(sheet: str, where: str, rows: int, columns: int) -> None:
    """Refuse a sheet whose grid (`where` says how it gets there) is over a limit."""
    if rows > limits.MAX_ROWS:
        _refuse(sheet, f"{where}: row {rows:,} is beyond the {limits.MAX_ROWS:,} rows that can be "
                       "read; delete the rows below your data, or split the file")
    if columns > limits.MAX_COLUMNS:
        _refuse(sheet, f"{where}: column {column_letters(columns)} is beyond the {limits.MAX_COLUMNS} "
                       f"columns (A to {column_letters(limits.MAX_COLUMNS)}) that can be read; delete "
                       "the columns to the right of your data")
    if rows * columns > limits.MAX_CELLS:
        _refuse(sheet, f"{where}: {rows:,} rows by {columns:,} columns are more than the "
                       f"{limits.MAX_CELLS:,} cells that can be read; delete the rows and columns "
                       "your data does not use, or split the file")


def _refuse(sheet: str, problem: str) -> NoReturn:
    raise ImportFileError(f"sheet '{sheet}' {problem}")


def column_letters(number: int) -> str:
    """1 -> A, 27 -> AA, 256 -> IV."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _check_xlsx_sheet(sheet: str, xml: bytes) -> None:
    head = xml[: xml.find(b"sheetData")]
    for dimension in _DIMENSION.finditer(head):
        ref = _attribute(dimension.group(1), b"ref")
        if ref is not None:
            rows, columns = _range_end(ref)
            declared = ref[:40].decode("ascii", "replace")
            refuse_extent(sheet, f"declares its cells as {declared}", rows, columns)
    if _UNUSUAL_CELL.search(xml) is None and _PREFIXED_CELL.search(xml) is None:
        # Cells only in A-Z below row 100,000: the grid is small. The last row, where it
        # says, refuses a long sheet before it is read (the reader counts its rows again).
        last = _TAG.match(xml, max(0, xml.rfind(b"<row ")))
        if last is not None and (ref := _REF.search(last.group(2))) and ref.group(2):
            refuse_extent(sheet, f"has rows down to row {int(ref.group(2)):,}", int(ref.group(2)), 1)
        return
    _walk_cells(sheet, xml)


def _walk_cells(sheet: str, xml: bytes) -> None:
    """Place every cell as the readers do and refuse at the first one beyond a limit.

    A tag with two references is placed at each: calamine takes the last, others the first.
    """
    max_rows, max_columns, max_cells = limits.MAX_ROWS, limits.MAX_COLUMNS, limits.MAX_CELLS
    row = column = rows = columns = cells = 0
    for tag in _TAG.finditer(xml):
        refs = _REF.findall(tag.group(2)) or [(b"", b"")]
        if tag.group(1) == b"row":
            for _, digits in refs:
                row = int(digits) if digits else row + 1
                if row > max_rows:
                    refuse_extent(sheet, f"has a row numbered {row:,}", row, 1)
            column = 0
            continue
        previous = column
        for letters, digits in refs:
            column = _column_number(letters) if letters else previous + 1
            at_row = int(digits) if digits else row
            rows, columns = max(rows, at_row), max(columns, column)
            if rows > max_rows or columns > max_columns or rows * columns > max_cells:
                refuse_extent(sheet, f"has a cell at {column_letters(column)}{at_row}", rows, columns)
        cells += 1
        if cells > max_cells:
            _refuse(sheet, f"has more than {max_cells:,} cells; split the file")


def _range_end(ref: bytes) -> tuple[int, int]:
    """The rows and columns a dimension such as A1:K120 reaches."""
    rows = columns = 1
    for part in ref.split(b":"):
        cell = _RANGE_END.match(part.strip())
        if cell is not None:
            columns = max(columns, _column_number(cell.group(1)))
            rows = max(rows, int(cell.group(2) or 1))
    return rows, columns


def _check_shared_strings(xml: bytes) -> None:
    table = _SHARED_STRINGS.search(xml)
    if table is None:
        return
    for count in _COUNT.finditer(table.group(1)):
        if int(count.group(1)) > limits.MAX_CELLS:
            raise ImportFileError(
                f"the workbook declares {int(count.group(1)):,} shared texts, more than the "
                f"{limits.MAX_CELLS:,} cells that can be read; open it in Excel or LibreOffice "
                "and save it again"
            )


_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet(?=[\s>/])" + _ATTRS + rb">")
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship(?=[\s>/])" + _ATTRS + rb">")


def _sheet_names(parts: dict[str, bytes]) -> dict[str, str]:
    """Part name (lower case) -> the sheet's name as the workbook shows it, where it says."""
    targets = {}
    for relationship in _RELATIONSHIP.finditer(parts.get("xl/_rels/workbook.xml.rels", b"")):
        key, target = _attribute(relationship.group(1), b"Id"), _attribute(relationship.group(1), b"Target")
        if key and target:
            path = _text(target).lstrip("/")
            targets[key] = (path if path.lower().startswith("xl/") else f"xl/{path}").lower()
    names = {}
    for sheet in _SHEET.finditer(parts.get("xl/workbook.xml", b"")):
        name, key = _attribute(sheet.group(1), b"name"), _attribute(sheet.group(1), b"r:id")
        if name is not None and key in targets:
            names[targets[key]] = _text(name)
    return names


def _attribute(attrs: bytes, name: bytes) -> bytes | None:
    found = re.search(rb"(?<![\w:.-])" + re.escape(name) + rb'\s*=\s*(["\'])(.*?)\1', attrs, re.S)
    return found.group(2) if found else None


def _text(value: bytes) -> str:
    return html.unescape(value.decode("utf-8", "replace"))


# ---- ods: rows and cells repeat (table:number-rows-repeated, table:number-columns-repeated)

_ODS_NAMESPACES = (
    (b"table", b"urn:oasis:names:tc:opendocument:xmlns:table:1.0"),
    (b"office", b"urn:oasis:names:tc:opendocument:xmlns:office:1.0"),
    (b"text", b"urn:oasis:names:tc:opendocument:xmlns:text:1.0"),
)
_BINDING = re.compile(rb'xmlns:([\w.-]+)\s*=\s*["\']\s*$')
_ODS_ROW = b"<table:table-row"
_ODS_TABLE = re.compile(rb"<table:table(?=[\s>/])" + _ATTRS + rb">")
_ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell(?=[\s>/])" + _ATTRS + rb">")
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated\s*=\s*["\']\s*0*([0-9]{1,12})')
_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated\s*=\s*["\']\s*0*([0-9]{1,12})')
_SPACES = re.compile(rb'<text:s(?=[\s>/])[^>]*?text:c\s*=\s*["\']\s*0*([0-9]{1,12})')


def _check_ods_content(xml: bytes) -> None:
    """Measure each table as calamine and odfpy expand it: a repeated row or cell counts as
    many times as it repeats, except empty ones at the end of a row or of a table, which
    neither reader keeps."""
    _check_ods_namespaces(xml)
    segments = xml.split(_ODS_ROW)
    table = _OdsTable(_table_name(segments[0], "1"))
    for segment in segments[1:]:
        if segment[:1] not in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
            rest = segment  # <table:table-rows> or <table:table-row-group>: no cells of its own
        else:
            rest = table.add_row(segment)
        if b"<table:table" in rest and _ODS_TABLE.search(rest):
            table = _OdsTable(_table_name(rest, str(table.number + 1)), table.number + 1)


def _check_ods_namespaces(xml: bytes) -> None:
    # Both readers then name the same elements: calamine matches "table:table-row" as
    # written, odfpy by namespace, so each namespace must be bound once, to its usual prefix.
    for prefix, uri in _ODS_NAMESPACES:
        at = xml.find(uri)
        if at < 0:
            continue
        binding = _BINDING.search(xml, max(0, at - 200), at)
        if binding is None or binding.group(1) != prefix or xml.count(uri) > 1:
            raise ImportFileError(
                "file is not a valid ods spreadsheet: it names its parts in an unusual way; "
                "open it in LibreOffice and save it again"
            )


def _table_name(text: bytes, default: str) -> str:
    found = _ODS_TABLE.search(text)
    if found is None:
        return default
    name = _attribute(found.group(1), b"table:name")
    return _text(name) if name is not None else default


class _OdsTable:
    """One table's reach so far: rows (repeats counted) down to the last one with a value,
    the furthest column with a value, cells materialised, and text once repeats are expanded."""

    def __init__(self, name: str, number: int = 1) -> None:
        self.name, self.number = name, number
        self.rows_seen = self.rows = self.columns = self.cells = self.text = 0

    def add_row(self, segment: bytes) -> bytes:
        """Measure the row that `segment` starts with; return what follows the row."""
        tag_end = segment.find(b">")
        tag = segment[:tag_end]
        repeats = _repeats(_ROWS_REPEATED, tag)
        if tag.endswith(b"/"):
            body, rest = b"", segment[tag_end + 1 :]
        else:
            close = segment.find(b"</table:table-row", tag_end)
            close = len(segment) if close < 0 else close
            body, rest = segment[tag_end + 1 : close], segment[close:]
        if b"-repeated" in body or b"text:c" in body:
            width, filled, text = _ods_cells(body)
        else:
            width = body.count(b"<table:table-cell") + body.count(b"<table:covered-table-cell")
            filled = width if b"table-cell>" in body or b"value" in body or b"formula" in body else 0
            text = len(body)
        self.rows_seen += repeats
        self.cells += width
        if filled:
            self.rows, self.columns = self.rows_seen, max(self.columns, filled)
            self.text += text * repeats
        rows, columns = self.rows, self.columns
        if rows > limits.MAX_ROWS or columns > limits.MAX_COLUMNS or rows * columns > limits.MAX_CELLS:
            refuse_extent(self.name, f"reaches row {rows:,}, column {column_letters(columns)} once its "
                                     "repeated rows and cells are counted", rows, columns)
        if self.cells > limits.MAX_CELLS:
            _refuse(self.name, f"holds more than {limits.MAX_CELLS:,} cells once its repeated cells "
                               "are counted; delete the rows and columns your data does not use")
        if self.text > limits.MAX_UNPACKED_BYTES:
            _refuse(self.name, f"repeats its text to more than {limits.MAX_UNPACKED_BYTES // 2**20} MB; "
                               "delete the repeated rows and cells your data does not use")
        return rest


def _ods_cells(body: bytes) -> tuple[int, int, int]:
    """A row's cells as calamine keeps them: the width it materialises (an empty cell counts
    only once a cell follows it), the last column with a value, and its text with repeats."""
    width = pending = filled = 0
    text = len(body) + sum(int(n) for n in _SPACES.findall(body))
    cells = list(_ODS_CELL.finditer(body))
    for index, cell in enumerate(cells):
        attrs = cell.group(1)
        repeats = _repeats(_COLUMNS_REPEATED, attrs)
        width, pending = width + pending, 0
        if not attrs.endswith(b"/") or b"value" in attrs or b"formula" in attrs:
            width += repeats
            filled = width
            if repeats > 1:
                end = cells[index + 1].start() if index + 1 < len(cells) else len(body)
                span = body[cell.start() : end]
                text += (len(span) + sum(int(n) for n in _SPACES.findall(span))) * (repeats - 1)
        else:
            pending = repeats
        if width > limits.MAX_CELLS:
            break
    return width, filled, text


def _repeats(pattern: re.Pattern[bytes], attrs: bytes) -> int:
    found = pattern.search(attrs) if b"-repeated" in attrs else None
    return max(1, int(found.group(1))) if found else 1

"""How far each sheet of an xlsx reaches, measured in its XML before any reader parses it.

calamine and the pandas engines hold a sheet as one grid from A1 to its furthest cell, and size
that grid, or a table of strings, by what the file says: one cell at XFD1048576 in a 1.6 KB
xlsx, or a declared count of two billion shared strings, asks for hundreds of GiB and the
process aborts. So the declared dimension and the cell references in use are measured here
first, against limits.MAX_ROWS, MAX_COLUMNS and MAX_CELLS, and a sheet beyond them is refused
with the cell that reaches too far (extent_ods.py does the same for ods repeats).

Every program writes a cell as `<c r="B7" ...>`, reference first: while a sheet holds only such
cells in columns A-Z and rows under 100,000 (one search finds any other), its grid is small
and nothing more is measured; with two-letter columns, a few more searches bound it. Any other
sheet is walked tag by tag, as calamine and openpyxl place cells (a cell without a reference
follows the previous one).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from typing import NoReturn

from importers import limits
from importers.messages import msg
from importers.model import ImportFileError

# A tag's attributes; quoted values may hold ">".
TAG_ATTRS = rb'((?:[^>"\']|"[^"]*"|\'[^\']*\')*)'
# Not a cell as programs write it: reference first (one letter, five digits), then s= and t= only.
# Possessive repeats: a canonical cell is matched once, with no backtracking (a third faster).
_UNUSUAL_CELL = re.compile(rb'<c(?! r="[A-Z][0-9]{1,5}+"(?: [st]="[^"]*+")*+/?>)[\s>/]')
_PREFIXED_CELL = re.compile(rb":c[\s>/]")
# The same with one- or two-letter columns, and those columns.
_UNUSUAL_WIDE_CELL = re.compile(rb'<c(?! r="[A-Z]{1,2}+[0-9]{1,5}+"(?: [st]="[^"]*+")*+/?>)[\s>/]')
_TWO_LETTER_COLUMN = re.compile(rb'<c r="([A-Z]{2})[0-9]')
_TAG = re.compile(rb"<(?:[\w.-]+:)?(c|row)(?=[\s>/])" + TAG_ATTRS + rb">")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension(?=[\s>/])" + TAG_ATTRS + rb">")
_SHARED_STRINGS = re.compile(rb"<(?:[\w.-]+:)?sst(?=[\s>/])" + TAG_ATTRS + rb">")
_COUNT = re.compile(rb'(?<![\w:.-])(?:count|uniqueCount)\s*=\s*["\']\s*0*([0-9]{1,12})')
# A reference as readers take it: letters, then digits (leading zeros dropped, so they count).
_REF = re.compile(rb'(?<![\w:.-])r\s*=\s*["\']\s*\$?([A-Za-z]{0,4})\$?0*([0-9]{0,10})')
_RANGE_END = re.compile(rb"\$?([A-Za-z]{0,4})\$?0*([0-9]{0,10})")


class XlsxScan:
    """Measures an xlsx workbook from its XML parts while safety.py inflates them.

    Every part is scanned as a possible sheet, piece by piece, without keeping it: any part
    may be read as one (openpyxl follows the relationships wherever they point), and calamine
    sizes its shared-string table by what xl/sharedStrings.xml declares. The workbook and its
    relationships are kept whole, to name the sheets.
    """

    def __init__(self) -> None:
        self._kept: dict[str, list[bytes]] = {}
        self._parts: dict[str, _XlsxPart] = {}

    def part(self, name: str) -> Callable[[bytes], None]:
        """Where the text of the member `name` goes, piece by piece."""
        lower = name.lower()
        scan = self._parts[name] = _XlsxPart(lower == "xl/sharedstrings.xml")
        if lower not in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            return scan.feed
        kept = self._kept.setdefault(lower, [])

        def keep_and_scan(piece: bytes) -> None:
            kept.append(piece)
            scan.feed(piece)

        return keep_and_scan

    def finish(self, text_of: Callable[[str], bytes]) -> None:
        """Refuse the workbook if a sheet reaches beyond the limits; `text_of(name)` gives a
        part's whole text again for the rare sheet that must be walked cell by cell."""
        names = _sheet_names({name: b"".join(pieces) for name, pieces in self._kept.items()})
        for name, scan in self._parts.items():
            scan.close()
            for count in scan.counts:
                _check_shared_strings(count)
            if scan.sheet_data:
                _check_xlsx_sheet(names.get(name.lower(), name), scan, lambda name=name: text_of(name))


def refuse_extent(sheet: str, where: str, rows: int, columns: int) -> None:
    """Refuse a sheet whose grid (`where`, a message, says how it gets there) is over a limit."""
    if rows > limits.MAX_ROWS:
        refuse_sheet(sheet, msg("%(where)s: row %(row)s is beyond the %(limit)s rows that can be read; "
                                "delete the rows below your data, or split the file",
                                where=where, row=f"{rows:,}", limit=f"{limits.MAX_ROWS:,}"))
    if columns > limits.MAX_COLUMNS:
        refuse_sheet(sheet, msg("%(where)s: column %(column)s is beyond the %(limit)s columns "
                                "(A to %(last)s) that can be read; delete the columns to the right of "
                                "your data",
                                where=where, column=column_letters(columns), limit=f"{limits.MAX_COLUMNS:,}",
                                last=column_letters(limits.MAX_COLUMNS)))
    if rows * columns > limits.MAX_CELLS:
        refuse_sheet(sheet, msg("%(where)s: %(rows)s rows by %(columns)s columns are more than the %(limit)s "
                                "cells that can be read; delete the rows and columns your data does not "
                                "use, or split the file", where=where, rows=f"{rows:,}",
                                columns=f"{columns:,}", limit=f"{limits.MAX_CELLS:,}"))


def refuse_sheet(sheet: str, problem: str) -> NoReturn:
    """Refuse the workbook for what `sheet` does wrong (`problem`, a message, says it)."""
    raise ImportFileError(msg("sheet '%(sheet)s' %(problem)s", sheet=sheet, problem=problem))


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


class _XlsxPart:
    """What the checks need of one xlsx part, gathered from its text piece by piece: whether
    it holds cells (sheetData), its declared dimensions, whether any cell is written other
    than the usual way, its end (to find the last row), and a shared-string table's counts."""

    def __init__(self, shared_strings: bool) -> None:
        self.sheet_data = self.unusual = False
        self.dimensions: list[bytes] = []
        self.counts: list[int] = []
        self._strings = shared_strings
        self._carry = b""  # from the last tag start of the text so far: scanned with what follows
        self._last = self._before_last = b""

    def feed(self, piece: bytes) -> None:
        # Each tag is scanned whole: the text from the last "<" waits for the next piece. Only
        # that short stretch is copied; the piece itself is scanned where it lies.
        self._before_last, self._last = self._last, piece
        start = piece.find(b"<")
        if start < 0:  # no tag starts here: text, or the rest of a long tag already begun
            if self._carry:
                self._carry += piece
            return
        if self._carry:
            joined = self._carry + piece[:start]
            self._scan(joined, len(joined))
        end = piece.rfind(b"<")
        self._scan(piece, end, start)
        self._carry = piece[end:]

    def close(self) -> None:
        self._scan(self._carry, len(self._carry))
        self._carry = b""

    @property
    def tail(self) -> bytes:
        """The end of the part's text (where its last row starts, unless that row is huge)."""
        return self._before_last + self._last

    def _scan(self, text: bytes, end: int, start: int = 0) -> None:
        if not self.sheet_data:
            found = text.find(b"sheetData", start, end)
            head = end if found < 0 else found
            self.dimensions += [ref for dimension in _DIMENSION.finditer(text, start, head)
                                if (ref := attribute(dimension.group(1), b"ref")) is not None]
            self.sheet_data = found >= 0
        if not self.unusual:
            self.unusual = bool(_UNUSUAL_CELL.search(text, start, end)
                                or _PREFIXED_CELL.search(text, start, end))
        if self._strings and (table := _SHARED_STRINGS.search(text, start, end)):
            self.counts = [int(count) for count in _COUNT.findall(table.group(1))]
            self._strings = False


def _check_xlsx_sheet(sheet: str, scan: _XlsxPart, text: Callable[[], bytes]) -> None:
    for ref in scan.dimensions:
        rows, columns = _range_end(ref)
        declared = msg("declares its cells as %(range)s", range=ref[:40].decode("ascii", "replace"))
        refuse_extent(sheet, declared, rows, columns)
    if scan.unusual:
        xml = text()
        if _PREFIXED_CELL.search(xml) is not None or not _within_wide_grid(sheet, xml):
            _walk_cells(sheet, xml)
            return
    # The grid is small enough. The last row, where it says, refuses a long sheet before it
    # is read (the reader counts its rows again).
    last = _TAG.match(scan.tail, max(0, scan.tail.rfind(b"<row ")))
    if last is not None and (ref := _REF.search(last.group(2))) and ref.group(2):
        last_row = int(ref.group(2))
        refuse_extent(sheet, msg("has rows down to row %(row)s", row=f"{last_row:,}"), last_row, 1)


def _within_wide_grid(sheet: str, xml: bytes) -> bool:
    """Whether a sheet of usual cells in up to two-letter columns (A-ZZ, rows under 100,000)
    fits the limits, found with a few searches; False: walk it to be sure (or to say where)."""
    if _UNUSUAL_WIDE_CELL.search(xml) is not None:
        return False
    columns = max(map(_column_number, set(_TWO_LETTER_COLUMN.findall(xml))), default=26)
    if columns > limits.MAX_COLUMNS:
        return False
    if columns * 99_999 <= limits.MAX_CELLS:
        return True
    # Wider: the rows must stay within the limit for the grid to, which one more search tells.
    return (_row_beyond(limits.MAX_ROWS).search(xml) is None
            and columns * limits.MAX_ROWS <= limits.MAX_CELLS)


@functools.lru_cache(maxsize=4)
def _row_beyond(rows: int) -> re.Pattern[bytes]:
    """A usual cell whose row number is greater than `rows`."""
    digits = str(rows)
    above = [rb"[1-9][0-9]{%d,}" % len(digits)]
    above += [digits[:i].encode() + b"[%d-9]" % (int(d) + 1) + b"[0-9]" * (len(digits) - i - 1)
              for i, d in enumerate(digits) if d != "9"]
    return re.compile(rb'<c r="[A-Z]{1,2}0*(?:' + b"|".join(above) + rb')"')


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
                    refuse_extent(sheet, msg("has a row numbered %(row)s", row=f"{row:,}"), row, 1)
            column = 0
            continue
        previous = column
        for letters, digits in refs:
            column = _column_number(letters) if letters else previous + 1
            at_row = int(digits) if digits else row
            rows, columns = max(rows, at_row), max(columns, column)
            if rows > max_rows or columns > max_columns or rows * columns > max_cells:
                cell = f"{column_letters(column)}{at_row}"
                refuse_extent(sheet, msg("has a cell at %(cell)s", cell=cell), rows, columns)
        cells += 1
        if cells > max_cells:
            refuse_sheet(sheet, msg("has more than %(limit)s cells; split the file", limit=f"{max_cells:,}"))


def _range_end(ref: bytes) -> tuple[int, int]:
    """The rows and columns a dimension such as A1:K120 reaches."""
    rows = columns = 1
    for part in ref.split(b":"):
        cell = _RANGE_END.match(part.strip())
        if cell is not None:
            columns = max(columns, _column_number(cell.group(1)))
            rows = max(rows, int(cell.group(2) or 1))
    return rows, columns


def _check_shared_strings(count: int) -> None:
    if count > limits.MAX_CELLS:
        raise ImportFileError(msg(
            "the workbook declares %(count)s shared texts, more than the %(limit)s cells that can be read; "
            "open it in Excel or LibreOffice and save it again", count=f"{count:,}",
            limit=f"{limits.MAX_CELLS:,}"))


_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet(?=[\s>/])" + TAG_ATTRS + rb">")
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship(?=[\s>/])" + TAG_ATTRS + rb">")


def _sheet_names(parts: dict[str, bytes]) -> dict[str, str]:
    """Part name (lower case) -> the sheet's name as the workbook shows it, where it says."""
    targets = {}
    for relationship in _RELATIONSHIP.finditer(parts.get("xl/_rels/workbook.xml.rels", b"")):
        key, target = attribute(relationship.group(1), b"Id"), attribute(relationship.group(1), b"Target")
        if key and target:
            path = xml_text(target).lstrip("/")
            targets[key] = (path if path.lower().startswith("xl/") else f"xl/{path}").lower()
    names = {}
    for sheet in _SHEET.finditer(parts.get("xl/workbook.xml", b"")):
        name, key = attribute(sheet.group(1), b"name"), attribute(sheet.group(1), b"r:id")
        if name is not None and key in targets:
            names[targets[key]] = xml_text(name)
    return names


def attribute(attrs: bytes, name: bytes) -> bytes | None:
    """The value of attribute `name` in a tag's attributes, as written."""
    found = re.search(rb"(?<![\w:.-])" + re.escape(name) + rb'\s*=\s*(["\'])(.*?)\1', attrs, re.S)
    return found.group(2) if found else None


def xml_text(value: bytes) -> str:
    """An attribute value as text (entities decoded)."""
    return html.unescape(value.decode("utf-8", "replace"))

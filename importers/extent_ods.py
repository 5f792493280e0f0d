"""How far each table of an ods reaches once its repeats are counted, measured in content.xml.

An ods writes a run of identical rows or cells once, with table:number-rows-repeated or
table:number-columns-repeated; calamine and odfpy expand every repeat (an 831-byte file of one
cell repeated 16,384 times in a row repeated 65,536 times asks pandas for 8 GiB), except
empty cells at the end of a row and empty rows at the end of a table, which neither keeps. Most
rows have no repeat and are counted in bulk; only the rows with one are measured cell by cell.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate
from operator import add, methodcaller

from importers import limits
from importers.extent import TAG_ATTRS, attribute, column_letters, refuse_extent, refuse_sheet, xml_text
from importers.messages import msg
from importers.model import ImportFileError

_ODS_NAMESPACES = (
    (b"table", b"urn:oasis:names:tc:opendocument:xmlns:table:1.0"),
    (b"office", b"urn:oasis:names:tc:opendocument:xmlns:office:1.0"),
    (b"text", b"urn:oasis:names:tc:opendocument:xmlns:text:1.0"),
)
_BINDING = re.compile(rb'xmlns:([\w.-]+)\s*=\s*["\']\s*$')
_ODS_ROW = b"<table:table-row"
_ODS_TABLE = re.compile(rb"<table:table(?=[\s>/])" + TAG_ATTRS + rb">")
_ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell(?=[\s>/])" + TAG_ATTRS + rb">")
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated\s*=\s*["\']\s*0*([0-9]{1,12})')
_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated\s*=\s*["\']\s*0*([0-9]{1,12})')
_SPACES = re.compile(rb'<text:s(?=[\s>/])[^>]*?text:c\s*=\s*["\']\s*0*([0-9]{1,12})')


def check_ods_content(xml: bytes) -> None:
    """Measure each table as calamine and odfpy expand it: a repeated row or cell counts as
    many times as it repeats, except empty ones at the end of a row or of a table, which
    neither reader keeps."""
    _check_ods_namespaces(xml)
    if (spaces := sum(map(int, _SPACES.findall(xml)))) > limits.MAX_UNPACKED_BYTES:
        raise ImportFileError(msg("the file asks for %(count)s repeated spaces; open it in LibreOffice, "
                                  "remove the long runs of spaces and save it again", count=f"{spaces:,}"))
    name, start, number = _table_name(xml[: max(0, xml.find(_ODS_ROW))], "1"), 0, 1
    while start < len(xml):
        closed = xml.find(b"</table:table>", start)
        end = len(xml) if closed < 0 else closed + len(b"</table:table>")
        _check_ods_table(name, xml[start:end])
        number += 1
        following = xml[end : max(end, xml.find(_ODS_ROW, end))]
        name, start = _table_name(following, str(number)), end


def _check_ods_table(name: str, table: bytes) -> None:
    # Most rows are written cell by cell: their cells are counted in bulk, the tags being all
    # there is. Only the rows with a repeat are measured one by one.
    head, *rows = table.split(_ODS_ROW)
    widths = list(map(methodcaller("count", b"<table:table-cell"), rows))
    if b"<table:covered-table-cell" in table:
        widths = list(map(add, widths, map(methodcaller("count", b"<table:covered-table-cell"), rows)))
    # Where each row's text starts in `table`, to find the rows a repeat mark falls in.
    starts = list(accumulate(map(len, rows), lambda at, size: at + size + len(_ODS_ROW),
                             initial=len(head) + len(_ODS_ROW)))
    # A run of spaces counts once, as text; inside a repeated cell, as often as it repeats.
    special = sorted({bisect_right(starts, at) - 1 for at in _find_all(table, b"-repeated")} - {-1})
    reach = _OdsReach(name)
    done = 0
    for index in special:
        reach.plain(widths[done:index])
        reach.special(rows[index])
        done = index + 1
    reach.plain(widths[done:])


def _find_all(text: bytes, mark: bytes) -> Iterator[int]:
    at = text.find(mark)
    while at >= 0:
        yield at
        at = text.find(mark, at + 1)


def _check_ods_namespaces(xml: bytes) -> None:
    # Both readers then name the same elements: calamine matches "table:table-row" as
    # written, odfpy by namespace, so each namespace must be bound once, on the root, to its
    # usual prefix (as every spreadsheet program writes it).
    root = xml.find(b"document-content")
    root_end = xml.find(b">", root) if root >= 0 else -1
    root_end = len(xml) if root_end < 0 else root_end
    for prefix, uri in _ODS_NAMESPACES:
        at = xml.find(uri, 0, root_end)
        binding = _BINDING.search(xml, max(0, at - 200), at) if at >= 0 else None
        if at >= 0 and (binding is None or binding.group(1) != prefix):
            raise _unusual_names()
    if xml.find(b"urn:oasis:names:tc:opendocument:xmlns:", root_end) >= 0:
        raise _unusual_names()


def _unusual_names() -> ImportFileError:
    reason = msg("it names its parts in an unusual way; open it in LibreOffice and save it again")
    return ImportFileError(msg("file is not a valid %(what)s: %(reason)s", what=msg("ods spreadsheet"),
                               reason=reason))


def _table_name(text: bytes, default: str) -> str:
    found = _ODS_TABLE.search(text)
    if found is None:
        return default
    name = attribute(found.group(1), b"table:name")
    return xml_text(name) if name is not None else default


class _OdsReach:
    """One table's reach so far: rows (repeats counted) down to the last one with a value,
    the furthest column with a value, cells materialised, and text once repeats are expanded."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows_seen = self.rows = self.columns = self.cells = self.text = 0

    def plain(self, widths: list[int]) -> None:
        """Rows written cell by cell, `widths` cells each: counted once each, as if all had values."""
        if widths:
            self.rows_seen += len(widths)
            self.rows = self.rows_seen
            self.columns = max(self.columns, max(widths))
            self.cells += sum(widths)
            self._check()

    def special(self, segment: bytes) -> None:
        """The row that `segment` starts with, which repeats or holds runs of spaces."""
        tag_end = segment.find(b">")
        tag = segment[: len(segment) if tag_end < 0 else tag_end]
        repeats = _repeats(_ROWS_REPEATED, tag)
        body = b""
        if not tag.endswith(b"/"):
            close = segment.find(b"</table:table-row", tag_end)
            body = segment[tag_end + 1 : len(segment) if close < 0 else close]
        width, filled, text = _ods_cells(body)
        self.rows_seen += repeats
        self.cells += width
        if filled:
            self.rows, self.columns = self.rows_seen, max(self.columns, filled)
            self.text += text * repeats
        self._check()

    def _check(self) -> None:
        rows, columns = self.rows, self.columns
        if rows > limits.MAX_ROWS or columns > limits.MAX_COLUMNS or rows * columns > limits.MAX_CELLS:
            where = msg("reaches row %(row)s, column %(column)s once its repeated rows and cells are counted",
                        row=f"{rows:,}", column=column_letters(columns))
            refuse_extent(self.name, where, rows, columns)
        if self.cells > limits.MAX_CELLS:
            refuse_sheet(self.name, msg("holds more than %(limit)s cells once its repeated cells are "
                                        "counted; delete the rows and columns your data does not use",
                                        limit=f"{limits.MAX_CELLS:,}"))
        if self.text > limits.MAX_UNPACKED_BYTES:
            refuse_sheet(self.name, msg("repeats its text to more than %(limit)s MB; delete the repeated "
                                        "rows and cells your data does not use",
                                        limit=limits.MAX_UNPACKED_BYTES // 2**20))


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

"""People lists read from spreadsheets: exam candidates and accounts (members' records next).

One reader for every kind of list, with the rules of question files: any xlsx, xlsm, ods or
csv goes through spreadsheet.read_sheets (so through every bound of safety.py and extent.py);
the first sheet with a header row naming the list's required columns is read, title rows above
that header are fine, and headers match in English or Vietnamese whatever their case and
accents. Empty rows are skipped; each row keeps its number as the spreadsheet shows it (title
and header rows counted) and each column the header as written, so a caller's row error
points at the cell to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from importers import limits
from importers.formats import format_from_name
from importers.headers import HEADER_SEARCH_ROWS, find_header, header_lookup
from importers.messages import msg
from importers.model import ImportFileError
from importers.spreadsheet import SHEET_FORMATS, read_sheets

_USERNAME = ("user", "user name", "login", "tên đăng nhập", "tài khoản")


@dataclass(frozen=True)
class RosterColumns:
    """The columns one kind of list may have: field -> header names, and which are required."""

    aliases: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    lookup: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lookup", header_lookup(self.aliases))


CANDIDATES = RosterColumns(
    {"username": _USERNAME,
     "extra_minutes": ("extra minutes", "extra time", "thời gian thêm", "số phút thêm")},
    required=("username",),
)
ACCOUNTS = RosterColumns(
    {
        "username": _USERNAME,
        "full_name": ("full name", "name", "họ và tên", "họ tên", "tên"),
        "unit": ("unit code", "đơn vị", "mã đơn vị"),
        "role": ("vai trò", "quyền"),
        "password": ("mật khẩu",),
    },
    required=("username", "full_name", "role"),
)


@dataclass(frozen=True)
class RosterRow:
    """One person: the row as the spreadsheet numbers it, and every field's text ("" if blank)."""

    row: int
    values: dict[str, str]


@dataclass(frozen=True)
class Roster:
    rows: list[RosterRow]
    titles: dict[str, str]  # field -> header as written in the file

    def title(self, name: str) -> str | None:
        """The header the file gives a field, or None when it has no such column."""
        return self.titles.get(name)


class NotASpreadsheet(ImportFileError):
    """The file is not an xlsx, xlsm, ods or csv file (by its name)."""


class MissingColumns(ImportFileError):
    """No sheet has a header row naming every required column."""

    def __init__(self, required: tuple[str, ...]) -> None:
        super().__init__(msg("no header row naming the columns %(columns)s found in the first %(rows)s rows "
                             "of any sheet", columns=", ".join(required), rows=HEADER_SEARCH_ROWS))
        self.required = required


def read_roster(data: bytes, filename: str, columns: RosterColumns,
                max_rows: int | None = None) -> Roster:
    """Read a people list; raises NotASpreadsheet, MissingColumns, or ImportFileError for a file
    that cannot be read or lists more than max_rows (default limits.MAX_ROSTER_ROWS) people."""
    try:
        fmt = format_from_name(filename)
    except ImportFileError:
        fmt = None
    if fmt not in SHEET_FORMATS:
        raise NotASpreadsheet(msg("'%(file)s' is not a spreadsheet; use an .xlsx, .xlsm, .ods or .csv file",
                                  file=filename))
    limit = limits.MAX_ROSTER_ROWS if max_rows is None else max_rows
    for sheet in read_sheets(data, fmt):
        header = find_header(sheet, columns.lookup, columns.required)
        if header is not None:
            break
    else:
        raise MissingColumns(columns.required)
    found = []
    for index in range(header.index + 1, len(sheet)):
        cells = sheet[index]
        values = dict.fromkeys(columns.aliases, "")
        for name, col in header.columns.items():
            if col < len(cells):
                values[name] = cells[col]
        if any(values.values()):
            if len(found) == limit:
                raise ImportFileError(msg("the list has more than %(limit)s people; at most %(limit)s can be "
                                          "read at once: split it into smaller files", limit=f"{limit:,}"))
            found.append(RosterRow(index + 1, values))
    return Roster(found, dict(header.titles))

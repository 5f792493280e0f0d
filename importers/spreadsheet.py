"""Spreadsheets (xlsx, xlsm, ods via python-calamine, else pandas; csv) as rows of displayed text.

read_sheets is the one way in for every spreadsheet a user uploads (question banks, people
lists, the upload preview): the checks of safety.py and extent.py run first, and no sheet of
more than limits.MAX_ROWS rows or MAX_COLUMNS columns comes out.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from operator import itemgetter

from importers import limits
from importers.cells import cell_text
from importers.headers import HEADER_SEARCH_ROWS, find_header
from importers.messages import msg
from importers.model import ImportFileError, ImportResult, ParsedQuestion, RowError
from importers.normalise import clean_text
from importers.safety import check_workbook_zip, decode_text, not_valid, not_valid_text, workbook_kind
from importers.validate import SheetRows

Progress = Callable[[int, int], None]
Accept = Callable[[ParsedQuestion], None]
Rows = Sequence[list[str]]

_FALLBACK_ENGINE = {"xlsx": "openpyxl", "xlsm": "openpyxl", "ods": "odf"}
_CSV_DELIMITERS = (",", ";", "\t")
NO_HEADER = msg("no header row with the columns question and answer found in the first %(rows)s rows; name "
                "them e.g. 'question' / 'câu hỏi' and 'answer' / 'đáp án'", rows=HEADER_SEARCH_ROWS)


SHEET_FORMATS = ("xlsx", "xlsm", "ods", "csv")


def read_sheets(data: bytes, fmt: str) -> Iterator[Rows]:
    """Yield the sheets of an xlsx, xlsm, ods or csv file in order as rows of displayed text
    (rows[0] is the sheet's row 1), each read only when asked for; ImportFileError if the file
    is not such a spreadsheet or is beyond the limits."""
    if fmt == "csv":
        yield read_csv_rows(data)
        return
    check_workbook_zip(data, fmt)
    done = 0
    try:
        for rows in _calamine_sheets(data):
            yield rows
            done += 1
    except ImportFileError:
        raise
    except BaseException as exc:  # any calamine failure (a Rust panic too) lets the other engine try
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        yield from _pandas_sheets(data, fmt)[done:]


def _calamine_sheets(data: bytes) -> Iterator[Rows]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    with CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
        for sheet in book.sheets_metadata:
            if sheet.typ != SheetTypeEnum.WorkSheet:  # chart sheets hold no cells
                continue
            # skip_empty_area=False: rows[0] is the sheet's row 1 even when the data starts lower.
            rows = book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
            _check_length(sheet.name, len(rows))
            yield _DisplayedRows(rows)


def _check_length(sheet: str, rows: int) -> None:
    if rows > limits.MAX_ROWS:
        raise ImportFileError(
            msg("sheet '%(sheet)s' has %(rows)s rows; at most %(limit)s rows can be read at once: split the "
                "file into smaller ones", sheet=sheet, rows=f"{rows:,}", limit=f"{limits.MAX_ROWS:,}")
        )


class _DisplayedRows(Sequence[list[str]]):
    """A sheet's rows, each turned into displayed text when it is read.

    Row by row rather than the whole sheet first: the first questions are checked, and can be
    stored by the caller, without waiting for the last row's cells.
    """

    def __init__(self, rows: list[list[object]]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [_row_text(row) for row in self._rows[index]]
        return _row_text(self._rows[index])

    def __iter__(self) -> Iterator[list[str]]:
        return map(_row_text, self._rows)


def _row_text(row: list[object]) -> list[str]:
    # Text cells, nearly all of them, go straight to clean_text: what cell_text does with them.
    return [clean_text(value) if type(value) is str else _calamine_cell(value) for value in row]


def _calamine_cell(value: object) -> str:
    # Whole floats of any size read as integers, as pandas hands them over from every engine.
    if type(value) is float and value.is_integer():
        return str(int(value))
    return cell_text(value)


def _pandas_sheets(data: bytes, fmt: str) -> list[Rows]:
    import pandas as pd  # imported here: it costs half a second and only this fallback needs it

    engine = _FALLBACK_ENGINE[fmt]
    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation and unknown extensions; not our concern.
            warnings.simplefilter("ignore")
            frames = pd.read_excel(
                io.BytesIO(data),
                sheet_name=None,
                header=None,
                dtype=object,
                engine=engine,
                keep_default_na=False,
                na_filter=False,
                nrows=limits.MAX_ROWS + 1,  # one more than allowed: enough to tell it is too long
            )
    except Exception as exc:  # promise: a file error the trainer can read, never a stack trace
        # The reader's own words (English): they name the part it stumbled on.
        reason = str(exc).splitlines()[0][:200] if str(exc) else msg("unreadable")
        raise not_valid(workbook_kind(fmt), reason) from exc
    for name, frame in frames.items():
        _check_length(str(name), len(frame))
    return [
        [[cell_text(value) for value in row] for row in frame.itertuples(index=False)]
        for frame in frames.values()
    ]


def read_csv_rows(data: bytes) -> Rows:
    """Return the CSV records as rows; UTF-8/cp1258, comma, semicolon or tab separated."""
    text = decode_text(data, "csv")
    delimiter = _sniff_delimiter(text)
    max_rows, max_columns = limits.MAX_ROWS, limits.MAX_COLUMNS
    rows = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False):
            if len(record) > max_columns:
                raise ImportFileError(msg(
                    "row %(row)s has %(count)s columns; at most %(limit)s columns can be read: delete the "
                    "columns to the right of your data", row=len(rows) + 1, count=f"{len(record):,}",
                    limit=max_columns))
            rows.append([cell_text(cell) for cell in record])
            if len(rows) > max_rows:
                raise ImportFileError(msg("the file has more than %(limit)s rows; at most %(limit)s rows can "
                                          "be read at once: split it into smaller files",
                                          limit=f"{max_rows:,}"))
    except csv.Error as exc:
        raise not_valid_text("csv", str(exc)) from exc
    return rows


def _sniff_delimiter(text: str) -> str:
    """Pick the separator that makes a header row appear, else the one giving steady columns."""
    head = "\n".join(text[:65536].splitlines()[: HEADER_SEARCH_ROWS * 4])
    best, best_score = ",", (-1, -1, -1)
    for delimiter in _CSV_DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(head), delimiter=delimiter, strict=False))
        except csv.Error:
            continue
        header = find_header([[cell_text(cell) for cell in row] for row in rows])
        # A real separator splits most lines into the same number (> 1) of cells.
        widths = Counter(len(row) for row in rows if len(row) > 1)
        width, steady = widths.most_common(1)[0] if widths else (0, 0)
        score = (len(header.columns) if header else 0, steady, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def questions_from_sheets(sheets: Iterable[Rows], fmt: str, progress: Progress | None,
                          accept: Accept | None = None) -> ImportResult:
    """Find the first sheet with a header row and check each row under it; `accept` gets each question."""
    result = ImportResult(format=fmt)
    for rows in sheets:
        header = find_header(rows)
        if header is not None:
            break
    else:
        result.add_errors([RowError(None, None, NO_HEADER)])
        return result
    checker = SheetRows(header)
    first = header.index + 1
    total = max(0, len(rows) - first)
    step = max(1, total // 100)  # about a hundred progress calls, however long the sheet
    names = tuple(header.columns)
    pick = itemgetter(*header.columns.values())  # at least two columns: question and answer
    width = max(header.columns.values()) + 1
    for offset, cells in enumerate(islice(rows, first, None)):  # iterated: no index lookup per row
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        values = dict(zip(names, pick(cells), strict=True))
        # Only recognised columns count: a pre-numbered "STT" column alone is an empty row.
        if any(values.values()):
            result.rows_read += 1
            row_number = header.index + offset + 2
            question, errors = checker.check(row_number, values)
            if question is not None:
                result.questions.append(question)
                if accept is not None:
                    accept(question)
            else:
                result.add_errors(errors)
        if progress is not None and ((offset + 1) % step == 0 or offset + 1 == total):
            progress(offset + 1, total)
    if not result.rows_read:
        result.add_errors(
            [RowError(None, None, msg("no questions found below the header row (row %(row)s)",
                                      row=header.index + 1))]
        )
    return result

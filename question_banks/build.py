"""Build the question-bank spreadsheets from their plain-text sources.

    python question_banks/build.py              # rewrite the .xlsx files beside this script
                                                # (and the template's copy in examapp/banks/)
    python question_banks/build.py --out DIR    # write them into DIR instead

Each workbook comes from a UTF-8 CSV in ``src/`` (first line: the column headers as
they appear in the spreadsheet, then one question per line). The CSV is what reviewers
read and diff; the .xlsx files are regenerated from it and committed alongside.
Output is byte-for-byte reproducible, so an unchanged source gives an unchanged file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import re
import shutil
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from importers.headers import field_for

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
# The app serves the template from its package; an installed examapp has no question_banks/.
PACKAGED_TEMPLATE = HERE.parent / "examapp" / "banks" / "template.xlsx"

FIXED_TIME = dt.datetime(2024, 1, 1)  # workbook metadata and zip entry times


@dataclass(frozen=True)
class Book:
    filename: str
    source: str
    sheet: str
    title: str
    guide: str | None = None  # CSV for a second sheet "Hướng dẫn"
    validations: bool = False  # drop-down lists for "Loại" / "Mức độ"


BOOKS: tuple[Book, ...] = (
    Book(
        "template.xlsx",
        "template.csv",
        "Câu hỏi",
        "Ngân hàng câu hỏi — mẫu (xem hướng dẫn ở trang “Hướng dẫn”)",
        guide="template_guide.csv",
        validations=True,
    ),
    Book(
        "sample_vi.xlsx",
        "sample_vi.csv",
        "Câu hỏi",
        "Ngân hàng câu hỏi mẫu — Lịch sử Đảng; Pháp luật phòng, chống tham nhũng",
    ),
    Book(
        "sample_en.xlsx",
        "sample_en.csv",
        "Questions",
        "Sample question bank — general knowledge",
    ),
)

GUIDE_SHEET = "Hướng dẫn"
GUIDE_TITLE = "Hướng dẫn điền ngân hàng câu hỏi — How to fill in the question bank"
GUIDE_WIDTHS = (24, 20, 30, 36, 62, 62)

# column kind -> width
WIDTHS = {
    "question": 60,
    "option": 26,
    "answer": 10,
    "type": 12,
    "topic": 24,
    "difficulty": 13,
    "points": 8,
    "explanation": 50,
}
CENTERED = {"answer", "type", "difficulty", "points"}

TYPE_VALUES = ("single", "multiple", "true_false")
DIFFICULTY_VALUES = ("Dễ", "Trung bình", "Khó", "Nhận biết", "Thông hiểu", "Vận dụng")

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
THIN = Side(style="thin", color="9BC2E6")
HEADER_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, vertical="top", horizontal="center")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")


def column_kind(header: str) -> str:
    """What a source column holds, recognised as the importer recognises it ("option" for A–H)."""
    field = field_for(header)
    if field is None:
        raise ValueError(f"unknown column header {header!r}")
    return "option" if field.startswith("option_") else field


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a source CSV; every row must have one cell per header."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise ValueError(f"{path.name}:{reader.line_num}: {len(row)} cells, expected {len(header)}")
            rows.append([cell.strip() for cell in row])
    return header, rows


def cell_value(kind: str, text: str) -> str | int | float | None:
    """The value a trainer typing ``text`` into the cell would leave there."""
    if text == "":
        return None
    if kind == "points":
        number = float(text.replace(",", "."))
        return int(number) if number.is_integer() else number
    if kind == "option" and re.fullmatch(r"[1-9]\d{0,14}", text):
        return int(text)  # spreadsheets store a typed 1945 as a number
    return text


def _write_table(
    ws: Worksheet,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    centered: Sequence[bool],
) -> None:
    last_col = get_column_letter(len(header))
    ws.append([title])
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"].font = TITLE_FONT
    ws["A1"].alignment = Alignment(vertical="center")
    ws.row_dimensions[1].height = 24

    ws.append(list(header))
    for cell in ws[2]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = HEADER_BORDER
        cell.alignment = HEADER_ALIGN

    for row in rows:
        ws.append(list(row))
    for row in ws.iter_rows(min_row=3, max_row=ws.max_row, max_col=len(header)):
        for cell, center in zip(row, centered, strict=True):
            cell.alignment = WRAP_CENTER if center else WRAP_TOP

    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{last_col}{max(ws.max_row, 3)}"
    ws.sheet_view.zoomScale = 100


def _add_validations(ws: Worksheet, kinds: Sequence[str], last_row: int = 1000) -> None:
    lists = {"type": TYPE_VALUES, "difficulty": DIFFICULTY_VALUES}
    for index, kind in enumerate(kinds, start=1):
        if kind not in lists:
            continue
        values = ",".join(lists[kind])
        dv = DataValidation(
            type="list",
            formula1=f'"{values}"',
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",  # other accepted spellings (easy, 1, …) stay possible
            errorTitle="Giá trị chưa có trong danh sách",
            error="Xem trang “Hướng dẫn” để biết các giá trị được chấp nhận.",
        )
        column = get_column_letter(index)
        dv.add(f"{column}3:{column}{last_row}")
        ws.add_data_validation(dv)


def build_workbook(book: Book, src_dir: Path = SRC) -> Workbook:
    header, rows = read_csv(src_dir / book.source)
    kinds = [column_kind(name) for name in header]
    values = [[cell_value(k, text) for k, text in zip(kinds, row, strict=True)] for row in rows]

    wb = Workbook()
    ws = wb.active
    ws.title = book.sheet
    _write_table(
        ws,
        book.title,
        header,
        values,
        widths=[WIDTHS[k] for k in kinds],
        centered=[k in CENTERED for k in kinds],
    )
    if book.validations:
        _add_validations(ws, kinds)

    if book.guide:
        guide_header, guide_rows = read_csv(src_dir / book.guide)
        guide = wb.create_sheet(GUIDE_SHEET)
        _write_table(
            guide,
            GUIDE_TITLE,
            guide_header,
            [[text or None for text in row] for row in guide_rows],
            widths=GUIDE_WIDTHS[: len(guide_header)],
            centered=[False] * len(guide_header),
        )
        guide.auto_filter.ref = None
        for row in guide.iter_rows(min_row=3, max_col=1):
            row[0].font = HEADER_FONT

    wb.active = 0
    props = wb.properties
    props.creator = props.lastModifiedBy = "examapp"
    props.title = book.title
    props.created = props.modified = FIXED_TIME
    return wb


def save_reproducibly(wb: Workbook, path: Path) -> None:
    """Save ``wb`` so that the same content always gives the same bytes."""
    buffer = io.BytesIO()
    wb.save(buffer)  # openpyxl stamps the current time into docProps/core.xml
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(buffer) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            zout.writestr(info, data)
    path.write_bytes(out.getvalue())


def build_all(out_dir: Path = HERE, src_dir: Path = SRC) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for book in BOOKS:
        path = out_dir / book.filename
        save_reproducibly(build_workbook(book, src_dir), path)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: here)")
    args = parser.parse_args(argv)
    try:
        paths = build_all(args.out)
        if args.out == HERE:
            shutil.copyfile(HERE / "template.xlsx", PACKAGED_TEMPLATE)
            paths.append(PACKAGED_TEMPLATE)
    except (OSError, ValueError) as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

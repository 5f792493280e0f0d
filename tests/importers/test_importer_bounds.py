"""Tiny files that would make a reader allocate gigabytes are refused at once, with what to do.

Each hostile file is a few hundred bytes written by tests/importers/hostile_files.py; each
refusal must come in well under a second and name the cell or count that reaches too far.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from importers import ImportFileError, limits, read_questions
from tests.importers.hostile_files import (
    ODS_NAMESPACES,
    ods_cell,
    ods_question_rows,
    ods_row,
    ods_with_table,
    question_rows,
    text_cell,
    xlsx_with_sheet,
)

FAR_CELL = xlsx_with_sheet(question_rows() + f'<row r="1048576">{text_cell("XFD1048576", "x")}</row>')
SHARED_STRINGS_BOMB = xlsx_with_sheet(
    '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
    shared_strings='<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   'count="2000000000" uniqueCount="2000000000"><si><t>question</t></si></sst>')
ODS_REPEATS = ods_with_table(ods_row(ods_cell("x", repeat=16384), repeat=65536))


def refused_quickly(data: bytes, name: str, match: str) -> str:
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match=match) as caught:
        read_questions(data, name)
    assert time.perf_counter() - started < 1.0
    return str(caught.value)


def test_a_cell_at_the_last_row_and_column_of_a_tiny_xlsx_is_refused_at_once():
    assert len(FAR_CELL) < 2048
    message = refused_quickly(FAR_CELL, "bank.xlsx", "sheet 'Câu hỏi'")
    assert "1,048,576" in message and f"{limits.MAX_ROWS:,} rows" in message
    assert "delete the rows below your data" in message


def test_a_declared_dimension_beyond_the_limits_is_refused():
    data = xlsx_with_sheet(question_rows(), before='<dimension ref="A1:XFD1048576"/>')
    message = refused_quickly(data, "bank.xlsx", r"declares its cells as A1:XFD1048576")
    assert "beyond the" in message


def test_a_declared_dimension_within_the_limits_is_read():
    data = xlsx_with_sheet(question_rows(), before='<dimension ref="A1:D2"/>')
    assert len(read_questions(data, "bank.xlsx").questions) == 1


@pytest.mark.parametrize("cell", [
    '<c r="A2" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>',  # calamine keeps the last r
    '<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="XFD2" t="inlineStr">'
    '<is><t>x</t></is></x:c>',
    '<c r="xfd2" t="inlineStr"><is><t>x</t></is></c>',
    "<c r = 'XFD2' t=\"inlineStr\"><is><t>x</t></is></c>",
    '<c s="1" r="XFD2" t="inlineStr"><is><t>x</t></is></c>',
    '<c\nr="XFD2" t="inlineStr"><is><t>x</t></is></c>',
    '<c r="A0000000001048576" t="inlineStr"><is><t>x</t></is></c>',
    '<c r="XFD2"/>',  # openpyxl places empty cells too
], ids=["two-refs", "prefixed", "lower-case", "spaced-quotes", "ref-not-first", "newline", "zeros", "empty"])
def test_far_cells_written_in_any_form_a_reader_accepts_are_refused(cell):
    data = xlsx_with_sheet(question_rows() + f'<row r="3">{cell}</row>')
    refused_quickly(data, "bank.xlsx", "sheet 'Câu hỏi' has a cell at")


def test_cells_without_references_are_counted_where_the_readers_put_them():
    wide = "".join(f"<c t=\"inlineStr\"><is><t>{n}</t></is></c>" for n in range(limits.MAX_COLUMNS + 1))
    refused_quickly(xlsx_with_sheet(question_rows() + f"<row>{wide}</row>"), "bank.xlsx",
                    f"beyond the {limits.MAX_COLUMNS} columns")
    low = '<row r="4294967295"><c t="inlineStr"><is><t>x</t></is></c></row>'
    refused_quickly(xlsx_with_sheet(question_rows() + low), "bank.xlsx", "has a row numbered 4,294,967,295")


def test_a_two_letter_column_beyond_the_limit_is_refused():
    data = xlsx_with_sheet(question_rows() + f'<row r="3">{text_cell("IW3", "x")}</row>')
    refused_quickly(data, "bank.xlsx", "has a cell at IW3: column IW is beyond the 256 columns")


def test_a_wide_sheet_is_held_to_the_row_and_cell_limits(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 3)
    monkeypatch.setattr(limits, "MAX_CELLS", 100)
    wide = question_rows().replace('r="D1"', 'r="AD1"').replace('r="D2"', 'r="AD2"')
    assert len(read_questions(xlsx_with_sheet(wide), "bank.xlsx").questions) == 1  # 30 x 3 <= 100
    far = wide.replace('<row r="2">', '<row r="2">' + text_cell("A5", "x"))
    refused_quickly(xlsx_with_sheet(far), "bank.xlsx", "has a cell at A5: row 5 is beyond the 3 rows")
    wider = wide.replace('r="AD1"', 'r="AH1"').replace('r="AD2"', 'r="AH2"')
    assert len(read_questions(xlsx_with_sheet(wider), "bank.xlsx").questions) == 1  # 2 x 34 <= 100
    refused_quickly(xlsx_with_sheet(wider + f'<row r="3">{text_cell("A3", "x")}</row>'), "bank.xlsx",
                    "3 rows by 34 columns are more than the 100 cells")


def test_a_sheet_in_columns_beyond_z_is_measured_and_read():
    header = question_rows().replace('r="D1"', 'r="AD1"').replace('r="D2"', 'r="AD2"')
    result = read_questions(xlsx_with_sheet(header), "bank.xlsx")
    assert len(result.questions) == 1 and not result.errors


def test_rows_cells_and_area_limits_hold_exactly(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 3)
    three = question_rows() + f'<row r="3">{text_cell("A3", "R?")}{text_cell("B3", "x")}' \
                              f'{text_cell("C3", "y")}{text_cell("D3", "B")}</row>'
    assert len(read_questions(xlsx_with_sheet(three), "bank.xlsx").questions) == 2
    four = three + f'<row r="4">{text_cell("A4", "S?")}</row>'
    refused_quickly(xlsx_with_sheet(four), "bank.xlsx", "row 4 is beyond the 3 rows")


def test_cells_below_the_last_row_tag_are_counted_once_read(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 3)
    data = xlsx_with_sheet(question_rows().replace('<row r="2">', '<row r="2">' + text_cell("A5", "x")))
    refused_quickly(data, "bank.xlsx", "sheet 'Câu hỏi' has 5 rows; at most 3 rows can be read")


def test_a_declared_shared_string_count_of_two_billion_is_refused():
    message = refused_quickly(SHARED_STRINGS_BOMB, "bank.xlsx", "declares 2,000,000,000 shared texts")
    assert "save it again" in message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_sheet_in_a_wide_encoding_is_refused(encoding):
    sheet = (f'<?xml version="1.0" encoding="{encoding.upper()}"?><worksheet '
             'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             f'{question_rows()}<row r="1048576">{text_cell("XFD1048576", "x")}</row>'
             "</sheetData></worksheet>")
    data = xlsx_with_sheet("", sheet_xml=sheet.encode(encoding))
    refused_quickly(data, "bank.xlsx", "stored as UTF-16 or UTF-32 text")


def test_an_831_byte_style_ods_of_repeated_rows_and_columns_is_refused_at_once():
    assert len(ODS_REPEATS) < 1500
    message = refused_quickly(ODS_REPEATS, "bank.ods", "sheet 'Câu hỏi' reaches row 65,536, column XFD")
    assert "repeated rows and cells" in message


def test_an_ods_row_repeated_past_the_row_limit_is_refused():
    rows = ods_question_rows() + ods_row(ods_cell("Q?"), repeat=limits.MAX_ROWS)
    refused_quickly(ods_with_table(rows), "bank.ods", f"beyond the {limits.MAX_ROWS:,} rows")


def test_empty_ods_cells_that_a_later_cell_pushes_out_are_counted():
    row = ods_row('<table:table-cell table:number-columns-repeated="1000000000"/>', ods_cell("x"))
    refused_quickly(ods_with_table(ods_question_rows() + row), "bank.ods", "column")


@pytest.mark.parametrize("spaces,repeat,words", [(1_000_000_000, 1, "asks for 1,000,000,000 repeated spaces"),
                                                 (2_000_000, 200, "repeats its text to more than 200 MB")])
def test_ods_runs_of_spaces_that_unpack_to_gigabytes_are_refused(spaces, repeat, words):
    cell = (f'<table:table-cell office:value-type="string" table:number-columns-repeated="{repeat}">'
            f'<text:p>a<text:s text:c="{spaces}"/></text:p></table:table-cell>')
    refused_quickly(ods_with_table(ods_question_rows() + ods_row(cell)), "bank.ods", words)


def test_an_ods_naming_its_tables_with_another_prefix_is_refused():
    namespaces = ODS_NAMESPACES.replace("xmlns:table=", "xmlns:t=")
    refused_quickly(ods_with_table(ods_question_rows(), namespaces=namespaces), "bank.ods",
                    "names its parts in an unusual way")


def test_each_ods_table_is_measured_and_named():
    later = ods_row(ods_cell("x"), repeat=limits.MAX_ROWS + 1)
    data = ods_with_table(ods_question_rows(), more={"Ghi chú": ods_question_rows(), "Nháp": later})
    refused_quickly(data, "bank.ods", "sheet 'Nháp' reaches row 50,001")


def test_merged_ods_cells_count_towards_the_width():
    covered = '<table:covered-table-cell/>' * limits.MAX_COLUMNS
    refused_quickly(ods_with_table(ods_question_rows() + ods_row(ods_cell("x"), covered)), "bank.ods",
                    f"beyond the {limits.MAX_COLUMNS} columns")


def test_libreoffice_style_trailing_repeats_of_empty_rows_and_cells_are_fine():
    trailing_cells = '<table:table-cell table:number-columns-repeated="16380"/>'
    rows = (ods_question_rows().replace("</table:table-row>", trailing_cells + "</table:table-row>")
            + ods_row('<table:table-cell table:number-columns-repeated="16384"/>', repeat=1048574))
    result = read_questions(ods_with_table(rows), "bank.ods")
    assert len(result.questions) == 1 and not result.errors


def test_identical_ods_rows_written_once_with_a_repeat_still_count_each():
    rows = ods_question_rows() + ods_row(*(ods_cell(t) for t in ("Q?", "x", "y", "A")), repeat=3)
    errors = read_questions(ods_with_table(rows), "bank.ods").errors
    assert [e.row for e in errors] == [3, 4, 5] and "duplicate of row 2" in errors[0].message


CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from importers import ImportFileError, read_questions
try:
    read_questions(sys.argv[1], sys.argv[1])
except ImportFileError as exc:
    print("refused:", exc)
# VmHWM: this process's peak resident memory (ru_maxrss would count the forking parent's too).
print("peak_kb", next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


@pytest.mark.parametrize("data,name,words", [
    (FAR_CELL, "far.xlsx", "beyond the"),
    (SHARED_STRINGS_BOMB, "strings.xlsx", "shared texts"),
    (ODS_REPEATS, "repeats.ods", "repeated rows and cells"),
])
def test_a_hostile_file_leaves_the_process_alive_and_small(tmp_path, data, name, words):
    """In a process of its own, with 2 GiB of address space: the refusal comes before any
    reader allocates (before, calamine aborted the process and pandas asked for 8 GiB)."""
    path = tmp_path / name
    path.write_bytes(data)
    child = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True,
                           timeout=60, cwd=Path(__file__).parents[2])
    assert child.returncode == 0, child.stderr[-2000:]
    assert "refused:" in child.stdout and words in child.stdout
    peak_mb = int(child.stdout.split("peak_kb")[1]) / 1024
    assert peak_mb < 150, f"{peak_mb:.0f} MB"

"""Big text files: rows and lines are capped early, errors are counted but only the first kept,
and the GIFT/Aiken sniffing stays linear."""

from __future__ import annotations

import time

import pytest

from importers import ImportFileError, limits, read_questions
from tests.importers.importer_files import xlsx_bytes


def test_a_csv_of_a_million_rows_is_refused_early_naming_the_cap():
    data = b"question,a,b,answer\n" + b"Q?,x,y,Z\n" * 1_000_000
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match=f"more than {limits.MAX_ROWS:,} rows; at most "
                                              f"{limits.MAX_ROWS:,} rows can be read at once"):
        read_questions(data, "bank.csv")
    assert time.perf_counter() - started < 1.5


def test_a_csv_at_the_row_cap_is_read(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 5)
    rows = b"".join(b"Q%d?,x,y,A\n" % n for n in range(4))
    assert len(read_questions(b"question,a,b,answer\n" + rows, "bank.csv").questions) == 4
    with pytest.raises(ImportFileError, match="more than 5 rows"):
        read_questions(b"question,a,b,answer\n" + rows + b"Q9?,x,y,A\n", "bank.csv")


def test_a_csv_row_wider_than_the_column_cap_is_refused():
    data = b"question,a,b,answer\nQ?,x,y,A" + b"," * limits.MAX_COLUMNS + b"\n"
    with pytest.raises(ImportFileError, match=f"row 2 has {limits.MAX_COLUMNS + 4} columns; at most "
                                              f"{limits.MAX_COLUMNS} columns"):
        read_questions(data, "bank.csv")


def test_a_spreadsheet_longer_than_the_row_cap_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 10)
    data = xlsx_bytes([["question", "a", "b", "answer"], *[[f"Q{n}?", "x", "y", "A"] for n in range(12)]])
    with pytest.raises(ImportFileError, match="row 13 is beyond the 10 rows"):
        read_questions(data, "bank.xlsx")


def test_only_the_first_errors_are_kept_and_all_are_counted(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ERRORS", 3)
    bad = [[f"Q{n}?", "x", "y", "Z"] for n in range(10)]  # answer Z: no such option
    result = read_questions(xlsx_bytes([["question", "a", "b", "answer"], *bad, ["Q?", "x", "y", "A"]]),
                            "bank.xlsx")
    assert [e.row for e in result.errors] == [2, 3, 4]
    assert (result.error_count, result.rows_with_errors, len(result.questions)) == (10, 10, 1)


def test_a_file_error_is_kept_however_many_row_errors_came_first(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ERRORS", 0)
    result = read_questions(b"foo,bar\n1,2\n", "bank.csv")
    assert result.error_count == 1 and "no header row" in result.errors[0].message


@pytest.mark.parametrize("text", ["\n" * 400_000 + "Q? {=a ~b}\n",
                                  " \n" * 400_000 + "Q?\nA. x\nB. y\nANSWER: A\n"])
def test_a_text_file_of_many_blank_lines_is_sniffed_and_read_fast(text):
    started = time.perf_counter()
    result = read_questions(text.encode(), "bank.txt")
    assert time.perf_counter() - started < 1.0
    assert len(result.questions) == 1 and result.questions[0].row == 400_001


def test_a_text_file_over_the_line_cap_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_TEXT_LINES", 100)
    with pytest.raises(ImportFileError, match="the file has 201 lines; a GIFT file may have at most 100"):
        read_questions(b"x\n" * 200, "bank.gift")


def test_a_text_file_of_more_questions_than_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 3)
    text = "".join(f"Q{n}? {{=a ~b}}\n\n" for n in range(4))
    with pytest.raises(ImportFileError, match="the file has 4 questions; at most 3 can be imported"):
        read_questions(text.encode(), "bank.gift")

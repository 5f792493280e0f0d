"""CSV question files: encodings (UTF-8 with/without BOM, Windows-1258), separators, layout."""

from __future__ import annotations

import codecs
import unicodedata

import pytest

from importers import read_questions
from importers.spreadsheet import read_csv_rows
from tests.importers.importer_files import cp1258_bytes, csv_bytes

VI_ROWS = [
    ["Ngân hàng câu hỏi"],
    ["Câu hỏi", "Phương án A", "Phương án B", "Đáp án", "Chủ đề"],
    ["Đảng Cộng sản Việt Nam ra đời năm nào?", "1930", "1945", "A", "Lịch sử Đảng"],
    ["Chi bộ họp mấy tháng một lần?", "Một tháng", "Ba tháng", "a", "Điều lệ"],
]


def test_utf8_csv_with_commas_reads():
    result = read_questions(csv_bytes(VI_ROWS), "bank.csv")
    assert result.errors == []
    assert result.format == "csv"
    assert [q.row for q in result.questions] == [3, 4]
    assert result.questions[0].topic == "Lịch sử Đảng"


def test_semicolon_csv_with_bom_reads():
    data = codecs.BOM_UTF8 + csv_bytes(VI_ROWS, sep=";")
    result = read_questions(data, "bank.csv")
    assert result.errors == []
    assert result.questions[0].text == "Đảng Cộng sản Việt Nam ra đời năm nào?"
    assert [o.text for o in result.questions[1].options] == ["Một tháng", "Ba tháng"]


def test_semicolon_csv_with_commas_inside_cells_picks_semicolon():
    text = "question;a;b;answer\nPick one, please;x, y;z;A, B\n"
    question = read_questions(text.encode(), "bank.csv").questions[0]
    assert question.text == "Pick one, please"
    assert question.type == "multiple"
    assert [o.text for o in question.options] == ["x, y", "z"]


def test_windows_1258_csv_decodes_to_nfc_text():
    # cp1258 spells "Đảng" with a combining hook above: stored text must still be NFC.
    data = cp1258_bytes("\r\n".join(";".join(row) for row in VI_ROWS))
    assert data.decode("cp1258") != unicodedata.normalize("NFC", data.decode("cp1258"))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = read_questions(data, "bank.csv")
    assert result.errors == []
    question = result.questions[0]
    assert question.text == unicodedata.normalize("NFC", "Đảng Cộng sản Việt Nam ra đời năm nào?")
    assert unicodedata.is_normalized("NFC", question.topic)
    assert question.topic == "Lịch sử Đảng"


def test_utf16_csv_as_excel_saves_unicode_text_reads():
    text = "question\ta\tb\tanswer\r\nĐúng hay sai?\tx\ty\tB\r\n"
    result = read_questions(text.encode("utf-16"), "bank.csv")
    assert result.errors == []
    assert result.questions[0].options[1].correct


def test_quoted_multiline_cell_is_one_row_as_a_spreadsheet_shows_it():
    text = 'question,a,b,answer\n"Line one\nline two",x,y,A\nSecond?,x,z,B\n'
    result = read_questions(text.encode(), "bank.csv")
    assert result.questions[0].text == "Line one\nline two"
    assert [q.row for q in result.questions] == [2, 3]


def test_blank_lines_count_in_row_numbers():
    text = "question,a,b,answer\n\nQ1?,x,y,A\n,,,\nQ2?,x,z,B\n"
    result = read_questions(text.encode(), "bank.csv")
    assert [q.row for q in result.questions] == [3, 5]
    assert result.rows_read == 2


def test_csv_cells_reading_na_stay_text():
    text = "question,a,b,answer\nWhich?,NA,None,A\n"
    question = read_questions(text.encode(), "bank.csv").questions[0]
    assert [o.text for o in question.options] == ["NA", "None"]


def test_csv_true_false_answers_in_text():
    text = "question,answer\nThe sky is blue.,TRUE\nSnow is black.,false\nNước sôi ở 100 độ C.,đ\n"
    questions = read_questions(text.encode(), "bank.csv").questions
    assert [q.options[0].correct for q in questions] == [True, False, True]


def test_separator_with_steady_columns_wins_when_no_question_header_exists():
    text = "username;full name;role\nlan;Trần Thị Lan, phó bí thư;trainer\nan;Lê An;candidate\n"
    assert read_csv_rows(text.encode()) == [["username", "full name", "role"],
                                            ["lan", "Trần Thị Lan, phó bí thư", "trainer"],
                                            ["an", "Lê An", "candidate"]]

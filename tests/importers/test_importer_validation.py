"""Row rules: every broken rule is a RowError naming the row and the column to fix."""

from __future__ import annotations

import pytest

from importers import RowError, read_questions
from tests.importers.importer_files import ods_bytes, xlsx_bytes

HEADER = ["Câu hỏi", "A", "B", "C", "D", "Đáp án", "Loại", "Chủ đề", "Mức độ", "Điểm",
          "Giải thích"]


def row(question="Q?", a="x", b="y", c=None, d=None, answer="A", kind=None, topic=None,
        level=None, points=None, explanation=None):
    return [question, a, b, c, d, answer, kind, topic, level, points, explanation]


def errors_of(*rows):
    result = read_questions(xlsx_bytes([["Ngân hàng"], HEADER, *rows]), "bank.xlsx")
    return result


def only_error(*rows) -> RowError:
    result = errors_of(*rows)
    assert len(result.errors) == 1, result.errors
    assert result.questions == []
    return result.errors[0]


def test_empty_question_is_an_error_on_the_question_column():
    error = only_error(row(question=None))
    assert (error.row, error.column) == (3, "Câu hỏi")
    assert "question is empty" in error.message


def test_fewer_than_two_options_is_an_error():
    error = only_error(row(b=None))
    assert error.column == "B"
    assert "at least two options" in error.message


def test_answer_naming_an_empty_option_says_which_column():
    error = only_error(row(answer="D"))
    assert error.column == "Đáp án"
    assert error.message == "answer D is not one of the options A–B (column D is empty)"


def test_answer_naming_an_option_the_file_has_no_column_for():
    result = read_questions(xlsx_bytes([["question", "a", "b", "answer"], ["Q?", "x", "y", "E"]]),
                            "bank.xlsx")
    assert result.errors[0].message == ("answer E is not one of the options A–B "
                                        "(the file has no column for option E)")


def test_single_type_with_two_answer_letters_is_an_error():
    error = only_error(row(c="z", answer="A,C", kind="single"))
    assert error.column == "Đáp án"
    assert "single question has one correct option" in error.message
    assert "A, C" in error.message


def test_unknown_type_is_an_error():
    error = only_error(row(kind="essay"))
    assert error.column == "Loại"
    assert "unknown type 'essay'" in error.message


def test_unknown_difficulty_is_an_error():
    error = only_error(row(level="very hard"))
    assert error.column == "Mức độ"
    assert "unknown difficulty 'very hard'" in error.message


@pytest.mark.parametrize(("cell", "words"), [(0, "greater than 0"), (-2, "greater than 0"),
                                             ("two", "not a number"), ("1.2.3", "not a number")])
def test_non_positive_or_non_numeric_points_are_errors(cell, words):
    error = only_error(row(points=cell))
    assert error.column == "Điểm"
    assert words in error.message


@pytest.mark.parametrize(("cell", "nearest"), [("1.255", "1.26"), (0.125, "0.12"), ("0,001", "0.01"),
                                               (1 / 3, "0.33")])
def test_points_with_more_than_two_decimals_are_an_error_on_the_points_column(cell, nearest):
    error = only_error(row(points=cell))
    assert (error.row, error.column) == (3, "Điểm")
    assert "more than two decimals" in error.message and f"write e.g. {nearest}" in error.message


def test_points_with_two_decimals_are_kept_exactly():
    result = errors_of(row(points="2.25"), row(question="R?", points=0.5))
    assert result.errors == []
    assert [str(q.points) for q in result.questions] == ["2.25", "0.5"]


@pytest.mark.parametrize(
    ("field", "limit", "column"),
    [("question", 4000, "Câu hỏi"), ("a", 1000, "A"), ("explanation", 4000, "Giải thích"),
     ("topic", 200, "Chủ đề")],
)
def test_over_long_text_is_an_error_and_the_limit_itself_is_fine(field, limit, column):
    fine = errors_of(row(**{field: "x" * limit}))
    assert fine.errors == []
    error = only_error(row(**{field: "y" * (limit + 1)}))
    assert error.column == column
    assert f"at most {limit}" in error.message


def test_duplicate_inside_the_file_points_at_the_first_copy():
    result = errors_of(row(question="Same?", a="x", b="y"), row(question="Other?"),
                       row(question="  SAME? ", a="Y", b="x", answer="B"))
    assert len(result.questions) == 2
    assert len(result.errors) == 1
    assert result.errors[0].row == 5
    assert result.errors[0].column == "Câu hỏi"
    assert "duplicate of row 3" in result.errors[0].message


def test_gap_in_options_is_an_error_on_the_empty_column():
    error = only_error(row(c=None, d="w"))
    assert error.column == "C"
    assert "option C is empty but option D after it is filled" in error.message


def test_true_false_type_with_options_filled_is_an_error():
    error = only_error(row(answer="đúng", kind="đúng/sai"))
    assert error.column == "A"
    assert "takes no options" in error.message


def test_true_false_answer_on_a_row_with_options_is_an_error():
    error = only_error(row(answer="sai"))
    assert error.column == "Đáp án"
    assert "true/false" in error.message


def test_letter_answer_on_a_true_false_row_is_an_error():
    error = only_error(row(a=None, b=None, answer="B", kind="true_false"))
    assert "must be true or false" in error.message


def test_every_row_is_checked_and_every_problem_reported():
    result = errors_of(
        row(question=None, points=0),
        row(),
        row(question="Q2?", answer="Z"),
        row(question="Q3?", level="?", kind="??"),
    )
    assert [q.row for q in result.questions] == [4]
    assert sorted({(e.row, e.column) for e in result.errors}) == [
        (3, "Câu hỏi"), (3, "Điểm"), (5, "Đáp án"), (6, "Loại"), (6, "Mức độ"),
    ]


def test_errors_name_columns_as_written_in_an_ods_file():
    rows = [["Nội dung câu hỏi", "Phương án A", "Phương án B", "Đáp án đúng"],
            ["Q?", "x", "y", "C"]]
    result = read_questions(ods_bytes(rows), "bank.ods")
    assert result.errors == [RowError(2, "Đáp án đúng",
                                      "answer C is not one of the options A–B (the file has "
                                      "no column for option C)")]


def test_rows_with_errors_are_left_out_of_questions():
    result = errors_of(row(question="Good?"), row(question="Bad?", answer="Q"),
                       row(question="Also good?"))
    assert [q.text for q in result.questions] == ["Good?", "Also good?"]
    assert result.rows_read == 3


def test_header_without_any_question_rows_is_an_error():
    result = read_questions(xlsx_bytes([["Tiêu đề"], HEADER, [], []]), "bank.xlsx")
    assert result.questions == [] and result.rows_read == 0
    assert [(e.row, e.column) for e in result.errors] == [(None, None)]
    assert "no questions found below the header row (row 2)" in result.errors[0].message


def test_true_false_answer_with_an_explicit_choice_type_asks_to_change_the_type():
    result = errors_of(row(a=None, b=None, answer="đúng", kind="single"))
    messages = [e.message for e in result.errors]
    assert "answer is true/false but the type is single; set the type to true_false" in messages


def test_topic_spacing_is_collapsed_so_one_topic_stays_one():
    result = errors_of(row(question="Q1?", topic=" Lịch  sử\nĐảng "))
    assert result.questions[0].topic == "Lịch sử Đảng"

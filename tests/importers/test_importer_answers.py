"""The answer cell parser, type inference and the optional type/difficulty/points columns."""

from __future__ import annotations

from decimal import Decimal

import pytest

from importers import AnswerError, ParsedAnswer, parse_answer, read_questions
from tests.importers.importer_files import xlsx_bytes


@pytest.mark.parametrize(
    ("cell", "letters"),
    [
        ("b", ("B",)),
        ("B", ("B",)),
        ("A,C", ("A", "C")),
        ("A;C", ("A", "C")),
        ("A; C", ("A", "C")),
        ("A, B, D", ("A", "B", "D")),
        ("AC", ("A", "C")),
        (" c ", ("C",)),
        ("A.", ("A",)),
        ("C, A", ("C", "A")),
        ("A, A", ("A",)),
        ("d", ("D",)),
    ],
)
def test_answer_letters_in_every_written_form(cell, letters):
    assert parse_answer(cell, "ABCD") == ParsedAnswer(letters=letters)


@pytest.mark.parametrize(
    ("cell", "truth"),
    [
        ("true", True), ("TRUE", True), ("True", True), ("t", True), ("T", True),
        ("đúng", True), ("Đúng", True), ("ĐÚNG", True), ("dung", True), ("đ", True), ("Đ", True),
        ("false", False), ("FALSE", False), ("f", False), ("F", False), ("sai", False),
        ("SAI", False), ("Sai", False), ("s", False), ("S", False),
    ],
)
def test_true_false_words_in_english_or_vietnamese(cell, truth):
    assert parse_answer(cell, []) == ParsedAnswer(truth=truth)


def test_a_single_letter_on_a_row_with_options_is_an_option_letter_never_true_false():
    assert parse_answer("F", "ABCDEF") == ParsedAnswer(letters=("F",))
    assert parse_answer("F", "ABCD") == ParsedAnswer(letters=("F",))
    assert parse_answer("f.", "ABCD") == ParsedAnswer(letters=("F",))
    assert parse_answer("F", "") == ParsedAnswer(truth=False)
    assert parse_answer("sai", "ABCD") == ParsedAnswer(truth=False)  # a word: the row rules refuse it


@pytest.mark.parametrize("cell", ["T", "s", "S", "t", "đ"])
def test_a_letter_that_is_no_option_on_a_row_with_options_says_which_options_there_are(cell):
    with pytest.raises(AnswerError) as caught:
        parse_answer(cell, "ABCD")
    assert str(caught.value).startswith(f"answer '{cell}' is not one of the options A–D;")
    assert "đúng" not in str(caught.value) and "true" not in str(caught.value)


def test_an_unreadable_answer_on_a_row_without_options_asks_for_true_or_false():
    with pytest.raises(AnswerError, match=r"^answer 'x' is not true or false; write true or false"):
        parse_answer("x", "")


def test_d_without_stroke_is_option_d_not_dung():
    assert parse_answer("d", []) == ParsedAnswer(letters=("D",))


@pytest.mark.parametrize("cell", ["", "  ", "x", "1", "A-C", "option A", "I", "A,,Z", "?"])
def test_unreadable_answers_raise_answer_error_with_a_hint(cell):
    with pytest.raises(AnswerError, match=r"answer"):
        parse_answer(cell, "ABCD")


def _one(rows):
    return read_questions(xlsx_bytes(rows), "bank.xlsx")


def test_type_is_inferred_when_the_column_is_absent():
    result = _one([["question", "a", "b", "c", "answer"],
                   ["Two letters?", "x", "y", "z", "A,C"],
                   ["No options?", None, None, None, "đúng"],
                   ["One letter?", "x", "y", None, "B"]])
    assert [q.type for q in result.questions] == ["multiple", "true_false", "single"]


def test_type_is_inferred_when_the_cell_is_blank():
    result = _one([["question", "a", "b", "answer", "type"],
                   ["Two letters?", "x", "y", "AB", None],
                   ["One letter?", "x", "y", "B", ""]])
    assert [q.type for q in result.questions] == ["multiple", "single"]


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("single", "single"), ("Single", "single"), ("Một đáp án", "single"),
        ("mot dap an", "single"), ("multiple", "multiple"), ("Nhiều đáp án", "multiple"),
        ("true_false", "true_false"), ("True/False", "true_false"), ("Đúng/Sai", "true_false"),
        ("đúng sai", "true_false"),
    ],
)
def test_explicit_type_values_in_english_or_vietnamese(cell, kind):
    answer = "đúng" if kind == "true_false" else "A"
    options = (None, None) if kind == "true_false" else ("x", "y")
    result = _one([["question", "a", "b", "answer", "type"], ["Q?", *options, answer, cell]])
    assert result.errors == []
    assert result.questions[0].type == kind


def test_multiple_type_with_a_single_letter_is_allowed():
    result = _one([["question", "a", "b", "answer", "type"], ["Q?", "x", "y", "A", "multiple"]])
    assert result.questions[0].type == "multiple"


def test_letter_f_in_a_true_false_row_means_false():
    result = _one([["question", "answer", "type"], ["Q?", "F", "true_false"]])
    assert result.questions[0].options[1].correct


@pytest.mark.parametrize(
    ("cell", "level"),
    [
        ("easy", "easy"), ("Medium", "medium"), ("HARD", "hard"), (1, "easy"), (2, "medium"),
        (3, "hard"), ("dễ", "easy"), ("De", "easy"), ("Trung bình", "medium"), ("khó", "hard"),
        ("Nhận biết", "easy"), ("Thông hiểu", "medium"), ("Vận dụng", "hard"),
        ("Vận dụng cao", "hard"), (None, "medium"),
    ],
)
def test_difficulty_values(cell, level):
    result = _one([["question", "a", "b", "answer", "difficulty"], ["Q?", "x", "y", "A", cell]])
    assert result.errors == []
    assert result.questions[0].difficulty == level


@pytest.mark.parametrize(
    ("cell", "points"),
    [(None, Decimal(1)), (2, Decimal(2)), (0.5, Decimal("0.5")), ("1,5", Decimal("1.5")),
     ("2.25", Decimal("2.25"))],
)
def test_points_values(cell, points):
    result = _one([["question", "a", "b", "answer", "điểm"], ["Q?", "x", "y", "A", cell]])
    assert result.errors == []
    assert result.questions[0].points == points


@pytest.mark.parametrize("cell", ["F", "T", "s", "f"])
def test_a_four_option_row_answered_with_a_true_false_letter_names_the_options(cell):
    result = _one([["question", "a", "b", "c", "d", "answer"], ["Q?", "w", "x", "y", "z", cell]])
    assert result.questions == []
    [error] = result.errors
    assert error.column == "answer"
    assert cell.upper() in error.message.upper() and "is not one of the options A–D" in error.message
    assert "true/false" not in error.message

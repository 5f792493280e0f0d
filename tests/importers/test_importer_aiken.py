"""Aiken: stem, lettered options, ANSWER line; errors carry the line numbers."""

from __future__ import annotations

from importers import Option, read_questions


def aiken(text: str, name: str = "bank.txt"):
    return read_questions(text.encode("utf-8"), name)


AIKEN = """Đảng Cộng sản Việt Nam ra đời năm nào?
A. 1930
B. 1945
C. 1954
ANSWER: A

Thời hạn dự bị là bao lâu?
A) 6 tháng
B) 12 tháng
ANSWER: b
"""


def test_aiken_questions_with_dot_and_parenthesis_options():
    result = aiken(AIKEN)
    assert result.format == "aiken"
    assert result.errors == []
    first, second = result.questions
    assert (first.row, first.type, first.text) == (1, "single", "Đảng Cộng sản Việt Nam ra đời năm nào?")
    assert first.options == (Option("1930", True), Option("1945", False),
                             Option("1954", False))
    assert second.row == 7
    assert [o.correct for o in second.options] == [False, True]


def test_options_without_a_space_after_the_letter_are_read_as_moodle_reads_them():
    text = ("Thủ đô của Việt Nam?\nA)Hà Nội\nB.Huế\nC) Đà Nẵng\nANSWER: A\n\n"
            "A.I. là gì?\nA. Trí tuệ nhân tạo\nB. Một loài cây\nANSWER: A\n")
    for name in ("bank.aiken", "bank.txt"):
        result = aiken(text, name)
        assert result.format == "aiken" and result.errors == []
        first, second = result.questions
        assert first.options == (Option("Hà Nội", True), Option("Huế", False), Option("Đà Nẵng", False))
        assert second.text == "A.I. là gì?" and len(second.options) == 2


def test_aiken_extension_is_read_as_aiken():
    assert aiken(AIKEN, name="bank.aiken").format == "aiken"


def test_questions_without_blank_lines_between_them():
    text = "Q1?\nA. a\nB. b\nANSWER: A\nQ2?\nA. c\nB. d\nANSWER: B\n"
    result = aiken(text)
    assert [q.row for q in result.questions] == [1, 5]


def test_answer_naming_a_missing_option_reports_the_question_line():
    result = aiken("Intro line\n\nQ?\nA. a\nB. b\nANSWER: D\n")
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.row == 1
    assert "line 6" in error.message and "answer D is not one of the options A–B" in error.message


def test_missing_answer_line_is_an_error_and_the_next_question_still_reads():
    result = aiken("Q1?\nA. a\nB. b\n\nQ2?\nA. c\nB. d\nANSWER: A\n")
    assert [(e.row, e.message) for e in result.errors] == [
        (1, "the question has no 'ANSWER: X' line after its options")]
    assert [q.row for q in result.questions] == [5]


def test_blank_line_before_the_answer_line_is_tolerated():
    result = aiken("Q1?\nA. a\nB. b\n\nANSWER: B\n")
    assert result.errors == []
    assert result.questions[0].options[1].correct


def test_options_out_of_order_are_an_error_with_the_line():
    result = aiken("Q1?\nA. a\nC. c\nANSWER: A\n\nQ2?\nA. a\nB. b\nANSWER: B\n")
    assert result.errors[0].row == 1
    assert "line 3" in result.errors[0].message
    assert [q.row for q in result.questions] == [6]


def test_answer_line_without_a_question_is_an_error_at_that_line():
    result = aiken("ANSWER: A\n")
    assert result.errors[0].row == 1


def test_file_ending_inside_a_question_is_an_error():
    result = aiken("Q1?\nA. a\nB. b\n")
    assert result.errors[0].row == 1
    assert "ANSWER" in result.errors[0].message


def test_unreadable_answer_is_an_error():
    result = aiken("Q1?\nA. a\nB. b\nANSWER: maybe\n")
    assert result.errors[0].row == 1
    assert "line 4" in result.errors[0].message


def test_several_answer_letters_make_a_multiple_question():
    question = aiken("Q1?\nA. a\nB. b\nC. c\nANSWER: A, C\n").questions[0]
    assert question.type == "multiple"
    assert [o.correct for o in question.options] == [True, False, True]


def test_vietnamese_dap_an_line_is_accepted():
    question = aiken("Q1?\nA. a\nB. b\nĐáp án: B\n").questions[0]
    assert question.options[1].correct


def test_single_option_question_is_an_error():
    result = aiken("Q1?\nA. a\nANSWER: A\n")
    assert "at least two options" in result.errors[0].message


def test_txt_file_without_gift_markup_is_read_as_aiken():
    assert aiken("Q1?\nA. {a}\nB. b\nANSWER: A\n").format == "aiken"


def test_aiken_line_numbers_count_only_real_line_breaks():
    result = aiken("Q1\u2028?\nA. a\nB. b\nANSWER: A\n\nQ2?\nA. a\nB. c\nANSWER: Z\n")
    assert result.questions[0].row == 1
    assert result.errors[0].row == 6 and "line 9" in result.errors[0].message

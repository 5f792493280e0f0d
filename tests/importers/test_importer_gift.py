"""GIFT: supported kinds become questions, everything else a RowError at the starting line."""

from __future__ import annotations

import pytest

from importers import Option, read_questions


def gift(text: str, name: str = "bank.gift"):
    return read_questions(text.encode("utf-8"), name)


def test_multiple_choice_with_right_and_wrong_answers():
    result = gift("Đảng ra đời năm nào? {=1930 ~1945 ~1954}\n")
    assert result.errors == []
    question = result.questions[0]
    assert (question.row, question.type, question.text) == (1, "single", "Đảng ra đời năm nào?")
    assert question.options == (Option("1930", True), Option("1945", False),
                                Option("1954", False))


def test_answers_on_their_own_lines():
    result = gift("Pick one {\n  =right\n  ~wrong one\n  ~wrong two\n}\n")
    assert [o.text for o in result.questions[0].options] == ["right", "wrong one", "wrong two"]


def test_multiple_answer_weights_positive_correct_zero_or_negative_wrong():
    result = gift("Which are prime? {~%50%2 ~%50%3 ~%0%4 ~%-100%6}")
    question = result.questions[0]
    assert question.type == "multiple"
    assert [o.correct for o in question.options] == [True, True, False, False]


def test_fractional_weights_are_read():
    result = gift("Which? {~%33.33333%a ~%33.33333%b ~%33.33334%c ~%-50%d}")
    assert [o.correct for o in result.questions[0].options] == [True, True, True, False]


@pytest.mark.parametrize(("block", "truth"), [("{T}", True), ("{TRUE}", True), ("{F}", False),
                                             ("{FALSE}", False), ("{true}", True)])
def test_true_false_forms(block, truth):
    question = gift(f"The sun is a star. {block}").questions[0]
    assert question.type == "true_false"
    assert question.options == (Option("True", truth), Option("False", not truth))


def test_title_is_dropped_from_the_stem():
    question = gift("::Q1 Thành lập Đảng:: Năm nào? {=1930 ~1945}").questions[0]
    assert question.text == "Năm nào?"


def test_category_lines_set_the_topic_of_following_questions():
    text = ("$CATEGORY: $course$/top/Lịch sử Đảng\n\nQ1? {=a ~b}\n\n"
            "$CATEGORY: Điều lệ\nQ2? {=a ~b}\n\nQ3? {=c ~d}\n")
    result = gift(text)
    assert [(q.row, q.topic) for q in result.questions] == [
        (3, "Lịch sử Đảng"), (6, "Điều lệ"), (8, "Điều lệ")]


def test_question_without_category_has_no_topic():
    assert gift("Q? {=a ~b}").questions[0].topic is None


def test_comment_lines_are_ignored_and_do_not_move_line_numbers():
    text = "// bank for 2024\n// second comment\n\n// about Q1\nQ1? {=a ~b}\n\nQ2? {=c ~d}\n"
    result = gift(text)
    assert [q.row for q in result.questions] == [5, 7]


def test_escaped_special_characters_are_literal():
    text = r"2 \= 1 \+ 1\: \{ok\} \# \~? {=yes \= true ~no \~ false ~a\#b}"
    question = gift(text).questions[0]
    assert question.text == r"2 = 1 \+ 1: {ok} # ~?"
    assert [o.text for o in question.options] == ["yes = true", "no ~ false", "a#b"]


def test_general_feedback_becomes_the_explanation_and_answer_feedback_is_dropped():
    text = "Q? {=a#Đúng rồi ~b#Chưa đúng ####Vì a là đúng.}"
    question = gift(text).questions[0]
    assert question.explanation == "Vì a là đúng."
    assert [o.text for o in question.options] == ["a", "b"]


def test_true_false_with_feedback_and_general_feedback():
    question = gift("Q? {T#no#yes####Because.}").questions[0]
    assert question.options[0].correct and question.explanation == "Because."


def test_missing_word_question_keeps_a_blank_in_the_stem():
    question = gift("Bác Hồ sinh năm {=1890 ~1900} tại Nghệ An.").questions[0]
    assert question.text == "Bác Hồ sinh năm _____ tại Nghệ An."


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Who? {=Ho Chi Minh =Nguyen Ai Quoc}", "short answer"),
        ("Who? {=Ho Chi Minh}", "short answer"),
        ("How many? {#3:1}", "numerical"),
        ("Pair them {=a -> 1 =b -> 2 =c -> 3}", "matching"),
        ("Write an essay {}", "essay"),
        ("Just some text without answers", "description"),
    ],
)
def test_unsupported_kinds_are_row_errors_at_the_starting_line(text, kind):
    result = gift(f"// header\n\nGood? {{=a ~b}}\n\n{text}\n")
    assert len(result.questions) == 1
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column) == (5, None)
    assert error.message.startswith(f"unsupported GIFT question type: {kind}")


def test_unclosed_answer_block_is_an_error_and_later_questions_still_read():
    result = gift("Broken? {=a ~b\n\nFine? {=c ~d}")
    assert [e.row for e in result.errors] == [1]
    assert "not closed" in result.errors[0].message
    assert [q.row for q in result.questions] == [3]


def test_single_answer_only_wrong_options_is_an_error():
    result = gift("Q? {~a ~b}")
    assert result.errors[0].row == 1
    assert "no option is marked correct" in result.errors[0].message


def test_duplicate_questions_point_at_the_first_line():
    result = gift("Q? {=a ~b}\n\nq?  {~b =a}\n")
    assert result.errors[0].row == 3
    assert "duplicate of line 1" in result.errors[0].message


def test_more_than_eight_options_is_an_error():
    answers = " ".join(["=a"] + [f"~w{n}" for n in range(8)])
    result = gift(f"Q? {{{answers}}}")
    assert "at most 8" in result.errors[0].message


def test_txt_file_that_looks_like_gift_is_read_as_gift():
    result = gift("::T:: Q? {=a ~b}", name="bank.txt")
    assert result.format == "gift"
    assert len(result.questions) == 1


def test_windows_line_endings_and_bom_are_fine():
    text = "\ufeff// c\r\nQ1? {=a ~b}\r\n\r\nQ2? {T}\r\n"
    result = gift(text)
    assert [q.row for q in result.questions] == [2, 4]


def test_file_with_only_comments_and_categories_is_an_error():
    result = gift("// nothing yet\n$CATEGORY: Lịch sử\n")
    assert result.questions == []
    assert [(e.row, e.column) for e in result.errors] == [(None, None)]
    assert "no questions found" in result.errors[0].message


def test_line_numbers_count_only_real_line_breaks():
    result = gift("Stem with\u2028a line separator? {=a ~b}\n\nQ2?\x0c {=c ~d}\n")
    assert [q.row for q in result.questions] == [1, 3]


def test_single_full_weight_on_a_tilde_answer_is_a_single_question():
    question = gift("Q? {~%100%a ~%0%b ~c}").questions[0]
    assert question.type == "single"
    assert [o.correct for o in question.options] == [True, False, False]

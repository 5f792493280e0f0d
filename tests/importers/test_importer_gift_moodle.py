"""GIFT as Moodle writes and reads it (qformat_gift): what it accepts is accepted here, and the
kinds a bank cannot hold are row errors naming the kind. The files are small ones in the manner
of Moodle's own test fixtures, written for these tests."""

from __future__ import annotations

import pytest

from importers import Option, read_questions


def gift(text: str):
    return read_questions(text.encode("utf-8"), "bank.gift")


def only_question(text: str):
    result = gift(text)
    assert result.errors == [], result.errors
    (question,) = result.questions
    return question


def options(question) -> list[tuple[str, bool]]:
    return [(option.text, option.correct) for option in question.options]


# ---- a file as Moodle exports it ----

MOODLE_EXPORT = """\
// question: 0  name: Switch category to $course$/top/Lịch sử Đảng
$CATEGORY: $course$/top/Lịch sử Đảng


// question: 41  name: Thủ đô
::Thủ đô::[html]<p>Thủ đô của Việt Nam là <b>thành phố</b> nào?</p>{
\t=<p>Hà Nội</p>#Đúng
\t~Huế#[html]<p>Chưa đúng</p>
\t~[plain]Sài Gòn#Chưa đúng
}


// question: 42  name: Nghe
::Nghe::[html]<a href\\="http\\://example.org/a.mp3">Nghe đoạn nhạc\\:</a><br /><br />Bài hát tên là gì?{
\t~Tiến quân ca
\t=Như có Bác Hồ trong ngày vui đại thắng
}


// question: 43  name: Năm
::Năm::[html]Đảng Cộng sản Việt Nam ra đời năm <span style\\="font-weight\\: bold;">1930</span>.{TRUE}
"""


def test_a_moodle_export_is_read_with_its_category_html_and_feedback():
    result = gift(MOODLE_EXPORT)
    assert result.errors == []
    first, second, third = result.questions
    assert (first.row, first.topic) == (6, "Lịch sử Đảng")
    assert first.text == "Thủ đô của Việt Nam là thành phố nào?"
    assert options(first) == [("Hà Nội", True), ("Huế", False), ("Sài Gòn", False)]
    assert second.text == "Nghe đoạn nhạc:\n\nBài hát tên là gì?"
    assert options(second) == [("Tiến quân ca", False), ("Như có Bác Hồ trong ngày vui đại thắng", True)]
    assert (third.type, third.text) == ("true_false", "Đảng Cộng sản Việt Nam ra đời năm 1930.")
    assert third.options[0] == Option("True", True)


def test_html_entities_non_breaking_spaces_and_paragraphs_read_as_plain_text():
    question = only_question("[html]<p>2 &lt; 3&nbsp;và&nbsp;3 &gt; 2:</p>\n<p>   đúng   không?</p>{T}")
    assert question.text == "2 < 3 và 3 > 2:\nđúng không?"


def test_html_pre_blocks_keep_their_lines_and_indentation():
    question = only_question("::Q001::[html]<p>Đoạn mã in ra gì?</p>\n"
                             "<pre>\nif x \\{\n    print(1)\n\\}\n</pre>{=1 ~0}")
    assert question.text == "Đoạn mã in ra gì?\nif x {\n    print(1)\n}"


def test_answers_take_the_html_format_of_their_question_unless_they_name_their_own():
    question = only_question("[html]Chọn? {=<b>A</b> ~[plain]<b>B</b> ~[moodle]C &amp; D}")
    assert options(question) == [("A", True), ("<b>B</b>", False), ("C &amp; D", False)]


def test_an_image_in_html_text_is_a_row_error_rather_than_a_silent_loss():
    result = gift("Q1? {=a ~b}\n\n[html]<p>Đây là ai?</p><img src\\=\"a.png\" />{=Bác Hồ ~Lê Duẩn}")
    assert [q.row for q in result.questions] == [1]
    assert [(e.row, e.column) for e in result.errors] == [(3, None)]
    assert result.errors[0].message.startswith("the question has an image (<img>), which cannot be imported")


def test_other_format_marks_are_dropped_and_the_text_kept_as_written():
    question = only_question("[markdown]Ai viết **Tuyên ngôn độc lập**? {=Hồ Chí Minh ~Trường Chinh}")
    assert question.text == "Ai viết **Tuyên ngôn độc lập**?"


# ---- answers and their weights ----

def test_several_positive_weights_without_an_equals_make_a_multiple_answer_question():
    question = only_question("::màu:: Màu nào nằm giữa cam và lục? {\n    ~%50%vàng # đúng\n"
                             "    ~%-100%đỏ # sai\n    ~%50%vàng nhạt # đúng\n    ~%-100%[plain]lam # sai\n}")
    assert question.type == "multiple"
    assert options(question) == [("vàng", True), ("đỏ", False), ("vàng nhạt", True), ("lam", False)]


def test_one_full_weight_without_an_equals_is_a_single_answer_question():
    question = only_question("Màu? {\n    ~%100%vàng # đúng\n    ~%-50%đỏ # sai\n    ~%-50%lam # sai\n}")
    assert question.type == "single" and options(question) == [("vàng", True), ("đỏ", False), ("lam", False)]


def test_a_partial_weight_beside_an_equals_answer_is_not_a_second_right_answer():
    question = only_question("Câu khó.{~sai ~%50%đúng một nửa =đúng hoàn toàn}")
    assert question.type == "single"
    assert options(question) == [("sai", False), ("đúng một nửa", False), ("đúng hoàn toàn", True)]


def test_several_equals_answers_make_a_multiple_answer_question():
    question = only_question("Ai là tác giả? {=Tố Hữu =Nguyễn Kim Thành ~Xuân Diệu}")
    assert question.type == "multiple"
    assert [correct for _, correct in options(question)] == [True, True, False]


def test_a_tilde_answer_with_an_arrow_is_multiple_choice_as_in_moodle():
    question = only_question("Chọn? {=A -> B ~C}")
    assert options(question) == [("A -> B", True), ("C", False)]


def test_escaped_control_characters_are_literal_in_answers_and_feedback_is_dropped():
    question = only_question("::Kí tự đặc biệt::\nKí tự nào KHÔNG phải kí tự điều khiển của GIFT? {\n"
                             "   ~ \\~     # \\~ là kí tự điều khiển.\n   ~ \\=     # cũng vậy\n"
                             "   ~ \\#     # cũng vậy\n   ~ \\{ # cũng vậy\n   ~ \\} # cũng vậy\n"
                             "   = \\\\     # Đúng! Dấu \\\\ chỉ dùng để thoát\n"
                             "              các kí tự điều khiển.\n}")
    assert options(question) == [("~", False), ("=", False), ("#", False), ("{", False), ("}", False),
                                 ("\\", True)]


def test_an_escaped_newline_breaks_the_line():
    assert only_question("Dòng một\\nDòng hai? {T}").text == "Dòng một\nDòng hai?"


def test_true_false_with_both_feedbacks_and_a_general_feedback():
    question = only_question("::Q1:: 42 là câu trả lời cho mọi thứ.{\n"
                             "FALSE#42 chỉ là câu đùa.#Bạn đã trả lời đúng.\n"
                             "####Một câu trong truyện Hitchhiker.}")
    assert question.options[1] == Option("False", True)
    assert question.explanation == "Một câu trong truyện Hitchhiker."


@pytest.mark.parametrize("block,truth", [("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False)])
def test_a_title_with_digits_and_dashes_and_each_true_false_word(block, truth):
    question = only_question(f"// tên 0-11\n::2-08 TSL::TSL là viết tắt.{block}")
    assert (question.row, question.text, question.options[0].correct) == (2, "TSL là viết tắt.", truth)


def test_the_general_feedback_is_what_follows_the_last_four_hashes():
    assert only_question("Q? {=a ~b ####một #### hai}").explanation == "hai"


def test_a_missing_word_keeps_the_punctuation_after_the_blank():
    question = only_question("::Quê:: Bác Hồ quê ở {\n    ~Hà Tĩnh#Gần đúng.\n    ~%50%Nam Đàn#Cụ thể hơn.\n"
                             "    =Kim Liên#Đúng!}.")
    assert question.text == "Bác Hồ quê ở _____."


def test_a_title_that_is_not_closed_is_part_of_the_text_as_in_moodle():
    assert only_question("::Năm nào Đảng ra đời? {=1930 ~1945}").text == "Năm nào Đảng ra đời?"


# ---- how questions are separated ----

def test_lines_of_spaces_and_tabs_separate_questions_and_comments_inside_a_question_are_dropped():
    text = ("\ufeffQ1? {\r\n  =a\r\n  // ghi chú giữa các đáp án\r\n  ~b\r\n}\r\n \t \r\n"
            "Q2 http://vi.wikipedia.org? {T}\r\n")
    result = gift(text)
    assert result.errors == []
    assert [(q.row, q.text) for q in result.questions] == [(1, "Q1?"), (7, "Q2 http://vi.wikipedia.org?")]
    assert [o.text for o in result.questions[0].options] == ["a", "b"]


def test_two_questions_without_a_blank_line_between_them_are_one_block_and_an_error():
    result = gift("Q1? {=a ~b}\n// chú thích không tách câu hỏi\nQ2? {=c ~d}\n")
    assert [e.row for e in result.errors] == [1]
    assert "more than one answer block" in result.errors[0].message


def test_a_closing_brace_before_the_answer_block_is_an_error():
    result = gift("Q } ? {=a ~b}")
    assert "found } without an opening {" in result.errors[0].message


# ---- kinds a bank cannot hold ----

@pytest.mark.parametrize("text,kind", [
    ("::Trả lời ngắn::Con vật nào tốt nhất?{\n    =Ếch#Tốt!\n    =%50%Mèo#Gần đúng.\n    =%0%*#Sai\n}",
     "short answer"),
    ("Thủ đô của Pháp? {Paris}", "short answer"),
    ("[markdown]Ai nằm trong **lăng**?{\n=Bác Hồ#Đúng!\n=Chủ tịch Hồ Chí Minh#Đúng!}", "short answer"),
    ("::Q5:: Một số từ 1 đến 5? {#3:2~#Sai hoàn toàn}", "numerical"),
    ("Bác Hồ sinh năm nào? {#\n    =1890:0\n    =%50%1890:2}", "numerical"),
    ("Số pi (3 chữ số thập phân)? {#3.141..3.142}.", "numerical"),
    ("::Ghép::[html]Ghép <b>tỉnh</b> với thủ phủ.{\n    =[html]Nghệ An -> Vinh\n"
     "    =[plain]Thừa Thiên Huế -> Huế\n    = -> Đà Lạt\n}", "matching"),
    ("Ghép nước với thủ đô.{=Lào->Viêng Chăn =Campuchia->Phnôm Pênh}", "matching"),
    ("::Q8:: Bạn khoẻ không? {}", "essay"),
    ("::Giới thiệu:: Phần sau có năm câu về Điều lệ Đảng.", "description"),
], ids=["short answer with weights", "short answer without =", "short answer in markdown", "numerical",
        "numerical on lines", "numerical range", "matching in html", "matching", "essay", "description"])
def test_each_kind_a_bank_cannot_hold_is_a_row_error_at_its_line_naming_the_kind(text, kind):
    result = gift(f"// câu hỏi được nhận\nĐúng? {{=a ~b}}\n\n// câu không nhận\n{text}\n\nSau? {{T}}\n")
    assert [q.row for q in result.questions] == [2, 7 + text.count("\n")]
    (error,) = result.errors
    assert (error.row, error.column) == (5, None)
    assert error.message.startswith(f"unsupported GIFT question type: {kind}")
    assert "only multiple choice, multiple answer and true/false questions can be imported" in error.message

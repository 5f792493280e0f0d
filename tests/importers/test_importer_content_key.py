"""content_key: the duplicate-detection hash shared with the database side."""

from __future__ import annotations

import unicodedata

from importers import Option, ParsedQuestion, content_key, read_questions
from tests.importers.importer_files import xlsx_bytes


def test_content_key_is_sha256_hex():
    key = content_key("Q?", ["a", "b"])
    assert len(key) == 64 and int(key, 16) >= 0


def test_option_order_does_not_change_the_key():
    assert content_key("Q?", ["a", "b", "c"]) == content_key("Q?", ["c", "a", "b"])


def test_case_and_whitespace_do_not_change_the_key():
    assert content_key("  Thủ đô   của\nViệt Nam? ", [" Hà  Nội", "HUẾ"]) == content_key(
        "thủ đô của việt nam?", ["hà nội", "huế"])


def test_composed_and_decomposed_vietnamese_give_the_same_key():
    decomposed = unicodedata.normalize("NFD", "Đảng ra đời năm nào?")
    assert content_key(decomposed, ["1930"]) == content_key("Đảng ra đời năm nào?", ["1930"])


def test_different_options_or_stems_give_different_keys():
    base = content_key("Q?", ["a", "b"])
    assert base != content_key("Q?", ["a", "c"])
    assert base != content_key("Q!", ["a", "b"])
    assert base != content_key("Q?", ["a", "b", "c"])


def test_parts_cannot_run_into_each_other():
    assert content_key("Q? a", ["b"]) != content_key("Q?", ["a b"])
    assert content_key("Q?", ["a", "b"]) != content_key("Q?", ["a b"])


def test_every_parsed_question_carries_its_content_key():
    sheet = xlsx_bytes([["question", "a", "b", "answer"], ["Q?", "x", "y", "B"],
                        ["Nước là chất lỏng.", None, None, "Đúng"]])
    gift = "::t:: Thủ đô? {=Hà Nội ~Huế}\n\nTrời xanh. {T}\n".encode()
    questions = [*read_questions(sheet, "b.xlsx").questions, *read_questions(gift, "b.gift").questions]
    assert len(questions) == 4
    for question in questions:
        assert question.content_key == content_key(question.text, [o.text for o in question.options])
    assert questions[1].content_key == content_key("Nước là chất lỏng.", ["True", "False"])


def test_a_question_built_by_hand_gets_its_key_too():
    question = ParsedQuestion(row=1, text="Q?", type="single", topic=None,
                              options=(Option("a", True), Option("b", False)))
    assert question.content_key == content_key("Q?", ["b", "a"])

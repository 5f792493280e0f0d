"""Vietnamese sorting: names and units listed as a Vietnamese dictionary lists them."""

from __future__ import annotations

import random
import unicodedata

import pytest

from examapp.text import vi_sort_key


def vi_sorted(words: list[str]) -> list[str]:
    shuffled = list(words)
    random.Random(2026).shuffle(shuffled)
    return sorted(shuffled, key=vi_sort_key)


def test_names_sort_as_in_a_vietnamese_dictionary():
    words = ["Đặng", "Dương", "Anh", "Ánh", "Ăn", "Bình", "Ân"]
    assert sorted(words, key=vi_sort_key) == ["Anh", "Ánh", "Ăn", "Ân", "Bình", "Dương", "Đặng"]


@pytest.mark.parametrize("expected", [
    ["an", "ăn", "ân"],  # a < ă < â
    ["dê", "dư", "đa"],  # every d word before đ
    ["em", "êm"],  # e < ê
    ["on", "ôn", "ơn"],  # o < ô < ơ
    ["um", "ưa"],  # u < ư
])
def test_letters_with_marks_follow_their_base_letter(expected):
    assert vi_sorted(expected) == expected


def test_tones_rank_none_huyen_hoi_nga_sac_nang():
    assert vi_sorted(["ma", "mà", "mả", "mã", "má", "mạ"]) == ["ma", "mà", "mả", "mã", "má", "mạ"]


def test_letters_decide_before_tones():
    assert vi_sorted(["ác", "ạ", "ai", "ạc", "a"]) == ["a", "ạ", "ác", "ạc", "ai"]


def test_each_word_is_compared_in_turn():
    names = ["Nguyễn Văn An", "Nguyên Bình", "Nguyễn", "Nguyễn Anh", "Ngô Thị Ánh"]
    assert vi_sorted(names) == ["Ngô Thị Ánh", "Nguyên Bình", "Nguyễn", "Nguyễn Anh", "Nguyễn Văn An"]


def test_numbers_in_unit_names_compare_by_value():
    units = ["Chi bộ 10", "Chi bộ 2", "Chi bộ 1", "Chi bộ Văn phòng"]
    assert vi_sorted(units) == ["Chi bộ 1", "Chi bộ 2", "Chi bộ 10", "Chi bộ Văn phòng"]


def test_letters_of_foreign_names_take_their_latin_places():
    assert vi_sorted(["Zoe", "Yến", "Fatima", "Giang", "Wang", "Vy"]) == [
        "Fatima", "Giang", "Vy", "Wang", "Yến", "Zoe"]


def test_case_form_and_tone_placement_do_not_change_the_order():
    assert vi_sort_key("ĐẶNG") == vi_sort_key("đặng")
    assert vi_sort_key(unicodedata.normalize("NFD", "Đặng Thị Ấn")) == vi_sort_key("Đặng Thị Ấn")
    assert vi_sort_key("Hoà") == vi_sort_key("Hòa")  # old and new tone placement are the same name
    assert vi_sort_key("  Lê   Văn ") == vi_sort_key("Lê Văn")


def test_empty_names_punctuation_and_other_scripts_sort_without_error():
    words = ["Lê", "(chưa đặt tên)", "李", "Lê-Văn", "", "Lê 2"]
    assert vi_sorted(words) == ["", "(chưa đặt tên)", "Lê", "Lê 2", "Lê-Văn", "李"]

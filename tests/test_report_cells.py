"""Exported text opens as text in a spreadsheet program, never as a formula."""

import pytest

from reports.cells import csv_text, looks_like_formula


@pytest.mark.parametrize("value", ["=1+1", "+84 912", "-2", "@SUM(A1)", "\tx", "\r=1"])
def test_formula_like_text_is_guarded(value):
    assert looks_like_formula(value)
    assert csv_text(value) == "'" + value


@pytest.mark.parametrize("value", ["Nguyễn Văn An", "1945", "a=b", "", "'quoted"])
def test_plain_text_is_left_as_it_is(value):
    assert not looks_like_formula(value)
    assert csv_text(value) == value


def test_non_text_is_never_formula_like():
    assert not looks_like_formula(12) and not looks_like_formula(None)

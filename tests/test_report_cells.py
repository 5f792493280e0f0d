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


@pytest.mark.parametrize("value, guarded", [
    ('Lan;=HYPERLINK("x")', "Lan;'=HYPERLINK(\"x\")"), ("An; +84 912", "An; '+84 912"),
    ("B,@SUM(A1)", "B,'@SUM(A1)"), ("C\t-1", "C\t'-1"), ("=1;=2", "'=1;'=2"), ("a;b=c", "a;b=c")])
def test_a_part_that_another_locale_would_split_off_is_guarded_too(value, guarded):
    assert csv_text(value) == guarded


def test_every_csv_cell_is_quoted_so_no_separator_splits_it():
    import io

    from reports.cells import csv_writer

    out = io.StringIO()
    csv_writer(out).writerow(["Lan;An", "1945"])
    assert out.getvalue() == '"Lan;An","1945"\r\n'


def test_non_text_is_never_formula_like():
    assert not looks_like_formula(12) and not looks_like_formula(None)

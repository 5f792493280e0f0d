"""Grading: all-or-nothing for single and true/false, exact sets for multiple, optional partial credit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from examapp.exams.grading import percent_of, question_score

SINGLE = [{"id": 1, "is_correct": True}, {"id": 2, "is_correct": False}, {"id": 3, "is_correct": False}]
TRUE_FALSE = [{"id": 10, "is_correct": False}, {"id": 11, "is_correct": True}]
MULTIPLE = [{"id": 21, "is_correct": True}, {"id": 22, "is_correct": False},
            {"id": 23, "is_correct": True}, {"id": 24, "is_correct": True}, {"id": 25, "is_correct": False}]


@pytest.mark.parametrize("chosen, expected", [([1], "2.00"), ([2], "0.00"), ([], "0.00"), ([1, 2], "0.00")])
def test_single_is_all_or_nothing(chosen, expected):
    assert question_score("single", SINGLE, chosen, Decimal(2)) == Decimal(expected)


@pytest.mark.parametrize("chosen, expected", [([11], "1.00"), ([10], "0.00"), ([], "0.00")])
def test_true_false_is_all_or_nothing(chosen, expected):
    assert question_score("true_false", TRUE_FALSE, chosen, Decimal(1)) == Decimal(expected)


def test_single_gets_no_partial_credit_even_when_the_exam_allows_it():
    assert question_score("single", SINGLE, [2], Decimal(2), partial_credit=True) == 0


@pytest.mark.parametrize("chosen", [[21, 23], [21, 23, 24, 22], [22], []])
def test_multiple_needs_the_exact_set_without_partial_credit(chosen):
    assert question_score("multiple", MULTIPLE, chosen, Decimal(3)) == 0


def test_multiple_exact_set_in_any_order_gets_full_points():
    assert question_score("multiple", MULTIPLE, [24, 21, 23], Decimal(3)) == Decimal("3.00")
    assert question_score("multiple", MULTIPLE, [24, 21, 23], Decimal(3), partial_credit=True) == 3


@pytest.mark.parametrize("chosen, expected", [
    ([21, 23], "2.00"),        # 2 right of 3: 2/3 x 3
    ([21], "1.00"),            # 1 right: 1/3 x 3
    ([21, 23, 22], "1.00"),    # 2 right - 1 wrong = 1/3 x 3
    ([21, 22, 25], "0.00"),    # 1 - 2 < 0: floored at 0
    ([22], "0.00"),
    ([], "0.00"),
])
def test_partial_credit_is_right_minus_wrong_over_right_total(chosen, expected):
    assert question_score("multiple", MULTIPLE, chosen, Decimal(3), partial_credit=True) == Decimal(expected)


def test_partial_credit_rounds_to_cents():
    assert question_score("multiple", MULTIPLE, [21], Decimal(1), partial_credit=True) == Decimal("0.33")


def test_percent_of_the_maximum():
    assert percent_of(Decimal("5.5"), Decimal(11)) == Decimal("50.00")
    assert percent_of(Decimal(2), Decimal(3)) == Decimal("66.67")
    assert percent_of(Decimal(0), Decimal(0)) == 0

"""Scoring answers against a frozen paper; no database here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

CENT = Decimal("0.01")


def to_cents(value: Fraction | Decimal) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def question_score(kind: str, options: Sequence[dict[str, Any]], chosen: Iterable[int],
                   points: Decimal, partial_credit: bool = False) -> Decimal:
    """Points earned on one question.

    single / true_false: all or nothing. multiple: all only for the exact set of correct options;
    with partial credit, (right chosen - wrong chosen) / right total x points, never below 0.
    """
    right = {o["id"] for o in options if o["is_correct"]}
    picked = set(chosen)
    if picked == right and right:
        return to_cents(points)
    if kind != "multiple" or not partial_credit or not right:
        return Decimal("0.00")
    earned = Fraction(len(picked & right) - len(picked - right), len(right))
    return to_cents(max(earned, Fraction(0)) * Fraction(points))


def percent_of(score: Decimal, max_score: Decimal) -> Decimal:
    if max_score <= 0:
        return Decimal("0.00")
    return to_cents(Fraction(score) / Fraction(max_score) * 100)


def passes(score: Decimal, max_score: Decimal, pass_percent: Decimal) -> bool:
    """Whether `score` out of `max_score` reaches the pass mark, compared exactly (no rounding)."""
    return Fraction(score) * 100 >= Fraction(pass_percent) * Fraction(max_score)

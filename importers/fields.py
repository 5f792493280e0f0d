"""Parsers for the optional columns: type, difficulty and points."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation

from importers.messages import msg
from importers.normalise import collapse, fold

MAX_POINTS = Decimal(1000)
_CENTS = Decimal("0.01")

_TYPES = {
    "single": (
        "single",
        "single choice",
        "single answer",
        "one",
        "one answer",
        "mcq",
        "một đáp án",
        "1 đáp án",
        "một lựa chọn",
        "chọn một",
        "đơn",
        "một",
    ),
    "multiple": (
        "multiple",
        "multi",
        "multiple answer",
        "multiple answers",
        "multiple response",
        "checkbox",
        "nhiều đáp án",
        "nhiều lựa chọn",
        "chọn nhiều",
        "nhiều",
    ),
    "true_false": (
        "true_false",
        "true false",
        "truefalse",
        "true/false",
        "tf",
        "boolean",
        "đúng/sai",
        "đúng sai",
        "đ/s",
        "đúng hoặc sai",
    ),
}
_DIFFICULTIES = {
    "easy": ("easy", "1", "dễ", "nhận biết", "nb", "biết"),
    "medium": ("medium", "2", "trung bình", "tb", "vừa", "thông hiểu", "th", "hiểu"),
    "hard": ("hard", "3", "khó", "vận dụng", "vd", "vận dụng thấp", "vận dụng cao", "vdc", "4"),
}


def _lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {fold(alias): name for name, aliases in table.items() for alias in aliases}


_TYPE_LOOKUP = _lookup(_TYPES)
_DIFFICULTY_LOOKUP = _lookup(_DIFFICULTIES)


class FieldError(ValueError):
    """A cell of an optional column holds a value we cannot use; message says what to write."""


def parse_type(value: str) -> str:
    """Return "single", "multiple" or "true_false" for an explicit type cell."""
    found = _TYPE_LOOKUP.get(fold(value))
    if found is None:
        raise FieldError(
            msg("unknown type '%(value)s'; write single, multiple or true_false (một đáp án, nhiều đáp án, "
                "đúng/sai), or leave it empty", value=collapse(value))
        )
    return found


def parse_difficulty(value: str) -> str:
    """Return "easy", "medium" or "hard" from English, 1/2/3 or Vietnamese levels."""
    found = _DIFFICULTY_LOOKUP.get(fold(value))
    if found is None:
        raise FieldError(
            msg("unknown difficulty '%(value)s'; write easy, medium or hard (1/2/3, dễ/trung bình/khó, "
                "nhận biết/thông hiểu/vận dụng), or leave it empty", value=collapse(value))
        )
    return found


@functools.lru_cache(maxsize=1024)  # a bank repeats the same few points values on every row
def parse_points(value: str) -> Decimal:
    """Return the points as a Decimal > 0 with at most two decimals; a decimal comma (1,5) is accepted."""
    text = collapse(value).replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        points = Decimal(text)
    except InvalidOperation:
        points = None
    if points is None or not points.is_finite():
        raise FieldError(msg("points '%(value)s' is not a number; write e.g. 1 or 0.5",
                             value=collapse(value)))
    if points <= 0:
        raise FieldError(msg("points must be greater than 0, not %(value)s", value=collapse(value)))
    if points > MAX_POINTS:
        raise FieldError(msg("points must be at most %(limit)s, not %(value)s", limit=MAX_POINTS,
                             value=collapse(value)))
    if points.as_tuple().exponent < -2:  # banks store points with two decimals
        nearest = max(points.quantize(_CENTS), _CENTS)
        raise FieldError(msg("points %(value)s has more than two decimals; write e.g. %(nearest)s",
                             value=collapse(value), nearest=nearest))
    # 1e3 -> 1000, so the value reads back as the trainer meant it.
    return Decimal(int(points)) if points.as_tuple().exponent > 0 else points

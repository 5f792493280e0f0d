"""Turning a cell value read by calamine or pandas into the text the trainer sees in the sheet."""

from __future__ import annotations

import datetime as dt
import math
import numbers

from importers.normalise import clean_text


def cell_text(value: object) -> str:
    """Return the cell as displayed: 1945 not 1945.0, dates day-first, booleans true/false."""
    if type(value) is str:  # most cells: checked first, and exactly, to keep the common path short
        return clean_text(value) if value else ""
    # NaN and NaT are the only values that differ from themselves: pandas' empty cells.
    if value is None or value != value:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    # bool before numbers: bool is an Integral.
    if isinstance(value, bool) or _is_numpy_bool(value):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _number_text(float(value))
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, dt.date):
        return _date_text(value)
    if isinstance(value, dt.time):
        return _time_text(value)
    if isinstance(value, dt.timedelta):
        return _duration_text(value)
    text = str(value)
    return "" if text in ("NaT", "nan", "<NA>") else clean_text(text)


def _is_numpy_bool(value: object) -> bool:
    # Checked by name so importing the importers does not pull in numpy.
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_")


def _number_text(number: float) -> str:
    if math.isnan(number) or math.isinf(number):
        return ""
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    # 15 significant digits is what Excel and LibreOffice show at most.
    return format(number, ".15g")


def _date_text(value: dt.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def _datetime_text(value: dt.datetime) -> str:
    day = _date_text(value)
    if (value.hour, value.minute, value.second) == (0, 0, 0):
        return day
    return f"{day} {_time_text(value.time())}"


def _time_text(value: dt.time) -> str:
    if value.second:
        return value.strftime("%H:%M:%S")
    return value.strftime("%H:%M")


def _duration_text(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if seconds else f"{hours}:{minutes:02d}"

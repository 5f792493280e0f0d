"""Cell display: what pandas hands over becomes the text the trainer sees."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from importers.cells import cell_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1945, "1945"), (1945.0, "1945"), (2.5, "2.5"), (0.1 + 0.2, "0.3"), (-3, "-3"),
        (np.int64(7), "7"), (np.float64(2.5), "2.5"), (True, "true"), (False, "false"),
        (np.bool_(True), "true"), (np.False_, "false"),
        (dt.datetime(1945, 9, 2), "02/09/1945"), (pd.Timestamp("1945-09-02"), "02/09/1945"),
        (dt.date(2024, 1, 31), "31/01/2024"), (dt.datetime(2024, 1, 31, 8, 5), "31/01/2024 08:05"),
        (dt.time(7, 30), "07:30"), (dt.time(7, 30, 15), "07:30:15"),
        (None, ""), (float("nan"), ""), (pd.NaT, ""), ("  Hà Nội \r\n", "Hà Nội"),
        ("a\x00b", "ab"), ("Line 1\r\nLine 2", "Line 1\nLine 2"),
    ],
)
def test_cell_values_read_as_the_sheet_shows_them(value, text):
    assert cell_text(value) == text


def test_decomposed_vietnamese_cell_text_is_stored_composed():
    assert cell_text("Đa\u0309ng") == "Đảng"

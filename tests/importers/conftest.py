"""Fixtures for the importer tests; the file builders live in importer_files.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from importer_files import ENGLISH_HEADER, csv_bytes, ods_bytes, xlsx_bytes


@pytest.fixture
def xlsx() -> Callable[..., bytes]:
    """The xlsx builder as a fixture."""
    return xlsx_bytes


@pytest.fixture
def ods() -> Callable[..., bytes]:
    """The ods builder as a fixture."""
    return ods_bytes


@pytest.fixture
def csv_file() -> Callable[..., bytes]:
    """The csv builder as a fixture."""
    return csv_bytes


@pytest.fixture
def header() -> list[str]:
    """The plain English header most tests start from."""
    return list(ENGLISH_HEADER)

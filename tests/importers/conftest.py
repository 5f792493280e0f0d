"""Fixtures for the importer tests; the file builders live in importer_files.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.importers.importer_files import ENGLISH_HEADER, ods_bytes


@pytest.fixture
def ods() -> Callable[..., bytes]:
    """The ods builder as a fixture (odfpy through pandas)."""
    return ods_bytes


@pytest.fixture
def header() -> list[str]:
    """The plain English header most tests start from."""
    return list(ENGLISH_HEADER)

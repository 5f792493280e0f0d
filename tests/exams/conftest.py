"""Fixtures for exam tests: a bank, and a candidate client sitting an exam over it."""

from __future__ import annotations

import pytest

from tests.factories import make_bank


@pytest.fixture
def bank_id(app) -> int:
    return make_bank(app)

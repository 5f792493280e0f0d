"""Bank fixtures: a smaller upload limit (banks and imports come from tests/factories.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def small_uploads(app_config) -> int:
    """Uploads above 2,000 bytes are refused; ask for this before `app`."""
    app_config["MAX_CONTENT_LENGTH"] = 2000
    return 2000


"""Bank fixtures: a trainer with a bank, and a way to import rows into it in one call."""

from __future__ import annotations

import pytest

from examapp import db
from examapp.banks.importing import import_questions
from examapp.banks.models import QuestionBank
from examapp.banks.service import create_bank
from tests.banks.files import xlsx_bytes


class Banks:
    def __init__(self, app) -> None:
        self.app = app

    def create(self, name: str = "Lịch sử Đảng", owner=None) -> int:
        with self.app.app_context():
            s = db.session()
            bank = create_bank(s, name, owner.id if owner else None)
            s.commit()
            return bank.id

    def load(self, bank_id: int, rows: list[list], **kwargs):
        with self.app.app_context():
            s = db.session()
            report = import_questions(
                s, s.get(QuestionBank, bank_id), xlsx_bytes(rows), "bank.xlsx", **kwargs
            )
            s.commit()
            return report


@pytest.fixture
def banks(app) -> Banks:
    return Banks(app)


@pytest.fixture
def small_uploads(app_config) -> int:
    """Uploads above 2,000 bytes are refused; ask for this before `app` (or `accounts`)."""
    app_config["MAX_CONTENT_LENGTH"] = 2000
    return 2000


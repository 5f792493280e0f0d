"""Reading accounts and the audit log back, as an administrator would check them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from examapp import db
from examapp.audit.models import AuditLog
from examapp.auth.models import User


class Ledger:
    def __init__(self, app) -> None:
        self.app = app

    def account(self, username: str) -> dict:
        """The stored account: what a change may touch."""
        with self.app.app_context():
            user = db.session().scalar(select(User).where(User.username == username))
            return {"full_name": user.full_name, "role": user.role, "active": user.active,
                    "unit": user.unit.code if user.unit else None, "password_hash": user.password_hash,
                    "session_version": user.session_version}

    def audit(self, action: str | None = None) -> list[AuditLog]:
        with self.app.app_context():
            query = select(AuditLog).order_by(AuditLog.id)
            if action:
                query = query.where(AuditLog.action == action)
            return list(db.session().scalars(query))


@pytest.fixture
def ledger(app) -> Ledger:
    return Ledger(app)

"""Demo banks: the sample files in question_banks/ imported once, owned by the demo trainer."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from examapp.auth.models import User
from examapp.banks.importing import import_questions
from examapp.banks.service import bank_by_name, create_bank

log = logging.getLogger(__name__)
SAMPLES = Path(__file__).resolve().parents[2] / "question_banks"
DEMO_BANKS = [
    ("Ngân hàng mẫu (tiếng Việt)", "sample_vi.xlsx", "Lịch sử Đảng; Pháp luật phòng, chống tham nhũng"),
    ("Sample bank (English)", "sample_en.xlsx", "World geography, science, civics, general knowledge"),
]


def seed_banks(db: Session, owner_username: str = "trainer") -> list[str]:
    """Import each sample file into its bank unless the bank exists; returns the banks made."""
    owner_id = db.scalar(select(User.id).where(User.username == owner_username))
    made = []
    for name, filename, description in DEMO_BANKS:
        path = SAMPLES / filename
        if bank_by_name(db, name) is not None:
            continue
        if not path.is_file():
            log.warning("demo bank %r skipped: %s is missing", name, path)
            continue
        bank = create_bank(db, name, owner_id, description)
        report = import_questions(db, bank, path, filename, skip_invalid=True)
        if report.errors:
            log.warning("demo bank %r: %d row(s) skipped", name, report.skipped)
        made.append(name)
    db.commit()
    return made

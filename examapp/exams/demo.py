"""Demo exam for `examapp serve --demo`: five questions of each topic of the first demo bank (its
title names them), open for 30 days, for candidate1/2."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examapp.auth.models import User
from examapp.banks.models import Question, QuestionBank, Topic
from examapp.db import utcnow
from examapp.exams import candidates, definitions
from examapp.exams.models import Exam

log = logging.getLogger(__name__)

TITLE = "Kiểm tra kiến thức Lịch sử Đảng và pháp luật phòng, chống tham nhũng (demo)"
ROOM_CODE = "PHONG-01"
CANDIDATES = ("candidate1", "candidate2")


def seed_exam(db: Session) -> str | None:
    """Create the demo exam once; returns its room code (None when there is no bank to use)."""
    if db.scalar(select(Exam.id).where(Exam.title == TITLE)) is not None:
        return ROOM_CODE
    bank = db.scalar(select(QuestionBank).order_by(QuestionBank.id))
    admin = db.scalar(select(User).where(User.username == "admin"))
    if bank is None or admin is None:
        log.warning("no demo exam: there is no question bank or admin account")
        return None
    per_topic = db.execute(
        select(Topic.name, func.count(Question.id)).join(Question, Question.topic_id == Topic.id)
        .where(Topic.bank_id == bank.id, Question.status == "active").group_by(Topic.name)
        .order_by(Topic.name)).all()
    rules = [definitions.RuleSpec(min(count, 5), topic, None, Decimal(1))
             for topic, count in per_topic if count]
    now = utcnow()
    exam = definitions.create_exam(db, definitions.ExamSpec(
        title=TITLE, bank_id=bank.id, rules=rules[:4], duration_minutes=20, pass_percent=Decimal(50),
        max_attempts=2, opens_at=now, closes_at=now + timedelta(days=30), room_code=ROOM_CODE), admin)
    candidates.assign_candidates(db, exam, [candidates.CandidateRow(u) for u in CANDIDATES], admin.id)
    db.commit()
    return ROOM_CODE

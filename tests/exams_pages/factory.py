"""Exam test data in one call: a bank of Vietnamese questions, an exam over it, candidates."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examapp.auth.models import User
from examapp.banks.models import Option, Question, QuestionBank, Topic
from examapp.db import utcnow
from examapp.exams import definitions
from examapp.exams.models import Exam

# (topic, type, stem, [(option, correct)])
QUESTIONS = [
    ("Lịch sử Đảng", "single", "Đảng Cộng sản Việt Nam được thành lập năm nào?",
     [("1925", False), ("1930", True), ("1945", False), ("1954", False)]),
    ("Lịch sử Đảng", "single", "Ai là Tổng Bí thư đầu tiên của Đảng?",
     [("Trần Phú", True), ("Lê Hồng Phong", False), ("Hà Huy Tập", False)]),
    ("Lịch sử Đảng", "true_false", "Cách mạng Tháng Tám thành công năm 1945.",
     [("True", True), ("False", False)]),
    ("Điều lệ Đảng", "multiple", "Những nguyên tắc nào là nguyên tắc tổ chức và hoạt động của Đảng?",
     [("Tập trung dân chủ", True), ("Tự phê bình và phê bình", True), ("Tam quyền phân lập", False)]),
    ("Điều lệ Đảng", "single", "Thời gian dự bị của đảng viên là bao lâu?",
     [("6 tháng", False), ("12 tháng", True), ("18 tháng", False)]),
    ("Điều lệ Đảng", "true_false", "Đảng viên dự bị có quyền biểu quyết.",
     [("True", False), ("False", True)]),
]


def make_bank(db: Session, owner: User | None, name: str = "Ngân hàng câu hỏi") -> QuestionBank:
    """A bank with the six QUESTIONS above, every one worth 1 point."""
    bank = QuestionBank(name=name, owner_id=owner.id if owner else None)
    db.add(bank)
    db.flush()
    topics: dict[str, Topic] = {}
    for number, (topic_name, kind, stem, options) in enumerate(QUESTIONS, start=1):
        topic = topics.get(topic_name)
        if topic is None:
            topic = topics[topic_name] = Topic(bank=bank, name=topic_name)
        question = Question(bank_id=bank.id, topic=topic, number=number, type=kind, text=stem,
                            difficulty="medium", points=Decimal(1),
                            content_hash=hashlib.sha256(stem.encode()).hexdigest(),
                            options=tuple(Option(t, c) for t, c in options))
        db.add(question)
    db.flush()
    return bank


def make_exam(db: Session, bank: QuestionBank, author: User, *, count: int = 6, **settings) -> Exam:
    """An open exam drawing `count` questions of the bank; keyword arguments override ExamSpec fields."""
    values = dict(title="Kiểm tra kiến thức Đảng", bank_id=bank.id, rules=[definitions.RuleSpec(count)],
                  duration_minutes=30.0, pass_percent=Decimal(50),
                  opens_at=utcnow() - timedelta(minutes=5), closes_at=utcnow() + timedelta(hours=2))
    values.update(settings)
    return definitions.create_exam(db, definitions.ExamSpec(**values), author)


def user_named(db: Session, username: str) -> User:
    return db.scalar(select(User).where(User.username == username))


def close_now(db: Session, exam: Exam, now: datetime | None = None) -> None:
    exam.closes_at = (now or utcnow()) - timedelta(seconds=1)
    db.flush()

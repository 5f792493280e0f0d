"""Banks, exams and candidates in one call each, made straight through the models and service."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from examapp import db
from examapp.auth.models import User
from examapp.auth.service import NewUser, create_user
from examapp.banks.models import Option, Question, QuestionBank, Topic
from examapp.db import utcnow
from examapp.exams import candidates as exam_candidates
from examapp.exams import definitions
from examapp.exams.candidates import CandidateRow
from examapp.exams.definitions import ExamSpec, RuleSpec

_names = itertools.count(1)
KINDS = ("single", "multiple", "true_false")


def question(topic: Topic, kind: str = "single", difficulty: str = "medium",
             points: Decimal | int = 1, text: str | None = None, number: int = 1) -> Question:
    """A question with a known key: single A; multiple A and C of A-D; true_false True; `number`
    is its number in the bank."""
    if kind == "true_false":
        options = [("True", True), ("False", False)]
    elif kind == "multiple":
        options = [("A", True), ("B", False), ("C", True), ("D", False)]
    else:
        options = [("A", True), ("B", False), ("C", False), ("D", False)]
    return Question(
        topic=topic, number=number, type=kind, text=text or f"{kind} question {next(_names)}",
        difficulty=difficulty, points=Decimal(points), content_hash=uuid.uuid4().hex,
        options=tuple(Option(t, c) for t, c in options),
    )


def make_bank(app: Flask, layout: dict[str, dict[str, int]] | None = None, owner: str | None = None,
              kinds: tuple[str, ...] = KINDS, points: int = 1) -> int:
    """A bank with `layout[topic][difficulty]` active questions, types cycling through `kinds`."""
    layout = layout or {"History": {"easy": 6, "medium": 6, "hard": 4}, "Party rules": {"medium": 8}}
    with app.app_context():
        s = db.session()
        owner_id = s.scalar(select(User.id).where(User.username == owner)) if owner else None
        bank = QuestionBank(name=f"Bank {next(_names)}", owner_id=owner_id)
        s.add(bank)
        cycle, numbers = itertools.cycle(kinds), itertools.count(1)
        for topic_name, by_difficulty in layout.items():
            topic = Topic(bank=bank, name=topic_name)
            for difficulty, count in by_difficulty.items():
                for _ in range(count):
                    s.add(question(topic, next(cycle), difficulty, points, number=next(numbers)))
        s.commit()
        return bank.id


def exam_spec(bank_id: int, **overrides) -> ExamSpec:
    values = dict(title="Party rules test", bank_id=bank_id,
                  rules=[RuleSpec(3, "History", "easy"), RuleSpec(2, "History", "hard", Decimal(2)),
                         RuleSpec(4, "Party rules")],
                  duration_minutes=30.0, pass_percent=Decimal(50), max_attempts=1, room_code=None)
    values.update(overrides)
    return ExamSpec(**values)


def make_exam(app: Flask, bank_id: int, candidates: tuple[str, ...] = (), **overrides) -> int:
    """An exam by an admin over the bank, with candidates assigned by username."""
    with app.app_context():
        s = db.session()
        admin = s.scalar(select(User).where(User.role == "admin")) or _admin(s)
        exam = definitions.create_exam(s, exam_spec(bank_id, **overrides), admin)
        if candidates:
            exam_candidates.assign_candidates(s, exam, [CandidateRow(c) for c in candidates], admin.id)
        s.commit()
        return exam.id


def _admin(s) -> User:
    return create_user(s, NewUser(f"examadmin{next(_names)}", "admin", "Exam Admin", None, None))


def at(minutes: float = 0.0, seconds: float = 0.0, base: datetime | None = None) -> datetime:
    """A moment relative to a fixed start, for the controllable clock."""
    return (base or T0) + timedelta(minutes=minutes, seconds=seconds)


T0 = utcnow().replace(microsecond=0)

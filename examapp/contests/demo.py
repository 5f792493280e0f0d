"""Demo contest for `examapp serve --demo`: four weekly rounds (the first open now), two tries a
round, a prediction, four companies of an industrial park, and a board already moving: twenty
participants who have each taken a try."""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examapp.auth.identity import Identity
from examapp.auth.models import User
from examapp.banks.models import Question, QuestionBank, Topic
from examapp.contests.definitions import ContestSpec, RoundSpec, UnitSpec, create_contest
from examapp.contests.models import Contest, Participant
from examapp.contests.registration import Registration, predict, register
from examapp.db import utcnow
from examapp.exams import answers, attempts, finalising
from examapp.exams.definitions import ExamSpec, RuleSpec
from examapp.exams.models import AttemptQuestion, Exam

log = logging.getLogger(__name__)

TITLE = "Hội thi trực tuyến tìm hiểu pháp luật lao động và lịch sử Đảng (demo)"
UNITS = [("Công ty TNHH An Phát", 40), ("Công ty CP May Tân Bình", 60),
         ("Công ty Điện tử Hòa Bình", 30), ("Công ty Giày da Thái Bình", 50)]
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em",
         "Vũ Thị Giang", "Đặng Văn Hải", "Bùi Thị Hoa", "Đỗ Văn Hùng", "Hồ Thị Lan", "Ngô Văn Long",
         "Dương Thị Mai", "Lý Văn Nam", "Trịnh Thị Oanh", "Đinh Văn Phúc", "Mai Thị Quỳnh",
         "Tạ Văn Sơn", "Chu Thị Thảo", "Lương Văn Tú", "Phan Thị Yến"]


def seed_contest(db: Session) -> int | None:
    """Create the demo contest once; returns its id (None when there is no bank to use)."""
    found = db.scalar(select(Exam.id).where(Exam.title == TITLE))
    if found is not None:
        return found
    bank = db.scalar(select(QuestionBank).order_by(QuestionBank.id))
    admin = db.scalar(select(User).where(User.username == "admin"))
    if bank is None or admin is None:
        return None
    topics = db.execute(select(Topic.name, func.count(Question.id))
                        .join(Question, Question.topic_id == Topic.id)
                        .where(Topic.bank_id == bank.id, Question.status == "active")
                        .group_by(Topic.name).order_by(Topic.name)).all()
    now = utcnow().replace(second=0, microsecond=0)
    rounds = [RoundSpec(f"Tuần {n + 1}", now - timedelta(hours=1) + timedelta(days=7 * n),
                        now - timedelta(hours=1) + timedelta(days=7 * n + 6)) for n in range(4)]
    contest = create_contest(db, ContestSpec(
        exam=ExamSpec(title=TITLE, bank_id=bank.id, duration_minutes=10, pass_percent=Decimal(0),
                      rules=[RuleSpec(min(n, 3), topic, None, Decimal(1)) for topic, n in topics[:3]]),
        rounds=rounds, tries_per_round=2, units=[UnitSpec(name, quota) for name, quota in UNITS],
        fields=["birth_year"], prizes=3, prediction_target="all_correct_entries",
        prediction_question="Tuần này có bao nhiêu bài dự thi trả lời đúng tất cả các câu hỏi?"), admin)
    db.commit()
    _sitters(db, contest)
    return contest.id


def _sitters(db: Session, contest: Contest) -> None:
    """Twenty participants with one try each, answered right by chance and by design."""
    rng = random.Random(2026)
    for n, name in enumerate(NAMES):
        moment = utcnow() - timedelta(minutes=40) + timedelta(seconds=60 * n)  # started in the round
        done = register(db, contest.id, Registration(name, f"09{n + 12345678:08d}", UNITS[n % 4][0],
                                                      {"birth_year": 1985 + n}), moment, "demo")
        db.commit()
        user = Identity.of(db.get(User, done.participant.user_id))
        predict(db, contest.id, user.id, rng.randint(0, 12), moment)
        attempt, _ = attempts.start_attempt(db, contest.id, user, moment)
        for question in db.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)):
            right = [o["id"] for o in question.options if o["is_correct"]]
            others = [o["id"] for o in question.options if not o["is_correct"]]
            chosen = right if rng.random() < 0.75 or not others else [rng.choice(others)]
            answers.save_answer(db, attempt.id, user.id, question.question_id, moment, 5.0, chosen)
        taken = timedelta(seconds=rng.randint(60, 500))
        finalising.submit_attempt(db, attempt.id, user.id, moment + taken, 5.0)
        db.commit()  # the finalised-attempt seam puts the try on the boards
    log.info("demo contest: %s participants", db.scalar(
        select(func.count()).select_from(Participant).where(Participant.contest_id == contest.id)))

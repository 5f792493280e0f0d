"""Exams: a definition with blueprint rules, its candidates, their attempts, frozen papers and answers.

Question and option ids in papers and answers are the bank's own ids: the paper freezes the text,
type, points and option order at drawing time, so later bank edits never change a drawn paper.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examapp.auth.models import User
from examapp.banks.models import QuestionBank, Topic
from examapp.db import Base, UTCDateTime, utcnow

EXAM_KINDS = ("exam", "contest")
REVIEW_POLICIES = ("none", "score", "answers_after_close")
# How a candidate's attempts make their result for the exam.
GRADING_METHODS = ("highest", "last", "first", "average")
IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"
# Who ended an attempt: the candidate, the clock, a proctor, or the room closing.
FINISHED_BY = ("candidate", "deadline", "proctor", "room_closed")


class Exam(Base):
    __tablename__ = "exam"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="exam")
    title: Mapped[str] = mapped_column(String(200))
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    duration_minutes: Mapped[float] = mapped_column(Float)
    pass_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    max_attempts: Mapped[int] = mapped_column(default=1)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    room_code: Mapped[str | None] = mapped_column(String(40))
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    review_policy: Mapped[str] = mapped_column(String(20), default="score")
    certificate: Mapped[bool] = mapped_column(default=False)
    partial_credit: Mapped[bool] = mapped_column(default=False)
    grading: Mapped[str] = mapped_column(String(10), default="highest", server_default="highest")
    # Later attempts draw, within each rule, questions the candidate has not been given yet.
    fresh_questions: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bank: Mapped[QuestionBank] = relationship()
    rules: Mapped[list[ExamRule]] = relationship(
        back_populates="exam", order_by="ExamRule.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Exam {self.id} {self.title!r}>"


class ExamRule(Base):
    """One line of the blueprint: `count` active questions of a topic and/or difficulty.

    `points` is what each drawn question is worth: the rule's own value, or the common points
    of its questions when the rule gave none (so every paper is worth the same).
    """

    __tablename__ = "exam_rule"
    __table_args__ = (UniqueConstraint("exam_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id"))
    difficulty: Mapped[str | None] = mapped_column(String(8))
    count: Mapped[int] = mapped_column()
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    points_from_rule: Mapped[bool] = mapped_column(default=False)

    exam: Mapped[Exam] = relationship(back_populates="rules")
    topic: Mapped[Topic | None] = relationship()


class ExamCandidate(Base):
    """A user assigned to an exam, with their extra time (accommodation or a proctor's extension)
    and a proctor's override: their own window (None: the exam's) and attempts beyond the exam's."""

    __tablename__ = "exam_candidate"
    __table_args__ = (UniqueConstraint("exam_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    extra_minutes: Mapped[float] = mapped_column(Float, default=0.0)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extra_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class ExamTicket(Base):
    """A one-time login code for one candidate of one exam; only its keyed digest is stored (tickets.py)."""

    __tablename__ = "exam_ticket"
    __table_args__ = (UniqueConstraint("exam_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    ticket_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PreparedPaper(Base):
    """A candidate's first paper drawn ahead (papers.py): AttemptQuestion rows waiting for the start,
    each with the version of the question it was drawn from."""

    __tablename__ = "prepared_paper"
    __table_args__ = (UniqueConstraint("exam_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    max_score: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Attempt(Base):
    """One sitting of an exam; the seed reproduces its paper, the deadline is the server's."""

    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("exam_id", "user_id", "number"),
        Index("ix_attempt_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default=IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_by: Mapped[str | None] = mapped_column(String(12))
    score: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    max_score: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    passed: Mapped[bool | None] = mapped_column()

    exam: Mapped[Exam] = relationship()
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Attempt {self.id} exam={self.exam_id} user={self.user_id} {self.status}>"


class AttemptQuestion(Base):
    """A question as it stands on one paper: frozen text, type, points and options in paper order.

    `options` is [{"id", "text", "is_correct"}]; `awarded` is filled in when the attempt is graded.
    """

    __tablename__ = "attempt_question"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    position: Mapped[int] = mapped_column()
    rule_position: Mapped[int] = mapped_column()
    type: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    explanation: Mapped[str | None] = mapped_column(Text)  # shown in the review, as the policy allows
    awarded: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))


class Answer(Base):
    """The latest selection for one question of one attempt; `revision` counts the saves."""

    __tablename__ = "answer"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(primary_key=True)
    options: Mapped[list[int]] = mapped_column(JSON, default=list)
    flagged: Mapped[bool] = mapped_column(default=False)
    revision: Mapped[int] = mapped_column(default=1)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)

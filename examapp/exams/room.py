"""The exam room: every candidate's state, extra time, force-submit and closing the room."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from examapp.audit.service import record
from examapp.auth.models import User
from examapp.exams.attempts import ended_early
from examapp.exams.candidates import move_deadline
from examapp.exams.definitions import MAX_EXTRA_MINUTES, iso, plain_number
from examapp.exams.errors import (
    ExamConflict,
    ExamInvalid,
    ExamNotFound,
)
from examapp.exams.finalising import finalise_attempt
from examapp.exams.models import (
    IN_PROGRESS,
    Answer,
    Attempt,
    Exam,
    ExamCandidate,
)
from examapp.exams.results import ExamResult, result_of
from examapp.exams.windows import attempts_allowed
from examapp.messages import msg
from examapp.orgs.models import OrgUnit
from examapp.text import vi_sort_key


@dataclass
class RoomCandidate:
    """One line of the proctor's live list."""

    username: str
    full_name: str
    unit: str | None
    state: str  # "not_started" | "in_progress" | "submitted"
    extra_minutes: float
    attempt_id: int | None = None
    answered: int = 0
    questions: int = 0
    deadline: datetime | None = None
    time_left_seconds: float | None = None
    finished_by: str | None = None
    score: Decimal | None = None
    max_score: Decimal | None = None
    percent: Decimal | None = None
    passed: bool | None = None
    reopenable: bool = False  # ended early by a proctor or the room closing (see overrides.reopen_attempt)
    attempts_used: int = 0
    attempts_allowed: int = 0
    opens_at: datetime | None = None  # the candidate's own window, where a proctor set one
    closes_at: datetime | None = None
    extra_attempts: int = 0
    result: ExamResult | None = None  # across their attempts, by the exam's grading method

    def as_dict(self) -> dict[str, Any]:
        return {"username": self.username, "full_name": self.full_name, "unit": self.unit,
                "state": self.state, "extra_minutes": self.extra_minutes, "attempt_id": self.attempt_id,
                "answered": self.answered, "questions": self.questions, "deadline": iso(self.deadline),
                "time_left_seconds": self.time_left_seconds, "finished_by": self.finished_by,
                "score": plain_number(self.score), "max_score": plain_number(self.max_score),
                "percent": plain_number(self.percent), "passed": self.passed, "reopenable": self.reopenable,
                "attempts_used": self.attempts_used, "attempts_allowed": self.attempts_allowed,
                "opens_at": iso(self.opens_at), "closes_at": iso(self.closes_at),
                "extra_attempts": self.extra_attempts,
                "result": self.result.as_dict() if self.result else None}


def _room_lines(db: Session, exam: Exam, now: datetime, user_id: int | None = None) -> list[RoomCandidate]:
    query = (select(ExamCandidate, User.username, User.full_name, OrgUnit.code)
             .join(User, User.id == ExamCandidate.user_id)
             .outerjoin(OrgUnit, OrgUnit.id == User.unit_id)
             .where(ExamCandidate.exam_id == exam.id))
    attempts_query = select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.number)
    if user_id is not None:
        query = query.where(ExamCandidate.user_id == user_id)
        attempts_query = attempts_query.where(Attempt.user_id == user_id)
    by_user: dict[int, list[Attempt]] = {}
    for attempt in db.scalars(attempts_query):
        by_user.setdefault(attempt.user_id, []).append(attempt)
    latest = {user: mine[-1] for user, mine in by_user.items()}
    answered: dict[int, int] = {}
    if latest:
        answered = dict(db.execute(
            select(Answer.attempt_id, func.count())
            .where(Answer.attempt_id.in_(attempts_query.with_only_columns(Attempt.id).order_by(None)),
                   cast(Answer.options, Text) != "[]")
            .group_by(Answer.attempt_id)).all())
    total = sum(r.count for r in exam.rules)
    lines = []
    for candidate, username, full_name, unit in db.execute(query):
        mine = by_user.get(candidate.user_id, [])
        line = RoomCandidate(username, full_name, unit, "not_started", candidate.extra_minutes,
                             questions=total, attempts_used=len(mine),
                             attempts_allowed=attempts_allowed(exam, candidate),
                             opens_at=candidate.opens_at, closes_at=candidate.closes_at,
                             extra_attempts=candidate.extra_attempts or 0, result=result_of(exam, mine))
        attempt = latest.get(candidate.user_id)
        if attempt is not None:
            line.attempt_id = attempt.id
            line.deadline = attempt.deadline
            line.answered = answered.get(attempt.id, 0)
            if attempt.status == IN_PROGRESS:
                line.state = "in_progress"
                line.time_left_seconds = max((attempt.deadline - now).total_seconds(), 0.0)
            else:
                line.state = "submitted"
                line.finished_by = attempt.finished_by
                line.score, line.max_score = attempt.score, attempt.max_score
                line.percent, line.passed = attempt.percent, attempt.passed
                line.reopenable = ended_early(attempt)
        lines.append(line)
    return sorted(lines, key=lambda c: (vi_sort_key(c.full_name), c.username))


def attempt_in_room(db: Session, exam: Exam, attempt_id: int) -> Attempt:
    """One attempt of the exam, for the proctor acting on it; ExamNotFound if it is another exam's."""
    attempt = db.get(Attempt, attempt_id)
    if attempt is None or attempt.exam_id != exam.id:
        raise ExamNotFound(msg("exam %(exam)s has no attempt %(attempt)s", exam=exam.id, attempt=attempt_id))
    return attempt


def room_status(db: Session, exam: Exam, now: datetime) -> list[RoomCandidate]:
    """Every candidate of the exam with their latest attempt, in name order."""
    return _room_lines(db, exam, now)



def extend_time(db: Session, exam: Exam, username: str, minutes: float, actor_id: int | None,
                now: datetime) -> RoomCandidate:
    """Give one candidate extra minutes (moves an in-progress deadline, never past the close)."""
    if not (math.isfinite(minutes) and 0 < minutes <= MAX_EXTRA_MINUTES):
        raise ExamInvalid(msg("minutes must be more than 0 and at most %(max)s", max=MAX_EXTRA_MINUTES))
    candidate = db.scalar(select(ExamCandidate).join(User, User.id == ExamCandidate.user_id)
                          .where(ExamCandidate.exam_id == exam.id, User.username == username))
    if candidate is None:
        raise ExamNotFound(msg("'%(user)s' is not a candidate of this exam", user=username))
    candidate.extra_minutes = (candidate.extra_minutes or 0.0) + minutes
    move_deadline(db, exam, candidate)
    db.flush()
    record(db, actor_id, "exam.extend_time", f"exam:{exam.id}", username=username, minutes=minutes,
           extra_minutes=candidate.extra_minutes)
    return _room_lines(db, exam, now, candidate.user_id)[0]


def force_submit(db: Session, attempt_id: int, actor_id: int | None, now: datetime) -> Attempt:
    """A proctor ends a candidate's attempt now; grades it with what was saved."""
    attempt = db.get(Attempt, attempt_id)
    if attempt is None:
        raise ExamNotFound(msg("there is no attempt %(attempt)s", attempt=attempt_id))
    if not finalise_attempt(db, attempt_id, now, "proctor"):
        raise ExamConflict(msg("attempt %(attempt)s has already been submitted", attempt=attempt_id))
    record(db, actor_id, "exam.force_submit", f"attempt:{attempt_id}", exam_id=attempt.exam_id,
           user_id=attempt.user_id)
    return db.get(Attempt, attempt_id, populate_existing=True)


def close_room(db: Session, exam: Exam, actor_id: int | None, now: datetime) -> int:
    """Close the exam now (closes_at = now) and finalise every attempt in progress; returns how many.

    The attempts keep their deadline, so each still says how much time it had left when the room
    closed (overrides.reopen_attempt gives that time back to one whose candidate was cut off)."""
    if exam.closes_at is None or exam.closes_at > now:
        exam.closes_at = now
    running = db.scalars(select(Attempt.id).where(Attempt.exam_id == exam.id,
                                                  Attempt.status == IN_PROGRESS)).all()
    finished = sum(finalise_attempt(db, attempt_id, now, "room_closed") for attempt_id in running)
    record(db, actor_id, "exam.close", f"exam:{exam.id}", finalised=finished)
    return finished

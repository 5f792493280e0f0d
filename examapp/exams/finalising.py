"""Ending attempts: submitting, finalising (grading once, whoever gets there first) and sweeping
attempts whose time ran out."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, literal, select, update
from sqlalchemy.orm import Session

from examapp.db import UTCDateTime
from examapp.exams.errors import (
    ExamNotFound,
)
from examapp.exams.events import note_finalised
from examapp.exams.grading import passes, percent_of, question_score, to_cents
from examapp.exams.models import (
    IN_PROGRESS,
    SUBMITTED,
    Answer,
    Attempt,
    AttemptQuestion,
    Exam,
)
from examapp.messages import msg

log = logging.getLogger(__name__)


def submit_attempt(db: Session, attempt_id: int, user_id: int, now: datetime,
                   grace_seconds: float) -> Attempt:
    """Finish and grade the attempt; submitting again returns the same result."""
    attempt = db.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise ExamNotFound(msg("no attempt %(attempt)s of yours", attempt=attempt_id))
    if attempt.status == IN_PROGRESS:
        late = now > attempt.deadline + timedelta(seconds=grace_seconds)
        finalise_attempt(db, attempt_id, now, "deadline" if late else "candidate")
    return db.get(Attempt, attempt_id, populate_existing=True)


def finalise_attempt(db: Session, attempt_id: int, now: datetime, finished_by: str) -> bool:
    """Mark an in-progress attempt submitted and grade it; False if it was already finished.

    Uses UPDATE ... WHERE status = 'in_progress', so two processes never grade one attempt twice.
    The exam is key-share locked first (as a start does): an edit of its pass mark, which locks it
    for update, either waits for this grading or is waited for, never crossing it.
    """
    settings = db.execute(
        select(Exam.pass_percent, Exam.partial_credit)
        .where(Exam.id == select(Attempt.exam_id).where(Attempt.id == attempt_id).scalar_subquery())
        .with_for_update(read=True, key_share=True)).first()
    if settings is None:
        return False
    ended = literal(now, UTCDateTime)
    if finished_by == "deadline":
        ended = case((Attempt.deadline < now, Attempt.deadline), else_=ended)
    won = db.execute(
        update(Attempt).where(Attempt.id == attempt_id, Attempt.status == IN_PROGRESS)
        .values(status=SUBMITTED, submitted_at=ended, finished_by=finished_by)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        return False
    attempt = db.get(Attempt, attempt_id, populate_existing=True)
    chosen = dict(db.execute(select(Answer.question_id, Answer.options)
                             .where(Answer.attempt_id == attempt_id)).all())
    paper = db.execute(select(AttemptQuestion.id, AttemptQuestion.question_id, AttemptQuestion.type,
                              AttemptQuestion.options, AttemptQuestion.points)
                       .where(AttemptQuestion.attempt_id == attempt_id)).all()
    awarded = [{"id": aq_id, "awarded": question_score(kind, opts, chosen.get(qid, []), points,
                                                       settings.partial_credit)}
               for aq_id, qid, kind, opts, points in paper]
    if awarded:
        db.execute(update(AttemptQuestion), awarded)
    score = to_cents(sum((a["awarded"] for a in awarded), Decimal(0)))
    attempt.score = score
    attempt.percent = percent_of(score, attempt.max_score)
    attempt.passed = passes(score, attempt.max_score, settings.pass_percent)
    db.flush()
    note_finalised(db, attempt_id)
    return True


def sweep(db: Session, now: datetime, grace_seconds: float, limit: int = 500) -> list[int]:
    """Finalise attempts whose deadline + grace has passed; commits each one; returns their ids."""
    cutoff = now - timedelta(seconds=grace_seconds)
    due = db.scalars(select(Attempt.id).where(Attempt.status == IN_PROGRESS, Attempt.deadline < cutoff)
                     .order_by(Attempt.deadline).limit(limit)).all()
    db.rollback()
    done = []
    for attempt_id in due:
        try:
            if finalise_attempt(db, attempt_id, now, "deadline"):
                done.append(attempt_id)
            db.commit()
        except Exception:
            db.rollback()
            log.exception("could not finalise attempt %s", attempt_id)
    return done

"""Sitting an exam: starting (drawing the paper), the paper as the candidate sees it, results.
Saving answers is in answers.py, ending attempts in finalising.py.

The server owns time: every function takes `now`; an attempt's deadline is fixed when it starts
(moved only by a proctor's extension or the room closing), and answers are accepted until the
deadline plus a short grace. An acknowledged answer is one committed upsert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from examapp.auth import policy
from examapp.auth.identity import Actor
from examapp.exams import events, papers
from examapp.exams.definitions import iso
from examapp.exams.errors import (
    ExamConflict,
    ExamError,
    ExamForbidden,
    ExamNotFound,
    WrongRoomCode,
)
from examapp.exams.finalising import finalise_attempt
from examapp.exams.models import (
    IN_PROGRESS,
    SUBMITTED,
    Answer,
    Attempt,
    AttemptQuestion,
    Exam,
    ExamCandidate,
)
from examapp.exams.windows import (
    StartTerms,
    attempts_allowed,
    check_window,
    deadline_within,
    window_of,
)
from examapp.messages import msg


@dataclass(frozen=True)
class PaperOption:
    id: int
    text: str


@dataclass(frozen=True)
class PaperQuestion:
    """A question as the candidate sees it: no key, no correctness flag."""

    id: int
    position: int
    type: str
    text: str
    points: Decimal
    options: list[PaperOption]


@dataclass(frozen=True)
class SavedAnswer:
    options: list[int]
    flagged: bool
    revision: int
    saved_at: datetime


@dataclass
class AttemptPaper:
    """What the candidate needs to sit (or resume) an attempt."""

    attempt: Attempt
    questions: list[PaperQuestion]
    answers: dict[int, SavedAnswer]
    server_time: datetime


def is_expired(attempt: Attempt, now: datetime, grace_seconds: float) -> bool:
    return attempt.status == IN_PROGRESS and now > attempt.deadline + timedelta(seconds=grace_seconds)


# Who may end an attempt before its time without the candidate submitting it.
ENDED_FOR_THE_CANDIDATE = ("proctor", "room_closed")


def ended_early(attempt: Attempt) -> bool:
    """Submitted before its deadline by a proctor or the room closing, not by the candidate: it still
    had time left (what reopening gives back)."""
    return (attempt.status == SUBMITTED and attempt.finished_by in ENDED_FOR_THE_CANDIDATE
            and attempt.submitted_at is not None and attempt.submitted_at < attempt.deadline)


# ---------------------------------------------------------------- starting


def start_attempt(db: Session, exam_id: int, user: Actor, now: datetime, room_code: str | None = None,
                  grace_seconds: float = 5.0) -> tuple[Attempt, bool]:
    """Start a new attempt (drawing its paper) or return the one in progress; (attempt, created).

    Refuses: not assigned -> ExamNotFound; wrong/missing room code -> ExamForbidden; before opening,
    after closing, no attempts left or bank too small now -> ExamConflict.
    """
    attempt, drawn = _start(db, exam_id, user, now, room_code, grace_seconds)
    return attempt, drawn is not None


def start_paper(db: Session, exam_id: int, user: Actor, now: datetime, room_code: str | None = None,
                grace_seconds: float = 5.0) -> tuple[AttemptPaper, bool]:
    """`start_attempt` with the paper to sit; a new paper is the one just drawn, not read back."""
    attempt, drawn = _start(db, exam_id, user, now, room_code, grace_seconds)
    if drawn is None:
        return attempt_paper(db, attempt, now), False
    return AttemptPaper(attempt, drawn, {}, now), True


def _start(db: Session, exam_id: int, user: Actor, now: datetime, room_code: str | None,
           grace_seconds: float) -> tuple[Attempt, list[PaperQuestion] | None]:
    """The attempt in progress (and None), or a new one with its paper."""
    # Key-share lock: an edit of the exam (which locks it for update) cannot slip in between reading
    # the blueprint and writing the paper drawn by it; concurrent starts do not block each other.
    exam = db.get(Exam, exam_id, with_for_update={"read": True, "key_share": True})
    candidate = db.scalar(select(ExamCandidate).where(
        ExamCandidate.exam_id == exam_id, ExamCandidate.user_id == user.id))
    if exam is None or candidate is None:
        raise ExamNotFound(msg("exam %(exam)s is not assigned to you", exam=exam_id))
    mine = db.scalars(select(Attempt).where(Attempt.exam_id == exam_id, Attempt.user_id == user.id)
                      .order_by(Attempt.number)).all()
    current = next((a for a in mine if a.status == IN_PROGRESS), None)
    finalised = False
    if current is not None:
        if not is_expired(current, now, grace_seconds):
            return current, None
        finalised = finalise_attempt(db, current.id, now, "deadline")
    try:
        return _new_attempt(db, exam, candidate, user, now, room_code, len(mine))
    except ExamError as exc:
        exc.keep_changes = exc.keep_changes or finalised
        raise


def _attempt_in_progress(db: Session, exam_id: int, user_id: int) -> Attempt | None:
    return db.scalar(select(Attempt).where(
        Attempt.exam_id == exam_id, Attempt.user_id == user_id, Attempt.status == IN_PROGRESS))


def check_room_code(exam: Exam, room_code: str | None) -> None:
    if not exam.room_code:
        return
    given = (room_code or "").strip()
    if not given:
        raise ExamForbidden(msg("this exam needs the room code; ask the proctor for it"))
    if given.casefold() != exam.room_code.casefold():
        raise WrongRoomCode(msg("the room code is not correct"))


def _new_attempt(db: Session, exam: Exam, candidate: ExamCandidate, user: Actor, now: datetime,
                 room_code: str | None, used: int) -> tuple[Attempt, list[PaperQuestion] | None]:
    # The window and the attempts first: before the exam opens, a right and a wrong room code get
    # the same answer, so the code cannot be tested ahead.
    terms = start_terms(db, exam, candidate, now, used)
    check_window(terms.window, now)
    if terms.used >= terms.allowed:
        raise ExamConflict(msg("you have used all %(max)s attempt(s) of this exam", max=terms.allowed))
    check_room_code(exam, room_code)
    paper = papers.take_paper(db, exam.id, user.id) if used == 0 else None
    if paper is None:
        seen = _questions_seen(db, exam.id, user.id) if exam.fresh_questions and used else frozenset()
        paper = papers.draw_paper(db, exam, papers.new_seed(), seen)
    attempt = Attempt(exam_id=exam.id, user_id=user.id, number=used + 1, seed=paper.seed,
                      status=IN_PROGRESS, started_at=now,
                      deadline=deadline_within(exam, now, candidate.extra_minutes, terms.window),
                      max_score=paper.max_score)
    try:
        with db.begin_nested():
            db.add(attempt)
            db.flush()
    except IntegrityError:
        # The same candidate started twice at once: the other request won; resume its attempt.
        other = _attempt_in_progress(db, exam.id, user.id)
        if other is None:
            raise ExamConflict(msg("this attempt was started twice at once; try again")) from None
        return other, None
    # executemany: one cached statement, sent in batches; .values(rows) compiles anew every start
    db.connection().execute(insert(AttemptQuestion.__table__), [
        {"attempt_id": attempt.id, **{k: v for k, v in row.items() if k != "version"}} for row in paper.rows])
    return attempt, [PaperQuestion(r["question_id"], r["position"], r["type"], r["text"], r["points"],
                                   [PaperOption(o["id"], o["text"]) for o in r["options"]])
                     for r in paper.rows]


def start_terms(db: Session, exam: Exam, candidate: ExamCandidate, now: datetime, used: int) -> StartTerms:
    """The window a new attempt starts in and its attempts: the exam's (and the candidate's
    overrides), unless a receiver of `attempt_terms` governs the exam's kind."""
    for _, terms in events.attempt_terms.send(exam, db=db, candidate=candidate, user_id=candidate.user_id,
                                              now=now, used=used):
        if terms is not None:
            return terms
    return StartTerms(window_of(exam, candidate), attempts_allowed(exam, candidate), used)


def _questions_seen(db: Session, exam_id: int, user_id: int) -> frozenset[int]:
    """The questions on the candidate's earlier papers of this exam."""
    return frozenset(db.scalars(
        select(AttemptQuestion.question_id).join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.exam_id == exam_id, Attempt.user_id == user_id)))


# ---------------------------------------------------------------- the paper


def attempt_paper(db: Session, attempt: Attempt, now: datetime) -> AttemptPaper:
    """The frozen paper (in paper order) and the saved answers of an attempt."""
    conn = db.connection()
    questions = [
        PaperQuestion(qid, position, kind, text, points, [PaperOption(o["id"], o["text"]) for o in options])
        for qid, position, kind, text, points, options in conn.execute(
            select(AttemptQuestion.question_id, AttemptQuestion.position, AttemptQuestion.type,
                   AttemptQuestion.text, AttemptQuestion.points, AttemptQuestion.options)
            .where(AttemptQuestion.attempt_id == attempt.id).order_by(AttemptQuestion.position))
    ]
    answers = {
        qid: SavedAnswer(list(options), flagged, revision, saved_at)
        for qid, options, flagged, revision, saved_at in conn.execute(
            select(Answer.question_id, Answer.options, Answer.flagged, Answer.revision, Answer.saved_at)
            .where(Answer.attempt_id == attempt.id))
    }
    return AttemptPaper(attempt, questions, answers, now)


def attempt_for_user(db: Session, attempt_id: int, user: Actor, now: datetime,
                     grace_seconds: float) -> Attempt:
    """The attempt if it is the user's own (admins and proctors may read any); finalises it when its
    deadline + grace has passed (commit afterwards). Raises ExamNotFound otherwise."""
    attempt = db.get(Attempt, attempt_id)
    if attempt is None or not policy.can_read_attempt(user, attempt):
        raise ExamNotFound(msg("no attempt %(attempt)s of yours", attempt=attempt_id))
    if is_expired(attempt, now, grace_seconds):
        finalise_attempt(db, attempt.id, now, "deadline")
    return attempt


# ---------------------------------------------------------------- results


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def answers_shown_from(db: Session, exam: Exam) -> datetime | None:
    """When the key may be shown after the close: once the exam and every candidate's own window
    have closed, so nobody still able to sit it can read it (None: the exam never closes)."""
    if exam.closes_at is None:
        return None
    own = db.scalars(select(ExamCandidate.closes_at).where(ExamCandidate.exam_id == exam.id,
                                                           ExamCandidate.closes_at.is_not(None))).all()
    return max([exam.closes_at, *own])


def attempt_result(db: Session, attempt: Attempt, now: datetime) -> dict[str, Any]:
    """What the candidate may see of a submitted attempt under the exam's review policy:
    none -> {"status"}; score -> + score, max_score, percent, passed; answers_after_close ->
    + per-question review with the correct options once the exam (and every candidate's own
    window) has closed."""
    result: dict[str, Any] = {"status": attempt.status}
    if attempt.status != SUBMITTED:
        return result
    exam = attempt.exam
    if exam.review_policy == "none":
        return result
    result.update(score=_num(attempt.score), max_score=_num(attempt.max_score),
                  percent=_num(attempt.percent), passed=attempt.passed)
    shown_from = answers_shown_from(db, exam) if exam.review_policy == "answers_after_close" else None
    if shown_from is not None and now >= shown_from:
        chosen = dict(db.execute(select(Answer.question_id, Answer.options)
                                 .where(Answer.attempt_id == attempt.id)).all())
        result["review"] = [
            {"id": aq.question_id, "position": aq.position, "type": aq.type, "text": aq.text,
             "points": _num(aq.points), "awarded": _num(aq.awarded),
             "options": [{"id": o["id"], "text": o["text"]} for o in aq.options],
             "chosen": chosen.get(aq.question_id, []),
             "correct": [o["id"] for o in aq.options if o["is_correct"]],
             "explanation": aq.explanation}
            for aq in db.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                                 .order_by(AttemptQuestion.position))
        ]
    return result


def attempt_state(db: Session, attempt: Attempt, now: datetime) -> dict[str, Any]:
    """The attempt as the API shows it: its state, deadline and the server's time, and its result
    as the review policy allows."""
    state = {"attempt_id": attempt.id, "exam_id": attempt.exam_id, "status": attempt.status,
             "number": attempt.number, "started_at": iso(attempt.started_at),
             "deadline": iso(attempt.deadline), "server_time": iso(now),
             "submitted_at": iso(attempt.submitted_at), "finished_by": attempt.finished_by}
    state.update(attempt_result(db, attempt, now))
    return state

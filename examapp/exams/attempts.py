"""Sitting an exam: starting (drawing the paper), saving answers, submitting, finalising, sweeping.

The server owns time: every function takes `now`; an attempt's deadline is fixed when it starts
(moved only by a proctor's extension or the room closing), and answers are accepted until the
deadline plus a short grace. An acknowledged answer is one committed upsert.
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Connection, Engine, bindparam, case, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from examapp.auth.identity import Actor
from examapp.banks.models import Question
from examapp.db import UTCDateTime
from examapp.exams.drawing import draw_questions, order_options
from examapp.exams.errors import (
    AnswerInvalid,
    DeadlinePassed,
    ExamConflict,
    ExamError,
    ExamForbidden,
    ExamInvalid,
    ExamNotFound,
    WrongRoomCode,
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
    ExamCandidate,
    ExamRule,
)
from examapp.exams.windows import attempts_allowed, check_window, deadline_for, fmt_time, window_of
from examapp.messages import msg

log = logging.getLogger(__name__)
STAFF_READERS = ("admin", "proctor")
# A paper's option ids are drawn at random for each paper, so that neither their order nor their
# values say anything of the options' places in the bank (where the key often sits) or of the key.
OPTION_IDS = range(1, 2**31)
_ids = secrets.SystemRandom()


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


@dataclass(frozen=True)
class SaveReceipt:
    saved_at: datetime
    revision: int


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
    check_window(window_of(exam, candidate), now)
    allowed = attempts_allowed(exam, candidate)
    if used >= allowed:
        raise ExamConflict(msg("you have used all %(max)s attempt(s) of this exam", max=allowed))
    check_room_code(exam, room_code)
    seed = secrets.randbits(63)
    rules = list(exam.rules)
    seen = _questions_seen(db, exam.id, user.id) if exam.fresh_questions and used else frozenset()
    drawn = draw_questions(_rule_pools(db, exam, rules), [r.count for r in rules], seed,
                           exam.shuffle_questions, seen)
    ids = [d.question_id for d in drawn]
    texts: dict[int, tuple[str, str, str | None]] = {}
    options: dict[int, dict[int, dict[str, Any]]] = {}
    for qid, kind, text, own, explanation in db.connection().execute(
            select(Question.id, Question.type, Question.text, Question.options, Question.explanation)
            .where(Question.id.in_(ids))):
        texts[qid] = (kind, text, explanation)
        options[qid] = {position: {"position": position, "text": o.text, "is_correct": o.correct}
                        for position, o in enumerate(own, start=1)}
    points = {r.position: r.points for r in rules}
    attempt = Attempt(exam_id=exam.id, user_id=user.id, number=used + 1, seed=seed,
                      status=IN_PROGRESS, started_at=now,
                      deadline=deadline_for(exam, now, candidate),
                      max_score=sum((points[d.rule_position] for d in drawn), Decimal(0)))
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
    rows = []
    for position, d in enumerate(drawn, start=1):
        kind, text, explanation = texts[d.question_id]
        own = options.get(d.question_id, {})
        order = order_options(list(own), seed, d.question_id,
                              exam.shuffle_options and kind != "true_false")
        ids = _ids.sample(OPTION_IDS, len(order))
        rows.append({"attempt_id": attempt.id, "question_id": d.question_id, "position": position,
                     "rule_position": d.rule_position, "type": kind, "text": text,
                     "points": points[d.rule_position], "explanation": explanation,
                     "options": [{"id": i, **own[p]} for i, p in zip(ids, order, strict=True)]})
    # executemany: one cached statement, sent in batches; .values(rows) compiles anew every start
    db.connection().execute(insert(AttemptQuestion.__table__), rows)
    return attempt, [PaperQuestion(r["question_id"], r["position"], r["type"], r["text"], r["points"],
                                   [PaperOption(o["id"], o["text"]) for o in r["options"]]) for r in rows]


def _questions_seen(db: Session, exam_id: int, user_id: int) -> frozenset[int]:
    """The questions on the candidate's earlier papers of this exam."""
    return frozenset(db.scalars(
        select(AttemptQuestion.question_id).join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.exam_id == exam_id, Attempt.user_id == user_id)))


def _rule_pools(db: Session, exam: Exam, rules: list[ExamRule]) -> list[list[int]]:
    """The active question ids each rule may draw from now; refuses if the bank shrank since."""
    bank = db.execute(select(Question.id, Question.topic_id, Question.difficulty).where(
        Question.bank_id == exam.bank_id, Question.status == "active")).all()
    pools = []
    for rule in rules:
        pool = [qid for qid, topic, difficulty in bank
                if rule.topic_id in (None, topic) and rule.difficulty in (None, difficulty)]
        if len(pool) < rule.count:
            raise ExamConflict(msg(
                "rule %(n)s of this exam asks for %(count)s questions but the bank has only "
                "%(available)s active now; tell the exam's author",
                n=rule.position, count=rule.count, available=len(pool)))
        pools.append(pool)
    return pools


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
    if attempt is None or (attempt.user_id != user.id and user.role not in STAFF_READERS):
        raise ExamNotFound(msg("no attempt %(attempt)s of yours", attempt=attempt_id))
    if is_expired(attempt, now, grace_seconds):
        finalise_attempt(db, attempt.id, now, "deadline")
    return attempt


# ---------------------------------------------------------------- saving


@dataclass(frozen=True)
class PaperIndex:
    """The parts of a drawn paper that never change: whose it is, and each question's options."""

    user_id: int
    questions: dict[int, tuple[str, frozenset[int]]]


class _PaperCache:
    """Paper indexes per database, most recently used kept; safe to share between threads and to
    keep per process, since a drawn paper is frozen."""

    def __init__(self, size: int = 20000) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.by_engine: weakref.WeakKeyDictionary[Engine, OrderedDict[int, PaperIndex]] = (
            weakref.WeakKeyDictionary())

    def get(self, conn: Connection, attempt_id: int) -> PaperIndex | None:
        engine = conn.engine
        with self.lock:
            papers = self.by_engine.setdefault(engine, OrderedDict())
            if attempt_id in papers:
                papers.move_to_end(attempt_id)
                return papers[attempt_id]
        rows = conn.execute(
            select(Attempt.user_id, AttemptQuestion.question_id, AttemptQuestion.type,
                   AttemptQuestion.options)
            .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
            .where(Attempt.id == attempt_id)).all()
        if not rows:
            return None
        paper = PaperIndex(rows[0].user_id, {
            r.question_id: (r.type, frozenset(o["id"] for o in r.options)) for r in rows})
        with self.lock:
            papers[attempt_id] = paper
            while len(papers) > self.size:
                papers.popitem(last=False)
        return paper


papers = _PaperCache()


@functools.cache
def _save_statement(dialect: str, with_options: bool, with_flag: bool):
    """The answer upsert, built once per shape: building it costs more CPU than running it.

    The row is written only while the attempt is in progress and in time; the attempt row is
    share-locked, so finalising (an UPDATE of it) waits for this save to commit.
    """
    live = (select(bindparam("attempt_id"), bindparam("question_id"), bindparam("options", type_=JSON),
                   bindparam("flagged"), literal(1), bindparam("now", type_=UTCDateTime))
            .where(Attempt.id == bindparam("attempt_id"), Attempt.status == IN_PROGRESS,
                   Attempt.deadline >= bindparam("earliest", type_=UTCDateTime))
            .with_for_update(read=True))
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = upsert(Answer).from_select(
        ["attempt_id", "question_id", "options", "flagged", "revision", "saved_at"], live)
    changes: dict[str, Any] = {"revision": Answer.revision + 1, "saved_at": stmt.excluded.saved_at}
    if with_options:
        changes["options"] = stmt.excluded.options
    if with_flag:
        changes["flagged"] = stmt.excluded.flagged
    return (stmt.on_conflict_do_update(index_elements=[Answer.attempt_id, Answer.question_id], set_=changes)
            .returning(Answer.revision))


def save_answer(db: Session, attempt_id: int, user_id: int, question_id: int, now: datetime,
                grace_seconds: float, options: list[int] | None = None,
                flagged: bool | None = None) -> SaveReceipt:
    """Record the selection (and/or review flag) for one question in the session's transaction.

    The caller commits before replying. Refuses as `write_answer` does; when the attempt no longer
    takes answers, raises as `refuse_late_answer` does (the attempt is then finalised: commit it).
    """
    revision = write_answer(db.connection(), attempt_id, user_id, question_id, now, grace_seconds,
                            options, flagged)
    if revision is None:
        refuse_late_answer(db, attempt_id, now)
    return SaveReceipt(now, revision)


def write_answer(conn: Connection, attempt_id: int, user_id: int, question_id: int, now: datetime,
                 grace_seconds: float, options: list[int] | None = None,
                 flagged: bool | None = None) -> int | None:
    """Check the answer against the paper and upsert it as one statement: the new revision, or None
    when the attempt no longer takes answers (submitted, or past deadline + grace).

    One statement, so on an autocommit connection the answer is committed when this returns.
    Refuses: not the user's attempt -> ExamNotFound; question not on the paper or foreign option ->
    AnswerInvalid.
    """
    if options is None and flagged is None:
        raise ExamInvalid(msg("give 'options' and/or 'flagged'"))
    paper = papers.get(conn, attempt_id)
    if paper is None or paper.user_id != user_id:
        raise ExamNotFound(msg("no attempt %(attempt)s of yours", attempt=attempt_id))
    if question_id not in paper.questions:
        raise AnswerInvalid(msg("question %(question)s is not on this paper", question=question_id))
    kind, own = paper.questions[question_id]
    chosen = None if options is None else _check_options(kind, own, question_id, options)
    params = {"attempt_id": attempt_id, "question_id": question_id, "options": chosen or [],
              "flagged": bool(flagged), "now": now, "earliest": now - timedelta(seconds=grace_seconds)}
    return conn.execute(_save_statement(conn.dialect.name, chosen is not None, flagged is not None),
                        params).scalar()


def refuse_late_answer(db: Session, attempt_id: int, now: datetime) -> None:
    """Why an answer was not written: the attempt is submitted (ExamConflict), or its time and grace
    are up (DeadlinePassed, after finalising the attempt in the session: commit it)."""
    status, deadline = db.execute(select(Attempt.status, Attempt.deadline)
                                  .where(Attempt.id == attempt_id)).one()
    if status != IN_PROGRESS:
        raise ExamConflict(msg("this attempt has been submitted; answers are no longer accepted"))
    finalise_attempt(db, attempt_id, now, "deadline")
    raise DeadlinePassed(msg(
        "time is up: the deadline was %(time)s; the attempt has been submitted with the answers saved "
        "before it", time=fmt_time(deadline)))


def _check_options(kind: str, own: frozenset[int], question_id: int, options: list[int]) -> list[int]:
    foreign = [o for o in options if o not in own]
    if foreign:
        listed = ", ".join(str(o) for o in foreign)
        raise AnswerInvalid(msg("option(s) %(options)s do not belong to question %(question)s",
                                options=listed, question=question_id))
    chosen = list(dict.fromkeys(options))
    if kind != "multiple" and len(chosen) > 1:
        raise AnswerInvalid(msg("question %(question)s takes one option; %(given)s were given",
                                question=question_id, given=len(chosen)))
    return chosen


# ---------------------------------------------------------------- submitting and grading


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

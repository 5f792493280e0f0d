"""Saving answers: each one checked against the frozen paper and written as one upsert, so an
acknowledged answer is a committed one."""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, Engine, bindparam, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from examapp.db import UTCDateTime
from examapp.exams.errors import (
    AnswerInvalid,
    DeadlinePassed,
    ExamConflict,
    ExamInvalid,
    ExamNotFound,
)
from examapp.exams.finalising import finalise_attempt
from examapp.exams.models import (
    IN_PROGRESS,
    Answer,
    Attempt,
    AttemptQuestion,
)
from examapp.exams.windows import fmt_time
from examapp.messages import msg


@dataclass(frozen=True)
class SaveReceipt:
    saved_at: datetime
    revision: int


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

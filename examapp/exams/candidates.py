"""Candidates of an exam: assigning them (by username, unit or file) and the exams as each one sees them."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from examapp.audit.service import record, record_refusal
from examapp.auth import policy
from examapp.auth.identity import Actor
from examapp.auth.models import User
from examapp.db import in_batches
from examapp.exams import papers
from examapp.exams.definitions import MAX_EXTRA_MINUTES, iso
from examapp.exams.errors import (
    ExamConflict,
    ExamForbidden,
    ExamInvalid,
    ExamNotFound,
)
from examapp.exams.models import (
    IN_PROGRESS,
    SUBMITTED,
    Attempt,
    Exam,
    ExamCandidate,
)
from examapp.exams.results import ExamResult, result_of
from examapp.exams.windows import Window, attempts_allowed, deadline_for, window_of
from examapp.messages import msg
from examapp.orgs.service import unit_and_descendant_ids, unit_by_code
from importers import ImportFileError
from importers.headers import HEADER_SEARCH_ROWS
from importers.roster import CANDIDATES, MissingColumns, NotASpreadsheet, read_roster


@dataclass
class CandidateExam:
    """An exam as one candidate sees it in their list: their own window, attempts and result (a
    proctor's override counted in)."""

    exam: Exam
    window: Window
    state: str  # "upcoming" | "open" | "closed"
    attempts_allowed: int
    attempts_used: int
    attempts_left: int
    attempt_in_progress: int | None  # attempt id to resume
    last_attempt: int | None  # the latest submitted attempt id
    needs_room_code: bool
    extra_minutes: float
    result: ExamResult | None  # by the exam's grading method; None when the review policy hides it

    def as_dict(self) -> dict[str, Any]:
        e = self.exam
        return {"id": e.id, "kind": e.kind, "title": e.title, "state": self.state,
                "duration_minutes": e.duration_minutes, "extra_minutes": self.extra_minutes,
                "opens_at": iso(self.window.opens_at), "closes_at": iso(self.window.closes_at),
                "question_count": sum(r.count for r in e.rules),
                "max_attempts": self.attempts_allowed, "attempts_used": self.attempts_used,
                "attempts_left": self.attempts_left, "attempt_in_progress": self.attempt_in_progress,
                "last_attempt": self.last_attempt, "needs_room_code": self.needs_room_code,
                "review_policy": e.review_policy, "grading": e.grading,
                "result": self.result.as_dict() if self.result else None}


def _candidate_exams(db: Session, user: Actor, now: datetime, exam_id: int | None) -> list[CandidateExam]:
    query = (select(Exam, ExamCandidate)
             .join(ExamCandidate, ExamCandidate.exam_id == Exam.id)
             .where(ExamCandidate.user_id == user.id))
    if exam_id is not None:
        query = query.where(Exam.id == exam_id)
    rows = db.execute(query).all()
    attempts: dict[int, list[Attempt]] = {}
    for a in db.scalars(select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.number)):
        attempts.setdefault(a.exam_id, []).append(a)
    result = []
    for exam, candidate in rows:
        mine = attempts.get(exam.id, [])
        running = next((a.id for a in mine if a.status == IN_PROGRESS), None)
        done = [a.id for a in mine if a.status == SUBMITTED]
        window = window_of(exam, candidate)
        allowed = attempts_allowed(exam, candidate)
        result.append(CandidateExam(
            exam, window, window.state(now), allowed, len(mine), max(allowed - len(mine), 0), running,
            done[-1] if done else None, bool(exam.room_code), candidate.extra_minutes,
            result_of(exam, mine) if exam.review_policy != "none" else None))
    order = {"open": 0, "upcoming": 1, "closed": 2}
    return sorted(result, key=lambda c: (order[c.state],
                                         -(c.window.opens_at or c.exam.created_at).timestamp()))


def exams_for_candidate(db: Session, user: Actor, now: datetime) -> list[CandidateExam]:
    """The exams `user` is assigned to: open ones first, then upcoming, then closed."""
    return _candidate_exams(db, user, now, None)


def candidate_exam(db: Session, exam_id: int, user: Actor, now: datetime) -> CandidateExam:
    """One assigned exam for its candidate; raises ExamNotFound if not assigned."""
    found = _candidate_exams(db, user, now, exam_id)
    if not found:
        raise ExamNotFound(msg("exam %(exam)s is not assigned to you", exam=exam_id))
    return found[0]


# ---------------------------------------------------------------- candidates


@dataclass(frozen=True)
class CandidateRow:
    """One candidate to assign; extra_minutes None keeps what they had (0 for new ones)."""

    username: str
    extra_minutes: float | None = None


@dataclass
class AssignResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    total: int = 0  # candidates of the exam after the change
    papers_drawn: int = 0  # first papers drawn ahead for the added candidates

    def as_dict(self) -> dict[str, Any]:
        return {"added": len(self.added), "updated": len(self.updated), "total": self.total,
                "added_usernames": self.added, "updated_usernames": self.updated,
                "papers_drawn": self.papers_drawn}


def listed(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        return msg("%(names)s and %(more)s more", names=shown, more=len(names) - limit)
    return shown


def assign_candidates(db: Session, exam: Exam, rows: list[CandidateRow],
                      actor_id: int | None) -> AssignResult:
    """Assign users by username; unknown usernames raise ExamInvalid listing them all, nothing written."""
    wanted: dict[str, float | None] = {}
    for row in rows:
        name = row.username.strip()
        if not name:
            continue
        if row.extra_minutes is not None and not (0 <= row.extra_minutes <= MAX_EXTRA_MINUTES):
            raise ExamInvalid(msg("extra minutes for '%(name)s' must be between 0 and %(max)s", name=name,
                                  max=MAX_EXTRA_MINUTES))
        wanted[name] = row.extra_minutes if row.extra_minutes is not None else wanted.get(name)
    if not wanted:
        raise ExamInvalid(msg("give at least one username"))
    users = {u.username: u for names in in_batches(wanted)
             for u in db.scalars(select(User).where(User.username.in_(names)))}
    unknown = [n for n in wanted if n not in users]
    if unknown:
        raise ExamInvalid(msg("unknown usernames: %(names)s; nothing was assigned", names=listed(unknown)))
    staff = sorted(n for n in wanted if not policy.sits_exams(users[n]))
    if staff:
        # A candidate of an exam can be given a ticket, and a ticket logs in: assigning a staff
        # account would hand its rights to whoever holds the ticket.
        record_refusal(db, actor_id, "exam.candidates.refused", f"exam:{exam.id}", staff=staff[:50])
        raise ExamForbidden(msg("only candidate accounts can sit an exam; these are staff accounts: "
                                "%(names)s; nothing was assigned", names=listed(staff)))
    return _assign(db, exam, [(users[n], extra) for n, extra in wanted.items()], actor_id)


def _assign(db: Session, exam: Exam, users: list[tuple[User, float | None]],
            actor_id: int | None) -> AssignResult:
    existing = {c.user_id: c for ids in in_batches(u.id for u, _ in users)
                for c in db.scalars(select(ExamCandidate).where(
                    ExamCandidate.exam_id == exam.id, ExamCandidate.user_id.in_(ids)))}
    result = AssignResult()
    new_rows = []
    for user, extra in users:
        candidate = existing.get(user.id)
        if candidate is None:
            new_rows.append({"exam_id": exam.id, "user_id": user.id, "extra_minutes": extra or 0.0})
            result.added.append(user.username)
        elif extra is not None and extra != candidate.extra_minutes:
            candidate.extra_minutes = extra
            move_deadline(db, exam, candidate)
            result.updated.append(user.username)
    if new_rows:
        db.execute(insert(ExamCandidate), new_rows)
        # a bank shrunk below the blueprint draws nothing ahead: their starts will say why
        with suppress(ExamConflict):
            result.papers_drawn = papers.prepare_papers(db, exam, [row["user_id"] for row in new_rows])
    db.flush()
    result.total = db.scalar(select(func.count()).select_from(ExamCandidate)
                             .where(ExamCandidate.exam_id == exam.id))
    record(db, actor_id, "exam.candidates", f"exam:{exam.id}", added=len(result.added),
           updated=len(result.updated), papers_drawn=result.papers_drawn)
    return result


def assign_unit(db: Session, exam: Exam, unit_code: str, actor_id: int | None,
                extra_minutes: float | None = None) -> AssignResult:
    """Assign every active user of the unit and its sub-units."""
    unit = unit_by_code(db, unit_code)
    if unit is None:
        raise ExamInvalid(msg("unknown unit code '%(code)s'; nothing was assigned", code=unit_code))
    if extra_minutes is not None and not (0 <= extra_minutes <= MAX_EXTRA_MINUTES):
        raise ExamInvalid(msg("extra minutes must be between 0 and %(max)s", max=MAX_EXTRA_MINUTES))
    users = db.scalars(select(User).where(User.unit_id.in_(unit_and_descendant_ids(db, unit)),
                                          User.active.is_(True), User.role == policy.CANDIDATE)).all()
    if not users:
        raise ExamInvalid(msg("unit '%(code)s' and its sub-units have no active candidate accounts",
                              code=unit_code))
    return _assign(db, exam, [(u, extra_minutes) for u in users], actor_id)


def read_candidate_file(data: bytes, filename: str) -> list[CandidateRow]:
    """The candidates of an xlsx/ods/csv list (importers.roster: a `username` column, optional
    `extra_minutes`); raises ExamInvalid naming the row and column of a bad cell."""
    try:
        roster = read_roster(data, filename, CANDIDATES)
    except NotASpreadsheet:
        raise ExamInvalid(msg("send the candidate list as .xlsx, .ods or .csv")) from None
    except MissingColumns:
        raise ExamInvalid(msg("the file needs a 'username' column: a header row naming it (e.g. "
                              "'tên đăng nhập') in its first %(rows)s rows",
                              rows=HEADER_SEARCH_ROWS)) from None
    except ImportFileError as exc:
        reason = exc.args[0] if exc.args else str(exc)  # a message of the importers: it translates too
        raise ExamInvalid(msg("cannot read '%(file)s': %(reason)s", file=filename, reason=reason)) from None
    rows = []
    for person in roster.rows:
        name, raw = person.values["username"], person.values["extra_minutes"]
        if not name:
            continue
        extra = None
        if raw:
            try:
                extra = float(raw.replace(",", "."))
            except ValueError:
                raise ExamInvalid(msg(
                    "row %(row)s, column %(column)s: '%(value)s' is not a number of minutes",
                    row=person.row, column=roster.title("extra_minutes"), value=raw)) from None
        rows.append(CandidateRow(name, extra))
    if not rows:
        raise ExamInvalid(msg("the file lists no usernames"))
    return rows


def move_deadline(db: Session, exam: Exam, candidate: ExamCandidate) -> None:
    """Give the candidate's attempt in progress its deadline again (after their extra time changed)."""
    attempt = db.scalar(select(Attempt).where(Attempt.exam_id == exam.id,
                                              Attempt.user_id == candidate.user_id,
                                              Attempt.status == IN_PROGRESS))
    if attempt is not None:
        attempt.deadline = deadline_for(exam, attempt.started_at, candidate)

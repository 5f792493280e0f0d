"""What a proctor changes for one candidate, as Moodle's user overrides: their own window, extra time
and attempts beyond the exam's; and reopening an attempt that a proctor or the room closing ended
before its time.

Plain functions over a Session, `now` given, callers commit. Every change is audited with what it
was before and after; a refusal raises an ExamError and changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from examapp.audit.service import record
from examapp.auth.models import User
from examapp.exams.attempts import ENDED_FOR_THE_CANDIDATE, ended_early
from examapp.exams.definitions import MAX_EXTRA_MINUTES
from examapp.exams.editing import answers_were_shown, refuse_retake_with_the_key
from examapp.exams.errors import ExamConflict, ExamInvalid, ExamNotFound
from examapp.exams.models import IN_PROGRESS, SUBMITTED, Attempt, AttemptQuestion, Exam, ExamCandidate
from examapp.exams.windows import Window, attempts_allowed, deadline_within, fmt_time, window_of
from examapp.messages import msg
from examapp.text import vi_sort_key

OVERRIDE_FIELDS = ("opens_at", "closes_at", "extra_minutes", "extra_attempts")
MAX_EXTRA_ATTEMPTS = 100


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Override:
    """One candidate's override and what it makes of the exam for them."""

    username: str
    full_name: str
    opens_at: datetime | None  # None: the exam's
    closes_at: datetime | None
    extra_minutes: float
    extra_attempts: int
    window: Window  # the window they sit in
    attempts_allowed: int
    attempts_used: int
    changed: tuple[str, ...] = ()
    deadline: datetime | None = None  # of their attempt in progress

    def as_dict(self) -> dict[str, Any]:
        return {"username": self.username, "full_name": self.full_name, "opens_at": _iso(self.opens_at),
                "closes_at": _iso(self.closes_at), "extra_minutes": self.extra_minutes,
                "extra_attempts": self.extra_attempts,
                "window": {"opens_at": _iso(self.window.opens_at), "closes_at": _iso(self.window.closes_at)},
                "attempts_allowed": self.attempts_allowed, "attempts_used": self.attempts_used,
                "changed": list(self.changed), "deadline": _iso(self.deadline)}


def _plain(value: Any) -> Any:
    """A value as the audit log's JSON keeps it."""
    return _iso(value) if isinstance(value, datetime) else value


def _values(candidate: ExamCandidate) -> dict[str, Any]:
    return {"opens_at": candidate.opens_at, "closes_at": candidate.closes_at,
            "extra_minutes": candidate.extra_minutes or 0.0, "extra_attempts": candidate.extra_attempts or 0}


def _override(db: Session, exam: Exam, user: User, candidate: ExamCandidate,
              changed: tuple[str, ...] = (), attempts: list[Attempt] | None = None) -> Override:
    if attempts is None:
        attempts = list(db.scalars(select(Attempt).where(Attempt.exam_id == exam.id,
                                                         Attempt.user_id == user.id)))
    running = next((a for a in attempts if a.status == IN_PROGRESS), None)
    values = _values(candidate)
    return Override(user.username, user.full_name, values["opens_at"], values["closes_at"],
                    values["extra_minutes"], values["extra_attempts"], window_of(exam, candidate),
                    attempts_allowed(exam, candidate), len(attempts), changed,
                    running.deadline if running else None)


def candidate_of(db: Session, exam: Exam, username: str) -> tuple[User, ExamCandidate]:
    """The user and their place among the exam's candidates; ExamNotFound for an unknown username,
    ExamInvalid for a user not assigned to the exam."""
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise ExamNotFound(msg("there is no user '%(user)s'", user=username))
    candidate = db.scalar(select(ExamCandidate).where(ExamCandidate.exam_id == exam.id,
                                                      ExamCandidate.user_id == user.id))
    if candidate is None:
        raise ExamInvalid(msg("'%(user)s' is not a candidate of this exam; assign them on its Candidates "
                              "page first", user=username))
    return user, candidate


def override_of(db: Session, exam: Exam, username: str) -> Override:
    """One candidate's override as it stands (refuses as candidate_of does)."""
    user, candidate = candidate_of(db, exam, username)
    return _override(db, exam, user, candidate)


def overrides(db: Session, exam: Exam) -> list[Override]:
    """The exam's candidates that have an override (own window, extra time or attempts), by name."""
    rows = db.execute(select(User, ExamCandidate).join(ExamCandidate, ExamCandidate.user_id == User.id)
                      .where(ExamCandidate.exam_id == exam.id)).all()
    attempts: dict[int, list[Attempt]] = {}
    for attempt in db.scalars(select(Attempt).where(Attempt.exam_id == exam.id)):
        attempts.setdefault(attempt.user_id, []).append(attempt)
    found = [_override(db, exam, user, candidate, attempts=attempts.get(user.id, []))
             for user, candidate in rows
             if candidate.opens_at or candidate.closes_at or candidate.extra_minutes
             or candidate.extra_attempts]
    return sorted(found, key=lambda o: (vi_sort_key(o.full_name), o.username))


def _check(changes: Mapping[str, Any]) -> list:
    problems = []
    unknown = sorted(set(changes) - set(OVERRIDE_FIELDS))
    if unknown:
        problems.append(msg("these fields cannot be overridden: %(fields)s", fields=", ".join(unknown)))
    for name in ("opens_at", "closes_at"):
        value = changes.get(name)
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            problems.append(msg("%(field)s needs a time zone (e.g. 2026-12-01T08:00:00+07:00)", field=name))
    minutes = changes.get("extra_minutes")
    if minutes is not None and not (isinstance(minutes, int | float) and not isinstance(minutes, bool)
                                    and math.isfinite(minutes) and 0 <= minutes <= MAX_EXTRA_MINUTES):
        problems.append(msg("extra_minutes must be between 0 and %(max)s", max=MAX_EXTRA_MINUTES))
    attempts = changes.get("extra_attempts")
    if attempts is not None and not (isinstance(attempts, int) and not isinstance(attempts, bool)
                                     and 0 <= attempts <= MAX_EXTRA_ATTEMPTS):
        problems.append(msg("extra_attempts must be between 0 and %(max)s", max=MAX_EXTRA_ATTEMPTS))
    return problems


def set_override(db: Session, exam: Exam, username: str, changes: Mapping[str, Any],
                 actor_id: int | None, now: datetime) -> Override:
    """Change a candidate's override: `changes` holds the fields to set (OVERRIDE_FIELDS); None puts
    one back to the exam's (no own window, no extra time or attempts).

    Their start is checked against their window; their deadline is min(start + duration + extra
    time, their close), and an attempt in progress gets it at once. Refuses: an unknown user
    (ExamNotFound), one not assigned (ExamInvalid), bad values or a window that closes before it
    opens (ExamInvalid), opening the exam again or giving attempts once its candidates have been
    shown the answers, or a close that would end their attempt in progress now (ExamConflict).
    """
    problems = _check(changes)
    if problems:
        raise ExamInvalid(problems)
    user, candidate = candidate_of(db, exam, username)
    before = _values(candidate)
    after = {**before, **{name: changes[name] for name in OVERRIDE_FIELDS if name in changes}}
    after["extra_minutes"] = float(after["extra_minutes"] or 0.0)
    after["extra_attempts"] = after["extra_attempts"] or 0
    changed = tuple(name for name in OVERRIDE_FIELDS if after[name] != before[name])
    if not changed:
        return _override(db, exam, user, candidate)
    old_window = window_of(exam, candidate)
    window = Window(after["opens_at"] or exam.opens_at, after["closes_at"] or exam.closes_at)
    if window.opens_at and window.closes_at and window.closes_at <= window.opens_at:
        raise ExamInvalid(msg("%(user)s's window would close at %(closes)s, which is not after it opens at "
                              "%(opens)s", user=username, closes=fmt_time(window.closes_at),
                              opens=fmt_time(window.opens_at)))
    reopens = window.closes_at != old_window.closes_at and (window.closes_at is None
                                                            or window.closes_at > now)
    refuse_retake_with_the_key(db, exam, now, reopens=reopens,
                               more_attempts=after["extra_attempts"] > before["extra_attempts"])
    running = db.scalar(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id,
                                              Attempt.status == IN_PROGRESS, Attempt.deadline > now))
    if running is not None:
        deadline = deadline_within(exam, running.started_at, after["extra_minutes"], window)
        if deadline <= now:
            raise ExamConflict(msg(
                "%(user)s is sitting the exam, and this would end their attempt at once (at %(time)s); "
                "to end it now, force submit it", user=username, time=fmt_time(deadline)))
        running.deadline = deadline
    for name, value in after.items():
        setattr(candidate, name, value)
    db.flush()
    record(db, actor_id, "exam.override", f"exam:{exam.id}", username=username,
           before={name: _plain(before[name]) for name in changed},
           after={name: _plain(after[name]) for name in changed},
           deadline=_iso(running.deadline) if running is not None else None)
    return _override(db, exam, user, candidate, changed)


def reopen_attempt(db: Session, attempt_id: int, actor_id: int | None, now: datetime) -> Attempt:
    """Put back in progress an attempt that a proctor or the room closing ended before its deadline,
    with the time it had left then: deadline = now + (deadline - submitted_at), never past the
    candidate's close. Its saved answers stay; its grade is cleared until it is submitted again.

    Refuses (ExamConflict, saying why): an attempt in progress, one the candidate submitted or whose
    time ran out, one that is not the candidate's latest, once the exam's candidates have been shown
    the answers, and while the candidate's window is not open (a closed one needs an override with a
    later close first). ExamNotFound for no such attempt.
    """
    attempt = db.get(Attempt, attempt_id)
    if attempt is None:
        raise ExamNotFound(msg("there is no attempt %(attempt)s", attempt=attempt_id))
    if attempt.status == IN_PROGRESS:
        raise ExamConflict(msg("attempt %(attempt)s is still in progress", attempt=attempt_id))
    if attempt.finished_by not in ENDED_FOR_THE_CANDIDATE:
        if attempt.finished_by == "candidate":
            raise ExamConflict(msg("the candidate submitted attempt %(attempt)s themselves, so it cannot be "
                                   "reopened", attempt=attempt_id))
        raise ExamConflict(msg("attempt %(attempt)s ended when its time ran out, so there is no time to "
                               "give back; give the candidate an extra attempt instead", attempt=attempt_id))
    if not ended_early(attempt):
        raise ExamConflict(msg("attempt %(attempt)s ended at its deadline, so there is no time to give back; "
                               "give the candidate an extra attempt instead", attempt=attempt_id))
    exam = attempt.exam
    later = db.scalar(select(Attempt.number).where(Attempt.exam_id == exam.id,
                                                   Attempt.user_id == attempt.user_id,
                                                   Attempt.number > attempt.number).limit(1))
    if later is not None:
        raise ExamConflict(msg("the candidate has started a later attempt since, so attempt %(attempt)s "
                               "cannot be reopened", attempt=attempt_id))
    if answers_were_shown(db, exam, now):
        raise ExamConflict(msg("this exam's candidates have been shown the answers, so attempt "
                               "%(attempt)s cannot be reopened", attempt=attempt_id))
    candidate = db.scalar(select(ExamCandidate).where(ExamCandidate.exam_id == exam.id,
                                                      ExamCandidate.user_id == attempt.user_id))
    window = window_of(exam, candidate)
    if window.state(now) == "closed":
        raise ExamConflict(msg("the exam closed for this candidate at %(time)s; give them an override with a "
                               "later close first, then reopen the attempt", time=fmt_time(window.closes_at)))
    if window.state(now) == "upcoming":
        raise ExamConflict(msg("this candidate's window opens at %(time)s; reopen the attempt then",
                               time=fmt_time(window.opens_at)))
    left = attempt.deadline - attempt.submitted_at
    deadline = min(now + left, window.closes_at) if window.closes_at else now + left
    before = {"submitted_at": _iso(attempt.submitted_at), "finished_by": attempt.finished_by,
              "deadline": _iso(attempt.deadline), "score": float(attempt.score), "passed": attempt.passed}
    reopened = db.execute(
        update(Attempt).where(Attempt.id == attempt_id, Attempt.status == SUBMITTED,
                              Attempt.finished_by.in_(ENDED_FOR_THE_CANDIDATE))
        .values(status=IN_PROGRESS, deadline=deadline, submitted_at=None, finished_by=None, score=None,
                percent=None, passed=None)
        .execution_options(synchronize_session=False)).rowcount
    if not reopened:
        raise ExamConflict(msg("attempt %(attempt)s changed meanwhile; look again", attempt=attempt_id))
    db.execute(update(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id).values(awarded=None)
               .execution_options(synchronize_session=False))
    record(db, actor_id, "exam.reopen_attempt", f"attempt:{attempt_id}", exam_id=exam.id,
           user_id=attempt.user_id, before=before, after={"deadline": _iso(deadline)},
           seconds_left=left.total_seconds())
    return db.get(Attempt, attempt_id, populate_existing=True)

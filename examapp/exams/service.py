"""Exams: defining them, assigning candidates, tickets, taking a paper, grading and the exam room.

Plain functions over a SQLAlchemy Session; no Flask. Every function that depends on the time takes
`now` (an aware UTC datetime) so tests control the clock. Callers commit, except where a docstring
says otherwise. Refusals raise an `ExamError` subclass whose `status` is the HTTP status the API uses
and whose message is meant for the user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from examapp.auth.models import User
from examapp.exams.models import Attempt, Exam

# ---------------------------------------------------------------- errors


class ExamError(Exception):
    """A refusal with a user-facing message; `status` is the HTTP status the API answers with."""

    status = 400
    code: str | None = None
    # True when the session holds a change the caller must still commit (a lazily finalised attempt).
    keep_changes = False


class ExamInvalid(ExamError):
    """Bad input (definition, usernames, file): nothing was written."""


class ExamNotFound(ExamError):
    """No such exam/attempt for this user (also used for someone else's attempt)."""

    status = 404


class ExamForbidden(ExamError):
    """Not allowed: wrong or missing room code, a trainer on another's bank, a bad ticket."""

    status = 403


class ExamConflict(ExamError):
    """The state forbids it: outside the window, no attempts left, already submitted."""

    status = 409


class DeadlinePassed(ExamConflict):
    """An answer after deadline + grace; the attempt has been finalised with what was saved."""

    code = "deadline_passed"
    keep_changes = True


class AnswerInvalid(ExamError):
    """A question not on the paper, or an option that does not belong to the question."""

    status = 422


# ---------------------------------------------------------------- definitions


@dataclass(frozen=True)
class RuleSpec:
    """One blueprint rule as given: topic name (None: any), difficulty (None: any), count, points."""

    count: int
    topic: str | None = None
    difficulty: str | None = None
    points: Decimal | None = None


@dataclass(frozen=True)
class ExamSpec:
    """An exam definition as given by the API, the page form or the demo."""

    title: str
    bank_id: int
    rules: list[RuleSpec]
    duration_minutes: float
    pass_percent: Decimal
    max_attempts: int = 1
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    shuffle_questions: bool = True
    shuffle_options: bool = True
    room_code: str | None = None
    certificate: bool = False
    review_policy: str = "score"
    partial_credit: bool = False
    kind: str = "exam"


def create_exam(db: Session, spec: ExamSpec, actor: User) -> Exam:
    """Validate and add an exam; raises ExamInvalid listing every problem (e.g. a rule asking for
    more questions than the bank has active), ExamForbidden for a trainer on another's bank."""
    raise NotImplementedError


def may_define_exam_on(db: Session, user: User, bank_id: int) -> bool:
    """Admins define exams on any bank, trainers only on banks they own."""
    raise NotImplementedError


def exam_for_staff(db: Session, exam_id: int, user: User, *, room: bool = False) -> Exam:
    """The exam if `user` may manage it (room=True: admin/proctor run rooms; otherwise admin,
    proctor, or the trainer owning the bank); raises ExamNotFound / ExamForbidden."""
    raise NotImplementedError


def exam_dict(exam: Exam) -> dict[str, Any]:
    """The definition as the API shows it to staff (rules with topic names and points)."""
    raise NotImplementedError


@dataclass
class CandidateExam:
    """An exam as one candidate sees it in their list."""

    exam: Exam
    state: str  # "upcoming" | "open" | "closed"
    attempts_used: int
    attempts_left: int
    attempt_in_progress: int | None  # attempt id to resume
    last_attempt: int | None  # the latest submitted attempt id
    needs_room_code: bool
    extra_minutes: float


def exams_for_candidate(db: Session, user: User, now: datetime) -> list[CandidateExam]:
    """The exams `user` is assigned to, newest window first."""
    raise NotImplementedError


def candidate_exam(db: Session, exam_id: int, user: User, now: datetime) -> CandidateExam:
    """One assigned exam for its candidate; raises ExamNotFound if not assigned."""
    raise NotImplementedError


def exams_for_staff(db: Session, user: User) -> list[Exam]:
    """Exams `user` may manage: all for admin/proctor, own banks' for a trainer."""
    raise NotImplementedError


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


def assign_candidates(db: Session, exam: Exam, rows: list[CandidateRow], actor_id: int | None) -> AssignResult:
    """Assign users by username; unknown usernames raise ExamInvalid listing them all, nothing written."""
    raise NotImplementedError


def assign_unit(db: Session, exam: Exam, unit_code: str, actor_id: int | None,
                extra_minutes: float | None = None) -> AssignResult:
    """Assign every active user of the unit and its sub-units."""
    raise NotImplementedError


def read_candidate_file(data: bytes, filename: str) -> list[CandidateRow]:
    """Rows of an xlsx/ods/csv with a `username` column (and optional `extra_minutes`);
    raises ExamInvalid naming the row and column of a bad cell."""
    raise NotImplementedError


# ---------------------------------------------------------------- tickets


@dataclass(frozen=True)
class IssuedTicket:
    username: str
    full_name: str
    ticket: str  # shown once, e.g. "K7QX2-MPR9D"; only its SHA-256 is kept


def issue_tickets(db: Session, exam: Exam, actor_id: int | None,
                  usernames: list[str] | None = None) -> list[IssuedTicket]:
    """New one-time tickets for the exam's candidates (all, or the given ones), replacing old ones."""
    raise NotImplementedError


def user_for_ticket(db: Session, ticket: str, now: datetime) -> User:
    """Consume a ticket and return its user; raises ExamForbidden when unknown, used, or outside the
    exam's window."""
    raise NotImplementedError


# ---------------------------------------------------------------- taking an exam


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


def start_attempt(db: Session, exam_id: int, user: User, now: datetime, room_code: str | None = None,
                  grace_seconds: float = 5.0) -> tuple[Attempt, bool]:
    """Start a new attempt (drawing its paper) or return the one in progress; (attempt, created).

    Refuses: not assigned -> ExamNotFound; wrong/missing room code -> ExamForbidden; before opening,
    after closing, no attempts left or bank too small now -> ExamConflict.
    """
    raise NotImplementedError


def attempt_paper(db: Session, attempt: Attempt, now: datetime) -> AttemptPaper:
    """The frozen paper (in paper order) and the saved answers of an attempt."""
    raise NotImplementedError


def save_answer(db: Session, attempt_id: int, user_id: int, question_id: int, now: datetime,
                grace_seconds: float, options: list[int] | None = None,
                flagged: bool | None = None) -> SaveReceipt:
    """Record the selection (and/or review flag) for one question: one upsert, revision + 1.

    The caller commits before replying. Refuses: not the user's attempt -> ExamNotFound; question not
    on the paper or foreign option -> AnswerInvalid; submitted -> ExamConflict; after deadline + grace
    -> DeadlinePassed (the attempt is then finalised in the session: commit it).
    """
    raise NotImplementedError


def submit_attempt(db: Session, attempt_id: int, user_id: int, now: datetime,
                   grace_seconds: float) -> Attempt:
    """Finish and grade the attempt; submitting again returns the same result."""
    raise NotImplementedError


def attempt_for_user(db: Session, attempt_id: int, user: User, now: datetime,
                     grace_seconds: float) -> Attempt:
    """The attempt if it is the user's own (admins and proctors may read any); finalises it when its
    deadline + grace has passed (commit afterwards). Raises ExamNotFound otherwise."""
    raise NotImplementedError


def attempt_result(db: Session, attempt: Attempt, now: datetime) -> dict[str, Any]:
    """What the candidate may see of a submitted attempt under the exam's review policy:
    none -> {"status"}; score -> + score, max_score, percent, passed; answers_after_close ->
    + per-question review with the correct options once the exam has closed."""
    raise NotImplementedError


def finalise_attempt(db: Session, attempt_id: int, now: datetime, finished_by: str) -> bool:
    """Mark an in-progress attempt submitted and grade it; False if it was already finished.

    Uses UPDATE ... WHERE status = 'in_progress', so two processes never grade one attempt twice.
    """
    raise NotImplementedError


def sweep(db: Session, now: datetime, grace_seconds: float, limit: int = 500) -> list[int]:
    """Finalise attempts whose deadline + grace has passed; commits each one; returns their ids."""
    raise NotImplementedError


# ---------------------------------------------------------------- exam room


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


def room_status(db: Session, exam: Exam, now: datetime) -> list[RoomCandidate]:
    """Every candidate of the exam with their latest attempt, in name order."""
    raise NotImplementedError


def extend_time(db: Session, exam: Exam, username: str, minutes: float, actor_id: int | None,
                now: datetime) -> RoomCandidate:
    """Give one candidate extra minutes (moves an in-progress deadline, never past the close)."""
    raise NotImplementedError


def force_submit(db: Session, attempt_id: int, actor_id: int | None, now: datetime) -> Attempt:
    """A proctor ends a candidate's attempt now; grades it with what was saved."""
    raise NotImplementedError


def close_room(db: Session, exam: Exam, actor_id: int | None, now: datetime) -> int:
    """Close the exam now (closes_at = now) and finalise every attempt in progress; returns how many."""
    raise NotImplementedError

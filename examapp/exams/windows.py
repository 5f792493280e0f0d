"""When a candidate may sit an exam: the exam's window, or the candidate's own (a proctor's override),
and the deadline of an attempt within it. No database here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from examapp.exams.errors import ExamConflict
from examapp.exams.models import Exam, ExamCandidate
from examapp.messages import msg


def fmt_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class Window:
    """From `opens_at` (None: always open) until `closes_at` (None: never closes)."""

    opens_at: datetime | None
    closes_at: datetime | None

    def state(self, now: datetime) -> str:
        """"upcoming", "open" or "closed"."""
        if self.opens_at and now < self.opens_at:
            return "upcoming"
        if self.closes_at and now >= self.closes_at:
            return "closed"
        return "open"


def window_of(exam: Exam, candidate: ExamCandidate | None) -> Window:
    """The candidate's own opening and closing times where a proctor set them, else the exam's."""
    if candidate is None:
        return Window(exam.opens_at, exam.closes_at)
    return Window(candidate.opens_at or exam.opens_at, candidate.closes_at or exam.closes_at)


def attempts_allowed(exam: Exam, candidate: ExamCandidate | None) -> int:
    """The exam's attempts plus those a proctor gave the candidate."""
    extra = (candidate.extra_attempts or 0) if candidate is not None else 0
    return exam.max_attempts + extra


def deadline_for(exam: Exam, started_at: datetime, candidate: ExamCandidate | None,
                 extra_minutes: float | None = None) -> datetime:
    """min(start + duration + extra time, the candidate's close); `extra_minutes` stands in for the
    candidate's own extra time when given."""
    extra = extra_minutes if extra_minutes is not None else (candidate.extra_minutes if candidate else 0.0)
    return deadline_within(exam, started_at, extra, window_of(exam, candidate))


@dataclass(frozen=True)
class StartTerms:
    """What a new attempt must start within: a window, the attempts allowed in it, those used."""

    window: Window
    allowed: int
    used: int


def deadline_within(exam: Exam, started_at: datetime, extra_minutes: float | None,
                    window: Window) -> datetime:
    """min(start + duration + extra time, the window's close)."""
    deadline = started_at + timedelta(minutes=exam.duration_minutes + (extra_minutes or 0.0))
    return min(deadline, window.closes_at) if window.closes_at else deadline


def check_window(window: Window, now: datetime) -> None:
    """Refuses (ExamConflict) a start outside the window, saying when it opens or closed."""
    state = window.state(now)
    if state == "upcoming":
        raise ExamConflict(msg("the exam opens at %(time)s", time=fmt_time(window.opens_at)))
    if state == "closed":
        raise ExamConflict(msg("the exam closed at %(time)s", time=fmt_time(window.closes_at)))

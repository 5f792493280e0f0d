"""Refusals of the contests feature."""

from __future__ import annotations

from examapp.errors import Refusal
from examapp.exams.errors import ExamConflict


class ContestError(Refusal):
    """A refusal of the contests feature."""


class ContestInvalid(ContestError):
    status = 400


class ContestNotFound(ContestError):
    status = 404


class ContestConflict(ContestError):
    """Not now or not again: outside a window, a phone already registered, a prediction given."""

    status = 409


class PredictionRequired(ExamConflict):
    """Refuses a start (as the exams' conflicts do, so the start page says why)."""

    code = "prediction_required"


class TooManyRegistrations(ContestError):
    status = 429
    code = None  # "too_many_requests"

    def __init__(self, message, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)

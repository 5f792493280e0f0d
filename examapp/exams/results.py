"""A candidate's result for an exam across their submitted attempts, by the exam's grading method.

Computed from the attempts whenever it is shown, never stored: changing the method or the pass mark
changes every result at once, and nothing has to be re-derived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examapp.exams.grading import passes, percent_of, to_cents
from examapp.exams.models import SUBMITTED, Attempt, Exam


@dataclass(frozen=True)
class ExamResult:
    """The result that counts: from one attempt (`attempt_id`), or the mean of all (average)."""

    method: str
    score: Decimal
    max_score: Decimal
    percent: Decimal
    passed: bool
    attempts: int  # submitted attempts it was made from
    attempt_id: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "score": float(self.score), "max_score": float(self.max_score),
                "percent": float(self.percent), "passed": self.passed, "attempts": self.attempts,
                "attempt_id": self.attempt_id}


def _fraction(attempt: Attempt) -> Fraction:
    return Fraction(attempt.score) / Fraction(attempt.max_score) if attempt.max_score > 0 else Fraction(0)


def result_of(exam: Exam, attempts: Iterable[Attempt]) -> ExamResult | None:
    """The candidate's result for `exam` from their attempts (any order; only submitted ones count)
    by exam.grading: highest (the best percent, the earlier on a tie), last, first, or average (the
    mean percent, passed when it reaches the pass mark). None before any attempt is submitted."""
    done = sorted((a for a in attempts if a.status == SUBMITTED and a.score is not None),
                  key=lambda a: a.number)
    if not done:
        return None
    if exam.grading == "average":
        mean = sum((_fraction(a) for a in done), Fraction(0)) * 100 / len(done)
        score = to_cents(sum((Fraction(a.score) for a in done), Fraction(0)) / len(done))
        max_score = to_cents(sum((Fraction(a.max_score) for a in done), Fraction(0)) / len(done))
        return ExamResult("average", score, max_score, to_cents(mean), mean >= Fraction(exam.pass_percent),
                          len(done), None)
    if exam.grading == "last":
        chosen = done[-1]
    elif exam.grading == "first":
        chosen = done[0]
    else:
        chosen = max(done, key=lambda a: (_fraction(a), -a.number))
    return ExamResult(exam.grading, chosen.score, chosen.max_score,
                      percent_of(chosen.score, chosen.max_score),
                      passes(chosen.score, chosen.max_score, exam.pass_percent), len(done), chosen.id)


def exam_result(db: Session, exam: Exam, user_id: int) -> ExamResult | None:
    """One candidate's result for the exam (see result_of)."""
    return result_of(exam, db.scalars(select(Attempt).where(Attempt.exam_id == exam.id,
                                                           Attempt.user_id == user_id)))

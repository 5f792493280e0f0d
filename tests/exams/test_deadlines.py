"""Time on a controllable clock: the deadline, the grace, extra time, the close, lazy and swept finalising."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from examapp import db
from examapp.auth.models import User
from examapp.exams import answers, attempts, definitions, errors, finalising, room
from examapp.exams.models import Answer, Attempt, AttemptQuestion
from tests.factories import (
    add_candidates,
    answer_key,
    at,
    make_attempt,
    make_bank,
    make_exam,
    make_user,
)

GRACE = 5.0


@pytest.fixture
def sitting(app, bank_id):
    """A session in an app context and a function starting an attempt for a new candidate."""
    with app.app_context():
        s = db.session()

        def start(exam_id=None, extra=None, when=None, **exam):
            user = make_user(app)
            exam_id = exam_id or make_exam(app, bank_id, **exam)
            add_candidates(app, exam_id, [user.username], extra)
            return make_attempt(app, exam_id, user, when or at())

        yield s, start


def first_question(s, attempt) -> AttemptQuestion:
    return s.scalar(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                    .order_by(AttemptQuestion.position))


def test_deadline_is_start_plus_duration(sitting):
    s, start = sitting
    attempt = start(duration_minutes=0.05)
    assert attempt.deadline == at(seconds=3)


def test_answer_inside_the_grace_is_accepted(sitting):
    s, start = sitting
    attempt = start(duration_minutes=0.05)
    aq = first_question(s, attempt)
    receipt = answers.save_answer(s, attempt.id, attempt.user_id, aq.question_id, at(seconds=3 + GRACE),
                                  GRACE, answer_key(aq))
    s.commit()
    assert receipt.revision == 1


def test_answer_after_deadline_and_grace_is_refused_and_the_attempt_finalised(sitting):
    s, start = sitting
    attempt = start(duration_minutes=0.05)
    aq = first_question(s, attempt)
    answers.save_answer(s, attempt.id, attempt.user_id, aq.question_id, at(seconds=2), GRACE, answer_key(aq))
    s.commit()
    late = at(seconds=3 + GRACE + 0.5)
    with pytest.raises(errors.DeadlinePassed, match="time is up") as refused:
        answers.save_answer(s, attempt.id, attempt.user_id, aq.question_id, late, GRACE, [])
    assert refused.value.keep_changes
    s.commit()
    done = s.get(Attempt, attempt.id, populate_existing=True)
    assert done.status == "submitted" and done.finished_by == "deadline"
    assert done.submitted_at == at(seconds=3)
    assert done.score == aq.points  # graded with what was saved before the deadline
    assert s.get(Answer, (attempt.id, aq.question_id)).options == answer_key(aq)


def test_extra_time_moves_the_deadline(sitting):
    s, start = sitting
    attempt = start(extra=10, duration_minutes=30)
    assert attempt.deadline == at(minutes=40)


def test_the_close_bounds_the_deadline(sitting):
    s, start = sitting
    attempt = start(duration_minutes=30, extra=60, opens_at=at(minutes=-5), closes_at=at(minutes=20))
    assert attempt.deadline == at(minutes=20)


def test_reading_an_expired_attempt_finalises_it(sitting):
    s, start = sitting
    attempt = start(duration_minutes=1)
    user = s.get(User, attempt.user_id)
    still = attempts.attempt_for_user(s, attempt.id, user, at(minutes=1, seconds=GRACE), GRACE)
    assert still.status == "in_progress"
    done = attempts.attempt_for_user(s, attempt.id, user, at(minutes=1, seconds=GRACE + 1), GRACE)
    s.commit()
    assert done.status == "submitted" and done.finished_by == "deadline"


def test_sweep_finalises_only_attempts_past_deadline_and_grace(sitting):
    s, start = sitting
    short = start(duration_minutes=1)
    long = start(duration_minutes=60)
    assert finalising.sweep(s, at(minutes=1, seconds=GRACE - 1), GRACE) == []
    assert finalising.sweep(s, at(minutes=2), GRACE) == [short.id]
    assert finalising.sweep(s, at(minutes=2), GRACE) == []
    assert s.get(Attempt, long.id, populate_existing=True).status == "in_progress"
    assert s.get(Attempt, short.id, populate_existing=True).score == 0


def test_finalising_twice_grades_once(sitting):
    s, start = sitting
    attempt = start()
    assert finalising.finalise_attempt(s, attempt.id, at(minutes=1), "candidate") is True
    assert finalising.finalise_attempt(s, attempt.id, at(minutes=2), "deadline") is False
    s.commit()
    assert s.get(Attempt, attempt.id, populate_existing=True).finished_by == "candidate"


def test_submit_after_the_grace_counts_as_the_deadline(sitting):
    s, start = sitting
    attempt = start(duration_minutes=1)
    done = finalising.submit_attempt(s, attempt.id, attempt.user_id, at(minutes=5), GRACE)
    assert done.finished_by == "deadline" and done.submitted_at == at(minutes=1)


def test_extend_time_moves_a_running_deadline_but_not_past_the_close(sitting):
    s, start = sitting
    attempt = start(duration_minutes=30, closes_at=at(minutes=45))
    exam = attempt.exam
    username = s.get(User, attempt.user_id).username
    line = room.extend_time(s, exam, username, 10, None, at(minutes=5))
    s.commit()
    assert line.deadline == at(minutes=40) and line.extra_minutes == 10
    line = room.extend_time(s, exam, username, 10, None, at(minutes=6))
    assert line.deadline == at(minutes=45)


def test_closing_the_room_finalises_running_attempts_now(sitting):
    s, start = sitting
    attempt = start(duration_minutes=30)
    aq = first_question(s, attempt)
    answers.save_answer(s, attempt.id, attempt.user_id, aq.question_id, at(minutes=1), GRACE, answer_key(aq))
    finished = room.close_room(s, attempt.exam, None, at(minutes=2))
    s.commit()
    done = s.get(Attempt, attempt.id, populate_existing=True)
    assert finished == 1 and done.finished_by == "room_closed" and done.score == aq.points
    assert done.exam.closes_at == at(minutes=2)
    with pytest.raises(errors.ExamConflict, match="submitted"):
        answers.save_answer(s, attempt.id, attempt.user_id, aq.question_id, at(minutes=2), GRACE, [])


def test_partial_credit_exam_grades_multiple_answers_proportionally(app):
    bank = make_bank(app, {"T": {"medium": 3}}, kinds=("multiple",), points=2)
    user = make_user(app)
    exam_id = make_exam(app, bank, (user.username,), rules=[definitions.RuleSpec(3, "T")],
                        partial_credit=True, pass_percent=Decimal(50))
    with app.app_context():
        s = db.session()
        attempt = make_attempt(app, exam_id, user, at(), right=1)
        second = s.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                           .order_by(AttemptQuestion.position)).all()[1]
        answers.save_answer(s, attempt.id, user.id, second.question_id, at(1), GRACE, answer_key(second)[:1])
        done = finalising.submit_attempt(s, attempt.id, user.id, at(2), GRACE)
        assert done.score == 3  # 2 + 1 (one of two right options on a 2-point question)
        assert done.max_score == 6 and done.percent == 50 and done.passed is True


def test_deadline_uses_fractional_minutes(sitting):
    s, start = sitting
    attempt = start(duration_minutes=0.01)
    assert attempt.deadline - attempt.started_at == timedelta(seconds=0.6)

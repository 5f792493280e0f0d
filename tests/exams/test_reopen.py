"""Reopening an attempt that a proctor or the room closing ended before its deadline: back in progress
with the time it had left, its answers kept, its grade cleared; refused with the reason otherwise."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from examapp import db
from examapp.audit.models import AuditLog
from examapp.auth.models import User
from examapp.db import utcnow
from examapp.exams import answers, errors, finalising, overrides
from examapp.exams import room as exam_room
from examapp.exams.events import attempt_finalised
from examapp.exams.models import Answer, Attempt, AttemptQuestion, Exam
from tests.factories import answer_key, at, make_attempt, make_client, make_exam, make_user

GRACE = 5.0


@pytest.fixture
def sitting(app, bank_id):
    """A candidate 10 minutes into a 30-minute attempt with one right answer saved: (session, attempt)."""
    user = make_user(app)
    exam_id = make_exam(app, bank_id, (user.username,), closes_at=at(minutes=120))
    with app.app_context():
        yield db.session(), make_attempt(app, exam_id, user, at(), right=1)


def snapshot(s, attempt_id: int) -> tuple:
    a = s.get(Attempt, attempt_id, populate_existing=True)
    return a.status, a.deadline, a.submitted_at, a.finished_by, a.score, a.passed


def test_a_force_submitted_attempt_gets_back_the_time_it_had_left(sitting):
    s, attempt = sitting
    exam_room.force_submit(s, attempt.id, None, at(minutes=10))
    s.commit()
    papers = s.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                       .order_by(AttemptQuestion.position)).all()
    graded = s.get(Attempt, attempt.id, populate_existing=True)
    assert graded.score == papers[0].points and graded.deadline == at(minutes=30)

    reopened = overrides.reopen_attempt(s, attempt.id, None, at(minutes=40))
    s.commit()
    assert reopened.status == "in_progress" and reopened.deadline == at(minutes=60)  # 40 + the 20 left
    assert (reopened.submitted_at, reopened.finished_by, reopened.score, reopened.percent,
            reopened.passed) == (None, None, None, None, None)
    assert s.scalars(select(AttemptQuestion.awarded).where(AttemptQuestion.attempt_id == attempt.id)).all() \
        == [None] * 9
    assert len(s.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()) == 1

    assert answers.save_answer(s, attempt.id, attempt.user_id, papers[1].question_id, at(minutes=50), GRACE,
                               answer_key(papers[1])).revision == 1
    done = finalising.submit_attempt(s, attempt.id, attempt.user_id, at(minutes=55), GRACE)
    assert done.finished_by == "candidate" and done.score == papers[0].points + papers[1].points
    [entry] = s.scalars(select(AuditLog).where(AuditLog.action == "exam.reopen_attempt")).all()
    assert entry.details["before"]["finished_by"] == "proctor" and entry.details["seconds_left"] == 1200


def test_the_reopened_time_stops_at_the_candidates_close(sitting):
    s, attempt = sitting
    exam_room.force_submit(s, attempt.id, None, at(minutes=10))
    reopened = overrides.reopen_attempt(s, attempt.id, None, at(minutes=110))
    assert reopened.deadline == at(minutes=120)


def test_a_closed_room_needs_an_override_before_the_reopen(sitting):
    s, attempt = sitting
    exam = s.get(Exam, attempt.exam_id)
    exam_room.close_room(s, exam, None, at(minutes=10))
    s.commit()
    assert snapshot(s, attempt.id)[3] == "room_closed"
    before = snapshot(s, attempt.id)
    with pytest.raises(errors.ExamConflict, match="give them an override with a later close first"):
        overrides.reopen_attempt(s, attempt.id, None, at(minutes=12))
    s.rollback()
    assert snapshot(s, attempt.id) == before
    username = s.get(User, attempt.user_id).username
    overrides.set_override(s, exam, username, {"closes_at": at(minutes=60)}, None, at(minutes=12))
    reopened = overrides.reopen_attempt(s, attempt.id, None, at(minutes=12))
    assert reopened.status == "in_progress" and reopened.deadline == at(minutes=32)


def refused_with(s, attempt_id: int, now: datetime, words: str) -> None:
    before = snapshot(s, attempt_id)
    with pytest.raises(errors.ExamConflict, match=words):
        overrides.reopen_attempt(s, attempt_id, None, now)
    s.rollback()
    assert snapshot(s, attempt_id) == before


def test_only_an_attempt_ended_early_for_the_candidate_reopens(sitting):
    s, attempt = sitting
    refused_with(s, attempt.id, at(minutes=6), "still in progress")
    finalising.submit_attempt(s, attempt.id, attempt.user_id, at(minutes=8), GRACE)
    s.commit()
    refused_with(s, attempt.id, at(minutes=9), "submitted attempt .* themselves")


def test_an_attempt_whose_time_ran_out_does_not_reopen(sitting):
    s, attempt = sitting
    finalising.sweep(s, at(minutes=31), GRACE)
    assert snapshot(s, attempt.id)[3] == "deadline"
    refused_with(s, attempt.id, at(minutes=32), "time ran out")


def test_an_attempt_ended_at_its_deadline_does_not_reopen(sitting):
    s, attempt = sitting
    exam_room.force_submit(s, attempt.id, None, at(minutes=30, seconds=2))  # in the grace
    s.commit()
    refused_with(s, attempt.id, at(minutes=32), "ended at its deadline")


def test_only_the_latest_attempt_reopens(app, bank_id):
    user = make_user(app)
    exam_id = make_exam(app, bank_id, (user.username,), max_attempts=2)
    with app.app_context():
        s = db.session()
        first = make_attempt(app, exam_id, user, at())
        exam_room.force_submit(s, first.id, None, at(minutes=1))
        make_attempt(app, exam_id, user, at(minutes=2))
        refused_with(s, first.id, at(minutes=3), "later attempt")


def test_no_reopen_once_the_answers_were_shown(app, bank_id):
    users = [make_user(app) for _ in range(2)]
    exam_id = make_exam(app, bank_id, [u.username for u in users], review_policy="answers_after_close",
                        closes_at=at(minutes=20))
    with app.app_context():
        s = db.session()
        cut = make_attempt(app, exam_id, users[0], at())
        exam_room.force_submit(s, cut.id, None, at(minutes=5))
        make_attempt(app, exam_id, users[1], at(), submitted_at=at(minutes=6))
        refused_with(s, cut.id, at(minutes=21), "shown the answers")


def test_reopening_through_the_api_keeps_the_paper_and_its_saves(app, bank_id):
    proctor = make_client(app, "proctor")
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (candidate.user.username,))
    paper = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    attempt_id = paper["attempt_id"]
    first, second = paper["questions"][:2]
    url = f"/api/v1/attempts/{attempt_id}/answers"
    chosen = [first["options"][0]["id"]]
    assert candidate.put(f"{url}/{first['id']}", json={"options": chosen}).status_code == 200
    assert proctor.post(f"/api/v1/attempts/{attempt_id}/force-submit", json={}).status_code == 200
    assert candidate.put(f"{url}/{second['id']}", json={"options": []}).status_code == 409

    assert candidate.post(f"/api/v1/attempts/{attempt_id}/reopen", json={}).status_code == 403
    trainer = make_client(app, "trainer")
    assert trainer.post(f"/api/v1/attempts/{attempt_id}/reopen", json={}).status_code == 403
    assert proctor.post("/api/v1/attempts/999999/reopen", json={}).status_code == 404
    reopened = proctor.post(f"/api/v1/attempts/{attempt_id}/reopen", json={})
    assert reopened.status_code == 200, reopened.get_json()
    state = reopened.get_json()
    assert state["status"] == "in_progress" and "score" not in state
    left = datetime.fromisoformat(state["deadline"]) - utcnow()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)

    resumed = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert resumed.status_code == 200 and resumed.get_json()["attempt_id"] == attempt_id
    assert resumed.get_json()["answers"] == {str(first["id"]): chosen}
    saved = candidate.put(f"{url}/{second['id']}", json={"options": [second["options"][1]["id"]]})
    assert saved.status_code == 200 and saved.get_json()["revision"] == 1
    again = proctor.post(f"/api/v1/attempts/{attempt_id}/reopen", json={})
    assert again.status_code == 409 and "in progress" in again.get_json()["error"]["message"]
    room = proctor.get(f"/api/v1/exams/{exam_id}/room").get_json()["candidates"]
    assert room[0]["state"] == "in_progress" and room[0]["answered"] == 2


def test_a_reopened_attempt_is_announced_again_when_it_ends_again(app, bank_id):
    sent: list[int] = []

    def receive(attempt_id: int) -> None:
        sent.append(attempt_id)

    proctor = make_client(app, "proctor")
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (candidate.user.username,))
    attempt_id = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()["attempt_id"]
    attempt_finalised.connect(receive)
    try:
        proctor.post(f"/api/v1/attempts/{attempt_id}/force-submit", json={})
        assert proctor.post(f"/api/v1/attempts/{attempt_id}/reopen", json={}).status_code == 200
        assert sent == [attempt_id], "reopening ends nothing"
        candidate.post(f"/api/v1/attempts/{attempt_id}/submit", json={})
    finally:
        attempt_finalised.disconnect(receive)
    assert sent == [attempt_id, attempt_id]

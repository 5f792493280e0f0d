"""Editing and deleting an exam: anything before the first attempt, only what papers do not depend on
after it; running deadlines follow a new window or duration; a refusal changes nothing."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.audit.models import AuditLog
from examapp.auth.models import User
from examapp.db import utcnow
from examapp.exams import answers, errors, finalising
from examapp.exams import editing as exam_editing
from examapp.exams.models import Attempt, AttemptQuestion, Exam, ExamCandidate, ExamRule, ExamTicket
from tests.concurrency import second_waits_for_first
from tests.factories import (
    add_candidates,
    answer_key,
    at,
    make_attempt,
    make_bank,
    make_client,
    make_exam,
    make_user,
)

GRACE = 5.0


def definition(client, exam_id: int) -> dict:
    response = client.get(f"/api/v1/exams/{exam_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def audit(app, action: str) -> list[AuditLog]:
    with app.app_context():
        return list(db.session().scalars(select(AuditLog).where(AuditLog.action == action)))


def count(app, model, exam_id: int) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model).where(model.exam_id == exam_id))


@pytest.fixture
def started(app, bank_id):
    """An exam (room code R1) one candidate has started: (admin, candidate, exam id, paper)."""
    admin = make_client(app, "admin")
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (candidate.user.username,), room_code="R1")
    paper = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "R1"})
    assert paper.status_code == 201, paper.get_json()
    return admin, candidate, exam_id, paper.get_json()


# ---------------------------------------------------------------- before any attempt


def test_every_field_may_change_before_anyone_starts(app, bank_id):
    admin = make_client(app, "admin")
    exam_id = make_exam(app, bank_id)
    other_bank = make_bank(app, {"History": {"easy": 2, "hard": 3}})
    opens = utcnow().replace(microsecond=0) + timedelta(days=1)
    closes = opens + timedelta(hours=2)
    changes = {
        "title": "  Lịch sử Đảng — đợt 2  ", "bank_id": other_bank,
        "rules": [{"topic": "History", "difficulty": "easy", "count": 2, "points": 1.5},
                  {"topic": "History", "difficulty": "hard", "count": 3}],
        "duration_minutes": 45.5, "pass_percent": 70, "max_attempts": 3,
        "opens_at": opens.isoformat(), "closes_at": closes.isoformat(), "room_code": "P-2",
        "shuffle_questions": False, "shuffle_options": False, "review_policy": "answers_after_close",
        "partial_credit": True, "certificate": True, "grading": "average", "fresh_questions": True,
    }
    response = admin.patch(f"/api/v1/exams/{exam_id}", json=changes)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["changed"] == [
        "title", "bank_id", "rules", "duration_minutes", "pass_percent", "max_attempts", "opens_at",
        "closes_at", "shuffle_questions", "shuffle_options", "room_code", "certificate", "review_policy",
        "partial_credit", "grading", "fresh_questions"]
    shown = definition(admin, exam_id)
    effects = ("changed", "deadlines_moved", "results_changed")
    assert {k: v for k, v in body.items() if k not in effects} == shown
    assert shown["title"] == "Lịch sử Đảng — đợt 2" and shown["bank_id"] == other_bank
    assert [(r["topic"], r["difficulty"], r["count"], r["points"]) for r in shown["rules"]] == [
        ("History", "easy", 2, 1.5), ("History", "hard", 3, 1.0)]
    assert shown["question_count"] == 5 and shown["max_score"] == 6.0
    assert (shown["duration_minutes"], shown["pass_percent"], shown["max_attempts"]) == (45.5, 70.0, 3)
    assert (shown["opens_at"], shown["closes_at"]) == (
        opens.isoformat(timespec="milliseconds"), closes.isoformat(timespec="milliseconds"))
    assert (shown["room_code"], shown["review_policy"]) == ("P-2", "answers_after_close")
    assert (shown["shuffle_questions"], shown["shuffle_options"]) == (False, False)
    assert (shown["partial_credit"], shown["certificate"]) == (True, True)
    assert (shown["grading"], shown["fresh_questions"]) == ("average", True)
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(ExamRule)
                                   .where(ExamRule.exam_id == exam_id)) == 2
    [entry] = audit(app, "exam.update")
    assert entry.target == f"exam:{exam_id}" and entry.actor_id == admin.user.id
    assert entry.details["changes"]["title"] == ["Party rules test", "Lịch sử Đảng — đợt 2"]
    assert entry.details["changes"]["pass_percent"] == [50.0, 70.0]


def test_null_clears_the_window_and_the_room_code(app, bank_id):
    admin = make_client(app, "admin")
    exam_id = make_exam(app, bank_id, room_code="R9", opens_at=at(-5), closes_at=at(600))
    response = admin.patch(f"/api/v1/exams/{exam_id}",
                           json={"opens_at": None, "closes_at": None, "room_code": None})
    assert response.status_code == 200, response.get_json()
    shown = definition(admin, exam_id)
    assert (shown["opens_at"], shown["closes_at"], shown["room_code"]) == (None, None, None)


def test_sending_the_current_values_changes_nothing_and_records_nothing(app, bank_id):
    admin = make_client(app, "admin")
    exam_id = make_exam(app, bank_id)
    before = definition(admin, exam_id)
    response = admin.patch(f"/api/v1/exams/{exam_id}", json={
        "title": before["title"], "bank_id": bank_id, "pass_percent": 50, "duration_minutes": 30,
        "rules": [{"topic": "History", "difficulty": "easy", "count": 3},
                  {"topic": "History", "difficulty": "hard", "count": 2, "points": 2},
                  {"topic": "Party rules", "count": 4}]})
    assert response.status_code == 200 and response.get_json()["changed"] == []
    assert definition(admin, exam_id) == before
    assert audit(app, "exam.update") == []


def test_rules_asking_more_than_the_bank_has_are_refused_with_the_numbers(app, bank_id):
    admin = make_client(app, "admin")
    exam_id = make_exam(app, bank_id)
    before = definition(admin, exam_id)
    response = admin.patch(f"/api/v1/exams/{exam_id}", json={
        "title": "New title", "rules": [{"topic": "History", "difficulty": "hard", "count": 9}]})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == (
        "rule 1 (topic 'History', hard) asks for 9 questions; the bank has 4 active")
    assert definition(admin, exam_id) == before
    assert audit(app, "exam.update") == []


def test_a_new_bank_is_checked_against_the_blueprint(app, bank_id):
    admin = make_client(app, "admin")
    exam_id = make_exam(app, bank_id)
    small = make_bank(app, {"History": {"easy": 1}})
    before = definition(admin, exam_id)
    response = admin.patch(f"/api/v1/exams/{exam_id}", json={"bank_id": small})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "rule 1 (topic 'History', easy) asks for 3 questions; the bank has 1 active" in message
    assert "rule 3: the bank has no topic 'Party rules'" in message
    assert definition(admin, exam_id) == before


@pytest.mark.parametrize("change, status, words", [
    ({}, 400, "give at least one field to change"),
    ({"colour": "red"}, 400, "unknown field 'colour'"),
    ({"kind": "contest"}, 400, "unknown field 'kind'"),
    ({"title": None}, 400, "field 'title' cannot be null"),
    ({"title": "   "}, 400, "field 'title'"),
    ({"duration_minutes": "30"}, 400, "field 'duration_minutes'"),
    ({"duration_minutes": 0}, 400, "field 'duration_minutes'"),
    ({"pass_percent": 101}, 400, "field 'pass_percent'"),
    ({"max_attempts": 0}, 400, "field 'max_attempts'"),
    ({"review_policy": "always"}, 400, "field 'review_policy'"),
    ({"rules": []}, 400, "field 'rules'"),
    ({"opens_at": "2026-12-01T08:00:00"}, 400, "field 'opens_at'"),
    ({"closes_at": "2020-01-01T00:00:00+00:00"}, 400, "closes_at must be after opens_at"),
    ({"room_code": "P 1"}, 400, "room_code must be 1-40 letters, digits, '-' or '_'"),
    ({"bank_id": 999999}, 400, "there is no question bank 999999"),
    ({"bank_id": 2**31}, 400, "field 'bank_id': must be between"),
    ({"closes_at": "9999-12-31T23:59:00-05:00"}, 400, "field 'closes_at': must be a time between"),
    ({"room_code": "P\x001"}, 400, "field 'room_code': text may not contain the NUL character"),
])
def test_bad_changes_are_refused_and_change_nothing(app, bank_id, change, status, words):
    admin = make_client(app, "admin")
    exam_id = make_exam(app, bank_id, opens_at=at(-5))
    before = definition(admin, exam_id)
    response = admin.patch(f"/api/v1/exams/{exam_id}", json=change)
    assert response.status_code == status
    assert words in response.get_json()["error"]["message"]
    assert definition(admin, exam_id) == before
    assert audit(app, "exam.update") == []


# ---------------------------------------------------------------- once attempts exist


@pytest.mark.parametrize("change, field", [
    ({"bank_id": "other"}, "bank_id"),
    ({"rules": [{"topic": "History", "count": 5}]}, "rules"),
    ({"rules": [{"topic": "History", "difficulty": "easy", "count": 3, "points": 3},
                {"topic": "History", "difficulty": "hard", "count": 2, "points": 2},
                {"topic": "Party rules", "count": 4}]}, "rules"),
    ({"partial_credit": True}, "partial_credit"),
    ({"shuffle_questions": False}, "shuffle_questions"),
    ({"shuffle_options": False}, "shuffle_options"),
    ({"fresh_questions": True}, "fresh_questions"),
])
def test_what_papers_depend_on_is_fixed_once_a_candidate_started(app, started, change, field):
    admin, _, exam_id, _ = started
    if change.get("bank_id") == "other":
        change = {"bank_id": make_bank(app)}
    before = definition(admin, exam_id)
    response = admin.patch(f"/api/v1/exams/{exam_id}", json={"title": "Renamed", **change})
    assert response.status_code == 409
    message = response.get_json()["error"]["message"]
    assert message == (f"candidates have already started this exam (attempts: 1), so {field} can no longer "
                       "change: the papers already drawn would not match; define a new exam instead")
    assert definition(admin, exam_id) == before


def test_every_fixed_field_sent_is_named(started):
    admin, _, exam_id, _ = started
    response = admin.patch(f"/api/v1/exams/{exam_id}",
                           json={"partial_credit": True, "shuffle_options": False})
    assert response.status_code == 409
    message = response.get_json()["error"]["message"]
    assert "so shuffle_options, partial_credit can no longer change" in message


def test_settings_papers_do_not_depend_on_may_change_after_the_start(app, started):
    admin, candidate, exam_id, paper = started
    response = admin.patch(f"/api/v1/exams/{exam_id}", json={
        "title": "Renamed", "room_code": "R2", "review_policy": "none", "max_attempts": 2,
        "certificate": True, "opens_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "shuffle_questions": True, "partial_credit": False})  # unchanged values are no change
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["changed"] == ["title", "max_attempts", "opens_at", "room_code", "certificate",
                                              "review_policy"]
    shown = definition(admin, exam_id)
    assert (shown["title"], shown["room_code"], shown["review_policy"]) == ("Renamed", "R2", "none")
    assert (shown["max_attempts"], shown["certificate"]) == (2, True)
    # The candidate's paper is untouched and resumes without the new room code.
    resumed = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert resumed.status_code == 200 and resumed.get_json()["questions"] == paper["questions"]


def test_a_new_pass_mark_rederives_pass_and_fail_of_submitted_attempts(app, started):
    admin, candidate, exam_id, paper = started
    with app.app_context():
        s = db.session()
        attempt = s.get(Attempt, paper["attempt_id"])
        questions = sorted(paper["questions"], key=lambda q: q["points"])[:5]
        for question in questions:  # 5 of the 11 points: failed at 50%
            frozen = s.scalar(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id,
                                                            AttemptQuestion.question_id == question["id"]))
            answers.save_answer(s, attempt.id, attempt.user_id, question["id"], utcnow(), GRACE,
                                      answer_key(frozen))
        s.commit()
    result = candidate.post(f"/api/v1/attempts/{paper['attempt_id']}/submit").get_json()
    assert (result["score"], result["max_score"], result["passed"]) == (5.0, 11.0, False)

    response = admin.patch(f"/api/v1/exams/{exam_id}", json={"pass_percent": 45})
    assert response.status_code == 200 and response.get_json()["results_changed"] == 1
    state = candidate.get(f"/api/v1/attempts/{paper['attempt_id']}").get_json()
    assert state["passed"] is True and state["score"] == 5.0
    back = admin.patch(f"/api/v1/exams/{exam_id}", json={"pass_percent": 45.46})  # 5/11 = 45.45..%
    assert back.get_json()["results_changed"] == 1
    assert candidate.get(f"/api/v1/attempts/{paper['attempt_id']}").get_json()["passed"] is False
    assert [e.details["results_changed"] for e in audit(app, "exam.update")] == [1, 1]


# ---------------------------------------------------------------- running deadlines


@pytest.fixture
def sitting(app, bank_id):
    """(session, admin, start): start(exam_id, minutes, extra, submitted_at) begins an attempt `minutes`
    after T0, submitted at `submitted_at` if given."""
    with app.app_context():
        s = db.session()
        admin = make_user(app, "admin")

        def start(exam_id: int, minutes: float = 0.0, extra: float | None = None,
                  submitted_at: datetime | None = None) -> Attempt:
            user = make_user(app)
            add_candidates(app, exam_id, [user.username], extra)
            return make_attempt(app, exam_id, user, at(minutes), submitted_at=submitted_at)

        yield s, admin, start


def edit(s, admin, exam_id: int, when, **changes) -> exam_editing.ExamUpdate:
    update = exam_editing.update_exam(s, s.get(Exam, exam_id), changes, admin, when)
    s.commit()
    return update


def deadline(s, attempt: Attempt):
    return s.get(Attempt, attempt.id, populate_existing=True).deadline


def test_moving_the_close_moves_running_deadlines_within_start_duration_and_extra(app, bank_id, sitting):
    s, admin, start = sitting
    exam_id = make_exam(app, bank_id, duration_minutes=30, opens_at=at(-10), closes_at=at(120))
    plain, extended = start(exam_id), start(exam_id, minutes=2, extra=10)
    assert (deadline(s, plain), deadline(s, extended)) == (at(30), at(42))

    update = edit(s, admin, exam_id, at(5), closes_at=at(35))
    assert update.deadlines_moved == 1  # the plain attempt already ends before 35
    assert (deadline(s, plain), deadline(s, extended)) == (at(30), at(35))

    update = edit(s, admin, exam_id, at(6), closes_at=at(200))
    assert update.deadlines_moved == 1
    assert (deadline(s, plain), deadline(s, extended)) == (at(30), at(42))

    update = edit(s, admin, exam_id, at(7), closes_at=None)
    assert update.deadlines_moved == 0
    assert [e.details["deadlines_moved"] for e in audit(app, "exam.update")] == [1, 1, 0]


def test_a_longer_duration_extends_running_attempts(app, bank_id, sitting):
    s, admin, start = sitting
    exam_id = make_exam(app, bank_id, duration_minutes=30, opens_at=at(-10), closes_at=at(60))
    first, second = start(exam_id), start(exam_id, minutes=10, extra=5)
    update = edit(s, admin, exam_id, at(12), duration_minutes=45)
    assert update.deadlines_moved == 2
    assert (deadline(s, first), deadline(s, second)) == (at(45), at(60))  # 10 + 45 + 5, bounded by the close


def test_a_shorter_duration_applies_only_to_attempts_started_afterwards(app, bank_id, sitting):
    s, admin, start = sitting
    exam_id = make_exam(app, bank_id, duration_minutes=30, opens_at=at(-10))
    running = start(exam_id)
    update = edit(s, admin, exam_id, at(25), duration_minutes=20)
    assert update.deadlines_moved == 0 and deadline(s, running) == at(30)
    later = start(exam_id, minutes=26)
    assert deadline(s, later) == at(46)
    # A later extension counts from the longer of the two durations for the attempt still running.
    edit(s, admin, exam_id, at(27), duration_minutes=40)
    assert (deadline(s, running), deadline(s, later)) == (at(40), at(66))


def test_attempts_whose_time_is_up_are_not_revived(app, bank_id, sitting):
    s, admin, start = sitting
    exam_id = make_exam(app, bank_id, duration_minutes=30, opens_at=at(-10))
    expired = start(exam_id)
    update = edit(s, admin, exam_id, at(31), duration_minutes=60)
    assert update.deadlines_moved == 0 and deadline(s, expired) == at(30)


def test_the_close_cannot_move_into_the_past_while_attempts_run(app, bank_id, sitting):
    s, admin, start = sitting
    exam_id = make_exam(app, bank_id, duration_minutes=30, opens_at=at(-10), closes_at=at(60))
    running = start(exam_id)
    with pytest.raises(errors.ExamConflict, match="to end it now, close the room"):
        exam_editing.update_exam(s, s.get(Exam, exam_id), {"closes_at": at(4), "title": "X"}, admin, at(5))
    s.rollback()
    exam = s.get(Exam, exam_id, populate_existing=True)
    assert (exam.closes_at, exam.title, deadline(s, running)) == (at(60), "Party rules test", at(30))


def test_once_every_attempt_is_submitted_the_close_may_move_into_the_past(app, bank_id, sitting):
    s, admin, start = sitting
    exam_id = make_exam(app, bank_id, duration_minutes=30, opens_at=at(-10), closes_at=at(60))
    start(exam_id, submitted_at=at(3))
    edit(s, admin, exam_id, at(5), closes_at=at(4))
    assert s.get(Exam, exam_id, populate_existing=True).closes_at == at(4)


@pytest.mark.parametrize("change", [{"closes_at": at(200)}, {"closes_at": None}, {"max_attempts": 2}])
def test_an_exam_that_showed_its_answers_cannot_be_reopened_or_retaken(app, bank_id, sitting, change):
    s, admin, start = sitting
    exam_id = make_exam(app, bank_id, duration_minutes=30, opens_at=at(-10), closes_at=at(60),
                        review_policy="answers_after_close")
    start(exam_id, submitted_at=at(3))
    with pytest.raises(errors.ExamConflict, match="shown the answers"):
        exam_editing.update_exam(s, s.get(Exam, exam_id), change, admin, at(61))
    s.rollback()
    exam = s.get(Exam, exam_id, populate_existing=True)
    assert (exam.closes_at, exam.max_attempts) == (at(60), 1)
    # Before the close nothing was shown yet, and without answer review nothing is shown at all.
    edit(s, admin, exam_id, at(59), **change)
    other = make_exam(app, bank_id, duration_minutes=30, opens_at=at(-10), closes_at=at(60),
                      review_policy="score")
    start(other, submitted_at=at(3))
    edit(s, admin, other, at(61), **change)


# ---------------------------------------------------------------- who may edit


def test_a_trainer_edits_exams_over_own_banks_only(app):
    trainer = make_client(app, "trainer")
    other = make_client(app, "trainer")
    own = make_exam(app, make_bank(app, owner=trainer.user))
    foreign = make_exam(app, make_bank(app, owner=other.user))
    assert trainer.patch(f"/api/v1/exams/{own}", json={"title": "Mine"}).status_code == 200
    before = definition(other, foreign)
    response = trainer.patch(f"/api/v1/exams/{foreign}", json={"title": "Not mine"})
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "you may not manage this exam"
    assert definition(other, foreign) == before
    # Nor may they move their own exam onto another trainer's bank.
    theirs = make_bank(app, owner=other.user)
    moved = trainer.patch(f"/api/v1/exams/{own}", json={"bank_id": theirs})
    assert moved.status_code == 403
    assert moved.get_json()["error"]["message"] == "trainers define exams only on their own banks"
    assert definition(trainer, own)["bank_id"] != theirs


def test_candidates_proctors_and_strangers_cannot_edit_or_delete(app, started, client):
    admin, candidate, exam_id, _ = started
    proctor = make_client(app, "proctor")
    before = definition(admin, exam_id)
    for caller in (candidate, proctor):
        assert caller.patch(f"/api/v1/exams/{exam_id}", json={"title": "X"}).status_code == 403
        assert caller.delete(f"/api/v1/exams/{exam_id}").status_code == 403
    assert client.patch(f"/api/v1/exams/{exam_id}", json={"title": "X"}).status_code == 401
    assert client.delete(f"/api/v1/exams/{exam_id}").status_code == 401
    assert admin.patch("/api/v1/exams/999999", json={"title": "X"}).status_code == 404
    assert admin.delete("/api/v1/exams/999999").status_code == 404
    assert definition(admin, exam_id) == before


# ---------------------------------------------------------------- deleting


def test_an_exam_nobody_started_is_deleted_with_its_candidates_and_tickets(app, bank_id):
    admin = make_client(app, "admin")
    names = tuple(make_user(app, "candidate").username for _ in range(2))
    exam_id = make_exam(app, bank_id, names)
    assert admin.post(f"/api/v1/exams/{exam_id}/tickets", json={}).status_code == 201
    assert (count(app, ExamCandidate, exam_id), count(app, ExamTicket, exam_id)) == (2, 2)

    response = admin.delete(f"/api/v1/exams/{exam_id}")
    assert response.status_code == 204 and response.get_data() == b""
    assert admin.get(f"/api/v1/exams/{exam_id}").status_code == 404
    assert (count(app, ExamCandidate, exam_id), count(app, ExamTicket, exam_id)) == (0, 0)
    assert count(app, ExamRule, exam_id) == 0
    [entry] = audit(app, "exam.delete")
    assert entry.target == f"exam:{exam_id}" and entry.actor_id == admin.user.id
    assert entry.details == {"title": "Party rules test", "bank_id": bank_id, "candidates": 2, "tickets": 2}
    assert admin.delete(f"/api/v1/exams/{exam_id}").status_code == 404


def test_an_exam_with_attempts_is_not_deleted(app, started):
    admin, candidate, exam_id, paper = started
    response = admin.delete(f"/api/v1/exams/{exam_id}")
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == (
        "candidates have already started this exam (attempts: 1), so it cannot be deleted: their results "
        "must stay; close the exam instead")
    assert definition(admin, exam_id)["id"] == exam_id
    assert count(app, ExamCandidate, exam_id) == 1 and count(app, Attempt, exam_id) == 1
    assert candidate.get(f"/api/v1/attempts/{paper['attempt_id']}").get_json()["status"] == "in_progress"
    assert audit(app, "exam.delete") == []


def test_a_trainer_deletes_exams_over_own_banks_only(app):
    trainer = make_client(app, "trainer")
    other = make_client(app, "trainer")
    own = make_exam(app, make_bank(app, owner=trainer.user))
    foreign = make_exam(app, make_bank(app, owner=other.user))
    assert trainer.delete(f"/api/v1/exams/{foreign}").status_code == 403
    assert definition(other, foreign)["id"] == foreign
    assert trainer.delete(f"/api/v1/exams/{own}").status_code == 204


def test_the_api_describes_editing_and_deleting(client):
    operations = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/exams/{exam_id}"]
    assert "ExamChangesBody" in str(operations["patch"]["requestBody"])
    assert "204" in operations["delete"]["responses"]


def test_service_refuses_fields_that_never_change(app, bank_id, sitting):
    s, admin, _ = sitting
    exam_id = make_exam(app, bank_id)
    with pytest.raises(errors.ExamInvalid, match="these fields cannot be changed: kind"):
        exam_editing.update_exam(s, s.get(Exam, exam_id), {"kind": "contest"}, admin, at())
    assert s.get(Exam, exam_id).pass_percent == Decimal(50)



def test_cookie_calls_need_json_or_the_csrf_token(csrf_on, app, bank_id):
    admin = make_client(app, "admin")
    exam_id = make_exam(app, bank_id)
    assert admin.delete(f"/api/v1/exams/{exam_id}").status_code == 400  # a plain cross-site form cannot
    assert definition(admin, exam_id)["id"] == exam_id
    assert admin.patch(f"/api/v1/exams/{exam_id}", json={"title": "Renamed"}).status_code == 200
    assert admin.delete(f"/api/v1/exams/{exam_id}", content_type="application/json").status_code == 204


def test_grading_during_a_pass_mark_edit_waits_and_uses_the_new_mark(app, started):
    """The submit queues behind the edit on the exam row, so it grades with the committed mark."""
    if app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: the grading cannot overlap the edit there")
    admin_client, candidate, exam_id, paper = started
    passed: dict[str, bool] = {}

    def editing(edited: threading.Event, release: threading.Event) -> None:
        with app.app_context():
            s = db.session()
            admin = s.scalar(select(User).where(User.role == "admin"))
            exam_editing.update_exam(s, s.get(Exam, exam_id), {"pass_percent": Decimal(0)}, admin, utcnow())
            edited.set()
            release.wait(30)
            s.commit()

    def grading() -> None:
        with app.app_context():
            s = db.session()
            finalising.finalise_attempt(s, paper["attempt_id"], utcnow(), "candidate")
            s.commit()
            passed["passed"] = s.get(Attempt, paper["attempt_id"]).passed

    second_waits_for_first(editing, grading)
    assert passed == {"passed": True}  # nothing answered: only a 0% pass mark passes it

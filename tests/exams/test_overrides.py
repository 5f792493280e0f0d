"""A proctor's override for one candidate: their own window, extra time and extra attempts; audited,
followed by their views, and refused (changing nothing) where it would let them sit with the key."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from examapp import db
from examapp.audit.models import AuditLog
from examapp.auth.models import User
from examapp.db import utcnow
from examapp.exams import attempts, editing, errors, overrides
from examapp.exams.models import Attempt, Exam, ExamCandidate
from tests.factories import make_bank, make_client, make_exam, make_tickets, make_user


def when(moment: datetime) -> str:
    return moment.isoformat()


def parsed(text: str) -> datetime:
    return datetime.fromisoformat(text)


def candidate_row(app, exam_id: int, username: str) -> tuple:
    with app.app_context():
        c = db.session().scalar(select(ExamCandidate).join(User, User.id == ExamCandidate.user_id)
                                .where(ExamCandidate.exam_id == exam_id, User.username == username))
        return c.opens_at, c.closes_at, c.extra_minutes, c.extra_attempts


def audits(app, action: str = "exam.override") -> list[AuditLog]:
    with app.app_context():
        return list(db.session().scalars(select(AuditLog).where(AuditLog.action == action)))


@pytest.fixture
def closed(app, bank_id):
    """An exam that closed an hour ago, with a candidate who missed it: (proctor, candidate, exam id)."""
    proctor = make_client(app, "proctor")
    candidate = make_client(app, "candidate")
    now = utcnow()
    exam_id = make_exam(app, bank_id, (candidate.user.username,), opens_at=now - timedelta(hours=3),
                        closes_at=now - timedelta(hours=1))
    return proctor, candidate, exam_id


def test_an_own_window_lets_a_candidate_sit_a_closed_exam(app, closed):
    proctor, candidate, exam_id = closed
    username = candidate.user.username
    assert candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={}).status_code == 409
    closes = utcnow().replace(microsecond=0) + timedelta(minutes=20)
    given = proctor.post(f"/api/v1/exams/{exam_id}/overrides", json={
        "username": username, "closes_at": when(closes), "extra_minutes": 5})
    assert given.status_code == 200, given.get_json()
    body = given.get_json()
    assert body["changed"] == ["closes_at", "extra_minutes"] and parsed(body["window"]["closes_at"]) == closes
    view = candidate.get(f"/api/v1/exams/{exam_id}").get_json()
    assert view["state"] == "open" and parsed(view["closes_at"]) == closes and view["attempts_left"] == 1

    started = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert started.status_code == 201, started.get_json()
    assert parsed(started.get_json()["deadline"]) == closes, "30 + 5 minutes would end after their close"
    [entry] = audits(app)
    assert entry.details["username"] == username
    assert entry.details["before"] == {"closes_at": None, "extra_minutes": 0.0}
    assert entry.details["after"]["extra_minutes"] == 5
    assert parsed(entry.details["after"]["closes_at"]) == closes


def test_an_own_opening_keeps_a_candidate_waiting(app, bank_id):
    proctor = make_client(app, "proctor")
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (candidate.user.username,))
    later = utcnow() + timedelta(hours=1)
    assert proctor.post(f"/api/v1/exams/{exam_id}/overrides", json={
        "username": candidate.user.username, "opens_at": when(later)}).status_code == 200
    assert candidate.get(f"/api/v1/exams/{exam_id}").get_json()["state"] == "upcoming"
    refused = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert refused.status_code == 409 and "opens at" in refused.get_json()["error"]["message"]
    back = proctor.post(f"/api/v1/exams/{exam_id}/overrides", json={
        "username": candidate.user.username, "opens_at": None})
    assert back.get_json()["opens_at"] is None
    assert candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={}).status_code == 201


def test_extra_attempts_come_on_top_of_the_exams(app, bank_id):
    proctor = make_client(app, "proctor")
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (candidate.user.username,))
    first = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    candidate.post(f"/api/v1/attempts/{first['attempt_id']}/submit")
    assert candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={}).status_code == 409
    given = proctor.post(f"/api/v1/exams/{exam_id}/overrides",
                         json={"username": candidate.user.username, "extra_attempts": 1})
    assert given.get_json()["attempts_allowed"] == 2
    view = candidate.get(f"/api/v1/exams/{exam_id}").get_json()
    assert (view["max_attempts"], view["attempts_left"]) == (2, 1)
    second = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert second.status_code == 201 and second.get_json()["number"] == 2
    candidate.post(f"/api/v1/attempts/{second.get_json()['attempt_id']}/submit")
    refused = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert refused.status_code == 409 and "all 2 attempt" in refused.get_json()["error"]["message"]


def test_an_attempt_in_progress_follows_the_new_time(app, bank_id):
    proctor = make_client(app, "proctor")
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (candidate.user.username,))
    paper = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    username = candidate.user.username
    longer = proctor.post(f"/api/v1/exams/{exam_id}/overrides", json={"username": username,
                                                                      "extra_minutes": 10})
    assert parsed(longer.get_json()["deadline"]) - parsed(paper["deadline"]) == timedelta(minutes=10)
    close = utcnow().replace(microsecond=0) + timedelta(minutes=15)
    cut = proctor.post(f"/api/v1/exams/{exam_id}/overrides", json={"username": username,
                                                                   "closes_at": when(close)})
    assert parsed(cut.get_json()["deadline"]) == close
    state = candidate.get(f"/api/v1/attempts/{paper['attempt_id']}").get_json()
    assert parsed(state["deadline"]) == close

    before = candidate_row(app, exam_id, username)
    past = proctor.post(f"/api/v1/exams/{exam_id}/overrides", json={
        "username": username, "closes_at": when(utcnow() - timedelta(minutes=1))})
    assert past.status_code == 409 and "force submit" in past.get_json()["error"]["message"]
    assert candidate_row(app, exam_id, username) == before
    assert parsed(candidate.get(f"/api/v1/attempts/{paper['attempt_id']}").get_json()["deadline"]) == close


@pytest.mark.parametrize("body, status, words", [
    ({"username": "nobody"}, 404, "no user 'nobody'"),
    ({"username": "", "extra_attempts": 1}, 400, "username"),
    ({"extra_attempts": 1}, 400, "username"),
    ({"username": "U", "extra_attempts": -1}, 400, "extra_attempts"),
    ({"username": "U", "extra_attempts": 101}, 400, "extra_attempts"),
    ({"username": "U", "extra_attempts": "2"}, 400, "extra_attempts"),
    ({"username": "U", "extra_minutes": 1441}, 400, "extra_minutes"),
    ({"username": "U", "closes_at": "2026-12-01T08:00:00"}, 400, "closes_at"),
    ({"username": "U", "closes_at": "tomorrow"}, 400, "closes_at"),
    ({"username": "U", "window": "all day"}, 400, "unknown field 'window'"),
    ({"username": "U", "opens_at": "2030-01-02T08:00:00+07:00", "closes_at": "2030-01-02T07:00:00+07:00"},
     400, "not after it opens"),
])
def test_bad_overrides_are_refused_and_change_nothing(app, bank_id, body, status, words):
    proctor = make_client(app, "proctor")
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (candidate.user.username,))
    body = {k: (candidate.user.username if v == "U" else v) for k, v in body.items()}
    refused = proctor.post(f"/api/v1/exams/{exam_id}/overrides", json=body)
    assert refused.status_code == status and words in refused.get_json()["error"]["message"]
    assert candidate_row(app, exam_id, candidate.user.username) == (None, None, 0.0, 0)
    assert audits(app) == []


def test_a_close_before_the_exams_opening_is_refused(app, bank_id):
    proctor = make_client(app, "proctor")
    candidate = make_client(app, "candidate")
    opens = utcnow() + timedelta(days=2)
    exam_id = make_exam(app, bank_id, (candidate.user.username,), opens_at=opens,
                        closes_at=opens + timedelta(hours=2))
    refused = proctor.post(f"/api/v1/exams/{exam_id}/overrides", json={
        "username": candidate.user.username, "closes_at": when(opens - timedelta(hours=1))})
    assert refused.status_code == 400 and "not after it opens" in refused.get_json()["error"]["message"]
    assert candidate_row(app, exam_id, candidate.user.username) == (None, None, 0.0, 0)


def test_someone_not_assigned_to_the_exam_is_refused(app, bank_id):
    proctor = make_client(app, "proctor")
    outsider = make_user(app, "candidate")
    exam_id = make_exam(app, bank_id, ())
    refused = proctor.post(f"/api/v1/exams/{exam_id}/overrides", json={"username": outsider.username,
                                                                       "extra_attempts": 1})
    assert refused.status_code == 400
    assert "not a candidate of this exam" in refused.get_json()["error"]["message"]
    with app.app_context():
        assert db.session().scalar(select(ExamCandidate).where(ExamCandidate.exam_id == exam_id)) is None


def test_once_the_answers_were_shown_nobody_may_sit_again(app, bank_id):
    proctor = make_client(app, "proctor")
    done, missed = make_client(app, "candidate"), make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (done.user.username, missed.user.username),
                        review_policy="answers_after_close")
    paper = done.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    done.post(f"/api/v1/attempts/{paper['attempt_id']}/submit")
    proctor.post(f"/api/v1/exams/{exam_id}/close", json={})
    assert "review" in done.get(f"/api/v1/attempts/{paper['attempt_id']}").get_json()
    for user in (done, missed):
        for body in ({"closes_at": when(utcnow() + timedelta(hours=1))}, {"extra_attempts": 1}):
            refused = proctor.post(f"/api/v1/exams/{exam_id}/overrides",
                                   json={"username": user.user.username, **body})
            assert refused.status_code == 409
            assert "shown the answers" in refused.get_json()["error"]["message"]
            assert candidate_row(app, exam_id, user.user.username) == (None, None, 0.0, 0)
    harmless = proctor.post(f"/api/v1/exams/{exam_id}/overrides",
                            json={"username": missed.user.username, "extra_minutes": 5})
    assert harmless.status_code == 200
    assert missed.post(f"/api/v1/exams/{exam_id}/attempts", json={}).status_code == 409


def test_the_key_waits_until_every_candidates_own_window_has_closed(app, bank_id):
    proctor = make_client(app, "proctor")
    done, later = make_client(app, "candidate"), make_client(app, "candidate")
    now = utcnow()
    exam_id = make_exam(app, bank_id, (done.user.username, later.user.username),
                        review_policy="answers_after_close", closes_at=now + timedelta(hours=1))
    own_close = now + timedelta(hours=2)
    assert proctor.post(f"/api/v1/exams/{exam_id}/overrides", json={
        "username": later.user.username, "closes_at": when(own_close)}).status_code == 200
    paper = done.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    done.post(f"/api/v1/attempts/{paper['attempt_id']}/submit")
    with app.app_context():
        s = db.session()
        attempt = s.get(Attempt, paper["attempt_id"])
        between = now + timedelta(hours=1, minutes=30)
        assert "review" not in attempts.attempt_result(s, attempt, between)
        assert not editing.answers_were_shown(s, s.get(Exam, exam_id), between)
        assert "review" in attempts.attempt_result(s, attempt, own_close)
        assert editing.answers_were_shown(s, s.get(Exam, exam_id), own_close)


def test_who_may_give_an_override(app):
    owner = make_client(app, "trainer")
    bank = make_bank(app, owner=owner.user)
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, bank, (candidate.user.username,))
    body = {"username": candidate.user.username, "extra_attempts": 1}
    assert owner.post(f"/api/v1/exams/{exam_id}/overrides", json=body).status_code == 200
    assert make_client(app, "admin").post(f"/api/v1/exams/{exam_id}/overrides", json=body).status_code == 200
    listed = owner.get(f"/api/v1/exams/{exam_id}/overrides").get_json()["overrides"]
    assert [(o["username"], o["extra_attempts"]) for o in listed] == [(candidate.user.username, 1)]
    other = make_client(app, "trainer")
    assert other.post(f"/api/v1/exams/{exam_id}/overrides",
                      json={**body, "extra_attempts": 3}).status_code == 403
    assert candidate.post(f"/api/v1/exams/{exam_id}/overrides",
                          json={**body, "extra_attempts": 3}).status_code == 403
    assert candidate_row(app, exam_id, candidate.user.username)[3] == 1


def test_a_ticket_logs_in_within_the_candidates_own_window(app, closed):
    proctor, candidate, exam_id = closed
    [ticket] = make_tickets(app, exam_id).values()
    refused = app.test_client().post("/api/v1/auth/ticket", json={"ticket": ticket})
    assert refused.status_code == 401 and "closed at" in refused.get_json()["error"]["message"]
    proctor.post(f"/api/v1/exams/{exam_id}/overrides", json={
        "username": candidate.user.username, "closes_at": when(utcnow() + timedelta(hours=1))})
    assert app.test_client().post("/api/v1/auth/ticket", json={"ticket": ticket}).status_code == 200


@pytest.mark.parametrize("changes, words", [
    ({"opens_at": datetime(2030, 1, 1, 8, 0)}, "opens_at needs a time zone"),
    ({"extra_minutes": float("nan")}, "extra_minutes must be between 0"),
    ({"extra_minutes": True}, "extra_minutes must be between 0"),
    ({"extra_attempts": 1.5}, "extra_attempts must be between 0"),
    ({"max_attempts": 5}, "cannot be overridden: max_attempts"),
])
def test_the_service_refuses_what_the_api_would(app, bank_id, changes, words):
    name = make_user(app, "candidate").username
    exam_id = make_exam(app, bank_id, (name,))
    with app.app_context():
        s = db.session()
        with pytest.raises(errors.ExamInvalid, match=words):
            overrides.set_override(s, s.get(Exam, exam_id), name, changes, None, utcnow())
        s.rollback()
    assert candidate_row(app, exam_id, name) == (None, None, 0.0, 0)

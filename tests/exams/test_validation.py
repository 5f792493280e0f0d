"""Bad exam input gets a clear 4xx naming what is wrong, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.banks.models import Question
from examapp.exams.models import Exam, ExamCandidate, ExamRule
from tests.factories import make_bank, make_client, make_exam

GOOD = {"title": "T", "rules": [{"topic": "History", "difficulty": "hard", "count": 2}],
        "duration_minutes": 10, "pass_percent": 50}


def exams_written(app) -> int:
    with app.app_context():
        s = db.session()
        return s.scalar(select(func.count()).select_from(Exam)) + s.scalar(
            select(func.count()).select_from(ExamRule))


@pytest.mark.parametrize("change, words", [
    ({"colour": "red"}, "unknown field 'colour'"),
    ({"duration_minutes": "ten"}, "duration_minutes"),
    ({"max_attempts": "2"}, "max_attempts"),
    ({"shuffle_questions": "yes"}, "shuffle_questions"),
    ({"rules": [{"topic": "History", "count": "2"}]}, "rules.0.count"),
    ({"rules": [{"topic": "History", "count": 2, "weight": 1}]}, "unknown field 'rules.0.weight'"),
    ({"rules": []}, "rules"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"pass_percent": 101}, "pass_percent"),
    ({"review_policy": "always"}, "review_policy"),
    ({"opens_at": "2026-12-01T08:00:00"}, "opens_at"),
    ({"title": None}, "title"),
    ({"rules": [{"topic": "History", "difficulty": "hard", "count": 2, "points": 0.001}]},
     "rule 1: points may have at most two decimals"),
    ({"title": "Kiểm tra\x00"}, "field 'title': text may not contain the NUL character"),
    ({"rules": [{"topic": "History\x00", "count": 2}]}, "field 'rules.0.topic': text may not contain"),
    ({"bank_id": 99999999999}, "field 'bank_id': must be between -2147483648 and 2147483647"),
    ({"max_attempts": 2**31}, "field 'max_attempts'"),
    ({"opens_at": "0000-01-01T00:00:00Z"}, "field 'opens_at'"),
    ({"closes_at": "99999-01-01T00:00:00Z"}, "field 'closes_at'"),
    # In UTC these are before year 1 and after year 9999: the time zone shift overflows.
    ({"opens_at": "0001-01-01T00:00:00+05:00"}, "field 'opens_at': must be a time between 1900-01-01"),
    ({"closes_at": "9999-12-31T23:59:00-05:00"}, "field 'closes_at': must be a time between 1900-01-01"),
    ({"opens_at": "1899-12-31T23:59:59Z"}, "field 'opens_at': must be a time between"),
])
def test_malformed_exam_bodies_are_refused(app, bank_id, change, words):
    admin = make_client(app, "admin")
    response = admin.post("/api/v1/exams", json={**GOOD, "bank_id": bank_id, **change})
    assert response.status_code == 400, response.get_json()
    assert words in response.get_json()["error"]["message"]
    assert exams_written(app) == 0


def test_a_rule_asking_for_more_than_the_bank_has_is_refused_with_the_numbers(app, bank_id):
    admin = make_client(app, "admin")
    body = {**GOOD, "bank_id": bank_id, "rules": [
        {"topic": "History", "difficulty": "easy", "count": 2},
        {"topic": "History", "difficulty": "hard", "count": 12}]}
    response = admin.post("/api/v1/exams", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == (
        "rule 2 (topic 'History', hard) asks for 12 questions; the bank has 4 active")
    assert exams_written(app) == 0


def test_every_problem_is_listed_at_once(app, bank_id):
    admin = make_client(app, "admin")
    body = {**GOOD, "bank_id": bank_id, "closes_at": "2026-01-01T00:00:00Z",
            "opens_at": "2026-02-01T00:00:00Z",
            "rules": [{"topic": "Nope", "count": 1}, {"count": 99}]}
    message = admin.post("/api/v1/exams", json=body).get_json()["error"]["message"]
    assert "closes_at must be after opens_at" in message
    assert "rule 1: the bank has no topic 'Nope'" in message
    assert "rule 2 (any topic, any difficulty) asks for 99 questions; the bank has 24 active" in message


def test_overlapping_rules_are_refused(app, bank_id):
    admin = make_client(app, "admin")
    body = {**GOOD, "bank_id": bank_id, "rules": [{"topic": "History", "count": 2},
                                                  {"topic": "History", "difficulty": "hard", "count": 1}]}
    response = admin.post("/api/v1/exams", json=body)
    assert response.status_code == 400 and "overlaps rule 1" in response.get_json()["error"]["message"]


def test_rule_without_points_over_questions_of_different_points_is_refused(app):
    admin = make_client(app, "admin")
    bank_id = make_bank(app, {"A": {"easy": 2}})
    with app.app_context():
        s = db.session()
        s.scalars(select(Question)).first().points = 3
        s.commit()
    body = {**GOOD, "bank_id": bank_id, "rules": [{"topic": "A", "count": 1}]}
    response = admin.post("/api/v1/exams", json=body)
    assert response.status_code == 400
    assert "different points (1, 3)" in response.get_json()["error"]["message"]
    body["rules"][0]["points"] = 2
    assert admin.post("/api/v1/exams", json=body).status_code == 201


def test_an_unknown_bank_is_refused(app):
    admin = make_client(app, "admin")
    response = admin.post("/api/v1/exams", json={**GOOD, "bank_id": 424242})
    assert response.status_code == 400
    assert "no question bank 424242" in response.get_json()["error"]["message"]


def test_a_body_that_is_not_json_is_refused(app, bank_id):
    admin = make_client(app, "admin")
    response = admin.post("/api/v1/exams", data="title=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 415)
    assert exams_written(app) == 0


def test_answer_bodies_are_checked(app, bank_id):
    alice = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.user.username,))
    paper = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    url = f"/api/v1/attempts/{paper['attempt_id']}/answers/{paper['questions'][0]['id']}"
    assert alice.put(url, json={"options": "1"}).status_code == 400
    assert alice.put(url, json={"options": ["1"]}).status_code == 400
    assert alice.put(url, json={"options": [], "extra": 1}).status_code == 400
    assert alice.put(url, json={"flagged": "yes"}).status_code == 400
    empty = alice.put(url, json={})
    assert empty.status_code == 400 and "options" in empty.get_json()["error"]["message"]
    assert alice.put(url, json={"flagged": True}).get_json()["revision"] == 1
    resumed = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    assert resumed["answers"] == {str(paper["questions"][0]["id"]): []}


def test_candidate_bodies_are_checked(app, bank_id):
    admin = make_client(app, "admin")
    exam_id = make_exam(app, bank_id)
    url = f"/api/v1/exams/{exam_id}/candidates"
    assert admin.post(url, json={}).status_code == 400
    assert admin.post(url, json={"usernames": ["a"], "unit": "U"}).status_code == 400
    assert admin.post(url, json={"usernames": "alice"}).status_code == 400
    assert admin.post(url, json={"usernames": ["x"], "extra_minutes": -1}).status_code == 400
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(ExamCandidate)) == 0

"""Each rule that keeps a paper honest, as its own test: 404 / 422 / 409 / 403."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.db import utcnow
from examapp.exams.definitions import RuleSpec
from examapp.exams.models import Answer, Attempt, AttemptQuestion
from tests.factories import make_bank, make_client, make_exam

KEY_WORDS = ("is_correct", "correct", "awarded", "seed")


@pytest.fixture
def room(app, bank_id):
    """An exam with a room code, a candidate sitting it and a second candidate."""
    alice = make_client(app, "candidate")
    bob = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.user.username, bob.user.username), room_code="R42")
    paper = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "R42"}).get_json()
    return alice, bob, exam_id, paper


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_no_key_in_any_response_before_submission(room):
    alice, _, exam_id, paper = room
    texts = [alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_data(as_text=True),
             alice.get(f"/api/v1/attempts/{paper['attempt_id']}").get_data(as_text=True),
             alice.get(f"/api/v1/exams/{exam_id}").get_data(as_text=True),
             alice.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{paper['questions'][0]['id']}",
                       json={"options": []}).get_data(as_text=True)]
    for text in texts:
        for word in KEY_WORDS:
            assert f'"{word}"' not in text
    for q in paper["questions"]:
        assert set(q) == {"id", "position", "type", "text", "points", "options"}
        assert all(set(o) == {"id", "text"} for o in q["options"])


def test_option_ids_say_nothing_of_the_bank_order_or_the_key(app):
    """The factory's single questions always have the key first in the bank: sorting a paper's
    options by id must not find it."""
    bank_id = make_bank(app, {"T": {"medium": 1}}, kinds=("single",))
    candidates = [make_client(app, "candidate") for _ in range(12)]
    exam_id = make_exam(app, bank_id, tuple(c.user.username for c in candidates),
                        rules=[RuleSpec(1)], shuffle_options=False)
    ranks, ids = set(), set()
    for c in candidates:
        paper = c.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
        options = paper["questions"][0]["options"]
        with app.app_context():
            frozen = db.session().scalar(select(AttemptQuestion.options)
                                         .where(AttemptQuestion.attempt_id == paper["attempt_id"]))
        key = next(o["id"] for o in frozen if o["is_correct"])
        ranks.add(sorted(o["id"] for o in options).index(key))
        ids.update(o["id"] for o in options)
    assert len(ranks) > 1
    assert len(ids) == 12 * 4, "every paper has ids of its own"
    assert all(0 < i < 2**31 for i in ids)


def test_another_candidate_cannot_read_the_attempt(room):
    _, bob, _, paper = room
    assert bob.get(f"/api/v1/attempts/{paper['attempt_id']}").status_code == 404


def test_another_candidate_cannot_answer_the_attempt(app, room):
    _, bob, _, paper = room
    q = paper["questions"][0]
    response = bob.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{q['id']}",
                       json={"options": [q["options"][0]["id"]]})
    assert response.status_code == 404
    assert count(app, Answer) == 0


def test_another_candidate_cannot_submit_the_attempt(app, room):
    _, bob, _, paper = room
    assert bob.post(f"/api/v1/attempts/{paper['attempt_id']}/submit").status_code == 404
    with app.app_context():
        assert db.session().get(Attempt, paper["attempt_id"]).status == "in_progress"


def test_a_question_not_on_the_paper_is_refused(app, room):
    alice, _, _, paper = room
    response = alice.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/999999", json={"options": []})
    assert response.status_code == 422
    assert "not on this paper" in response.get_json()["error"]["message"]
    assert count(app, Answer) == 0


def test_an_option_of_another_question_is_refused(app, room):
    alice, _, _, paper = room
    first, second = paper["questions"][:2]
    response = alice.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{first['id']}",
                         json={"options": [second["options"][0]["id"]]})
    assert response.status_code == 422
    assert "do not belong" in response.get_json()["error"]["message"]
    assert count(app, Answer) == 0


def test_two_options_on_a_single_answer_question_are_refused(app):
    alice = make_client(app, "candidate")  # every question single: the paper is sure to have one
    exam_id = make_exam(app, make_bank(app, kinds=("single",)), (alice.user.username,))
    paper = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    single = paper["questions"][0]
    assert single["type"] == "single"
    response = alice.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{single['id']}",
                         json={"options": [o["id"] for o in single["options"][:2]]})
    assert response.status_code == 422
    assert count(app, Answer) == 0


def test_starting_without_the_room_code_is_forbidden(room):
    _, bob, exam_id, _ = room
    response = bob.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert response.status_code == 403
    assert "room code" in response.get_json()["error"]["message"]


def test_starting_with_a_wrong_room_code_is_forbidden(app, room):
    _, bob, exam_id, _ = room
    response = bob.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "R43"})
    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "the room code is not correct"
    assert count(app, Attempt) == 1


def test_wrong_room_codes_are_limited_per_candidate_and_exam(app, room):
    app.config["EXAM_ROOM_CODE_MAX_FAILURES"] = 3
    alice, bob, exam_id, _ = room
    for guess in ("R1", "R2", "R3"):
        assert bob.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": guess}).status_code == 403
    blocked = bob.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "R42"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert count(app, Attempt) == 1
    assert alice.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "R42"}).status_code == 200


def test_a_room_code_cannot_be_tested_before_the_exam_opens(app, bank_id):
    bob = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (bob.user.username,), room_code="R42",
                        opens_at=utcnow() + timedelta(hours=1))
    right = bob.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "R42"})
    wrong = bob.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "R43"})
    assert right.status_code == wrong.status_code == 409
    assert right.get_json() == wrong.get_json()


def test_an_exam_not_assigned_is_not_found(app, bank_id):
    stranger = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, ())
    assert stranger.post(f"/api/v1/exams/{exam_id}/attempts", json={}).status_code == 404
    assert stranger.get(f"/api/v1/exams/{exam_id}").status_code == 404
    assert stranger.post("/api/v1/exams/999999/attempts", json={}).status_code == 404


def test_starting_before_the_window_opens_is_a_conflict(app, bank_id):
    alice = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.user.username,), opens_at=utcnow() + timedelta(hours=1))
    response = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert response.status_code == 409 and "opens at" in response.get_json()["error"]["message"]


def test_starting_after_the_window_closed_is_a_conflict(app, bank_id):
    alice = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.user.username,), opens_at=utcnow() - timedelta(hours=2),
                        closes_at=utcnow() - timedelta(hours=1))
    response = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert response.status_code == 409 and "closed at" in response.get_json()["error"]["message"]
    assert count(app, Attempt) == 0


def test_starting_more_times_than_allowed_is_a_conflict(app, room):
    alice, _, exam_id, paper = room
    alice.post(f"/api/v1/attempts/{paper['attempt_id']}/submit")
    response = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "R42"})
    assert response.status_code == 409
    assert "all 1 attempt" in response.get_json()["error"]["message"]
    assert count(app, Attempt) == 1


def test_a_second_attempt_is_allowed_when_the_exam_allows_two(app, bank_id):
    alice = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.user.username,), max_attempts=2)
    first = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    alice.post(f"/api/v1/attempts/{first['attempt_id']}/submit")
    second = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert second.status_code == 201 and second.get_json()["number"] == 2
    assert alice.post(f"/api/v1/attempts/{second.get_json()['attempt_id']}/submit").status_code == 200
    assert alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).status_code == 409


def test_answers_after_submission_are_refused(app, room):
    alice, _, _, paper = room
    alice.post(f"/api/v1/attempts/{paper['attempt_id']}/submit")
    q = paper["questions"][0]
    response = alice.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{q['id']}", json={"options": []})
    assert response.status_code == 409
    assert count(app, Answer) == 0


def test_answer_after_the_deadline_is_refused_with_a_clear_message(app, bank_id):
    alice = make_client(app, "candidate")
    app.config["GRACE_SECONDS"] = 0.0
    exam_id = make_exam(app, bank_id, (alice.user.username,), duration_minutes=0.001)
    paper = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    q = paper["questions"][0]
    time.sleep(0.2)
    response = alice.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{q['id']}", json={"options": []})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "deadline_passed"
    assert "time is up" in response.get_json()["error"]["message"]
    state = alice.get(f"/api/v1/attempts/{paper['attempt_id']}").get_json()
    assert state["status"] == "submitted" and state["finished_by"] == "deadline"


def test_candidates_cannot_use_staff_routes(room, app):
    alice, _, exam_id, paper = room
    assert alice.post("/api/v1/exams", json={}).status_code == 403
    assert alice.get(f"/api/v1/exams/{exam_id}/room").status_code == 403
    assert alice.post(f"/api/v1/exams/{exam_id}/close").status_code == 403
    assert alice.post(f"/api/v1/attempts/{paper['attempt_id']}/force-submit").status_code == 403
    assert alice.post(f"/api/v1/exams/{exam_id}/tickets", json={}).status_code == 403
    assert alice.post(f"/api/v1/exams/{exam_id}/candidates", json={"usernames": ["x"]}).status_code == 403


def test_anonymous_callers_are_refused(client, room):
    _, _, exam_id, paper = room
    assert client.post(f"/api/v1/exams/{exam_id}/attempts", json={}).status_code == 401
    assert client.get(f"/api/v1/attempts/{paper['attempt_id']}").status_code == 401


def test_a_trainer_cannot_define_an_exam_on_another_trainers_bank(app, bank_id):
    trainer = make_client(app, "trainer")
    response = trainer.post("/api/v1/exams", json={
        "title": "x", "bank_id": bank_id, "rules": [{"count": 1, "topic": "History"}],
        "duration_minutes": 10, "pass_percent": 50})
    assert response.status_code == 403

"""End to end through the JSON API: define, assign, start, answer, resume, submit, read the result."""

from __future__ import annotations

from sqlalchemy import func, select

from examapp import db
from examapp.audit.models import AuditLog
from examapp.exams.models import Answer, Attempt, AttemptQuestion, Exam
from tests.factories import answer_key, make_client

EXAM = {
    "title": "Điều lệ Đảng 2026", "rules": [
        {"topic": "History", "difficulty": "easy", "count": 3},
        {"topic": "History", "difficulty": "hard", "count": 2, "points": 2},
        {"topic": "Party rules", "count": 4},
    ],
    "duration_minutes": 30, "pass_percent": 50, "max_attempts": 1, "room_code": "ROOM-7",
    "shuffle_questions": True, "shuffle_options": True,
}


def correct_options(question: dict, app, attempt_id: int) -> list[int]:
    """The key, read from the server's frozen paper (the API never shows it before submission)."""
    with app.app_context():
        aq = db.session().scalar(select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.question_id == question["id"]))
        return answer_key(aq)


def test_exam_from_definition_to_result(app, bank_id):
    admin = make_client(app, "admin")
    candidate = make_client(app, "candidate")

    created = admin.post("/api/v1/exams", json={**EXAM, "bank_id": bank_id})
    assert created.status_code == 201, created.get_json()
    exam = created.get_json()
    assert exam["question_count"] == 9 and exam["max_score"] == 11.0
    assert [r["points"] for r in exam["rules"]] == [1.0, 2.0, 1.0]

    assigned = admin.post(f"/api/v1/exams/{exam['id']}/candidates",
                          json={"usernames": [candidate.user.username]})
    assert assigned.status_code == 200 and assigned.get_json()["added"] == 1

    started = candidate.post(f"/api/v1/exams/{exam['id']}/attempts", json={"room_code": "room-7"})
    assert started.status_code == 201, started.get_json()
    paper = started.get_json()
    assert paper["status"] == "in_progress" and paper["answers"] == {}
    assert len(paper["questions"]) == 9 and paper["deadline"] > paper["server_time"]
    assert "is_correct" not in started.get_data(as_text=True)
    attempt_id = paper["attempt_id"]

    answered = {}
    for question in paper["questions"][:5]:
        key = correct_options(question, app, attempt_id)
        saved = candidate.put(f"/api/v1/attempts/{attempt_id}/answers/{question['id']}",
                              json={"options": key})
        assert saved.status_code == 200, saved.get_json()
        assert saved.get_json()["revision"] == 1
        answered[str(question["id"])] = key
    first = paper["questions"][0]
    again = candidate.put(f"/api/v1/attempts/{attempt_id}/answers/{first['id']}",
                          json={"options": answered[str(first["id"])], "flagged": True})
    assert again.get_json()["revision"] == 2

    resumed = candidate.post(f"/api/v1/exams/{exam['id']}/attempts", json={})
    assert resumed.status_code == 200
    same = resumed.get_json()
    assert same["attempt_id"] == attempt_id
    assert same["questions"] == paper["questions"]
    assert same["answers"] == answered and same["flagged"] == [first["id"]]

    submitted = candidate.post(f"/api/v1/attempts/{attempt_id}/submit")
    assert submitted.status_code == 200
    result = submitted.get_json()
    expected = sum(q["points"] for q in paper["questions"][:5])
    assert result["status"] == "submitted" and result["finished_by"] == "candidate"
    assert result["score"] == expected and result["max_score"] == 11.0
    assert result["passed"] == (expected * 2 >= 11)

    state = candidate.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert state["status"] == "submitted" and state["score"] == expected
    assert "review" not in state  # the default policy shows the score only


def test_submit_twice_gives_the_same_result(app, bank_id):
    admin = make_client(app, "admin")
    candidate = make_client(app, "candidate")
    exam = admin.post("/api/v1/exams", json={**EXAM, "bank_id": bank_id, "room_code": None}).get_json()
    admin.post(f"/api/v1/exams/{exam['id']}/candidates", json={"usernames": [candidate.user.username]})
    paper = candidate.post(f"/api/v1/exams/{exam['id']}/attempts", json={}).get_json()
    attempt_id = paper["attempt_id"]
    q = paper["questions"][0]
    candidate.put(f"/api/v1/attempts/{attempt_id}/answers/{q['id']}",
                  json={"options": correct_options(q, app, attempt_id)})
    first = candidate.post(f"/api/v1/attempts/{attempt_id}/submit").get_json()
    second = candidate.post(f"/api/v1/attempts/{attempt_id}/submit").get_json()
    for field in ("status", "score", "max_score", "percent", "passed", "submitted_at", "finished_by"):
        assert first[field] == second[field]
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Attempt)) == 1


def test_exam_creation_is_audited_and_visible_to_its_candidate(app, bank_id):
    admin = make_client(app, "admin")
    candidate = make_client(app, "candidate")
    exam = admin.post("/api/v1/exams", json={**EXAM, "bank_id": bank_id}).get_json()
    admin.post(f"/api/v1/exams/{exam['id']}/candidates", json={"usernames": [candidate.user.username]})
    mine = candidate.get("/api/v1/exams").get_json()["exams"]
    assert [e["id"] for e in mine] == [exam["id"]]
    assert mine[0]["needs_room_code"] is True and "room_code" not in mine[0]
    view = candidate.get(f"/api/v1/exams/{exam['id']}").get_json()
    assert view["state"] == "open" and view["attempts_left"] == 1 and "rules" not in view
    with app.app_context():
        s = db.session()
        actions = set(s.scalars(select(AuditLog.action)))
        assert {"exam.create", "exam.candidates"} <= actions
        assert s.get(Exam, exam["id"]).kind == "exam"
        assert s.scalar(select(func.count()).select_from(Answer)) == 0

"""The exam room for proctors: live list, extra time, force submit, closing; all audited."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from examapp import db
from examapp.audit.models import AuditLog
from examapp.exams.sweeper import sweep_once
from tests.factories import make_bank, make_client, make_exam


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_room_lists_every_candidate_with_progress(app, bank_id):
    proctor = make_client(app, "proctor")
    names = [make_client(app, "candidate") for _ in range(3)]
    exam_id = make_exam(app, bank_id, tuple(c.user.username for c in names))
    sitting = names[0].post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    for q in sitting["questions"][:2]:
        names[0].put(f"/api/v1/attempts/{sitting['attempt_id']}/answers/{q['id']}",
                     json={"options": [q["options"][0]["id"]]})
    names[0].put(f"/api/v1/attempts/{sitting['attempt_id']}/answers/{sitting['questions'][3]['id']}",
                 json={"flagged": True})
    done = names[1].post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    names[1].put(f"/api/v1/attempts/{done['attempt_id']}/answers/{done['questions'][0]['id']}",
                 json={"options": []})
    names[1].put(f"/api/v1/attempts/{done['attempt_id']}/answers/{done['questions'][1]['id']}",
                 json={"options": [done["questions"][1]["options"][1]["id"]]})
    names[1].post(f"/api/v1/attempts/{done['attempt_id']}/submit")

    room = proctor.get(f"/api/v1/exams/{exam_id}/room").get_json()
    assert room["counts"] == {"not_started": 1, "in_progress": 1, "submitted": 1}
    lines = {c["username"]: c for c in room["candidates"]}
    running = lines[names[0].user.username]
    assert running["state"] == "in_progress" and running["answered"] == 2 and running["questions"] == 9
    assert 0 < running["time_left_seconds"] <= 30 * 60
    finished = lines[names[1].user.username]
    assert finished["state"] == "submitted" and finished["max_score"] == 11
    assert finished["answered"] == 1, "a submitted paper keeps its count of answered questions"
    assert lines[names[2].user.username]["state"] == "not_started"


def test_extend_force_submit_and_close_are_audited(app, bank_id):
    proctor = make_client(app, "proctor")
    alice, bob = make_client(app, "candidate"), make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.user.username, bob.user.username))
    a = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    b = bob.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()

    extended = proctor.post(f"/api/v1/exams/{exam_id}/candidates/{alice.user.username}/extend",
                            json={"minutes": 5})
    assert extended.status_code == 200 and extended.get_json()["extra_minutes"] == 5
    assert alice.get(f"/api/v1/attempts/{a['attempt_id']}").get_json()["deadline"] > a["deadline"]
    assert proctor.post(f"/api/v1/exams/{exam_id}/candidates/ghost/extend",
                        json={"minutes": 5}).status_code == 404
    assert proctor.post(f"/api/v1/exams/{exam_id}/candidates/{alice.user.username}/extend",
                        json={"minutes": 0}).status_code == 400

    forced = proctor.post(f"/api/v1/attempts/{a['attempt_id']}/force-submit")
    assert forced.status_code == 200 and forced.get_json()["finished_by"] == "proctor"
    assert proctor.post(f"/api/v1/attempts/{a['attempt_id']}/force-submit").status_code == 409

    closed = proctor.post(f"/api/v1/exams/{exam_id}/close")
    assert closed.status_code == 200 and closed.get_json()["finalised"] == 1
    assert bob.get(f"/api/v1/attempts/{b['attempt_id']}").get_json()["finished_by"] == "room_closed"
    assert bob.post(f"/api/v1/exams/{exam_id}/attempts", json={}).status_code == 409
    assert {"exam.extend_time", "exam.force_submit", "exam.close"} <= set(audit_actions(app))


def test_trainers_define_exams_but_do_not_run_rooms(app):
    trainer = make_client(app, "trainer")
    own = make_bank(app, owner=trainer.user)
    created = trainer.post("/api/v1/exams", json={
        "title": "Own", "bank_id": own, "rules": [{"topic": "Party rules", "count": 2}],
        "duration_minutes": 10, "pass_percent": 50})
    assert created.status_code == 201
    exam_id = created.get_json()["id"]
    assert trainer.get(f"/api/v1/exams/{exam_id}").get_json()["title"] == "Own"
    assert trainer.get(f"/api/v1/exams/{exam_id}/room").status_code == 403
    assert trainer.post(f"/api/v1/exams/{exam_id}/close").status_code == 403
    other = make_client(app, "trainer")
    assert other.get(f"/api/v1/exams/{exam_id}").status_code == 404
    assert other.post(f"/api/v1/exams/{exam_id}/candidates", json={"usernames": ["x"]}).status_code == 403


def test_review_policy_answers_after_close(app, bank_id):
    proctor = make_client(app, "proctor")
    alice = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.user.username,), review_policy="answers_after_close")
    paper = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    submitted = alice.post(f"/api/v1/attempts/{paper['attempt_id']}/submit").get_json()
    assert "score" in submitted and "review" not in submitted
    proctor.post(f"/api/v1/exams/{exam_id}/close")
    after = alice.get(f"/api/v1/attempts/{paper['attempt_id']}").get_json()
    assert len(after["review"]) == 9 and all("correct" in q for q in after["review"])


def test_review_policy_none_shows_only_the_status(app, bank_id):
    alice = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.user.username,), review_policy="none")
    paper = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    submitted = alice.post(f"/api/v1/attempts/{paper['attempt_id']}/submit").get_json()
    assert submitted["status"] == "submitted"
    assert not {"score", "percent", "passed", "review"} & set(submitted)


def test_sweep_cli(app, bank_id, runner):
    alice = make_client(app, "candidate")
    app.config["GRACE_SECONDS"] = 0.0
    exam_id = make_exam(app, bank_id, (alice.user.username,), duration_minutes=0.001)
    paper = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    time.sleep(0.1)
    result = runner.invoke(args=["exams", "sweep", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"finalised": 1, "attempt_ids": [paper["attempt_id"]]}
    again = runner.invoke(args=["exams", "sweep", "--json"])
    assert json.loads(again.output)["finalised"] == 0


def test_the_server_sweeper_finalises_expired_attempts(app, bank_id):
    alice = make_client(app, "candidate")
    app.config["GRACE_SECONDS"] = 0.0
    exam_id = make_exam(app, bank_id, (alice.user.username,), duration_minutes=0.001)
    paper = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    time.sleep(0.1)
    assert sweep_once(app) == [paper["attempt_id"]]
    assert sweep_once(app) == []


def test_the_api_describes_the_exam_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/exams", "/api/v1/exams/{exam_id}/attempts", "/api/v1/auth/ticket",
                 "/api/v1/attempts/{attempt_id}/answers/{question_id}", "/api/v1/exams/{exam_id}/room"):
        assert path in paths
    assert "AnswerBody" in str(paths["/api/v1/attempts/{attempt_id}/answers/{question_id}"]["put"])

"""SIGKILL the server in the middle of an exam: after a restart every acknowledged answer is there."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from examapp import create_app, db
from examapp.exams.definitions import RuleSpec
from examapp.exams.models import AttemptQuestion
from tests.factories import make_bank, make_exam, make_user
from tests.faults.live_server import Client, LiveServer

PASSWORD = "Kill#Test2026"


@pytest.mark.slow
def test_every_acknowledged_answer_survives_a_killed_server(tmp_path):
    url = f"sqlite:///{tmp_path / 'exam.sqlite3'}"
    env = {"EXAMAPP_DATABASE_URL": url, "EXAMAPP_INSTANCE_PATH": str(tmp_path / "instance"),
           "EXAMAPP_SECRET_KEY": "fault-test-secret", "EXAMAPP_SWEEP_INTERVAL_SECONDS": "1"}
    setup = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "fault-test-secret"})
    with setup.app_context():
        db.upgrade(setup.extensions["examapp.engine"])
    make_user(setup, "admin", "admin", password=PASSWORD)
    make_user(setup, "candidate", "sitter", password=PASSWORD)
    bank_id = make_bank(setup, {"T": {"medium": 40}})
    exam_id = make_exam(setup, bank_id, ("sitter",), rules=[RuleSpec(40, "T")], duration_minutes=30)

    server = LiveServer(env)
    log = tmp_path / "server.log"
    server.start(log)
    try:
        candidate = Client(server.url)
        assert candidate.call("POST", "/api/v1/auth/login",
                              {"username": "sitter", "password": PASSWORD})[0] == 200
        status, paper = candidate.call("POST", f"/api/v1/exams/{exam_id}/attempts", {})
        assert status == 201, paper
        attempt_id = paper["attempt_id"]
        questions = paper["questions"]

        acknowledged: dict[int, list[int]] = {}
        enough = threading.Event()

        def answer_all() -> None:
            for n, q in enumerate(questions):
                chosen = [q["options"][n % len(q["options"])]["id"]]
                try:
                    status, body = candidate.call(
                        "PUT", f"/api/v1/attempts/{attempt_id}/answers/{q['id']}", {"options": chosen})
                except OSError:
                    return  # the server died under this request: not acknowledged
                if status == 200:
                    acknowledged[q["id"]] = chosen
                if len(acknowledged) >= 15:
                    enough.set()

        saver = threading.Thread(target=answer_all)
        saver.start()
        assert enough.wait(15), f"answers were not acknowledged: {log.read_text()[-2000:]}"
        server.kill()
        saver.join(10)
        assert 15 <= len(acknowledged) < len(questions), "the kill should land mid-exam"

        server.start(log)
        status, resumed = candidate.call("POST", f"/api/v1/exams/{exam_id}/attempts", {})
        assert status == 200, resumed
        assert resumed["attempt_id"] == attempt_id and resumed["questions"] == questions
        for qid, chosen in acknowledged.items():
            assert resumed["answers"].get(str(qid)) == chosen, f"acknowledged answer to {qid} lost"
        next_q = next(q for q in questions if str(q["id"]) not in resumed["answers"])
        status, saved = candidate.call("PUT", f"/api/v1/attempts/{attempt_id}/answers/{next_q['id']}",
                                       {"options": [next_q["options"][0]["id"]]})
        assert status == 200 and saved["revision"] == 1
        status, result = candidate.call("POST", f"/api/v1/attempts/{attempt_id}/submit")
        assert status == 200 and result["status"] == "submitted"
    finally:
        server.stop()
    with setup.app_context():
        on_paper = db.session().scalars(select(AttemptQuestion.question_id)
                                        .where(AttemptQuestion.attempt_id == attempt_id)).all()
        assert sorted(on_paper) == sorted(q["id"] for q in questions)
    setup.extensions["examapp.engine"].dispose()

"""The demo data includes an open exam that candidate1 can sit with the printed room code."""

from __future__ import annotations

from sqlalchemy import func, select

from examapp import demo
from examapp.exams.demo import ROOM_CODE, TITLE
from examapp.exams.models import Exam, ExamCandidate


def test_demo_exam_is_created_once_and_can_be_sat(app, session):
    logins = demo.seed(session)
    demo.seed(session)
    exam = session.scalar(select(Exam).where(Exam.title == TITLE))
    assert session.scalar(select(func.count()).select_from(Exam).where(Exam.kind == "exam")) == 1
    assert session.scalar(select(func.count()).select_from(ExamCandidate)
                          .where(ExamCandidate.exam_id == exam.id)) == 2
    password = next(p for u, p, _ in logins if u == "candidate1")
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": "candidate1", "password": password})
    assert login.status_code == 200
    started = client.post(f"/api/v1/exams/{exam.id}/attempts", json={"room_code": ROOM_CODE})
    assert started.status_code == 201, started.get_json()
    assert len(started.get_json()["questions"]) == sum(r.count for r in exam.rules) > 0

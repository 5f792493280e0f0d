"""The demo data includes a contest open to anyone, its board already moving."""

from __future__ import annotations

from sqlalchemy import func, select

from examapp import db, demo
from examapp.contests.demo import TITLE
from examapp.contests.models import Entry
from examapp.exams.models import Exam
from tests.factories import register_participant


def test_the_demo_contest_is_made_once_with_a_moving_board(app):
    with app.app_context():
        session = db.session()
        demo.seed(session)
        demo.seed(session)
        contest_id = session.scalar(select(Exam.id).where(Exam.title == TITLE, Exam.kind == "contest"))
        assert session.scalar(select(func.count()).select_from(Exam).where(Exam.kind == "contest")) == 1
        assert session.scalar(select(func.count()).select_from(Entry)) == 20
    client = app.test_client()
    board = client.get(f"/api/v1/contests/{contest_id}/leaderboard").get_json()
    assert board["total"] == 20 and board["entries"][0]["rank"] == 1
    assert client.get(f"/contests/{contest_id}").status_code == 200
    newcomer = register_participant(client, contest_id, unit="công ty tnhh an phát", birth_year=1990)
    assert client.get(f"/api/v1/exams/{contest_id}", headers=newcomer["headers"]).status_code == 200

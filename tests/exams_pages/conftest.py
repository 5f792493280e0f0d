"""An exam over a six-question bank, a trainer who owns the bank and a candidate assigned to it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from examapp import db
from examapp.db import utcnow
from examapp.exams import attempts
from examapp.exams.models import Attempt
from tests.factories import make_client, make_party_exam


@dataclass
class ExamSetup:
    exam_id: int
    bank_id: int
    trainer: FlaskClient
    candidate: FlaskClient


@pytest.fixture
def setup(app) -> ExamSetup:
    trainer = make_client(app, "trainer")
    candidate = make_client(app, "candidate", full_name="Lê Hoàng Anh")
    bank_id, exam_id = make_party_exam(app, trainer.user, (candidate.user.username,), room_code="P101")
    return ExamSetup(exam_id, bank_id, trainer, candidate)


def start(client: FlaskClient, exam_id: int, room_code: str = "P101") -> int:
    """Start (or resume) through the start page; the id of the attempt the page went to."""
    response = client.post(f"/my-exams/{exam_id}", data={"room_code": room_code})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def attempt_row(app, attempt_id: int) -> Attempt:
    with app.app_context():
        return db.session().get(Attempt, attempt_id)


def paper_of(app, attempt_id: int) -> attempts.AttemptPaper:
    with app.app_context():
        s = db.session()
        return attempts.attempt_paper(s, s.get(Attempt, attempt_id), utcnow())


@pytest.fixture
def proctor(app) -> FlaskClient:
    return make_client(app, "proctor")

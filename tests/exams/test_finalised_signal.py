"""Every path that ends an attempt sends `attempt_finalised` once, after the grade is committed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from examapp import db
from examapp.db import utcnow
from examapp.exams import finalising
from examapp.exams.events import attempt_finalised
from examapp.exams.models import Attempt
from tests.factories import make_client, make_exam


@pytest.fixture
def sent(app):
    """The attempt ids the signal was sent for, with whether the grade was committed by then."""
    seen: list[tuple[int, str | None]] = []

    def receive(attempt_id: int) -> None:
        engine = app.extensions["examapp.engine"]
        with engine.connect() as conn:  # another connection sees only what is committed
            status = conn.execute(db_status(attempt_id)).scalar()
        seen.append((attempt_id, status))

    attempt_finalised.connect(receive)
    yield seen
    attempt_finalised.disconnect(receive)


def db_status(attempt_id: int):
    from sqlalchemy import select

    return select(Attempt.status).where(Attempt.id == attempt_id)


@pytest.fixture
def sitting(app, bank_id):
    """A proctor and a candidate with an attempt in progress."""
    alice = make_client(app, "candidate")
    proctor = make_client(app, "proctor")
    exam_id = make_exam(app, bank_id, (alice.user.username,), max_attempts=2)
    paper = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    return alice, proctor, exam_id, paper


def expire(app, attempt_id: int) -> None:
    with app.app_context():
        s = db.session()
        s.execute(update(Attempt).where(Attempt.id == attempt_id)
                  .values(deadline=utcnow() - timedelta(minutes=5)))
        s.commit()


def test_a_submit_sends_it_once_after_the_commit(sitting, sent):
    alice, _, _, paper = sitting
    alice.post(f"/api/v1/attempts/{paper['attempt_id']}/submit")
    alice.post(f"/api/v1/attempts/{paper['attempt_id']}/submit")  # again: the same result, no signal
    assert sent == [(paper["attempt_id"], "submitted")]


def test_an_answer_after_the_deadline_sends_it(app, sitting, sent):
    alice, _, _, paper = sitting
    expire(app, paper["attempt_id"])
    q = paper["questions"][0]
    response = alice.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{q['id']}", json={"options": []})
    assert response.status_code == 409
    assert sent == [(paper["attempt_id"], "submitted")]


def test_reading_an_expired_attempt_sends_it(app, sitting, sent):
    alice, _, _, paper = sitting
    expire(app, paper["attempt_id"])
    alice.get(f"/api/v1/attempts/{paper['attempt_id']}")
    alice.get(f"/api/v1/attempts/{paper['attempt_id']}")
    assert sent == [(paper["attempt_id"], "submitted")]


def test_starting_again_after_the_deadline_sends_it(app, sitting, sent):
    alice, _, exam_id, paper = sitting
    expire(app, paper["attempt_id"])
    assert alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).status_code == 201
    assert sent == [(paper["attempt_id"], "submitted")]


def test_the_sweeper_sends_it(app, sitting, sent):
    _, _, _, paper = sitting
    expire(app, paper["attempt_id"])
    with app.app_context():
        assert finalising.sweep(db.session(), utcnow(), 5.0) == [paper["attempt_id"]]
    assert sent == [(paper["attempt_id"], "submitted")]


def test_a_force_submit_sends_it(sitting, sent):
    _, proctor, _, paper = sitting
    assert proctor.post(f"/api/v1/attempts/{paper['attempt_id']}/force-submit", json={}).status_code == 200
    assert sent == [(paper["attempt_id"], "submitted")]


def test_closing_the_room_sends_it_for_each_attempt(app, bank_id, sent):
    names = [make_client(app, "candidate") for _ in range(3)]
    proctor = make_client(app, "proctor")
    exam_id = make_exam(app, bank_id, tuple(c.user.username for c in names))
    ids = [c.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()["attempt_id"] for c in names]
    assert proctor.post(f"/api/v1/exams/{exam_id}/close", json={}).status_code == 200
    assert sorted(sent) == sorted((i, "submitted") for i in ids)


def test_a_grade_rolled_back_sends_nothing(app, sitting, sent):
    _, _, _, paper = sitting
    with app.app_context():
        s = db.session()
        assert finalising.finalise_attempt(s, paper["attempt_id"], utcnow(), "proctor")
        s.rollback()
        assert finalising.finalise_attempt(s, paper["attempt_id"], utcnow(), "proctor")
        with pytest.raises(RuntimeError), s.begin_nested():
            raise RuntimeError  # a savepoint rolled back after the grade keeps the grade
        s.commit()
    assert sent == [(paper["attempt_id"], "submitted")]


def test_a_grade_inside_a_rolled_back_savepoint_sends_nothing(app, sitting, sent):
    _, _, _, paper = sitting
    with app.app_context():
        s = db.session()
        with pytest.raises(RuntimeError), s.begin_nested():
            assert finalising.finalise_attempt(s, paper["attempt_id"], utcnow(), "proctor")
            raise RuntimeError
        s.commit()
    assert sent == []

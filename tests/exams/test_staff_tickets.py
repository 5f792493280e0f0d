"""A ticket or a candidate assignment gives a candidate's session for one exam, never staff rights."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, update

from examapp import db
from examapp.audit.models import AuditLog
from examapp.auth.models import User
from examapp.exams import tickets
from examapp.exams.models import ExamCandidate, ExamTicket
from tests.factories import make_client, make_exam, make_unit, make_user


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(AuditLog.action)))


@pytest.mark.parametrize("role", ["admin", "trainer", "proctor", "leader"])
def test_a_proctor_cannot_assign_a_staff_account_as_candidate(app, bank_id, role):
    staff = make_user(app, role)
    exam_id = make_exam(app, bank_id)
    proctor = make_client(app, "proctor")
    response = proctor.post(f"/api/v1/exams/{exam_id}/candidates", json={"usernames": [staff.username]})
    assert response.status_code == 403
    assert staff.username in response.get_json()["error"]["message"]
    with app.app_context():
        assert db.session().scalar(select(ExamCandidate.id)) is None
    assert "exam.candidates.refused" in audit_actions(app)


def test_assigning_a_unit_takes_only_its_candidate_accounts(app, bank_id):
    make_unit(app, "CB1")
    alice = make_user(app, "candidate", unit="CB1")
    boss = make_user(app, "admin", unit="CB1")
    exam_id = make_exam(app, bank_id)
    response = make_client(app, "proctor").post(f"/api/v1/exams/{exam_id}/candidates", json={"unit": "CB1"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["added_usernames"] == [alice.username]
    with app.app_context():
        assigned = set(db.session().scalars(select(ExamCandidate.user_id)))
    assert assigned == {alice.id} and boss.id not in assigned


def _assign_directly(app, exam_id: int, user_id: int) -> None:
    """An assignment made before staff assignments were refused."""
    with app.app_context():
        s = db.session()
        s.execute(insert(ExamCandidate).values(exam_id=exam_id, user_id=user_id, extra_minutes=0))
        s.commit()


def test_no_ticket_is_issued_for_a_staff_account(app, bank_id):
    alice = make_user(app, "candidate")
    boss = make_user(app, "admin")
    exam_id = make_exam(app, bank_id, (alice.username,))
    _assign_directly(app, exam_id, boss.id)
    proctor = make_client(app, "proctor")
    named = proctor.post(f"/api/v1/exams/{exam_id}/tickets", json={"usernames": [boss.username]})
    assert named.status_code == 403 and boss.username in named.get_json()["error"]["message"]
    assert "exam.tickets.refused" in audit_actions(app)
    everyone = proctor.post(f"/api/v1/exams/{exam_id}/tickets", json={})
    assert everyone.status_code == 201
    assert [t["username"] for t in everyone.get_json()["tickets"]] == [alice.username]


def test_a_ticket_of_a_staff_account_does_not_log_in(app, bank_id):
    boss = make_user(app, "admin")
    exam_id = make_exam(app, bank_id)
    _assign_directly(app, exam_id, boss.id)
    with app.app_context():
        s = db.session()
        s.add(ExamTicket(exam_id=exam_id, user_id=boss.id,
                         ticket_hash=tickets.ticket_digest(tickets.ticket_key(app.config["SECRET_KEY"]),
                                                           "ABCDEFGHJK")))
        s.commit()
    c = app.test_client()
    response = c.post("/api/v1/auth/ticket", json={"ticket": "ABCDE-FGHJK"})
    assert response.status_code == 401
    assert c.get("/api/v1/users").status_code == 401
    assert "ticket.login.refused" in audit_actions(app)


def test_a_ticket_session_ends_if_its_account_becomes_staff(app, bank_id):
    alice = make_user(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.username,))
    ticket = make_client(app, "proctor").post(f"/api/v1/exams/{exam_id}/tickets", json={}).get_json()
    c = app.test_client()
    assert c.post("/api/v1/auth/ticket", json={"ticket": ticket["tickets"][0]["ticket"]}).status_code == 200
    assert c.get("/api/v1/exams").status_code == 200
    with app.app_context():
        s = db.session()
        s.execute(update(User).where(User.id == alice.id).values(role="admin"))
        s.commit()
        s.get(User, alice.id).role = "admin"  # through the ORM too, so every cache forgets it
        s.commit()
    assert c.get("/api/v1/users").status_code == 401

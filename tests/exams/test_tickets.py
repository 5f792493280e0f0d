"""Candidate tickets: one-time codes for one exam, valid while it is open, limited per address."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from sqlalchemy import select

from examapp import db
from examapp.db import utcnow
from examapp.exams import tickets
from examapp.exams.models import ExamTicket
from tests.factories import make_client, make_exam, make_user


def issue(app, exam_id, usernames=None) -> dict[str, str]:
    proctor = make_client(app, "proctor")
    response = proctor.post(f"/api/v1/exams/{exam_id}/tickets", json={"usernames": usernames})
    assert response.status_code == 201, response.get_json()
    return {t["username"]: t["ticket"] for t in response.get_json()["tickets"]}


def test_a_ticket_logs_its_candidate_in_once(app, bank_id):
    alice = make_user(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.username,))
    ticket = issue(app, exam_id)[alice.username]
    assert len(ticket.replace("-", "")) == 10
    with app.app_context():
        stored = db.session().scalar(select(ExamTicket.ticket_hash))
        assert ticket.replace("-", "") not in stored and len(stored) == 64
    c = app.test_client()
    response = c.post("/api/v1/auth/ticket", json={"ticket": ticket.lower()})
    assert response.status_code == 200 and response.get_json()["username"] == alice.username
    assert c.post(f"/api/v1/exams/{exam_id}/attempts", json={}).status_code == 201
    again = app.test_client().post("/api/v1/auth/ticket", json={"ticket": ticket})
    assert again.status_code == 401 and "already been used" in again.get_json()["error"]["message"]


def test_a_ticket_works_only_while_its_exam_is_open(app, bank_id):
    alice = make_user(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.username,), opens_at=utcnow() + timedelta(hours=1))
    ticket = issue(app, exam_id)[alice.username]
    response = app.test_client().post("/api/v1/auth/ticket", json={"ticket": ticket})
    assert response.status_code == 401 and "opens at" in response.get_json()["error"]["message"]
    with app.app_context():
        s = db.session()
        user, _exam = tickets.user_for_ticket(s, ticket, utcnow() + timedelta(hours=2),
                                             key=tickets.ticket_key(app.config["SECRET_KEY"]))
        assert user.username == alice.username


def test_reissuing_replaces_the_old_ticket(app, bank_id):
    alice, bob = make_user(app, "candidate"), make_user(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.username, bob.username))
    old = issue(app, exam_id)
    new = issue(app, exam_id, [alice.username])
    assert set(new) == {alice.username}
    c = app.test_client()
    assert c.post("/api/v1/auth/ticket", json={"ticket": old[alice.username]}).status_code == 401
    assert c.post("/api/v1/auth/ticket", json={"ticket": old[bob.username]}).status_code == 200
    assert c.post("/api/v1/auth/ticket", json={"ticket": new[alice.username]}).status_code == 200


def test_tickets_only_for_candidates_of_the_exam(app, bank_id):
    exam_id = make_exam(app, bank_id)
    proctor = make_client(app, "proctor")
    assert proctor.post(f"/api/v1/exams/{exam_id}/tickets", json={}).status_code == 400
    response = proctor.post(f"/api/v1/exams/{exam_id}/tickets", json={"usernames": ["someone"]})
    assert response.status_code == 400 and "someone" in response.get_json()["error"]["message"]


def test_wrong_tickets_never_refuse_a_right_one(app, bank_id):
    """Thirty typos behind one NAT address must not lock the room out."""
    alice = make_user(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.username,))
    ticket = issue(app, exam_id)[alice.username]
    c = app.test_client()
    for n in range(30):
        guess = tickets.TICKET_ALPHABET[n % 32] + tickets.TICKET_ALPHABET[(n * 7) % 32] + "AAAA-AAAAA"
        if guess.replace("-", "")[:2] == ticket.replace("-", "")[:2]:
            continue
        assert c.post("/api/v1/auth/ticket", json={"ticket": guess}).status_code == 401
    assert c.post("/api/v1/auth/ticket", json={"ticket": ticket}).status_code == 200


def test_wrong_tickets_of_one_prefix_are_limited_per_address(app, bank_id):
    app.config["TICKET_MAX_FAILURES_PER_PREFIX"] = 3
    alice = make_user(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.username,))
    ticket = issue(app, exam_id)[alice.username]
    prefix = ticket[:2]
    c = app.test_client()
    wrong = [prefix + tail for tail in ("AAA-AAAAA", "BBB-BBBBB", "CCC-CCCCC") if prefix + tail != ticket]
    for guess in wrong[:3]:
        assert c.post("/api/v1/auth/ticket", json={"ticket": guess}).status_code == 401
    if len(wrong) == 3:
        blocked = c.post("/api/v1/auth/ticket", json={"ticket": ticket})
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        elsewhere = app.test_client().post("/api/v1/auth/ticket", json={"ticket": ticket},
                                           environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert elsewhere.status_code == 200


def test_tickets_cli_writes_a_csv(app, bank_id, runner, tmp_path):
    alice = make_user(app, "candidate", full_name="Lê Hoàng Anh")
    exam_id = make_exam(app, bank_id, (alice.username,))
    out = tmp_path / "tickets.csv"
    result = runner.invoke(args=["exams", "tickets", str(exam_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0]["username"] == alice.username and rows[0]["name"] == "Lê Hoàng Anh"
    login = app.test_client().post("/api/v1/auth/ticket", json={"ticket": rows[0]["ticket"]})
    assert login.status_code == 200
    printed = runner.invoke(args=["exams", "tickets", str(exam_id)])
    assert printed.exit_code == 0 and printed.output.splitlines()[0] == "username,name,ticket"
    missing = runner.invoke(args=["exams", "tickets", "9999", "--json"])
    assert missing.exit_code == 1 and "no exam 9999" in missing.output


def test_the_ticket_csv_guards_names_a_semicolon_locale_would_split():
    from examapp.exams.ticket_sheet import tickets_csv

    text = tickets_csv([tickets.IssuedTicket("lan", 'Lan;=HYPERLINK("http://x")', "K7QX2-MPR9D")])
    row = next(csv.reader(io.StringIO(text.splitlines()[1]), delimiter=";"))
    assert not any(cell.lstrip().startswith(("=", "+", "-", "@")) for cell in row)
    assert list(csv.reader(io.StringIO(text)))[1][1] == "Lan;'=HYPERLINK(\"http://x\")"


def test_tickets_cli_that_cannot_write_its_file_exits_2_and_keeps_the_old_tickets(app, bank_id,
                                                                                   runner, tmp_path):
    alice = make_user(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.username,))
    old = issue(app, exam_id)[alice.username]
    out = tmp_path / "no-such-folder" / "tickets.csv"
    result = runner.invoke(args=["exams", "tickets", str(exam_id), "--out", str(out), "--json"])
    assert result.exit_code == 2 and "cannot write" in json.loads(result.stdout)["error"]
    login = app.test_client().post("/api/v1/auth/ticket", json={"ticket": old})
    assert login.status_code == 200

"""A ticket is checked by its keyed digest (HMAC under the app's secret), in constant time, once."""

from __future__ import annotations

import hashlib
import hmac
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from examapp import db
from examapp.db import utcnow
from examapp.exams import tickets
from examapp.exams.errors import ExamConflict
from examapp.exams.models import Exam, ExamTicket
from tests.concurrency import second_waits_for_first
from tests.factories import make_exam, make_tickets, make_user


def login(app, ticket: str):
    return app.test_client().post("/api/v1/auth/ticket", json={"ticket": ticket})


def refused_as_not_valid(response) -> bool:
    return response.status_code == 401 and "not valid" in response.get_json()["error"]["message"]


@pytest.fixture
def holder(app, bank_id):
    """A candidate of an open exam with a fresh ticket: (user, exam id, ticket)."""
    alice = make_user(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.username,))
    return alice, exam_id, make_tickets(app, exam_id)[alice.username]


def test_a_ticket_logs_in_once_and_then_says_it_was_used(app, holder):
    alice, _exam_id, ticket = holder
    first = login(app, ticket)
    assert first.status_code == 200 and first.get_json()["username"] == alice.username
    again = login(app, ticket)
    assert again.status_code == 401 and "already been used" in again.get_json()["error"]["message"]


def test_a_wrong_ticket_of_the_right_form_is_refused_and_the_right_one_still_works(app, holder):
    _alice, _exam_id, ticket = holder
    last = ticket[-1]
    wrong = ticket[:-1] + tickets.TICKET_ALPHABET[(tickets.TICKET_ALPHABET.index(last) + 1) % 32]
    assert refused_as_not_valid(login(app, wrong))
    assert login(app, ticket).status_code == 200


def test_the_stored_digest_is_an_hmac_under_a_key_from_the_secret(app, holder):
    _alice, exam_id, ticket = holder
    code = ticket.replace("-", "").encode()
    with app.app_context():
        stored = db.session().scalar(select(ExamTicket.ticket_hash).where(ExamTicket.exam_id == exam_id))
    assert stored != hashlib.sha256(code).hexdigest()
    key = hmac.new(b"test-secret", b"examapp exam tickets v1", hashlib.sha256).digest()
    assert stored == hmac.new(key, code, hashlib.sha256).hexdigest()


def test_a_new_secret_key_makes_the_same_ticket_fail(app, holder):
    _alice, _exam_id, ticket = holder
    app.config["SECRET_KEY"] = "rotated-secret"
    assert refused_as_not_valid(login(app, ticket))
    app.config["SECRET_KEY"] = "test-secret"
    assert login(app, ticket).status_code == 200


def test_a_ticket_stored_as_plain_sha256_before_the_upgrade_does_not_log_in(app, bank_id):
    """Tickets issued before keyed digests are not accepted: they are issued again (README)."""
    alice = make_user(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.username,))
    with app.app_context():
        s = db.session()
        s.add(ExamTicket(exam_id=exam_id, user_id=alice.id,
                         ticket_hash=hashlib.sha256(b"ABCDEFGHJK").hexdigest()))
        s.commit()
    assert refused_as_not_valid(login(app, "ABCDE-FGHJK"))


def test_the_constant_time_comparison_decides(app, holder, monkeypatch):
    """The row the index finds is confirmed by hmac.compare_digest; when it says no, nobody logs in."""
    _alice, _exam_id, ticket = holder
    compared: list[tuple[str, str]] = []

    def never_equal(stored: str, digest: str) -> bool:
        compared.append((stored, digest))
        return False

    monkeypatch.setattr(tickets, "hmac", SimpleNamespace(new=hmac.new, compare_digest=never_equal))
    assert refused_as_not_valid(login(app, ticket))
    assert len(compared) == 1 and compared[0][0] == compared[0][1]
    monkeypatch.undo()
    assert login(app, ticket).status_code == 200


def test_the_download_check_knows_the_current_tickets_by_their_digest(app, bank_id):
    alice, bob = make_user(app, "candidate"), make_user(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.username, bob.username))
    issued = make_tickets(app, exam_id)
    with app.app_context():
        s = db.session()
        exam, key = s.get(Exam, exam_id), tickets.ticket_key(app.config["SECRET_KEY"])
        typed = [(alice.username, issued[alice.username].lower().replace("-", " ")),
                 (bob.username, issued[bob.username])]
        checked = tickets.current_tickets(s, exam, typed, key=key)
        assert {(t.username, t.ticket) for t in checked} == set(issued.items())
        swapped = [(alice.username, issued[bob.username]), (bob.username, issued[bob.username])]
        with pytest.raises(ExamConflict) as stale:
            tickets.current_tickets(s, exam, swapped, key=key)
        assert alice.username in str(stale.value) and bob.username not in str(stale.value)
        with pytest.raises(ExamConflict):
            tickets.current_tickets(s, exam, typed, key=tickets.ticket_key("another secret"))


def _postgresql_only(app) -> None:
    if app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: the two logins cannot overlap there")


def test_a_login_racing_an_uncommitted_one_with_the_same_ticket_waits_and_is_refused(app, holder):
    """The second reads the ticket as unused, then waits for the first's row lock and gets nothing."""
    _postgresql_only(app)
    alice, _exam_id, ticket = holder
    consumed: list[str] = []
    second: dict[str, int] = {}

    def consuming(held: threading.Event, release: threading.Event) -> None:
        with app.app_context():
            s = db.session()
            user, _exam = tickets.user_for_ticket(s, ticket, utcnow(),
                                                  key=tickets.ticket_key(app.config["SECRET_KEY"]))
            consumed.append(user.username)
            held.set()
            release.wait(30)
            s.commit()

    def logging_in() -> None:
        c = app.test_client()
        second["login"] = c.post("/api/v1/auth/ticket", json={"ticket": ticket}).status_code
        second["exams"] = c.get("/api/v1/exams").status_code

    second_waits_for_first(consuming, logging_in)
    assert consumed == [alice.username]
    assert second == {"login": 401, "exams": 401}


def test_logins_with_one_ticket_at_once_give_exactly_one_session(app, holder):
    _postgresql_only(app)
    _alice, _exam_id, ticket = holder
    clients = [app.test_client() for _ in range(6)]
    start = threading.Barrier(len(clients))
    answers: list[tuple[int, int]] = []

    def log_in(c) -> None:
        start.wait()
        status = c.post("/api/v1/auth/ticket", json={"ticket": ticket}).status_code
        answers.append((status, c.get("/api/v1/exams").status_code))

    threads = [threading.Thread(target=log_in, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == [(200, 200)] + [(401, 401)] * 5

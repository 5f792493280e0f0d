"""Candidate tickets on pages: a proctor issues and prints them, a candidate logs in with one."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.db import utcnow
from examapp.exams.definitions import RuleSpec
from examapp.exams.models import Exam, ExamTicket
from tests.exams_pages.conftest import start
from tests.factories import add_candidates, csrf_token, make_exam, make_user

TICKET = re.compile(r'<p class="slip-ticket">([2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5})</p>')




@pytest.fixture
def second(setup, app):
    """A second candidate whose username and name would be formulas in a spreadsheet."""
    user = make_user(app, "candidate", username="@thisinh2", full_name="=HYPERLINK(\"http://x\")")
    add_candidates(app, setup.exam_id, [user.username])
    return user



def _mark(page: str) -> str:
    return re.search(r'name="issued_mark" value="([^"]*)"', page).group(1)


def issue(client, exam_id: int, usernames: list[str] | None = None, **extra) -> dict[str, str]:
    """Issue through the tickets page; {username: ticket} as the printable page lists them."""
    page = client.get(f"/exams/{exam_id}/tickets").get_data(as_text=True)
    data = {"scope": "selected" if usernames else "all", "issued_mark": _mark(page),
            "username": usernames or [], **extra}
    response = client.post(f"/exams/{exam_id}/tickets", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    return printed_tickets(response.get_data(as_text=True))


def printed_tickets(page: str) -> dict[str, str]:
    """The username/ticket pairs the page's CSV form posts back."""
    usernames = [html.unescape(u) for u in re.findall(r'name="username" value="([^"]+)"', page)]
    return dict(zip(usernames, re.findall(r'name="ticket" value="([^"]+)"', page), strict=True))


def stored_tickets(app, exam_id: int) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(ExamTicket)
                                   .where(ExamTicket.exam_id == exam_id))


def is_logged_in(client) -> bool:
    return client.get("/api/v1/exams").status_code != 401


# ---- issuing and printing ----

def test_issuing_prints_a_slip_for_every_candidate(setup, second, app, proctor):
    listing = proctor.get(f"/exams/{setup.exam_id}/tickets")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert "Lê Hoàng Anh" in text and "@thisinh2" in text and "shown only once" in text

    response = proctor.post(f"/exams/{setup.exam_id}/tickets", data={"scope": "all", "issued_mark": ""})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    slips = page.split('<article class="ticket-slip">')[1:]
    assert len(slips) == 2
    pairs = printed_tickets(page)
    assert set(pairs) == {setup.candidate.user.username, second.username}
    for username, ticket in pairs.items():
        slip = next(s for s in slips if f"<strong>{username}</strong>" in s)
        assert TICKET.search(slip).group(1) == ticket
        assert "Kiểm tra kiến thức Đảng" in slip and "<strong>P101</strong>" in slip
        assert "Valid " in slip and "/login/ticket" in slip
    assert "Lê Hoàng Anh" in slips[0] or "Lê Hoàng Anh" in slips[1]
    assert "These tickets are shown only now." in page
    assert stored_tickets(app, setup.exam_id) == 2
    for ticket in pairs.values():  # only hashes are stored
        with app.app_context():
            assert db.session().scalar(select(func.count()).select_from(ExamTicket).where(
                ExamTicket.ticket_hash == ticket.replace("-", ""))) == 0


def test_the_list_shows_who_holds_and_who_used_a_ticket(setup, second, app, proctor):
    tickets = issue(proctor, setup.exam_id)
    login = app.test_client().post("/login/ticket", data={"ticket": tickets[second.username]})
    assert login.status_code == 303
    page = proctor.get(f"/exams/{setup.exam_id}/tickets").get_data(as_text=True)
    assert "Holding an unused ticket: 1" in page and "Logged in with their ticket: 1" in page
    assert page.count(">used ") == 1 and page.count(">issued ") == 1


def test_issuing_for_everyone_again_needs_replace_ticked(setup, second, app, proctor):
    first = issue(proctor, setup.exam_id)
    page = proctor.get(f"/exams/{setup.exam_id}/tickets").get_data(as_text=True)
    refused = proctor.post(f"/exams/{setup.exam_id}/tickets",
                           data={"scope": "all", "issued_mark": _mark(page)})
    assert refused.status_code == 400
    assert "2 candidates already hold a ticket" in refused.get_data(as_text=True)
    assert app.test_client().post("/login/ticket", data={"ticket": first[second.username]}).status_code == 303
    again = issue(proctor, setup.exam_id, replace="y")
    alice = setup.candidate.user.username
    assert set(again) == set(first) and again[alice] != first[alice]
    old = app.test_client().post("/login/ticket", data={"ticket": first[alice]})
    assert old.status_code == 401


def test_reissuing_for_ticked_candidates_replaces_only_their_tickets(setup, second, app, proctor):
    first = issue(proctor, setup.exam_id)
    alice = setup.candidate.user.username
    new = issue(proctor, setup.exam_id, [alice])
    assert list(new) == [alice] and new[alice] != first[alice]
    assert app.test_client().post("/login/ticket", data={"ticket": first[alice]}).status_code == 401
    assert app.test_client().post("/login/ticket", data={"ticket": new[alice]}).status_code == 303
    assert app.test_client().post("/login/ticket", data={"ticket": first[second.username]}).status_code == 303


def test_a_reposted_issue_form_issues_nothing(setup, second, app, proctor):
    """Reloading the printed page re-sends the form: it must not replace the tickets just printed."""
    data = {"scope": "all", "issued_mark": ""}
    first = printed_tickets(proctor.post(f"/exams/{setup.exam_id}/tickets", data=data).get_data(as_text=True))
    again = proctor.post(f"/exams/{setup.exam_id}/tickets", data=data)
    assert again.status_code == 409 and "nothing was issued" in again.get_data(as_text=True)
    assert app.test_client().post("/login/ticket", data={"ticket": first[second.username]}).status_code == 303


def test_ticking_nobody_or_no_candidates_issues_nothing(setup, app, proctor):
    page = proctor.get(f"/exams/{setup.exam_id}/tickets").get_data(as_text=True)
    response = proctor.post(f"/exams/{setup.exam_id}/tickets",
                            data={"scope": "selected", "issued_mark": _mark(page)})
    assert response.status_code == 400 and "Tick the candidates" in response.get_data(as_text=True)
    stranger = proctor.post(f"/exams/{setup.exam_id}/tickets",
                            data={"scope": "selected", "issued_mark": "", "username": ["nobody"]})
    assert stranger.status_code == 400
    assert "Not candidates of this exam: nobody" in stranger.get_data(as_text=True)
    bad_scope = proctor.post(f"/exams/{setup.exam_id}/tickets", data={"scope": "some", "issued_mark": ""})
    assert bad_scope.status_code == 400
    assert stored_tickets(app, setup.exam_id) == 0
    empty_id = make_exam(app, setup.bank_id, author=setup.trainer.user, title="Trống", rules=[RuleSpec(2)],
                         duration_minutes=10, pass_percent=50)
    page = proctor.get(f"/exams/{empty_id}/tickets").get_data(as_text=True)
    assert "Nobody is assigned yet." in page and "Issue tickets" not in page
    response = proctor.post(f"/exams/{empty_id}/tickets", data={"scope": "all", "issued_mark": ""})
    assert response.status_code == 400 and "The exam has no candidates yet" in response.get_data(as_text=True)


def test_candidates_and_trainers_cannot_issue(setup, app):
    for client in (setup.candidate, setup.trainer):
        assert client.get(f"/exams/{setup.exam_id}/tickets").status_code == 403
        posted = client.post(f"/exams/{setup.exam_id}/tickets", data={"scope": "all", "issued_mark": ""})
        assert posted.status_code == 403
        download = client.post(f"/exams/{setup.exam_id}/tickets.csv", data={"username": [], "ticket": []})
        assert download.status_code == 403
    assert stored_tickets(app, setup.exam_id) == 0
    assert app.test_client().get(f"/exams/{setup.exam_id}/tickets").status_code == 302  # to the login page
    assert app.test_client().get("/exams/9999/tickets").status_code == 302


def test_the_exam_and_room_pages_link_to_tickets_for_proctors(setup, proctor):
    link = f'href="/exams/{setup.exam_id}/tickets"'
    assert link in proctor.get(f"/exams/{setup.exam_id}").get_data(as_text=True)
    assert link in proctor.get(f"/exams/{setup.exam_id}/room").get_data(as_text=True)
    assert link not in setup.trainer.get(f"/exams/{setup.exam_id}").get_data(as_text=True)
    assert proctor.get("/exams/9999/tickets").status_code == 404


# ---- the CSV download ----

def test_csv_download_has_a_bom_and_guards_formulas(setup, second, proctor):
    pairs = issue(proctor, setup.exam_id)
    response = proctor.post(f"/exams/{setup.exam_id}/tickets.csv",
                            data={"username": list(pairs), "ticket": list(pairs.values())})
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="exam-{setup.exam_id}-tickets.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["username", "name", "ticket"]
    by_ticket = {row[2]: row for row in rows[1:]}
    alice = setup.candidate.user.username
    assert by_ticket[pairs[alice]][:2] == [alice, "Lê Hoàng Anh"]
    assert by_ticket[pairs[second.username]][:2] == ["'@thisinh2", "'=HYPERLINK(\"http://x\")"]
    assert len(rows) == 3


def test_the_command_line_csv_is_guarded_the_same_way(setup, second, runner, tmp_path):
    out = tmp_path / "tickets.csv"
    result = runner.invoke(args=["exams", "tickets", str(setup.exam_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert ["'@thisinh2", "'=HYPERLINK(\"http://x\")"] in [row[:2] for row in rows]


def test_csv_of_replaced_or_garbled_tickets_is_refused(setup, second, proctor):
    old = issue(proctor, setup.exam_id)
    issue(proctor, setup.exam_id, [second.username])
    stale = proctor.post(f"/exams/{setup.exam_id}/tickets.csv",
                         data={"username": list(old), "ticket": list(old.values())})
    assert stale.status_code == 409 and stale.mimetype == "text/html"
    assert f"no longer valid (new ones were issued since): {second.username}" in stale.get_data(as_text=True)
    uneven = proctor.post(f"/exams/{setup.exam_id}/tickets.csv", data={"username": list(old), "ticket": []})
    assert uneven.status_code == 400
    empty = proctor.post(f"/exams/{setup.exam_id}/tickets.csv", data={})
    assert empty.status_code == 400


# ---- logging in with a ticket ----

def test_the_login_page_offers_a_ticket_box(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'action="/login/ticket"' in page and 'name="ticket"' in page
    assert "With a candidate ticket" in page
    assert client.get("/login/ticket").status_code == 200


def test_a_ticket_logs_in_on_the_page_and_lands_on_the_exam(setup, app, proctor):
    ticket = issue(proctor, setup.exam_id)[setup.candidate.user.username]
    c = app.test_client()
    response = c.post("/login/ticket", data={"ticket": f"  {ticket.lower()} "})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/my-exams/{setup.exam_id}"
    assert is_logged_in(c)
    start_page = c.get(response.headers["Location"])
    assert start_page.status_code == 200 and "Kiểm tra kiến thức Đảng" in start_page.get_data(as_text=True)
    attempt_id = start(c, setup.exam_id)
    assert c.get(f"/attempts/{attempt_id}").status_code == 200


def test_a_used_ticket_fails(setup, app, proctor):
    ticket = issue(proctor, setup.exam_id)[setup.candidate.user.username]
    assert app.test_client().post("/login/ticket", data={"ticket": ticket}).status_code == 303
    c = app.test_client()
    again = c.post("/login/ticket", data={"ticket": ticket})
    assert again.status_code == 401
    assert "This ticket has already been used, at " in again.get_data(as_text=True)
    assert "ask the proctor for a new one" in again.get_data(as_text=True)
    assert not is_logged_in(c)


def test_a_wrong_ticket_is_401_with_a_clear_message(setup, app, client):
    response = client.post("/login/ticket", data={"ticket": "AAAAA-BBBBB"})
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert 'role="alert">This ticket is not valid; check what you typed' in page
    assert 'value="AAAAA-BBBBB"' in page and 'aria-invalid="true"' in page
    assert not is_logged_in(client)
    blank = client.post("/login/ticket", data={"ticket": ""})
    assert blank.status_code == 400 and "This field is required." in blank.get_data(as_text=True)


def test_a_ticket_before_its_exam_opens_says_when(setup, app, proctor):
    with app.app_context():
        s = db.session()
        s.get(Exam, setup.exam_id).opens_at = utcnow() + timedelta(hours=1)
        s.commit()
    ticket = issue(proctor, setup.exam_id)[setup.candidate.user.username]
    response = app.test_client().post("/login/ticket", data={"ticket": ticket})
    assert response.status_code == 401 and "the exam opens at" in response.get_data(as_text=True)


def test_wrong_tickets_are_limited_per_address_on_the_page_and_the_api_alike(setup, app, proctor):
    app.config["TICKET_MAX_FAILURES_PER_PREFIX"] = 2
    ticket = issue(proctor, setup.exam_id)[setup.candidate.user.username]
    c = app.test_client()
    other = "Z" if ticket[2] != "Z" else "Y"
    assert c.post("/login/ticket", data={"ticket": ticket[:2] + other * 3 + "-AAAAA"}).status_code == 401
    wrong = ticket[:2] + other * 3 + "-BBBBB"
    assert c.post("/api/v1/auth/ticket", json={"ticket": wrong}).status_code == 401
    blocked = c.post("/login/ticket", data={"ticket": ticket})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Too many wrong tickets from this computer" in blocked.get_data(as_text=True)
    assert c.post("/api/v1/auth/ticket", json={"ticket": ticket}).status_code == 429
    assert not is_logged_in(c)
    elsewhere = app.test_client()
    other = elsewhere.post("/login/ticket", data={"ticket": ticket}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 303


def test_the_api_names_the_tickets_exam(setup, app, proctor):
    ticket = issue(proctor, setup.exam_id)[setup.candidate.user.username]
    response = app.test_client().post("/api/v1/auth/ticket", json={"ticket": ticket})
    assert response.status_code == 200 and response.get_json()["exam_id"] == setup.exam_id


# ---- CSRF ----

def test_ticket_forms_need_their_csrf_token(csrf_on, setup, app, proctor):
    url = f"/exams/{setup.exam_id}/tickets"
    assert proctor.post(url, data={"scope": "all", "issued_mark": ""}).status_code == 400
    assert stored_tickets(app, setup.exam_id) == 0
    page = proctor.get(url).get_data(as_text=True)
    issued = proctor.post(url, data={"scope": "all", "issued_mark": "", "csrf_token": csrf_token(page)})
    assert issued.status_code == 200
    printed = issued.get_data(as_text=True)
    pairs = printed_tickets(printed)
    download = {"username": list(pairs), "ticket": list(pairs.values())}
    assert proctor.post(f"{url}.csv", data=download).status_code == 400
    assert proctor.post(f"{url}.csv", data={**download, "csrf_token": csrf_token(printed)}).status_code == 200

    ticket = pairs[setup.candidate.user.username]
    c = app.test_client()
    assert c.post("/login/ticket", data={"ticket": ticket}).status_code == 400
    assert not is_logged_in(c)
    login_page = c.get("/login").get_data(as_text=True)
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', login_page))
    assert len(tokens) == 1  # both login forms carry the token
    response = c.post("/login/ticket", data={"ticket": ticket, "csrf_token": tokens.pop()})
    assert response.status_code == 303

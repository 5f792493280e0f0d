"""Admission under overload: while the server is behind, logins and starts are refused at once with
503 and Retry-After and change nothing; saves are never refused; the queue is read off a real socket."""

from __future__ import annotations

import os
import re
import socket
import time

import pytest
from sqlalchemy import func, select

from examapp import admission, db
from examapp.exams.models import Attempt
from tests.factories import PASSWORD, csrf_token, make_bank, make_client, make_exam, make_tickets, make_user

ROUTES_THAT_SHED = {"auth.login", "auth_api.api_login", "exams_api.ticket_login", "ticket_pages.ticket_login",
                    "paper_pages.start_page", "attempts_api.start_attempt"}


class Behind:
    """The server as far behind as a test says: `busy` more refusals, each asking for `wait` seconds."""

    def __init__(self, busy: int = 1_000, wait: int = 4) -> None:
        self.busy, self.wait, self.asked = busy, wait, 0

    def retry_after(self) -> int | None:
        self.asked += 1
        if self.busy <= 0:
            return None
        self.busy -= 1
        return self.wait


@pytest.fixture
def behind(app) -> Behind:
    gauge = Behind()
    app.extensions["examapp.admission"] = gauge
    return gauge


@pytest.fixture
def sitting(app):
    """A candidate with an exam assigned (no room code), logged in."""
    bank_id = make_bank(app)
    client = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, [client.user.username])
    return client, exam_id


def _attempts(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Attempt))


def _busy(response) -> int:
    assert response.status_code == 503
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= admission.MAX_RETRY_SECONDS
    return wait


def test_only_logins_and_starts_shed(app):
    marked = {endpoint for endpoint, view in app.view_functions.items()
              if getattr(view, "sheds_when_busy", False)}
    assert marked == ROUTES_THAT_SHED
    assert "attempts_api.save_answer" in app.view_functions


def test_a_start_refused_while_behind_changes_nothing_and_succeeds_after(app, sitting, behind):
    client, exam_id = sitting
    refused = client.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert _busy(refused) == 4
    assert refused.get_json()["error"]["code"] == "busy"
    assert "try again in 4 seconds" in refused.get_json()["error"]["message"]
    assert _attempts(app) == 0
    behind.busy = 0
    started = client.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    assert started.status_code == 201
    assert _attempts(app) == 1


def test_saves_are_never_refused_for_load(app, sitting, behind):
    client, exam_id = sitting
    behind.busy = 0
    paper = client.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    behind.busy = 1_000
    question = paper["questions"][0]
    saved = client.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{question['id']}",
                       json={"options": [question["options"][0]["id"]]})
    assert saved.status_code == 200
    assert client.get(f"/api/v1/attempts/{paper['attempt_id']}").status_code == 200
    assert client.post(f"/api/v1/attempts/{paper['attempt_id']}/submit", json={}).status_code == 200


def test_a_password_login_refused_while_behind_logs_nobody_in(app, behind):
    user = make_user(app, "candidate")
    client = app.test_client()
    _busy(client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD}))
    assert client.get("/api/v1/exams").status_code == 401
    behind.busy = 0
    assert client.post("/api/v1/auth/login", json={"username": user.username,
                                                   "password": PASSWORD}).status_code == 200


def test_a_ticket_refused_while_behind_is_not_used_up(app, sitting, behind):
    client, exam_id = sitting
    [ticket] = make_tickets(app, exam_id).values()
    other = app.test_client()
    _busy(other.post("/api/v1/auth/ticket", json={"ticket": ticket}))
    behind.busy = 0
    assert other.post("/api/v1/auth/ticket", json={"ticket": ticket}).status_code == 200


def test_the_login_page_itself_is_served_while_behind(app, behind):
    page = app.test_client().get("/login")
    assert page.status_code == 200
    assert 'data-busy-retry' in page.text and "busy-retry.js" in page.text
    assert behind.asked == 0  # a GET does not even look at the queue


def test_a_refused_page_post_says_so_in_vietnamese_with_a_way_back(app, csrf_on, behind):
    client = app.test_client()
    token = csrf_token(client.get("/login").text)
    refused = client.post("/login", data={"csrf_token": token, "username": "x", "password": "y"},
                          headers={"Accept-Language": "vi"})
    _busy(refused)
    assert "Máy chủ đang bận lưu bài" in refused.text
    assert re.search(r'<a [^>]*href="/login"[^>]*>Thử lại ngay</a>', refused.text)


# ---------------------------------------------------------------- the gauge on real sockets


def _listener(backlog: int = 64) -> socket.socket:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(backlog)
    return server


def _wait_for_queue(server: socket.socket, n: int) -> int:
    deadline = time.monotonic() + 2
    while admission.accept_queue(server) < n and time.monotonic() < deadline:
        time.sleep(0.01)
    return admission.accept_queue(server)


def test_the_accept_queue_is_read_off_the_listening_socket():
    server = _listener()
    clients = [socket.create_connection(server.getsockname()) for _ in range(5)]
    try:
        assert _wait_for_queue(server, 5) == 5
        server.accept()[0].close()
        assert admission.accept_queue(server) == 4
    finally:
        for c in clients:
            c.close()
        server.close()


def test_the_gauge_finds_this_process_listener_once_and_refuses_past_its_limit():
    server = _listener()
    gauge = admission.QueueGauge(limit=3)
    clients = []
    try:
        mine = [s for s in admission.listening_sockets() if s.getsockname() == server.getsockname()]
        assert len(mine) == 1  # found once, though looking makes copies of descriptors
        # Only this listener counts here: servers of other tests in this process may still hold
        # connections in their queues.
        gauge._pid, gauge._sockets = os.getpid(), mine
        assert gauge.retry_after() is None
        clients = [socket.create_connection(server.getsockname()) for _ in range(3)]
        _wait_for_queue(server, 3)
        assert gauge.retry_after() is None  # at the limit: still admitted
        clients.append(socket.create_connection(server.getsockname()))
        _wait_for_queue(server, 4)
        wait = gauge.retry_after()
        assert wait is not None and 1 <= wait <= admission.MAX_RETRY_SECONDS
        assert admission.QueueGauge(limit=0).retry_after() is None  # 0 turns admission off
    finally:
        for c in clients:
            c.close()
        server.close()

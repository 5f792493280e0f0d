"""Logging in by page and API, attempt limits, bearer tokens, passwords."""

import pytest

from examapp import db
from examapp.auth.models import User
from examapp.auth.service import revoke_tokens
from tests.factories import PASSWORD, bearer_headers, log_in, make_client, make_token, make_user


def test_login_page_logs_in_and_redirects_to_next(app, client):
    user = make_user(app, "trainer")
    response = client.post("/login?next=/units", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/units"
    assert client.get("/units").status_code == 200


def test_login_page_refuses_a_foreign_next_url(app, client):
    user = make_user(app, "trainer")
    response = client.post("/login?next=//evil.example/x",
                           data={"username": user.username, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused_without_saying_which_part(app, client):
    user = make_user(app)
    response = client.post("/login", data={"username": user.username, "password": "nope-nope-1"})
    assert response.status_code == 401
    assert b"Wrong username or password" in response.data
    unknown = client.post("/login", data={"username": "ghost", "password": "nope-nope-1"})
    assert unknown.status_code == 401


def test_pages_need_login_and_redirect_to_it(client):
    response = client.get("/units")
    assert response.status_code == 302 and "/login?next=/units" in response.headers["Location"]


def test_api_login_sets_a_session(app, client):
    user = make_user(app, "admin")
    response = log_in(client, user.username)
    assert response.status_code == 200 and response.get_json()["role"] == "admin"
    assert client.get("/api/v1/users").status_code == 200


def test_api_login_bad_body_names_the_field(client):
    response = client.post("/api/v1/auth/login", json={"username": "x"})
    assert response.status_code == 400
    assert "password" in response.get_json()["error"]["message"]


def test_account_is_locked_after_repeated_failures(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 3
    user = make_user(app)
    for _ in range(3):
        assert client.post("/api/v1/auth/login",
                           json={"username": user.username, "password": "wrong-pass-1"}).status_code == 401
    locked = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert locked.get_json()["error"]["code"] == "too_many_requests"
    page = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert page.status_code == 429 and "Retry-After" in page.headers


def test_failures_from_elsewhere_do_not_lock_the_account(app, client):
    """Ten wrong passwords from an attacker's machine must not refuse the owner's right one."""
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 3
    user = make_user(app, "proctor")
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"username": user.username, "password": "wrong-pass-1"},
                    environ_base=attacker)
    blocked = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD},
                          environ_base=attacker)
    assert blocked.status_code == 429
    assert log_in(client, user.username).status_code == 200


def test_one_address_is_limited_across_accounts(app, client):
    app.config["LOGIN_MAX_ATTEMPTS_PER_ADDRESS"] = 4
    for i in range(4):
        client.post("/api/v1/auth/login", json={"username": f"guess{i}", "password": "wrong-pass-1"})
    user = make_user(app)
    assert log_in(client, user.username).status_code == 429


def test_success_clears_the_failure_count(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 2
    user = make_user(app)
    client.post("/api/v1/auth/login", json={"username": user.username, "password": "wrong-pass-1"})
    assert log_in(client, user.username).status_code == 200
    client.post("/api/v1/auth/login", json={"username": user.username, "password": "wrong-pass-1"})
    assert log_in(client, user.username).status_code == 200


def test_login_limits_hold_across_processes_with_redis(app_config, redis_url, redis_prefix, app):
    """Two app instances (two server processes) share the counters through Redis."""
    from examapp import create_app

    shared = dict(app_config, REDIS_URL=redis_url, REDIS_PREFIX=redis_prefix,
                  LOGIN_MAX_FAILURES_PER_ACCOUNT=2)
    user = make_user(app)
    first = create_app(shared).test_client()
    other = create_app(shared).test_client()
    first.post("/api/v1/auth/login", json={"username": user.username, "password": "wrong-pass-1"})
    other.post("/api/v1/auth/login", json={"username": user.username, "password": "wrong-pass-1"})
    assert log_in(first, user.username).status_code == 429


def test_bearer_token_authenticates_api_calls(app, client):
    headers = bearer_headers(app, "admin")
    assert client.get("/api/v1/users", headers=headers).status_code == 200
    assert client.get("/api/v1/users", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_revoked_token_stops_working(app, client):
    user = make_user(app, "admin")
    token = make_token(app, user.username)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/users", headers=headers).status_code == 200
    with app.app_context():
        s = db.session()
        assert revoke_tokens(s, s.get(User, user.id)) == 1
        s.commit()
    assert client.get("/api/v1/users", headers=headers).status_code == 401


def test_tokens_are_stored_hashed(app):
    from sqlalchemy import select

    from examapp.auth.models import ApiToken

    user = make_user(app)
    token = make_token(app, user.username)
    with app.app_context():
        stored = db.session().scalar(select(ApiToken.token_hash))
    assert stored and token not in stored


def test_passwords_are_hashed_with_argon2(app):
    user = make_user(app)
    with app.app_context():
        stored = db.session().get(User, user.id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_disabled_account_cannot_log_in(app, client):
    user = make_user(app)
    with app.app_context():
        s = db.session()
        s.get(User, user.id).active = False
        s.commit()
    assert log_in(client, user.username).status_code == 401


@pytest.mark.parametrize("new,message", [
    ("short1", b"at least 8"),
    ("password1", b"most common"),
    ("abcdefghij", b"mix letters"),
])
def test_change_password_refuses_weak_passwords(app, new, message):
    c = make_client(app, "candidate")
    response = c.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert message in response.data
    assert log_in(c, c.user.username).status_code == 200, "old password still works"


def test_change_password(app):
    c = make_client(app, "candidate")
    new = "Another#Pass9"
    response = c.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    assert log_in(c, c.user.username, new).status_code == 200


def test_logout_ends_the_session(app):
    c = make_client(app, "admin")
    c.post("/logout")
    assert c.get("/api/v1/users").status_code == 401


def test_logout_ends_the_accounts_other_sessions(app):
    first = make_client(app, "admin")
    second = app.test_client()
    assert log_in(second, first.user.username).status_code == 200
    assert second.get("/api/v1/users").status_code == 200
    first.post("/api/v1/auth/logout")
    assert second.get("/api/v1/users").status_code == 401


def test_a_new_password_ends_other_sessions_but_keeps_this_one(app):
    here = make_client(app, "candidate")
    elsewhere = app.test_client()
    assert log_in(elsewhere, here.user.username).status_code == 200
    new = "Another#Pass9"
    here.post("/account/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert elsewhere.get("/api/v1/exams").status_code == 401
    assert here.get("/api/v1/exams").status_code == 200


def test_revoking_ends_sessions_and_tokens(app):
    c = make_client(app, "admin")
    with app.app_context():
        s = db.session()
        revoke_tokens(s, s.query(User).filter_by(username=c.user.username).one())
        s.commit()
    assert c.get("/api/v1/users").status_code == 401


def test_a_disabled_account_loses_its_sessions(app):
    c = make_client(app, "admin")
    with app.app_context():
        s = db.session()
        s.query(User).filter_by(username=c.user.username).one().active = False
        s.commit()
    assert c.get("/api/v1/users").status_code == 401


@pytest.mark.parametrize("key, seconds", [("seen", 61 * 60), ("iat", 13 * 3600)])
def test_sessions_expire_when_idle_and_after_their_lifetime(app, key, seconds):
    c = make_client(app, "admin")
    assert c.get("/api/v1/users").status_code == 200
    with c.session_transaction() as cookie:
        cookie[key] -= seconds
    assert c.get("/api/v1/users").status_code == 401


def test_using_a_session_keeps_it_alive(app):
    c = make_client(app, "admin")
    with c.session_transaction() as cookie:
        cookie["seen"] -= 59 * 60
    assert c.get("/api/v1/users").status_code == 200
    with c.session_transaction() as cookie:
        cookie["seen"] -= 30 * 60  # 89 minutes after login, 30 after the last request
    assert c.get("/api/v1/users").status_code == 200


def test_logging_in_rotates_the_csrf_token(csrf_on, app):
    user = make_user(app, "trainer")
    c = app.test_client()
    c.get("/login")
    with c.session_transaction() as cookie:
        before = cookie["csrf_token"]
    log_in(c, user.username)
    c.get("/")
    with c.session_transaction() as cookie:
        assert cookie.get("csrf_token") not in (None, before)

"""Rate-limit counters behave the same in Redis and in the in-process store; the latter is announced."""

import logging

import pytest
import redis

from examapp import create_app
from examapp.store import MemoryStore, RedisStore
from tests.factories import log_in, make_bank, make_client, make_exam, make_user


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return MemoryStore()
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("redis_prefix")
    return RedisStore(redis.Redis.from_url(url, decode_responses=True), prefix)


def test_hits_count_within_a_window(store):
    assert store.hit("k", 60)[0] == 1
    count, ttl = store.hit("k", 60)
    assert count == 2 and 0 < ttl <= 60
    assert store.peek("k")[0] == 2


def test_reset_clears_the_count(store):
    store.hit("k", 60)
    store.reset("k")
    assert store.peek("k") == (0, 0)


def test_window_expires(store):
    import time

    store.hit("short", 1)
    time.sleep(1.1)
    assert store.peek("short")[0] == 0
    assert store.hit("short", 1)[0] == 1


def test_version_counters_move_on_each_bump(store):
    assert store.version("v") is None
    store.bump("v")
    first = store.version("v")
    store.bump("v")
    assert first is not None and store.version("v") not in (None, first)


def test_the_in_process_store_is_announced_at_the_first_request_not_when_the_app_is_built(
        tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("EXAMAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    caplog.set_level(logging.WARNING, logger="examapp.store")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}", "SECRET_KEY": "s",
                      "REDIS_URL": None, "SWEEP_INTERVAL_SECONDS": 0})

    def said() -> list[logging.LogRecord]:
        return [r for r in caplog.records if "in-process store" in r.getMessage()]

    assert said() == []
    client = app.test_client()
    client.get("/api/v1/health")
    client.get("/api/v1/health")
    assert len(said()) == 1 and said()[0].levelno == logging.WARNING
    app.extensions["examapp.engine"].dispose()


@pytest.fixture
def redis_lost(app_config):
    """An app whose Redis cannot be reached: nothing listens on port 1."""
    app_config["REDIS_URL"] = "redis://127.0.0.1:1/0"


def test_logins_and_their_limits_keep_working_with_redis_stopped(redis_lost, app, caplog):
    caplog.set_level(logging.WARNING, logger="examapp.store")
    user = make_user(app, "proctor")
    client = app.test_client()
    assert log_in(client, user.username).status_code == 200
    assert client.get("/api/v1/units").status_code == 200
    page = app.test_client().post("/login", data={"username": user.username, "password": "Secret#2026"})
    assert page.status_code == 302
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 2
    other = app.test_client()
    for _ in range(2):
        assert other.post("/api/v1/auth/login",
                          json={"username": user.username, "password": "wrong-pass-1"}).status_code == 401
    assert log_in(other, user.username).status_code == 429, "still limited, in this process"
    said = [r for r in caplog.records if "Redis cannot be reached" in r.getMessage()]
    assert len(said) == 1, "said once, then Redis is left alone for a while"


def test_ticket_login_and_room_codes_work_with_redis_stopped(redis_lost, app):
    alice = make_user(app, "candidate")
    exam_id = make_exam(app, make_bank(app), (alice.username,), room_code="R1")
    tickets = make_client(app, "proctor").post(f"/api/v1/exams/{exam_id}/tickets", json={})
    c = app.test_client()
    assert c.post("/api/v1/auth/ticket", json={"ticket": tickets.get_json()["tickets"][0]["ticket"]}
                  ).status_code == 200
    assert c.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "R2"}).status_code == 403
    assert c.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "R1"}).status_code == 201

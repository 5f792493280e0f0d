"""What a process keeps of signed-in accounts: a change made through the app applies everywhere."""

import time

import redis
from sqlalchemy import update

from examapp import create_app, db
from examapp.auth.identity import VERSION_READ_SECONDS
from examapp.auth.models import User
from examapp.store import RedisStore, ResilientStore
from tests.factories import log_in, make_client, make_user


def _set(app, username: str, **values) -> None:
    """Change an account through the ORM, as the app's own services do."""
    with app.app_context():
        s = db.session()
        user = s.query(User).filter_by(username=username).one()
        for name, value in values.items():
            setattr(user, name, value)
        s.commit()


def test_a_disabled_account_is_refused_on_its_next_request(app):
    alice = make_client(app, "admin")
    assert alice.get("/api/v1/users").status_code == 200
    _set(app, alice.user.username, active=False)
    assert alice.get("/api/v1/users").status_code == 401


def test_a_role_change_applies_on_the_next_request(app):
    bob = make_client(app, "trainer")
    assert bob.get("/api/v1/users").status_code == 403
    _set(app, bob.user.username, role="admin")
    assert bob.get("/api/v1/users").status_code == 200
    _set(app, bob.user.username, role="candidate")
    assert bob.get("/api/v1/users").status_code == 403


def test_a_change_in_another_process_applies_within_a_second(app_config, redis_url, redis_prefix, app):
    shared = dict(app_config, REDIS_URL=redis_url, REDIS_PREFIX=redis_prefix)
    serving, other = create_app(shared), create_app(shared)  # two server processes sharing Redis
    user = make_user(app, "admin")
    carol = serving.test_client()
    assert log_in(carol, user.username).status_code == 200
    assert carol.get("/api/v1/users").status_code == 200
    _set(other, user.username, role="candidate")
    time.sleep(VERSION_READ_SECONDS + 0.1)
    assert carol.get("/api/v1/users").status_code == 403
    for each in (serving, other):
        each.extensions["examapp.engine"].dispose()


def test_a_database_change_the_app_did_not_make_applies_once_kept_identities_expire(app_config, app):
    app.config["IDENTITY_SECONDS"] = 0.3
    carol = make_client(app, "admin")
    assert carol.get("/api/v1/users").status_code == 200
    typed = create_app(app_config)  # as if typed into the database: no version moves
    with typed.app_context():
        db.session().execute(update(User).where(User.id == carol.user.id).values(active=False))
        db.session().commit()
    typed.extensions["examapp.engine"].dispose()
    time.sleep(0.35)
    assert carol.get("/api/v1/users").status_code == 401


def test_a_language_choice_is_kept_on_the_account(app):
    dan = make_client(app, "trainer")
    dan.post("/language", data={"lang": "en"})
    with app.app_context():
        assert db.session().get(User, dan.user.id).locale == "en"
    assert b"Question banks" in dan.get("/banks").data


def test_signed_in_requests_still_work_when_redis_is_lost(app):
    erin = make_client(app, "admin")
    assert erin.get("/api/v1/users").status_code == 200
    app.extensions["examapp.store"] = ResilientStore(RedisStore(redis.Redis.from_url("redis://127.0.0.1:1/0")))
    time.sleep(VERSION_READ_SECONDS + 0.1)
    assert erin.get("/api/v1/users").status_code == 200  # accounts are read from the database instead
    _set(app, erin.user.username, role="candidate")  # the bump fails: logged, the change still commits
    assert erin.get("/api/v1/users").status_code == 403

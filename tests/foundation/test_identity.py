"""The signed-in identity is cached per process for a few seconds: changes still take effect."""

import time

from sqlalchemy import update

from examapp import create_app, db
from examapp.auth.models import User


def _set(app, username: str, **values) -> None:
    """Change an account through the ORM, as the app's own services do."""
    with app.app_context():
        s = db.session()
        user = s.query(User).filter_by(username=username).one()
        for name, value in values.items():
            setattr(user, name, value)
        s.commit()


def test_a_disabled_account_is_refused_on_its_next_request(app, accounts):
    alice = accounts.client("admin")
    assert alice.get("/api/v1/users").status_code == 200
    _set(app, alice.user.username, active=False)
    assert alice.get("/api/v1/users").status_code == 401


def test_a_role_change_applies_on_the_next_request(app, accounts):
    bob = accounts.client("trainer")
    assert bob.get("/api/v1/users").status_code == 403
    _set(app, bob.user.username, role="admin")
    assert bob.get("/api/v1/users").status_code == 200
    _set(app, bob.user.username, role="candidate")
    assert bob.get("/api/v1/users").status_code == 403


def test_another_process_change_is_seen_once_the_identity_expires(app_config, accounts, app):
    app.config["IDENTITY_SECONDS"] = 0.3
    carol = accounts.client("admin")
    assert carol.get("/api/v1/users").status_code == 200
    other = create_app(app_config)  # another server process: its writes do not reach this cache
    with other.app_context():
        db.session().execute(update(User).where(User.id == carol.user.id).values(active=False))
        db.session().commit()
    other.extensions["examapp.engine"].dispose()
    time.sleep(0.35)
    assert carol.get("/api/v1/users").status_code == 401


def test_a_language_choice_is_kept_on_the_account(app, accounts):
    dan = accounts.client("trainer")
    dan.post("/language", data={"lang": "en"})
    with app.app_context():
        assert db.session().get(User, dan.user.id).locale == "en"
    assert b"Question banks" in dan.get("/banks").data

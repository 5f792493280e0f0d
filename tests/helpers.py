"""Factories that make any state in one call, so a test reads like the user's steps."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from examapp import db
from examapp.auth.models import User
from examapp.auth.service import NewUser, create_user, issue_token
from examapp.orgs.service import create_unit, unit_by_code

PASSWORD = "Secret#2026"
_counter = itertools.count(1)


class Accounts:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def unit(self, code: str, name: str | None = None, parent: str | None = None,
             kind: str = "other") -> str:
        with self.app.app_context():
            s = db.session()
            if unit_by_code(s, code) is None:
                create_unit(s, code, name or code, parent, kind)
                s.commit()
        return code

    def user(self, role: str = "candidate", username: str | None = None,
             unit: str | None = None, full_name: str = "", password: str = PASSWORD) -> User:
        username = username or f"{role}{next(_counter)}"
        with self.app.app_context():
            s = db.session()
            user = create_user(s, NewUser(username, role, full_name or username.title(), unit, password))
            s.commit()
            return user

    def token(self, username: str) -> str:
        with self.app.app_context():
            s = db.session()
            user = s.query(User).filter_by(username=username).one()
            value = issue_token(s, user, "test")
            s.commit()
            return value

    def login(self, client: FlaskClient, username: str, password: str = PASSWORD):
        return client.post("/api/v1/auth/login", json={"username": username, "password": password})

    def client(self, role: str = "candidate", **kwargs) -> FlaskClient:
        """A new test client logged in (session cookie) as a new user of `role`."""
        user = self.user(role, **kwargs)
        c = self.app.test_client()
        response = self.login(c, user.username)
        assert response.status_code == 200, response.get_json()
        c.user = user
        return c

    def bearer(self, role: str = "candidate", **kwargs) -> dict[str, str]:
        """Headers authenticating as a new user of `role` with an API token."""
        user = self.user(role, **kwargs)
        return {"Authorization": f"Bearer {self.token(user.username)}"}


def second_waits_for_first(first: Callable[[threading.Event, threading.Event], None],
                           second: Callable[[], None]) -> None:
    """Run `first(held, release)` until it sets `held` (it holds a lock, uncommitted), then `second()`;
    assert `second` is still blocked half a second later, release `first`, and wait for both."""
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=first, args=(held, release))
    holder.start()
    assert held.wait(30)
    waiter = threading.Thread(target=second)
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive(), "the second writer should wait for the first one's commit"
    release.set()
    holder.join(30)
    waiter.join(30)


def csrf_token(page: str) -> str:
    """The CSRF token of the (first) form on an HTML page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

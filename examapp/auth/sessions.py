"""What a session cookie is worth on the server: whose it is, since when, and whether it still counts.

The cookie is signed, so the server keeps nothing per session; instead each cookie carries its
account's session version at login. Moving the version on (logout, a new password, revoked access)
ends every session of the account at once, in every process. A session also ends after
EXAMAPP_SESSION_IDLE_MINUTES without a request and EXAMAPP_SESSION_MAX_HOURS after login.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import login_user, logout_user

from examapp.auth import policy
from examapp.auth.identity import Identity
from examapp.auth.models import User
from examapp.i18n import LANGUAGE_KEY

VERSION = "sv"
LOGGED_IN_AT = "iat"
SEEN_AT = "seen"
# Set in the session of a ticket login: the exam the ticket was for.
TICKET_EXAM = "ticket_exam"
# How stale `seen` may get before it is written again: each write sends a new cookie.
SEEN_RESOLUTION_SECONDS = 60


def start_session(user: User | Identity, ticket_exam_id: int | None = None) -> None:
    """Log `user` in on a fresh session: nothing of the one before survives, its CSRF token included,
    but the language chosen in this browser."""
    language = session.get(LANGUAGE_KEY)
    session.clear()
    if language is not None:
        session[LANGUAGE_KEY] = language
    login_user(user)
    now = int(time.time())
    session.update({VERSION: user.session_version, LOGGED_IN_AT: now, SEEN_AT: now})
    if ticket_exam_id is not None:
        session[TICKET_EXAM] = ticket_exam_id


def end_session() -> None:
    logout_user()
    session.clear()


def session_counts(identity: Identity) -> bool:
    """Whether the request's session cookie still logs `identity` in; refreshes its idle clock."""
    if session.get(VERSION) != identity.session_version:
        return False
    if session.get(TICKET_EXAM) is not None and not policy.sits_exams(identity):
        return False  # a ticket gives a candidate's session, never more, whatever the account became
    now = int(time.time())
    config = current_app.config
    logged_in_at, seen_at = session.get(LOGGED_IN_AT, 0), session.get(SEEN_AT, 0)
    if now - logged_in_at > config["SESSION_MAX_HOURS"] * 3600:
        return False
    if now - seen_at > config["SESSION_IDLE_MINUTES"] * 60:
        return False
    if now - seen_at >= SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = now
    return True


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per secret instead of
    twice a request (it holds only settings, so the threads of a process may share it)."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, object] = {}

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = self._serializers[key] = super().get_signing_serializer(app)
        return serializer

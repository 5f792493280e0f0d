"""Flask-Login wiring: session cookies for pages, `Authorization: Bearer` tokens for the API."""

from __future__ import annotations

import time

from flask import Flask, current_app, g, request
from flask_login import LoginManager

from examapp import db
from examapp.auth.identity import Identity, identities
from examapp.auth.ratelimit import LoginLimits
from examapp.auth.service import token_digest, user_for_token
from examapp.auth.sessions import CookieSessions, session_counts
from examapp.store import store

login_manager = LoginManager()
login_manager.login_view = "auth.login"


@login_manager.user_loader
def _load_user(user_id: str) -> Identity | None:
    identity = identities.get(current_app.extensions["examapp.engine"], int(user_id),
                              current_app.config["IDENTITY_SECONDS"], store())
    if identity is None or not identity.active or not session_counts(identity):
        return None
    return identity


# token digest -> (user id, the account's session version then, until): a phone polling its board
# place is not a token lookup every time. Revoking tokens moves the session version, which the
# account's identity (kept in step across processes) then no longer has.
_tokens: dict[str, tuple[int, int, float]] = {}
TOKEN_SECONDS = 60.0


@login_manager.request_loader
def _load_from_bearer(req) -> Identity | None:
    header = req.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = header[7:].strip()
    digest = token_digest(token)
    known = _tokens.get(digest)
    if known is not None and known[2] > time.monotonic():
        identity = identities.get(current_app.extensions["examapp.engine"], known[0],
                                  current_app.config["IDENTITY_SECONDS"], store())
        if identity is not None and identity.active and identity.session_version == known[1]:
            g.auth_by_token = True
            return identity
    user = user_for_token(db.session(), token)
    if user is None:
        _tokens.pop(digest, None)
        return None
    if len(_tokens) > 100_000:
        _tokens.clear()
    _tokens[digest] = (user.id, user.session_version, time.monotonic() + TOKEN_SECONDS)
    g.auth_by_token = True
    return Identity.of(user)


def limits() -> LoginLimits:
    c = current_app.config
    return LoginLimits(
        c["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        c["LOGIN_MAX_ATTEMPTS_PER_ADDRESS"],
        c["LOGIN_WINDOW_SECONDS"],
    )


def client_address() -> str:
    # Behind a proxy, ProxyFix (see README) puts the client's address here.
    return request.remote_addr or "unknown"


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessions()
    login_manager.init_app(app)
    login_manager.session_protection = "basic"

"""Flask-Login wiring: session cookies for pages, `Authorization: Bearer` tokens for the API."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_login import LoginManager

from examapp import db
from examapp.auth.identity import Identity, identities
from examapp.auth.ratelimit import LoginLimits
from examapp.auth.service import user_for_token
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


@login_manager.request_loader
def _load_from_bearer(req) -> Identity | None:
    header = req.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    user = user_for_token(db.session(), header[7:].strip())
    if user is None:
        return None
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

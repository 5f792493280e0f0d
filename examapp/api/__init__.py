"""The JSON API under /api/v1: shared error shape, request checks and the OpenAPI document."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from examapp.api import errors

csrf = CSRFProtect()
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _check_csrf() -> None:
    """Forms need a CSRF token. API calls with a bearer token or a JSON body cannot be forged
    by another site (a browser sends neither cross-site without CORS consent); a cookie-authed
    multipart API call must send X-CSRFToken. An API call without a logged-in session has no
    identity to forge: it goes on to the access check, which answers 401 where a login is needed."""
    if request.method in SAFE_METHODS or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.path.startswith("/api/") and (
        request.headers.get("Authorization", "").lower().startswith("bearer ") or request.is_json
        or not current_user.is_authenticated
    ):
        return
    csrf.protect()


def init_app(app: Flask) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    app.before_request(_check_csrf)
    errors.init_app(app)

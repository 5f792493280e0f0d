"""Who may call which route: every view declares it, and one hook enforces it.

A view without a declaration is refused (deny by default), so a forgotten check
cannot open a route; tests assert every route declares one. Who may open a route is a named check
of auth.policy (`@access.allow(policy.can_manage_banks)`), the same the menu and services use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable)

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def public(view: F) -> F:
    view.access = PUBLIC
    return view


def authenticated(view: F) -> F:
    view.access = AUTHENTICATED
    return view


def allow(check: Callable[[object], bool]) -> Callable[[F], F]:
    """Open the route to the users `check` (a named check of auth.policy) answers True for."""

    def mark(view: F) -> F:
        view.access = check
        return view

    return mark


def access_of(endpoint: str | None) -> str | Callable | None:
    if endpoint is None:
        return PUBLIC  # 404/405: let Flask answer
    if endpoint == "static":
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def _refuse(status: int):
    if status == 401 and not request.path.startswith("/api/"):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(status)


def enforce():
    rule = access_of(request.endpoint)
    if rule == PUBLIC:
        return None
    if rule is None:
        current_app.logger.error("route %s declares no access rule; refused", request.endpoint)
        abort(403)
    if not current_user.is_authenticated:
        return _refuse(401)
    if rule != AUTHENTICATED and not rule(current_user):
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(enforce)

"""Login, logout and password pages, and the API's login route."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field

from examapp import access, admission, db
from examapp.api.errors import ApiError
from examapp.api.openapi import Body, documented
from examapp.auth import ratelimit
from examapp.auth.forms import ChangePasswordForm, LoginForm
from examapp.auth.login import client_address, limits
from examapp.auth.models import User
from examapp.auth.responses import LoggedIn, LoggedOut
from examapp.auth.service import AccountError, authenticate, change_password, end_every_session
from examapp.auth.sessions import end_session, start_session
from examapp.messages import translated
from examapp.store import store

bp = Blueprint("auth", __name__)
api = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth")


def _attempt_login(username: str, password: str) -> User | None:
    """Check credentials under the attempt limits; raises TooManyAttempts when spent."""
    ratelimit.check_login_allowed(store(), limits(), username, client_address())
    user = authenticate(db.session(), username, password)
    if user is None:
        ratelimit.login_failed(store(), limits(), username, client_address())
        return None
    ratelimit.login_succeeded(store(), username, client_address())
    start_session(user)
    return user


def _log_out() -> None:
    """End this session and every other session of the account (a token-authenticated call ends none)."""
    if current_user.is_authenticated and not g.get("auth_by_token"):
        s = db.session()
        user = s.get(User, current_user.id)
        if user is not None:
            end_every_session(user)
    end_session()


def _safe_next(target: str | None) -> str:
    """Only redirect inside this site after login."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@admission.sheds_when_busy
@access.public
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = _attempt_login(form.username.data.strip(), form.password.data)
        except ratelimit.TooManyAttempts as exc:
            flash(_("Too many login attempts. Try again in %(s)s seconds.", s=exc.retry_after), "error")
            html = render_template("auth/login.html", form=form)
            return html, 429, {"Retry-After": str(exc.retry_after)}
        if user is not None:
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong username or password."), "error")
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@access.public
def logout():
    _log_out()
    return redirect(url_for("main.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@access.authenticated
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = db.session().get(User, current_user.id)
        try:
            change_password(db.session(), user, form.current.data, form.new.data)
        except AccountError as exc:
            form.new.errors.append(translated(exc))
        else:
            start_session(user)  # every other session of the account has ended
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)


class LoginBody(Body):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=128)


@api.route("/login", methods=["POST"])
@admission.sheds_when_busy
@access.public
@documented("Log in and receive a session cookie", body=LoginBody, response=LoggedIn,
            errors={401: "wrong username or password",
                    429: "too many attempts (Retry-After says when to try again)"})
def api_login(body: LoginBody):
    try:
        user = _attempt_login(body.username, body.password)
    except ratelimit.TooManyAttempts as exc:
        raise ApiError(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    if user is None:
        raise ApiError(401, "wrong username or password")
    return {"username": user.username, "role": user.role, "full_name": user.full_name}


@api.route("/logout", methods=["POST"])
@access.public
@documented("End the session", response=LoggedOut)
def api_logout():
    _log_out()
    return {"ok": True}

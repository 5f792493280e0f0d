"""Home, the admin dashboard, the language switch and the site icon."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select

from examapp import access, db
from examapp.auth import policy
from examapp.auth.models import User
from examapp.auth.roles import ROLES
from examapp.i18n import LANGUAGE_KEY, LANGUAGES
from examapp.orgs.models import OrgUnit

bp = Blueprint("main", __name__)


@bp.route("/")
@access.public
def home():
    return render_template("main/home.html")


@bp.record_once
def _favicon(state) -> None:
    # Browsers ask the site's root for /favicon.ico whatever a page links to: answer with the static file.
    state.app.add_url_rule("/favicon.ico", endpoint="static", defaults={"filename": "favicon.ico"})


@bp.route("/admin")
@access.allow(policy.can_administer)
def dashboard():
    s = db.session()
    by_role = dict(s.execute(select(User.role, func.count()).group_by(User.role)).all())
    return render_template(
        "main/dashboard.html",
        users_by_role=[(role, by_role.get(role, 0)) for role in ROLES],
        units=s.scalar(select(func.count()).select_from(OrgUnit)),
    )


@bp.route("/language", methods=["POST"])
@access.public
def language():
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session[LANGUAGE_KEY] = lang
        if current_user.is_authenticated:
            db.session().get(User, current_user.id).locale = lang
    target = request.form.get("next") or url_for("main.home")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")

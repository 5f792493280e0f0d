"""Account pages: the list (leaders read it), and for administrators creating, changing, disabling,
resetting passwords and importing lists. A generated password is shown once, in the answer to the
form that made it, and never stored in clear."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from examapp import access, db
from examapp.auth import policy
from examapp.auth.models import User
from examapp.auth.roles import ROLES
from examapp.auth.service import AccountError, NewUser
from examapp.messages import translated
from examapp.orgs.service import unit_choices
from examapp.users.forms import AccountForm, ActionForm, ImportForm, NewAccountForm
from examapp.users.importing import MAX_WEB_ACCOUNTS, import_users
from examapp.users.service import (
    AccountChange,
    account,
    change_account,
    create_account,
    list_users,
    reset_password,
)
from importers import ImportFileError

bp = Blueprint("users", __name__)


def _unit_options() -> list[tuple[str, str]]:
    return [("", "—")] + [(code, f"{code} · {name}") for code, name in unit_choices(db.session())]


def _account(user_id: int) -> User:
    return account(db.session(), user_id) or abort(404)


@bp.route("/users", methods=["GET", "POST"])
@access.allow(policy.can_see_accounts)
def users_page():
    form = NewAccountForm() if policy.can_manage_accounts(current_user) else None
    status, problem = 200, None
    if form is None and request.method == "POST":
        abort(403)
    if form is not None:
        form.unit.choices = _unit_options()
        if form.validate_on_submit():
            s = db.session()
            new = NewUser(form.username.data.strip(), form.role.data, form.full_name.data or "",
                          form.unit.data or None, form.password.data or None)
            try:
                user, generated = create_account(s, new, current_user)
            except AccountError as exc:
                db.settle(exc)
                problem, status = translated(exc), 400
            else:
                if generated:
                    return render_template("users/password.html", user=user, password=generated,
                                           created=True), 201
                flash(_("Account %(username)s created.", username=user.username), "success")
                return redirect(url_for("users.account_page", user_id=user.id))
        elif request.method == "POST":
            status = 400
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    s = db.session()
    users = list_users(s, role, policy.units_in_scope(s, current_user))
    return render_template("users/list.html", users=users, role=role, roles=ROLES, form=form,
                           problem=problem), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@access.allow(policy.can_manage_accounts)
def account_page(user_id: int):
    user = _account(user_id)
    form = AccountForm()
    form.unit.choices = _unit_options()
    status, problem = 200, None
    if request.method == "GET":
        form.full_name.data, form.role.data = user.full_name, user.role
        form.unit.data = user.unit.code if user.unit else ""
    elif form.validate_on_submit():
        s = db.session()
        change = AccountChange(role=form.role.data, unit_code=form.unit.data or "",
                               full_name=form.full_name.data or "")
        try:
            changes = change_account(s, user, change, current_user)
        except AccountError as exc:
            db.settle(exc)
            problem, status = translated(exc), exc.status
        else:
            flash(_("Saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for("users.account_page", user_id=user.id))
    else:
        status = 400
    return render_template("users/account.html", user=user, form=form, action_form=ActionForm(),
                           problem=problem), status


@bp.route("/users/<int:user_id>/<any(disable, enable):action>", methods=["POST"])
@access.allow(policy.can_manage_accounts)
def active_action(user_id: int, action: str):
    user = _account(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    s = db.session()
    try:
        change_account(s, user, AccountChange(active=action == "enable"), current_user)
    except AccountError as exc:
        db.settle(exc)
        flash(translated(exc), "error")
        return redirect(url_for("users.account_page", user_id=user.id), 303)
    flash(_("Account %(username)s enabled.", username=user.username) if action == "enable" else
          _("Account %(username)s disabled: it cannot log in, and its sessions have ended.",
            username=user.username), "success")
    return redirect(url_for("users.account_page", user_id=user.id), 303)


@bp.route("/users/<int:user_id>/password-reset", methods=["GET", "POST"])
@access.allow(policy.can_manage_accounts)
def password_reset(user_id: int):
    user = _account(user_id)
    form = ActionForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("users/reset.html", user=user, form=form), (
            400 if request.method == "POST" else 200)
    s = db.session()
    try:
        password = reset_password(s, user, current_user)
    except AccountError as exc:
        db.settle(exc)
        flash(translated(exc), "error")
        return redirect(url_for("users.account_page", user_id=user.id), 303)
    return render_template("users/password.html", user=user, password=password, created=False)


@bp.route("/users/import", methods=["GET", "POST"])
@access.allow(policy.can_manage_accounts)
def import_page():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("users/import.html", form=form, report=None), (
            400 if request.method == "POST" else 200)
    upload = form.file.data
    s = db.session()
    try:
        report = import_users(s, upload.read(), upload.filename or "", current_user.id, form.dry_run.data,
                              max_rows=MAX_WEB_ACCOUNTS)
    except ImportFileError as exc:
        form.file.errors.append(translated(exc))
        return render_template("users/import.html", form=form, report=None), 400
    errors = [{"row": e.row, "column": e.column, "message": translated(e.message)} for e in report.errors]
    status = 400 if errors else 200 if form.dry_run.data else 201  # any error: nothing is kept
    return render_template("users/import.html", form=form, report=report, errors=errors,
                           filename=upload.filename, dry_run=form.dry_run.data), status

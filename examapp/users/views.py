"""Accounts: the list page and /api/v1/users."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from pydantic import Field

from examapp import access, db
from examapp.api.errors import ApiError
from examapp.api.openapi import BINARY, Body, documented
from examapp.auth.passwords import MIN_LENGTH
from examapp.auth.roles import ROLES
from examapp.auth.service import USERNAME_RE, AccountError, NewUser, create_user
from examapp.users.importing import MAX_WEB_ACCOUNTS, import_users
from examapp.users.service import list_users, user_dict
from importers import ImportFileError

bp = Blueprint("users", __name__)
api = Blueprint("users_api", __name__, url_prefix="/api/v1")


@bp.route("/users")
@access.roles("admin", "leader")
def users_page():
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    return render_template("users/list.html", users=list_users(db.session(), role), role=role,
                           roles=ROLES)


class UserBody(Body):
    username: str = Field(min_length=3, max_length=80, json_schema_extra={"pattern": USERNAME_RE.pattern})
    role: str = Field(max_length=20, json_schema_extra={"enum": list(ROLES)})
    password: str = Field(min_length=1, max_length=128, json_schema_extra={"minLength": MIN_LENGTH})
    full_name: str = Field(default="", max_length=200)
    unit: str | None = Field(default=None, max_length=40)


class UsersQuery(Body):
    role: str | None = Field(default=None, max_length=20, json_schema_extra={"enum": list(ROLES)})


@api.route("/users", methods=["GET"])
@access.roles("admin", "leader")
@documented("List accounts (optionally ?role=)", query=UsersQuery)
def api_list_users(query: UsersQuery):
    role = query.role
    if role is not None and role not in ROLES:
        raise ApiError(400, f"unknown role '{role}'; use one of {', '.join(ROLES)}")
    return {"users": list_users(db.session(), role)}


@api.route("/users/import", methods=["POST"])
@access.roles("admin")
@documented("Create accounts from an xlsx/ods/csv file, all or nothing",
            multipart={"file": BINARY, "dry_run": {"type": "boolean"}}, status=201,
            also={200: "dry run: what would be created"},
            errors={422: "rows are invalid and nothing was created: the report with an error"})
def api_import_users():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "send the spreadsheet as the multipart field 'file'")
    dry_run = request.form.get("dry_run", "").lower() in ("1", "true", "yes", "on")
    s = db.session()
    try:
        report = import_users(s, upload.read(), upload.filename, current_user.id, dry_run,
                              max_rows=MAX_WEB_ACCOUNTS)
    except ImportFileError as exc:
        raise ApiError(400, str(exc)) from None
    if report.errors:
        s.rollback()
        refused = {"code": "unprocessable", "message": f"{len(report.errors)} error(s); nothing was created"}
        return {**report.as_dict(), "error": refused}, 422
    s.commit()
    return report.as_dict(), (200 if dry_run else 201)


@api.route("/users", methods=["POST"])
@access.roles("admin")
@documented("Create an account", body=UserBody, status=201, errors={409: "the username is taken"})
def api_create_user(body: UserBody):
    s = db.session()
    try:
        user = create_user(
            s, NewUser(body.username, body.role, body.full_name, body.unit, body.password),
            current_user.id,
        )
    except AccountError as exc:
        s.rollback()
        status = 409 if "already taken" in str(exc) and ";" not in str(exc) else 400
        raise ApiError(status, str(exc)) from None
    s.commit()
    return user_dict(user), 201

"""Accounts: /api/v1/users (the pages are in pages.py)."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, request
from flask_login import current_user
from pydantic import Field

from examapp import access, db
from examapp.api.errors import ApiError
from examapp.api.openapi import BINARY, Body, documented
from examapp.auth import policy
from examapp.auth.passwords import MIN_LENGTH
from examapp.auth.roles import ROLES
from examapp.auth.service import USERNAME_RE, NewUser
from examapp.users.importing import MAX_WEB_ACCOUNTS, import_users
from examapp.users.responses import (
    AccountImport,
    AccountList,
    ChangedAccount,
    CreatedAccount,
    PasswordReset,
)
from examapp.users.service import (
    AccountChange,
    account,
    change_account,
    create_account,
    ends_sessions,
    list_users,
    reset_password,
    user_dict,
)
from importers import ImportFileError

api = Blueprint("users_api", __name__, url_prefix="/api/v1")


class UserBody(Body):
    username: str = Field(min_length=3, max_length=80, json_schema_extra={"pattern": USERNAME_RE.pattern})
    role: str = Field(max_length=20, json_schema_extra={"enum": list(ROLES)})
    password: str | None = Field(default=None, min_length=1, max_length=128,
                                 description="left out: one is generated and returned once",
                                 json_schema_extra={"minLength": MIN_LENGTH})
    full_name: str = Field(default="", max_length=200)
    unit: str | None = Field(default=None, max_length=40)


class UsersQuery(Body):
    role: str | None = Field(default=None, max_length=20, json_schema_extra={"enum": list(ROLES)})


RoleName = Annotated[str, Field(max_length=20, json_schema_extra={"enum": list(ROLES)})]


class UserChangeBody(Body):
    """Fields left out stay as they are; only `unit` may be null (no unit)."""

    active: bool = Field(default=None)
    roles: RoleName | Annotated[list[RoleName], Field(max_length=5)] = Field(
        default=None, description="the account's role: a role name, or a list of one (one role per account)")
    unit: str | None = Field(default=None, max_length=40, description="unit code; null or '' for none")
    name: str = Field(default=None, max_length=200, description="full name")


@api.route("/users", methods=["GET"])
@access.allow(policy.can_see_accounts)
@documented("List accounts (optionally ?role=)", query=UsersQuery, response=AccountList)
def api_list_users(query: UsersQuery):
    role = query.role
    if role is not None and role not in ROLES:
        raise ApiError(400, f"unknown role '{role}'; use one of {', '.join(ROLES)}")
    return {"users": list_users(db.session(), role, policy.units_in_scope(db.session(), current_user))}


@api.route("/users/import", methods=["POST"])
@access.allow(policy.can_manage_accounts)
@documented("Create accounts from an xlsx/ods/csv file, all or nothing",
            multipart={"file": BINARY, "dry_run": {"type": "boolean"}}, response=AccountImport, status=201,
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
    if report.errors:  # the 422 rolls back whatever the import wrote
        refused = {"code": "unprocessable", "message": f"{len(report.errors)} error(s); nothing was created"}
        return {**report.as_dict(), "error": refused}, 422
    return report.as_dict(), (200 if dry_run else 201)


@api.route("/users", methods=["POST"])
@access.allow(policy.can_manage_accounts)
@documented("Create an account; without a password one is generated and returned once "
            "(generated_password)", body=UserBody, response=CreatedAccount, status=201,
            errors={409: "the username is taken"})
def api_create_user(body: UserBody):
    new = NewUser(body.username, body.role, body.full_name, body.unit, body.password)
    user, generated = create_account(db.session(), new, current_user)
    return {**user_dict(user), **({"generated_password": generated} if generated else {})}, 201


def _account(user_id: int):
    user = account(db.session(), user_id)
    if user is None:
        raise ApiError(404, f"no account with id {user_id}")
    return user


def _one_role(roles: str | list[str]) -> str:
    if isinstance(roles, str):
        return roles
    if len(roles) != 1:
        raise ApiError(400, "field 'roles': an account has exactly one role; give one role name")
    return roles[0]


@api.route("/users/<int:user_id>", methods=["PATCH"])
@access.allow(policy.can_manage_accounts)
@documented("Change an account: active, role, unit, full name. Disabling and a new role end its "
            "sessions; an administrator cannot disable or demote themselves, nor the last one (409)",
            body=UserChangeBody, response=ChangedAccount,
            errors={409: "it would disable or demote yourself or the last admin"})
def api_change_user(user_id: int, body: UserChangeBody):
    user = _account(user_id)
    given = body.model_fields_set
    change = AccountChange(
        active=body.active if "active" in given else None,
        role=_one_role(body.roles) if "roles" in given else None,
        unit_code=(body.unit or "") if "unit" in given else None,
        full_name=body.name if "name" in given else None,
    )
    changes = change_account(db.session(), user, change, current_user)
    return {**user_dict(user), "changed": sorted(changes), "sessions_ended": ends_sessions(changes)}


@api.route("/users/<int:user_id>/password-reset", methods=["POST"])
@access.allow(policy.can_manage_accounts)
@documented("Give the account a generated password, returned once (the old one stops working and its "
            "sessions end)", response=PasswordReset,
            errors={409: "your own password: change it on the password page"})
def api_reset_password(user_id: int):
    user = _account(user_id)
    password = reset_password(db.session(), user, current_user)
    return {"id": user.id, "username": user.username, "password": password}

"""Accounts: creating users, checking logins, API tokens. No Flask here: CLI and views share it."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from examapp.audit.service import record
from examapp.auth.models import ApiToken, User
from examapp.auth.passwords import hash_password, password_problem, verify_password
from examapp.auth.roles import ROLES
from examapp.db import utcnow
from examapp.errors import Refusal
from examapp.messages import Message, msg, msg_join
from examapp.orgs.models import OrgUnit
from importers.normalise import clean_text

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,80}$")


class AccountError(Refusal):
    """Input the account rules refuse; the message says what to fix."""


class AccountTaken(AccountError):
    """The username belongs to another account: a conflict rather than bad input."""

    status = 409


@dataclass(frozen=True)
class NewUser:
    username: str
    role: str
    full_name: str = ""
    unit_code: str | None = None
    password: str | None = None


def check_new_user(db: Session, new: NewUser) -> tuple[list[Message], OrgUnit | None]:
    """Every problem with a would-be account (empty when it can be created) and its unit."""
    problems, unit = new_user_problems(db, new)
    return [problem for _, problem in problems], unit


def new_user_problems(db: Session, new: NewUser) -> tuple[list[tuple[str, Message]], OrgUnit | None]:
    """As check_new_user, each problem with the field it is about: username, role, full_name,
    unit or password (a file import names that column)."""
    problems = []
    if not USERNAME_RE.match(new.username or ""):
        problems.append(("username",
                         msg("username must be 3-80 characters of letters, digits and . _ @ - (no spaces)")))
    elif db.scalar(select(User.id).where(User.username == new.username)) is not None:
        problems.append(("username", msg("username '%(username)s' is already taken", username=new.username)))
    if new.role not in ROLES:
        problems.append(("role", msg("unknown role '%(role)s'; use one of %(roles)s", role=new.role,
                                     roles=", ".join(ROLES))))
    if len(new.full_name or "") > 200:
        problems.append(("full_name", msg("full name must be at most 200 characters")))
    unit = None
    if new.unit_code:
        unit = db.scalar(select(OrgUnit).where(OrgUnit.code == new.unit_code))
        if unit is None:
            problems.append(("unit", msg("unknown unit code '%(code)s'", code=new.unit_code)))
    if new.password is not None:
        problem = password_problem(new.password, new.username or "")
        if problem:
            problems.append(("password", problem))
    return problems, unit


def create_user(db: Session, new: NewUser, actor_id: int | None = None) -> User:
    """Add an account (caller commits); raises AccountError listing every problem."""
    new = replace(new, full_name=clean_text(new.full_name or ""))
    problems, unit = new_user_problems(db, new)
    if problems:
        fields = [name for name, _ in problems]
        taken = fields == ["username"] and USERNAME_RE.match(new.username or "") is not None
        raise (AccountTaken if taken else AccountError)(
            msg_join(problem for _, problem in problems), field=fields[0] if len(fields) == 1 else None)
    user = User(
        username=new.username,
        role=new.role,
        full_name=new.full_name or "",
        unit=unit,
        password_hash=hash_password(new.password) if new.password else None,
    )
    db.add(user)
    db.flush()
    record(db, actor_id, "user.create", user.username, role=user.role)
    return user


def authenticate(db: Session, username: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok and user is not None and user.active else None


def end_every_session(user: User) -> None:
    """Void every session cookie of the account, in every process (caller commits)."""
    user.session_version = (user.session_version or 0) + 1


def change_password(db: Session, user: User, current: str, new: str) -> None:
    """Set a new password and end the account's sessions (the caller starts the current one anew)."""
    if not verify_password(user.password_hash, current):
        raise AccountError(msg("the current password is not correct"))
    problem = password_problem(new, user.username)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    end_every_session(user)
    record(db, user.id, "user.password", user.username)


def generate_password() -> str:
    """A random initial password that meets the rules (for imports without one)."""
    return secrets.token_urlsafe(9) + "7a"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Session, user: User, label: str = "") -> str:
    """Create an API token; the plain value is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    db.add(ApiToken(user=user, token_hash=token_digest(token), label=label[:80]))
    record(db, user.id, "token.issue", user.username, label=label)
    return token


def user_for_token(db: Session, token: str) -> User | None:
    row = db.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
    )
    return row.user if row is not None and row.user.active else None


def revoke_tokens(db: Session, user: User) -> int:
    """Revoke the account's API tokens and end its sessions; returns how many tokens."""
    tokens = db.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = utcnow()
    end_every_session(user)
    record(db, user.id, "token.revoke", user.username, count=len(tokens))
    return len(tokens)

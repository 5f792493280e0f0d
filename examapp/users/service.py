"""Accounts as administrators keep them: listing, creating, changing role, unit and name, disabling,
and resetting passwords. Each change is audited; no Flask here (pages and the API share it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from examapp.audit.service import record, record_refusal
from examapp.auth import policy
from examapp.auth.identity import Actor
from examapp.auth.models import User
from examapp.auth.passwords import hash_password
from examapp.auth.roles import ROLES
from examapp.auth.service import AccountError, NewUser, create_user, end_every_session, generate_password
from examapp.messages import Message, msg, msg_join
from examapp.orgs.models import OrgUnit
from examapp.text import vi_sort_key
from importers.normalise import clean_text

MAX_FULL_NAME = 200


class AccountRefused(AccountError):
    """A change the account rules refuse; nothing was written. `status` is what the API answers."""

    status = 400


class AccountConflict(AccountRefused):
    """A change that would leave nobody to administer the app: an administrator disabling or
    demoting themselves, or the last active administrator."""

    status = 409


def user_dict(user: User) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name,
            "role": user.role, "unit": user.unit.code if user.unit else None,
            "active": user.active}


def list_users(db: Session, role: str | None = None, unit_ids: set[int] | None = None) -> list[dict]:
    """The accounts (of one role, of the given units: None for all), sorted as Vietnamese readers expect."""
    query = select(User).options(joinedload(User.unit))
    if role:
        query = query.where(User.role == role)
    if unit_ids is not None:
        query = query.where(User.unit_id.in_(sorted(unit_ids)))
    users = db.scalars(query).all()
    return [user_dict(u) for u in sorted(users, key=lambda u: (vi_sort_key(u.full_name), u.username))]


def account(db: Session, user_id: int) -> User | None:
    return db.get(User, user_id, options=[joinedload(User.unit)])


def create_account(db: Session, new: NewUser, actor: Actor) -> tuple[User, str | None]:
    """Create an account (caller commits); without a password one is generated and returned, to be
    shown once. Raises AccountError listing every problem."""
    generated = None
    if not new.password:
        generated = generate_password()
        new = NewUser(new.username, new.role, new.full_name, new.unit_code, generated)
    return create_user(db, new, actor.id), generated


@dataclass(frozen=True)
class AccountChange:
    """What to change; None leaves a field as it is. `unit_code` "" takes the account out of its unit."""

    active: bool | None = None
    role: str | None = None
    unit_code: str | None = None
    full_name: str | None = None


def change_account(db: Session, user: User, change: AccountChange, actor: Actor) -> dict[str, list]:
    """Apply `change` (caller commits) and return {field: [before, after]} of what changed.

    Disabling the account or giving it another role ends its sessions: whoever is logged in as it
    logs in again, with the new rights. Raises AccountRefused (bad values) or AccountConflict (the
    change would lock administrators out) before writing anything.
    """
    problems = []
    if change.role is not None and change.role not in ROLES:
        problems.append(msg("unknown role '%(role)s'; use one of %(roles)s", role=change.role,
                            roles=", ".join(ROLES)))
    unit = user.unit
    if change.unit_code == "":
        unit = None
    elif change.unit_code is not None:
        unit = db.scalar(select(OrgUnit).where(OrgUnit.code == change.unit_code))
        if unit is None:
            problems.append(msg("unknown unit code '%(code)s'", code=change.unit_code))
    full_name = user.full_name if change.full_name is None else clean_text(change.full_name)
    if len(full_name) > MAX_FULL_NAME:
        problems.append(msg("full name must be at most 200 characters"))
    if problems:
        raise AccountRefused(msg_join(problems))
    active = user.active if change.active is None else change.active
    role = change.role or user.role
    if user.role == policy.ADMIN and user.active and (not active or role != policy.ADMIN):
        _keep_an_administrator(db, user, actor)
    elif user.id == actor.id and not active:
        _refuse(db, actor, user, msg("you cannot disable your own account"))

    changes = {name: [before, after] for name, before, after in (
        ("active", user.active, active), ("role", user.role, role),
        ("unit", user.unit.code if user.unit else None, unit.code if unit else None),
        ("full_name", user.full_name, full_name),
    ) if before != after}
    if not changes:
        return {}
    user.active, user.role, user.unit, user.full_name = active, role, unit, full_name
    if ends_sessions(changes):
        end_every_session(user)
    db.flush()
    record(db, actor.id, "user.update", user.username, changes=changes, sessions_ended=ends_sessions(changes))
    return changes


def ends_sessions(changes: dict[str, list]) -> bool:
    """Whether a change ends the account's sessions: a new role, or disabling it."""
    return "role" in changes or changes.get("active", [None, True])[1] is False


def _keep_an_administrator(db: Session, user: User, actor: Actor) -> None:
    """Refuse to disable or demote `user`, an active administrator, when that locks administration."""
    if user.id == actor.id:
        _refuse(db, actor, user, msg("you cannot disable your own account or take away your own "
                                     "administrator role; another administrator can"))
    others = db.scalar(select(func.count()).select_from(User).where(
        User.role == policy.ADMIN, User.active.is_(True), User.id != user.id))
    if not others:
        _refuse(db, actor, user, msg("'%(username)s' is the last active administrator; make another "
                                     "account an administrator first", username=user.username))


def _refuse(db: Session, actor: Actor, user: User, message: Message,
            action: str = "user.update.refused") -> None:
    record_refusal(db, actor.id, action, user.username, reason=str(message))
    raise AccountConflict(message)


def reset_password(db: Session, user: User, actor: Actor) -> str:
    """Give the account a new generated password and end its sessions (caller commits); the password
    is returned once, to be handed to the person, and only its hash is kept."""
    if user.id == actor.id:
        _refuse(db, actor, user, msg("change your own password on the password page; it asks for "
                                     "the current one"), "user.password_reset.refused")
    password = generate_password()
    user.password_hash = hash_password(password)
    end_every_session(user)
    record(db, actor.id, "user.password_reset", user.username)
    return password

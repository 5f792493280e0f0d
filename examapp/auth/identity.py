"""Who is signed in, as a small per-process record instead of the account row on every request.

Loading the ORM user cost an answer save a second statement (and a transaction) per request. The
record is kept for EXAMAPP_IDENTITY_SECONDS (default 5). A change to an account made through the
ORM in this process (role, disabling, locale, name) drops its record when committed; other server
processes see the change within that time. Routes that change the account itself load the row.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from typing import Protocol

from flask_login import UserMixin
from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.orm import Session, object_session

from examapp.auth.models import User


class Actor(Protocol):
    """What services need to know of whoever acts: an `Identity` or an ORM `User` both are one."""

    id: int
    username: str
    role: str


@dataclass(frozen=True, eq=False)
class Identity(UserMixin):
    """The signed-in account as routes and services read it: no lazy loads, no session."""

    id: int
    username: str
    full_name: str
    role: str
    unit_id: int | None
    locale: str | None
    active: bool

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @classmethod
    def of(cls, user: User) -> Identity:
        return cls(user.id, user.username, user.full_name, user.role, user.unit_id, user.locale,
                   user.active)


_COLUMNS = (User.id, User.username, User.full_name, User.role, User.unit_id, User.locale, User.active)


class IdentityCache:
    """(database, user id) -> (Identity, expiry); thread-safe, bounded by expiry rather than size."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_engine: weakref.WeakKeyDictionary[Engine, dict[int, tuple[Identity, float]]] = (
            weakref.WeakKeyDictionary())

    def get(self, db: Session, user_id: int, seconds: float) -> Identity | None:
        now = time.monotonic()
        engine = db.get_bind()
        entry = self._by_engine.get(engine, {}).get(user_id)
        if entry is not None and entry[1] > now:
            return entry[0]
        row = db.execute(select(*_COLUMNS).where(User.id == user_id)).first()
        if row is None:
            self.forget(engine, user_id)
            return None
        identity = Identity(*row)
        with self._lock:
            entries = self._by_engine.setdefault(engine, {})
            if len(entries) > 50_000:  # a very long-lived process: drop what has expired
                entries = self._by_engine[engine] = {k: v for k, v in entries.items() if v[1] > now}
            entries[user_id] = (identity, now + seconds)
        return identity

    def forget(self, engine: Engine, user_id: int) -> None:
        with self._lock:
            self._by_engine.get(engine, {}).pop(user_id, None)


identities = IdentityCache()


@event.listens_for(User, "after_update")
@event.listens_for(User, "after_delete")
def _account_changed(_mapper, connection: Connection, user: User) -> None:
    identities.forget(connection.engine, user.id)
    session = object_session(user)
    if session is not None:  # forget again once committed, so no one caches the old row meanwhile
        session.info.setdefault("changed_accounts", set()).add((connection.engine, user.id))


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    for engine, user_id in session.info.pop("changed_accounts", ()):
        identities.forget(engine, user_id)

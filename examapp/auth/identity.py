"""Who is signed in, as a small per-process record instead of the account row on every request.

Loading the ORM user cost every answer save a transaction of its own. Each process keeps what it
read of an account; a change to any account made through the app moves a version counter in the
shared store (Redis), and a process that sees the counter move forgets everything it kept, so a
disabled account or a new role applies within a second everywhere (at once in the process that
made it). The counter is read at most once a second per process. What the app did not make (an
UPDATE typed into the database) applies within EXAMAPP_IDENTITY_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Protocol

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Connection, Engine, bindparam, event, select
from sqlalchemy.orm import Session, object_session

from examapp.auth.models import User
from examapp.store import ACCOUNTS_VERSION, RETRY_SECONDS, UNKNOWN, Store

log = logging.getLogger(__name__)


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
    session_version: int

    @property
    def is_active(self) -> bool:
        return self.active

    @classmethod
    def of(cls, user: User) -> Identity:
        return cls(user.id, user.username, user.full_name, user.role, user.unit_id, user.locale,
                   user.active, user.session_version)


# Built once: building a select costs more CPU than the index lookup it sends.
_BY_ID = select(User.id, User.username, User.full_name, User.role, User.unit_id, User.locale, User.active,
                User.session_version).where(User.id == bindparam("user_id"))


VERSION_READ_SECONDS = 1.0


@dataclass
class _Known:
    """What this process keeps of one database's accounts."""

    entries: dict[int, tuple[Identity, float]] = field(default_factory=dict)
    version: str | None = None
    version_read_at: float = float("-inf")


class IdentityCache:
    """(database, user id) -> Identity, valid while the shared account version stays and for at
    most `seconds`; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_engine: weakref.WeakKeyDictionary[Engine, _Known] = weakref.WeakKeyDictionary()

    def get(self, engine: Engine, user_id: int, seconds: float, shared: Store) -> Identity | None:
        """The account's identity; read on its own autocommit connection when not kept, so a request
        that only saves an answer opens no Session and no transaction for it."""
        now = time.monotonic()
        with self._lock:
            known = self._by_engine.setdefault(engine, _Known())
        if now - known.version_read_at >= VERSION_READ_SECONDS:
            version, next_read = shared.version(ACCOUNTS_VERSION), now
            if version == UNKNOWN:  # the store is down: read accounts from the database for a while
                version, next_read = uuid.uuid4().hex, now + RETRY_SECONDS - VERSION_READ_SECONDS
            with self._lock:
                if version != known.version:
                    known.entries.clear()
                known.version, known.version_read_at = version, next_read
        entry = known.entries.get(user_id)
        if entry is not None and entry[1] > now:
            return entry[0]
        with engine.connect() as conn:
            row = conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                _BY_ID, {"user_id": user_id}).first()
        if row is None:
            return None
        identity = Identity(*row)
        with self._lock:
            if len(known.entries) > 100_000:  # a very long-lived process: start afresh
                known.entries.clear()
            known.entries[user_id] = (identity, now + seconds)
        return identity

    def changed(self, engine: Engine, user_id: int) -> None:
        """An account changed in this process: forget it here, and read the version again soon."""
        with self._lock:
            known = self._by_engine.get(engine)
            if known is not None:
                known.entries.pop(user_id, None)
                known.version_read_at = float("-inf")


identities = IdentityCache()


@event.listens_for(User, "after_update")
@event.listens_for(User, "after_delete")
def _account_changed(_mapper, connection: Connection, user: User) -> None:
    identities.changed(connection.engine, user.id)
    session = object_session(user)
    if session is not None:  # once committed: forget again here, and tell the other processes
        session.info.setdefault("changed_accounts", set()).add((connection.engine, user.id))


@event.listens_for(Session, "after_commit")
def _announce_committed(session: Session) -> None:
    changed = session.info.pop("changed_accounts", ())
    for engine, user_id in changed:
        identities.changed(engine, user_id)
    if changed and has_app_context():
        current_app.extensions["examapp.store"].bump(ACCOUNTS_VERSION)

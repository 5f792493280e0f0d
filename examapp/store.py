"""Shared fast state (rate-limit counters, version counters): Redis in production, a dict on a laptop.

Nothing here is the truth; losing it loses no data. The in-process store only works inside one
process, which is why production refuses to start with it. Every key is named here.

What each use does while Redis cannot be reached (decided here, once; `ResilientStore`):

- login, ticket and room-code limits (`hit`, `peek`, `reset`): counted in the process (a twin of
  the counters per process), so logins and starts keep working and are still limited;
- the account version (`version`, `bump`): `version` says UNKNOWN, and accounts are read from the
  database until Redis answers; `bump` is skipped, so other processes see an account change within
  EXAMAPP_IDENTITY_SECONDS.

After a failure Redis is asked again only after RETRY_SECONDS, so a store that is down (and may
take its timeout to say so) does not slow every request.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Protocol

import redis
from flask import Flask, current_app

log = logging.getLogger(__name__)

RETRY_SECONDS = 30.0
# A store that hangs answers within this, or counts as down.
TIMEOUT_SECONDS = 1.0
UNKNOWN = "unknown"  # what `version` says while the shared store is down


# ---------------------------------------------------------------- key names

ACCOUNTS_VERSION = "accounts-version"


def login_address_key(address: str) -> str:
    return f"login:addr:{address}"


def login_failures_key(username: str, address: str) -> str:
    return f"login:user:{username.lower()}:{address}"


def ticket_failures_key(address: str, prefix: str) -> str:
    return f"ticket:addr:{address}:{prefix}"


def room_code_failures_key(exam_id: int, user_id: int) -> str:
    return f"roomcode:{exam_id}:{user_id}"


def registration_address_key(contest_id: int, address: str) -> str:
    return f"contest:{contest_id}:register:addr:{address}"


def registration_phone_key(contest_id: int, phone: str) -> str:
    """Registrations and return codes tried for one phone number."""
    return f"contest:{contest_id}:register:phone:{phone}"


class Store(Protocol):
    def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        """Count one event in a fixed window; returns (count so far, seconds until it resets)."""

    def peek(self, key: str) -> tuple[int, int]:
        """The count and the seconds left, without counting."""

    def reset(self, key: str) -> None: ...

    def version(self, key: str) -> str | None:
        """The current value of a version counter (None if never bumped or if it was lost; UNKNOWN
        while the shared store cannot be reached)."""

    def bump(self, key: str) -> None:
        """Move a version counter on, so every process sees that what it cached is old."""


class RedisStore:
    def __init__(self, client: redis.Redis, prefix: str = "examapp:") -> None:
        self.redis = client
        self.prefix = prefix

    def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        k = self.prefix + key
        pipe = self.redis.pipeline()
        pipe.incr(k)
        pipe.expire(k, window_seconds, nx=True)
        pipe.ttl(k)
        count, _, ttl = pipe.execute()
        return int(count), max(int(ttl), 1)

    def peek(self, key: str) -> tuple[int, int]:
        k = self.prefix + key
        pipe = self.redis.pipeline()
        pipe.get(k)
        pipe.ttl(k)
        count, ttl = pipe.execute()
        return int(count or 0), max(int(ttl), 0)

    def reset(self, key: str) -> None:
        self.redis.delete(self.prefix + key)

    def version(self, key: str) -> str | None:
        return self.redis.get(self.prefix + key)

    def bump(self, key: str) -> None:
        self.redis.incr(self.prefix + key)


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}

    def _live(self, key: str, now: float) -> tuple[int, float] | None:
        entry = self._counts.get(key)
        if entry and entry[1] <= now:
            del self._counts[key]
            return None
        return entry

    def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            count, expires = self._live(key, now) or (0, now + window_seconds)
            self._counts[key] = (count + 1, expires)
            return count + 1, max(int(expires - now), 1)

    def peek(self, key: str) -> tuple[int, int]:
        now = time.monotonic()
        with self._lock:
            entry = self._live(key, now)
            return (entry[0], max(int(entry[1] - now), 1)) if entry else (0, 0)

    def reset(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def version(self, key: str) -> str | None:
        with self._lock:
            entry = self._counts.get("version:" + key)
            return None if entry is None else str(entry[0])

    def bump(self, key: str) -> None:
        with self._lock:
            count = self._counts.get("version:" + key, (0, 0.0))[0]
            self._counts["version:" + key] = (count + 1, float("inf"))


class ResilientStore:
    """Redis, and the failure policy above while it cannot be reached."""

    def __init__(self, shared: RedisStore) -> None:
        self.shared = shared
        self.local = MemoryStore()
        self._down_until = float("-inf")

    def _call(self, name: str, *args):
        if time.monotonic() >= self._down_until:
            try:
                return getattr(self.shared, name)(*args)
            except redis.RedisError as exc:
                self._down_until = time.monotonic() + RETRY_SECONDS
                log.warning("Redis cannot be reached (%s); limits count in this process and accounts "
                            "are read from the database; asking again in %s s", exc, RETRY_SECONDS)
        return getattr(self.local, name)(*args) if name in ("hit", "peek", "reset") else UNKNOWN

    def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        return self._call("hit", key, window_seconds)

    def peek(self, key: str) -> tuple[int, int]:
        return self._call("peek", key)

    def reset(self, key: str) -> None:
        self._call("reset", key)

    def version(self, key: str) -> str | None:
        return self._call("version", key)

    def bump(self, key: str) -> None:
        self._call("bump", key)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if url:
        client = redis.Redis.from_url(url, decode_responses=True, socket_timeout=TIMEOUT_SECONDS,
                                      socket_connect_timeout=TIMEOUT_SECONDS)
        app.extensions["examapp.redis"] = client
        app.extensions["examapp.store"] = ResilientStore(
            RedisStore(client, app.config.get("REDIS_PREFIX", "examapp:")))
    else:
        app.extensions["examapp.store"] = MemoryStore()
        _warn_when_serving(app)


def _warn_when_serving(app: Flask) -> None:
    """Say once per server process, at its first request, that the store is this process's own.

    Only serving is affected (limits and caches not shared between processes), so CLI
    commands, which serve nothing, stay quiet.
    """
    if app.testing:
        return
    warned = {"pid": 0}

    @app.before_request
    def _warn_once() -> None:
        if warned["pid"] != os.getpid():
            warned["pid"] = os.getpid()
            log.warning("EXAMAPP_REDIS_URL is unset: using an in-process store; "
                        "this only works with a single server process")


def store() -> Store:
    return current_app.extensions["examapp.store"]

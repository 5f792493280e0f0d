"""Limits on login attempts, kept in the shared store.

Failures are counted per account *and address*: ten wrong passwords for an account refuse that
account from that address only, so nobody can lock a chosen account (every proctor, just before an
exam) from elsewhere. Every attempt also counts against its address, which bounds one machine
guessing across many accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from examapp.errors import Refusal
from examapp.messages import msg
from examapp.store import Store, login_address_key, login_failures_key


@dataclass(frozen=True)
class LoginLimits:
    per_account: int
    per_address: int
    window_seconds: int


class TooManyAttempts(Refusal):
    """Too many failed logins for this account or from this address; `retry_after` in seconds."""

    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(msg("too many login attempts; try again in %(seconds)s seconds",
                             seconds=retry_after))
        self.retry_after = retry_after


def check_login_allowed(store: Store, limits: LoginLimits, username: str, address: str) -> None:
    """Count this attempt against the address, and refuse if either budget is spent."""
    count, ttl = store.hit(login_address_key(address), limits.window_seconds)
    if count > limits.per_address:
        raise TooManyAttempts(ttl)
    failures, ttl = store.peek(login_failures_key(username, address))
    if failures >= limits.per_account:
        raise TooManyAttempts(ttl)


def login_failed(store: Store, limits: LoginLimits, username: str, address: str) -> None:
    store.hit(login_failures_key(username, address), limits.window_seconds)


def login_succeeded(store: Store, username: str, address: str) -> None:
    store.reset(login_failures_key(username, address))

"""Limits on login attempts, per account and per address, kept in the shared store."""

from __future__ import annotations

from dataclasses import dataclass

from examapp.store import Store


@dataclass(frozen=True)
class LoginLimits:
    per_account: int
    per_address: int
    window_seconds: int


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many login attempts; try again in {retry_after} seconds")
        self.retry_after = retry_after


def check_login_allowed(store: Store, limits: LoginLimits, username: str, address: str) -> None:
    """Count this attempt against the address, and refuse if either budget is spent."""
    count, ttl = store.hit(f"login:addr:{address}", limits.window_seconds)
    if count > limits.per_address:
        raise TooManyAttempts(ttl)
    failures, ttl = store.peek(f"login:user:{username.lower()}")
    if failures >= limits.per_account:
        raise TooManyAttempts(ttl)


def login_failed(store: Store, limits: LoginLimits, username: str) -> None:
    store.hit(f"login:user:{username.lower()}", limits.window_seconds)


def login_succeeded(store: Store, username: str) -> None:
    store.reset(f"login:user:{username.lower()}")

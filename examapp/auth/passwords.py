"""Password hashing and the rules a new password must meet.

argon2id at OWASP's minimum (19 MiB, t=2): about 33 ms of CPU a check, so an exam room's
login burst fits on two cores where scrypt's 127 ms would not.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from examapp.messages import Message, msg

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Checked against when the username is unknown, so both cases cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON = frozenset({
    "password", "password1", "12345678", "123456789", "1234567890", "qwerty123",
    "11111111", "abc12345", "matkhau1", "matkhau123", "admin123", "iloveyou",
})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, username: str = "") -> Message | None:
    """Why a password is too weak, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return msg("the password must have at least %(min)s characters", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return msg("the password must have at most %(max)s characters", max=MAX_LENGTH)
    if password.lower() in COMMON:
        return msg("the password is one of the most common passwords; choose another")
    if username and username.lower() in password.lower():
        return msg("the password must not contain the username")
    if password.isdigit() or password.isalpha():
        return msg("the password must mix letters with digits or symbols")
    return None

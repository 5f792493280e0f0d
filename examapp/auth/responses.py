"""What the auth API answers, as pydantic models the document declares."""

from __future__ import annotations

from examapp.api.openapi import Reply


class LoggedIn(Reply):
    username: str
    role: str
    full_name: str


class LoggedOut(Reply):
    ok: bool

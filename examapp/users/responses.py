"""What the users API answers, as pydantic models the document declares and the schema test
holds the answers to."""

from __future__ import annotations

from pydantic import Field

from examapp.api.openapi import Reply


class Account(Reply):
    id: int
    username: str
    full_name: str
    role: str
    unit: str | None = Field(description="the unit's code")
    active: bool


class AccountList(Reply):
    users: list[Account]


class CreatedAccount(Account):
    generated_password: str = Field(default=None, description="only when none was given; shown once")


class ChangedAccount(Account):
    changed: list[str] = Field(description="the fields whose value changed")
    sessions_ended: bool


class PasswordReset(Reply):
    id: int
    username: str
    password: str = Field(description="generated; shown once")


class AccountRowError(Reply):
    row: int | None = Field(description="the row as the spreadsheet shows it")
    column: str | None = Field(description="the header as written in the file")
    message: str


class AccountImport(Reply):
    created: int
    errors: list[AccountRowError] = Field(description="the first errors")
    error_count: int = Field(description="every error, listed or not")
    generated_passwords: dict[str, str] = Field(description="by username, where the file gave none")

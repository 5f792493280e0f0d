"""What the banks API answers, as pydantic models the document declares and the schema test
holds the answers to. Only these staff routes show an answer key (is_correct)."""

from __future__ import annotations

from pydantic import Field

from examapp.api.openapi import Moment, Reply


class BankLine(Reply):
    id: int
    name: str
    description: str
    owner: str | None = Field(description="the owner's username")
    questions: int = Field(description="active and retired")
    active: int
    retired: int
    topics: int
    created_at: Moment


class BankList(Reply):
    banks: list[BankLine]


class ImportRowError(Reply):
    row: int | None = Field(description="the row as the spreadsheet shows it, or the line of a text format")
    column: str | None = Field(description="the header as written in the file")
    message: str


class ImportResult(Reply):
    bank: str
    imported: int
    duplicates: int
    skipped: int
    errors: list[ImportRowError] = Field(description="the first errors")
    error_count: int = Field(description="every error, listed or not")


class KeyedOption(Reply):
    id: int
    position: int
    text: str
    is_correct: bool


class KeyedQuestion(Reply):
    """A question of a bank as its managers see it, with the answer key."""

    id: int
    number: int = Field(description="the question's number in its bank")
    type: str
    text: str
    topic: str
    difficulty: str
    points: str = Field(description="a decimal number, as text")
    explanation: str | None
    status: str
    version: int
    options: list[KeyedOption]


class QuestionPage(Reply):
    questions: list[KeyedQuestion]
    page: int
    per_page: int
    total: int
    pages: int

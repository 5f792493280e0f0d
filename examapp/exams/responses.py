"""What the exams API answers, as pydantic models: the document declares them (no key, no
correctness on a paper), and the schema test holds the answers to them."""

from __future__ import annotations

from pydantic import BaseModel, Field

MOMENT = {"format": "date-time"}


class Assignment(BaseModel):
    added: int
    updated: int
    total: int = Field(description="candidates of the exam after the change")
    added_usernames: list[str]
    updated_usernames: list[str]


class PaperOption(BaseModel):
    id: int
    text: str


class PaperQuestion(BaseModel):
    id: int
    position: int
    type: str
    text: str
    points: float
    options: list[PaperOption]


class Paper(BaseModel):
    """A candidate's paper: no answer key, no correctness."""

    attempt_id: int
    exam_id: int
    status: str
    number: int
    started_at: str = Field(json_schema_extra=MOMENT)
    deadline: str = Field(json_schema_extra=MOMENT)
    server_time: str = Field(json_schema_extra=MOMENT)
    grace_seconds: float
    questions: list[PaperQuestion]
    answers: dict[str, list[int]] = Field(description="option ids saved, by question id")
    flagged: list[int]


class AnswerReceipt(BaseModel):
    saved_at: str = Field(json_schema_extra=MOMENT)
    revision: int

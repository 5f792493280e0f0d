"""Question banks: bank > topic > question > option, every edit kept, every import recorded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from examapp.auth.models import User
from examapp.db import Base, UTCDateTime, utcnow
from importers import Option

QUESTION_TYPES = ("single", "multiple", "true_false")
DIFFICULTIES = ("easy", "medium", "hard")
STATUSES = ("active", "retired")
IMPORT_STATUSES = ("imported", "rejected", "dry_run", "unreadable")


class QuestionBank(Base):
    __tablename__ = "question_bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User | None] = relationship()
    topics: Mapped[list[Topic]] = relationship(back_populates="bank", order_by="Topic.name")

    def __repr__(self) -> str:
        return f"<QuestionBank {self.name!r}>"


class Topic(Base):
    __tablename__ = "topic"
    # (id, bank_id): what a question's foreign key names, so its topic is one of its own bank's.
    __table_args__ = (UniqueConstraint("bank_id", "name"), UniqueConstraint("id", "bank_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))

    bank: Mapped[QuestionBank] = relationship(back_populates="topics")


class OptionList(TypeDecorator):
    """A question's options, in order, kept in the question's row as [{"text", "correct"}].

    Options are written, edited, versioned and drawn with their question, and nothing else
    refers to them (papers copy them). A table of their own would add a row, an index entry
    and a foreign-key check per option: half of PostgreSQL's work in an import.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value, dialect) -> list[dict[str, Any]] | None:
        return None if value is None else option_json(value)

    def process_result_value(self, value, dialect) -> tuple[Option, ...] | None:
        return None if value is None else tuple([Option(o["text"], o["correct"]) for o in value])


def option_id(question_id: int, position: int) -> int:
    """The id of a question's option at `position` (1, 2, ...), as the API and papers show it.

    Unique across questions, so an answer naming an option of another question is refused
    rather than read as this question's option at that place. A question has at most eight
    options: the last digit holds the position.
    """
    assert 1 <= position <= 9
    return question_id * 10 + position


def option_json(options: Iterable[Option]) -> list[dict[str, Any]]:
    """Options as the question's row stores them."""
    return [{"text": o.text, "correct": o.correct} for o in options]


class Question(Base):
    __tablename__ = "question"
    __table_args__ = (
        Index("ix_question_bank_status_topic", "bank_id", "status", "topic_id", "difficulty"),
        # One copy of a content per bank: imports count repeats as duplicates instead.
        Index("ix_question_bank_content", "bank_id", "content_hash", unique=True),
        Index("ix_question_bank_number", "bank_id", "number", unique=True),
        # The topic is one of the bank's, and the bank exists: one check per stored question
        # where a key per column would make two. Deleting a bank deletes its topics, then these.
        ForeignKeyConstraint(["topic_id", "bank_id"], ["topic.id", "topic.bank_id"], ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column()
    # The question's number in its bank (1, 2, ... in the order questions were added): what pages
    # and the API show people; the id counts across every bank. Given under the bank's lock.
    number: Mapped[int] = mapped_column()
    topic_id: Mapped[int] = mapped_column()
    type: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    # The stem without accents, casefolded: search matches "dang" with "Đảng".
    search_text: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[str] = mapped_column(String(8), default="medium")
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(1))
    explanation: Mapped[str | None] = mapped_column(Text)
    options: Mapped[tuple[Option, ...]] = mapped_column(OptionList, default=())
    # importers.content_key of the normalised stem and options: finds duplicates on import.
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="active")
    version: Mapped[int] = mapped_column(default=1)
    source_row: Mapped[int | None] = mapped_column()
    import_job_id: Mapped[int | None] = mapped_column(ForeignKey("import_job.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Setting the topic sets the bank too; `bank` only reads.
    topic: Mapped[Topic] = relationship()
    bank: Mapped[QuestionBank] = relationship(primaryjoin="Question.bank_id == QuestionBank.id",
                                              foreign_keys=[bank_id], viewonly=True)
    # Where the question came from: the import and the row (or GIFT/Aiken line) of its file.
    import_job: Mapped[ImportJob | None] = relationship()

    def __repr__(self) -> str:
        return f"<Question {self.id} v{self.version} {self.type}>"


class QuestionRevision(Base):
    """The text a question had before an edit; drawn papers keep their own frozen copy."""

    __tablename__ = "question_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportJob(Base):
    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dry_run: Mapped[bool] = mapped_column(default=False)
    imported: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    rows_read: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # the first MAX_ERRORS
    error_count: Mapped[int] = mapped_column(default=0, server_default="0")  # all of them
    status: Mapped[str] = mapped_column(String(12))  # one of IMPORT_STATUSES

    user: Mapped[User | None] = relationship()


class StagedUpload(Base):
    """A file shown in the upload preview, kept until the trainer confirms it (or it expires).

    In the database rather than on disk so any server process can take the confirm.
    """

    __tablename__ = "staged_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(10))
    skip_invalid: Mapped[bool] = mapped_column(default=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

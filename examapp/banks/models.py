"""Question banks: bank > topic > question > option, every edit kept, every import recorded."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examapp.auth.models import User
from examapp.db import Base, UTCDateTime, utcnow

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
    __table_args__ = (UniqueConstraint("bank_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))

    bank: Mapped[QuestionBank] = relationship(back_populates="topics")


class Question(Base):
    __tablename__ = "question"
    __table_args__ = (
        Index("ix_question_bank_status_topic", "bank_id", "status", "topic_id", "difficulty"),
        # One copy of a content per bank: imports count repeats as duplicates instead.
        Index("ix_question_bank_content", "bank_id", "content_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    type: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    # The stem without accents, casefolded: search matches "dang" with "Đảng".
    search_text: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[str] = mapped_column(String(8), default="medium")
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(1))
    explanation: Mapped[str | None] = mapped_column(Text)
    # importers.content_key of the normalised stem and options: finds duplicates on import.
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="active")
    version: Mapped[int] = mapped_column(default=1)
    source_row: Mapped[int | None] = mapped_column()
    import_job_id: Mapped[int | None] = mapped_column(ForeignKey("import_job.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    bank: Mapped[QuestionBank] = relationship()
    topic: Mapped[Topic] = relationship()
    options: Mapped[list[Option]] = relationship(
        back_populates="question", order_by="Option.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Question {self.id} v{self.version} {self.type}>"


class Option(Base):
    __tablename__ = "option"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="options")


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
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
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

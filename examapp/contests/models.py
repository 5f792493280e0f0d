"""Contests: an exam of kind contest with its rounds, units, participants, predictions and entries.

A participant registers without an account: registration makes a narrow account of role
`participant` (no password) assigned to the contest's exam, so tries are ordinary attempts and every
exam path (papers, answers, grading, the finalised-attempt seam) serves contests unchanged. An
entry is the participant's best try of a round by the ranking rule (contests.ranking).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examapp.auth.models import User
from examapp.db import Base, UTCDateTime, utcnow
from examapp.exams.models import Exam

# What a prediction guesses: how many entries of the round get every question right, or how many
# take part in the round.
PREDICTION_TARGETS = ("all_correct_entries", "participants")
# Registration fields an organiser may switch on, beyond name, phone and unit.
OPTIONAL_FIELDS = ("birth_year", "gender", "workplace", "email", "id_number")


class Contest(Base):
    __tablename__ = "contest"

    id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tries_per_round: Mapped[int] = mapped_column(default=1)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Units are a closed list when the organiser gave one; else free text, normalised.
    closed_units: Mapped[bool] = mapped_column(default=False)
    prediction_question: Mapped[str | None] = mapped_column(Text)
    prediction_target: Mapped[str | None] = mapped_column(String(30))
    freeze_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    prizes: Mapped[int] = mapped_column(default=3)
    # Set when a board update could not reach Redis: the next read rebuilds the boards.
    boards_stale_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    exam: Mapped[Exam] = relationship()
    rounds: Mapped[list[ContestRound]] = relationship(order_by="ContestRound.number",
                                                      cascade="all, delete-orphan")
    units: Mapped[list[ContestUnit]] = relationship(order_by="ContestUnit.id", cascade="all, delete-orphan")


class ContestRound(Base):
    __tablename__ = "contest_round"
    __table_args__ = (UniqueConstraint("contest_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The true value the predictions guessed, set when the organiser computes the results.
    target_value: Mapped[int | None] = mapped_column(BigInteger)


class ContestUnit(Base):
    """A unit taking part: `key` is its name normalised, so "Cty A" and "cty  a" are one unit."""

    __tablename__ = "contest_unit"
    __table_args__ = (UniqueConstraint("contest_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    quota: Mapped[int | None] = mapped_column()


class Participant(Base):
    __tablename__ = "contest_participant"
    __table_args__ = (UniqueConstraint("contest_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("contest_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))  # normalised: 0 and nine digits
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # SHA-256 of the one-time code that moves the registration to another device; None once used.
    return_code_hash: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64), default="")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[ContestUnit] = relationship()
    user: Mapped[User] = relationship()


class Prediction(Base):
    __tablename__ = "contest_prediction"
    __table_args__ = (UniqueConstraint("participant_id", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("contest_participant.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(BigInteger)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Entry(Base):
    """A participant's best try of a round (contests.ranking), kept up to date as tries end."""

    __tablename__ = "contest_entry"
    __table_args__ = (UniqueConstraint("participant_id", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("contest_participant.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    score: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    all_correct: Mapped[bool] = mapped_column()
    time_ms: Mapped[int] = mapped_column(BigInteger)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tries: Mapped[int] = mapped_column(default=1)
    # When the entry last changed: a board rebuild re-applies the entries that changed while it ran.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    participant: Mapped[Participant] = relationship()


class ContestResult(Base):
    """Published results of a round (round_number) or of the whole contest (None): frozen, with the
    SHA-256 of their inputs so anyone can check that the ranking published was not edited later."""

    __tablename__ = "contest_result"
    __table_args__ = (UniqueConstraint("contest_id", "round_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id", ondelete="CASCADE"))
    round_number: Mapped[int | None] = mapped_column()
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)

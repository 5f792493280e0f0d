"""Question banks: their refusals, creating and listing banks, who manages them, their figures.

No Flask here: the pages, the API and the CLI call these with a Session and plain values,
and commit (or roll back) themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from examapp.audit.service import record
from examapp.auth import policy
from examapp.auth.identity import Actor
from examapp.auth.models import User
from examapp.banks.models import (
    DIFFICULTIES,
    Question,
    QuestionBank,
    Topic,
)
from examapp.errors import Refusal
from examapp.messages import Message, msg, msg_join
from importers.normalise import clean_text

MAX_NAME = 200
_SPACES = re.compile(r"\s+")

Progress = Callable[[int, int], None]


class BankError(Refusal):
    """Input the bank rules refuse; the message says what to fix."""


class BankExists(BankError):
    """The name is taken: a conflict rather than bad input."""

    status = 409


class QuestionError(BankError):
    """An edit the question rules refuse; `problems` maps each form field to what is wrong."""

    def __init__(self, problems: dict[str, Message]) -> None:
        super().__init__(msg_join(problems.values()))
        self.problems = problems


class QuestionDuplicate(QuestionError):
    """Another question of the bank has the same text and options: a conflict rather than bad input."""

    status = 409


# ---- banks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BankSummary:
    id: int
    name: str
    description: str
    owner: str | None
    active: int
    retired: int
    topics: int
    created_at: Any

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description, "owner": self.owner,
                "questions": self.active + self.retired, "active": self.active, "retired": self.retired,
                "topics": self.topics, "created_at": self.created_at.isoformat()}


def bank_by_name(db: Session, name: str) -> QuestionBank | None:
    """The bank whose name matches whatever the case (SQLite's lower() knows only ASCII)."""
    wanted = _SPACES.sub(" ", name).strip().casefold()
    for bank_id, bank_name in db.execute(select(QuestionBank.id, QuestionBank.name)):
        if bank_name.casefold() == wanted:
            return db.get(QuestionBank, bank_id)
    return None


def create_bank(db: Session, name: str, owner_id: int | None = None, description: str = "",
                actor_id: int | None = None) -> QuestionBank:
    """Add a bank (caller commits); names are unique whatever their case."""
    name = _SPACES.sub(" ", clean_text(name or ""))
    if not name:
        raise BankError(msg("the bank needs a name"))
    if len(name) > MAX_NAME:
        raise BankError(msg("the bank name must be at most %(max)s characters", max=MAX_NAME))
    if bank_by_name(db, name) is not None:
        raise BankExists(msg("a bank named '%(name)s' already exists; choose another name", name=name))
    bank = QuestionBank(name=name, description=(description or "").strip(), owner_id=owner_id)
    db.add(bank)
    db.flush()
    record(db, actor_id, "bank.create", f"bank:{bank.id}", name=name, owner_id=owner_id)
    return bank


class BankNotFound(BankError):
    """No such bank."""

    status = 404


class BankForbidden(BankError):
    """Another trainer's bank."""

    status = 403


def bank_for_manager(db: Session, bank_id: int, user: Actor) -> QuestionBank:
    """The bank if `user` may manage it: BankNotFound if there is none, BankForbidden if it is
    another trainer's."""
    bank = db.get(QuestionBank, bank_id)
    if bank is None:
        raise BankNotFound(msg("no question bank %(bank)s", bank=bank_id))
    if not policy.can_manage_bank(user, bank):
        raise BankForbidden(msg("question bank %(bank)s belongs to another trainer", bank=bank_id))
    return bank


def banks_of(db: Session, user: Actor) -> list[BankSummary]:
    """The banks `user` manages: all of them for an administrator."""
    return list_banks(db, None if policy.can_administer(user) else user.id)


def list_banks(db: Session, owner_id: int | None = None) -> list[BankSummary]:
    """Every bank (or only one owner's) with its question and topic counts, by name."""
    query = select(QuestionBank, User.username).outerjoin(User, User.id == QuestionBank.owner_id)
    if owner_id is not None:
        query = query.where(QuestionBank.owner_id == owner_id)
    rows = db.execute(query.order_by(QuestionBank.name)).all()
    ids = [bank.id for bank, _ in rows]
    counts: dict[tuple[int, str], int] = {}
    topics: dict[int, int] = {}
    if ids:
        for bank_id, status, n in db.execute(
            select(Question.bank_id, Question.status, func.count())
            .where(Question.bank_id.in_(ids)).group_by(Question.bank_id, Question.status)
        ):
            counts[(bank_id, status)] = n
        topics = dict(db.execute(
            select(Topic.bank_id, func.count()).where(Topic.bank_id.in_(ids)).group_by(Topic.bank_id)
        ).all())
    return [
        BankSummary(bank.id, bank.name, bank.description, owner, counts.get((bank.id, "active"), 0),
                    counts.get((bank.id, "retired"), 0), topics.get(bank.id, 0), bank.created_at)
        for bank, owner in rows
    ]


@dataclass(frozen=True)
class BankStats:
    active: int
    retired: int
    by_difficulty: dict[str, int]
    by_topic: list[tuple[Topic, int]]


def bank_stats(db: Session, bank: QuestionBank) -> BankStats:
    """Counts for the bank page: active questions by difficulty and by topic."""
    by_status = dict(db.execute(
        select(Question.status, func.count()).where(Question.bank_id == bank.id).group_by(Question.status)
    ).all())
    by_difficulty = dict(db.execute(
        select(Question.difficulty, func.count())
        .where(Question.bank_id == bank.id, Question.status == "active").group_by(Question.difficulty)
    ).all())
    per_topic = dict(db.execute(
        select(Question.topic_id, func.count())
        .where(Question.bank_id == bank.id, Question.status == "active").group_by(Question.topic_id)
    ).all())
    topics = db.scalars(select(Topic).where(Topic.bank_id == bank.id).order_by(Topic.name)).all()
    return BankStats(
        active=by_status.get("active", 0), retired=by_status.get("retired", 0),
        by_difficulty={d: by_difficulty.get(d, 0) for d in DIFFICULTIES},
        by_topic=[(t, per_topic.get(t.id, 0)) for t in topics],
    )


def lock_bank(db: Session, bank_id: int) -> None:
    """Queue behind imports and edits of the bank until the caller commits, so a duplicate check
    made now still holds when the question is written. NO KEY UPDATE: foreign-key checks of
    other writers on the bank row (a new topic, an exam) do not wait on it. SQLite has no row
    locks: a write that changes nothing takes its one write lock instead."""
    if db.connection().dialect.name == "sqlite":
        table = QuestionBank.__table__
        db.execute(update(table).where(table.c.id == bank_id).values(name=table.c.name))
        return
    db.execute(select(QuestionBank.id).where(QuestionBank.id == bank_id).with_for_update(key_share=True))


"""Question banks: creating banks, importing files all or nothing, searching, editing and retiring questions.

No Flask here: the pages, the API and the CLI call these with a Session and plain values,
and commit (or roll back) themselves.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from time import perf_counter
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from examapp.audit.service import record
from examapp.auth.identity import Actor
from examapp.auth.models import User
from examapp.banks.models import (
    DIFFICULTIES,
    QUESTION_TYPES,
    STATUSES,
    ImportJob,
    Option,
    Question,
    QuestionBank,
    QuestionRevision,
    StagedUpload,
    Topic,
    option_id,
    option_json,
)
from examapp.banks.writing import DEFAULT_TOPIC, QuestionStream, fold_text, next_number, topic_ids
from examapp.db import utcnow
from examapp.errors import Refusal
from examapp.messages import Message, is_message, msg, msg_join
from importers import (
    ImportFileError,
    ParsedQuestion,
    RowError,
    content_key,
    read_questions,
)
from importers.fields import MAX_POINTS
from importers.normalise import clean_text
from importers.validate import (
    MAX_EXPLANATION,
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_STEM,
    MAX_TOPIC,
    TRUE_FALSE_TEXTS,
)

MAX_NAME = 200
STAGE_TTL = timedelta(hours=1)
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

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


def may_own_banks(user: Actor) -> bool:
    """Banks belong to trainers (admins manage every bank, so they may own one too)."""
    return user.role in ("admin", "trainer")


def may_manage(user: Actor, bank: QuestionBank) -> bool:
    """Admins manage every bank; a trainer only the banks they own."""
    return user.role == "admin" or (user.role == "trainer" and bank.owner_id == user.id)


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


# ---- importing -----------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, for a dry run or a rejection, would have done)."""

    bank: str
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first importers.limits.MAX_ERRORS
    error_count: int = 0  # every error, listed or not
    status: str = "imported"  # the ImportJob status: imported | rejected | dry_run | unreadable
    rejected: bool = False  # nothing could be imported (a dry run says whether it would be)
    file_error: str | None = None  # the whole file could not be read
    format: str = ""
    rows_read: int = 0
    job_id: int | None = None
    questions: list[ParsedQuestion] = field(default_factory=list)  # the valid rows, duplicates included
    duplicate_rows: list[int] = field(default_factory=list)  # valid rows the bank already holds
    seconds: dict[str, float] = field(default_factory=dict)  # read, validate, write

    def as_dict(self) -> dict:
        """The CLI's and the API's JSON: bank, imported, duplicates, skipped, errors, error_count."""
        return {"bank": self.bank, "imported": self.imported, "duplicates": self.duplicates,
                "skipped": self.skipped, "errors": [error_dict(e) for e in self.errors],
                "error_count": self.error_count}


def error_dict(error: RowError) -> dict:
    return {"row": error.row, "column": error.column, "message": error.message}


def _job_error(error: RowError) -> dict:
    """An error as the import history keeps it: English, and its template so a page can translate it."""
    return {**error_dict(error), **_message_state(error.message)}


def _message_state(message: str) -> dict:
    if not is_message(message):
        return {}
    values = {name: _message_state(value) or (value if isinstance(value, int | float) else str(value))
              for name, value in message.values.items()}
    return {"template": message.template, "values": values}


def stored_error_message(record: dict) -> str:
    """The message of an import history error, translatable again when it kept its template."""
    return _restore_message(record) if "template" in record else record.get("message", "")


def _restore_message(state: dict) -> Message:
    values = {name: _restore_message(value) if isinstance(value, dict) else value
              for name, value in state["values"].items()}
    return Message(state["template"], values)


def import_questions(
    db: Session,
    bank: QuestionBank,
    source: Any,
    filename: str,
    *,
    format: str = "auto",
    dry_run: bool = False,
    skip_invalid: bool = False,
    user_id: int | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row and write all valid new questions, or none if any row is bad.

    Questions are written while the file is still being read (see examapp.banks.writing), in
    a savepoint that is rolled back when the import turns out to be rejected. The ImportJob is
    added in every case, rejected and dry runs too; the caller commits.
    """
    name = display_filename(filename)
    started = perf_counter()
    job = stream = None
    if not dry_run:
        lock_bank(db, bank.id)
        job = _record_job(db, bank, name, user_id, dry_run)
        existing = _contents(db, bank)
        stream = QuestionStream(db, bank.id, job.id, existing)
    try:
        result = read_questions(source, filename, format, progress=progress,
                                accept=None if stream is None else stream.accept)
    except ImportFileError as exc:
        if stream is not None:
            stream.cancel()
        problem = exc.args[0] if exc.args else str(exc)
        report = ImportReport(bank=bank.name, errors=[RowError(None, None, problem)], error_count=1,
                              status="unreadable", rejected=True, file_error=problem,
                              format=(format or "auto")[:10])
        _fill_job(db, job or _record_job(db, bank, name, user_id, dry_run), report)
        return report
    except BaseException:  # from the caller's progress callback or from a write: leave nothing behind
        if stream is not None:
            stream.cancel()
            db.delete(job)
            db.flush()
        raise
    read_done = perf_counter()

    errors = sorted(result.errors, key=lambda e: (e.row is not None, e.row or 0))
    valid = result.questions  # a row with an error gives no question
    # An error of the file as a whole (no header row, no questions) is always listed.
    rejected = bool(result.error_count) and (not skip_invalid or any(e.row is None for e in errors))
    report = ImportReport(bank=bank.name, errors=errors, error_count=result.error_count, rejected=rejected,
                          format=result.format, rows_read=result.rows_read, skipped=result.rows_with_errors)
    report.status = "dry_run" if dry_run else "rejected" if rejected else "imported"
    if job is None:
        job = _record_job(db, bank, name, user_id, dry_run)
        existing = _contents(db, bank)
    new: list[ParsedQuestion] = []
    for question in valid:
        if question.content_key in existing:
            report.duplicate_rows.append(question.row)
        else:
            new.append(question)
    report.duplicates = len(report.duplicate_rows)
    report.questions = valid
    report.imported = 0 if rejected else len(new)
    validated = perf_counter()
    if stream is not None:
        if rejected:
            stream.cancel()
        else:
            stream.finish(new)
    _fill_job(db, job, report)
    report.seconds = {"read": read_done - started, "validate": validated - read_done,
                      "write": perf_counter() - validated}
    return report


def _contents(db: Session, bank: QuestionBank) -> set[str]:
    """The content keys of the bank's questions: an imported question with one of them is a duplicate."""
    return set(db.scalars(select(Question.content_hash).where(Question.bank_id == bank.id)))


def display_filename(filename: str) -> str:
    """The base name of an uploaded file, without directories or control characters."""
    base = os.path.basename((filename or "").replace("\\", "/"))
    return _CONTROL.sub("", base)[:255] or "upload"


def _record_job(db: Session, bank: QuestionBank, filename: str, user_id: int | None,
                dry_run: bool) -> ImportJob:
    """Add the import's job; _fill_job gives it the outcome."""
    job = ImportJob(bank_id=bank.id, user_id=user_id, filename=filename, format="", dry_run=dry_run,
                    created_at=utcnow(), status="", errors=[])
    db.add(job)
    db.flush()
    return job


def _fill_job(db: Session, job: ImportJob, report: ImportReport) -> None:
    job.status = report.status
    job.format = report.format[:10]
    job.imported = report.imported
    job.duplicates = report.duplicates
    job.skipped = report.skipped
    job.rows_read = report.rows_read
    job.errors = [_job_error(e) for e in report.errors]
    job.error_count = report.error_count
    db.flush()
    report.job_id = job.id


def import_jobs(db: Session, bank: QuestionBank, limit: int = 50) -> list[ImportJob]:
    return list(db.scalars(
        select(ImportJob).options(selectinload(ImportJob.user)).where(ImportJob.bank_id == bank.id)
        .order_by(ImportJob.id.desc()).limit(limit)
    ))


# ---- staged uploads (between the upload preview and its confirmation) ---------------------


def stage_upload(db: Session, bank: QuestionBank, user_id: int, filename: str, format: str,
                 skip_invalid: bool, data: bytes) -> str:
    """Keep an uploaded file until it is confirmed; returns the random token naming it."""
    db.execute(delete(StagedUpload).where(StagedUpload.created_at < utcnow() - STAGE_TTL))
    token = secrets.token_urlsafe(32)
    db.add(StagedUpload(token=token, bank_id=bank.id, user_id=user_id, filename=display_filename(filename),
                        format=format, skip_invalid=skip_invalid, data=data, created_at=utcnow()))
    db.flush()
    return token


def staged_upload(db: Session, token: str, bank: QuestionBank, user_id: int) -> StagedUpload | None:
    """The staged file, only for the user who uploaded it, into the same bank, before it expires."""
    return db.scalar(select(StagedUpload).where(
        StagedUpload.token == token, StagedUpload.bank_id == bank.id, StagedUpload.user_id == user_id,
        StagedUpload.created_at >= utcnow() - STAGE_TTL,
    ))


# ---- questions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionFilter:
    text: str = ""
    topic_id: int | None = None
    difficulty: str | None = None
    type: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Question]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search_questions(db: Session, bank: QuestionBank, wanted: QuestionFilter, page: int = 1,
                     per_page: int = 25) -> Page:
    """One page of the bank's questions matching the filter, oldest first; text ignores accents."""
    query = select(Question).where(Question.bank_id == bank.id)
    if wanted.text.strip():
        query = query.where(Question.search_text.contains(fold_text(wanted.text), autoescape=True))
    if wanted.topic_id is not None:
        query = query.where(Question.topic_id == wanted.topic_id)
    if wanted.difficulty:
        query = query.where(Question.difficulty == wanted.difficulty)
    if wanted.type:
        query = query.where(Question.type == wanted.type)
    if wanted.status:
        query = query.where(Question.status == wanted.status)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    per_page = min(max(per_page, 1), 200)
    page = min(max(page, 1), max(1, -(-total // per_page)))
    items = db.scalars(
        query.options(selectinload(Question.topic))
        .order_by(Question.number).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def question_in_bank(db: Session, bank: QuestionBank, question_id: int) -> Question | None:
    question = db.get(Question, question_id)
    return question if question is not None and question.bank_id == bank.id else None


def question_dict(question: Question, with_key: bool = True) -> dict:
    options = [{"id": option_id(question.id, position), "position": position, "text": o.text,
                **({"is_correct": o.correct} if with_key else {})}
               for position, o in enumerate(question.options, start=1)]
    return {"id": question.id, "number": question.number, "type": question.type, "text": question.text,
            "topic": question.topic.name,
            "difficulty": question.difficulty, "points": str(question.points.normalize()),
            "explanation": question.explanation, "status": question.status, "version": question.version,
            "options": options}


@dataclass(frozen=True)
class QuestionDraft:
    """A question as an edit form gives it. For true_false, `options` is ignored and `truth` used."""

    text: str
    type: str
    options: tuple[tuple[str, bool], ...]
    topic: str
    difficulty: str
    points: Decimal
    explanation: str | None = None
    truth: bool | None = None


def snapshot(question: Question) -> dict:
    """The parts of a question an edit can change, as stored in its revision."""
    return {"text": question.text, "type": question.type, "topic": question.topic.name,
            "difficulty": question.difficulty, "points": str(question.points),
            "explanation": question.explanation,
            "options": option_json(question.options)}


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


def _checked(db: Session, bank_id: int, draft: QuestionDraft, question_id: int | None = None,
             ) -> tuple[QuestionDraft, list[tuple[str, bool]], str]:
    """The draft cleaned as an import cleans text, its options and its content key, once the bank is
    locked; raises QuestionError naming every problem, or QuestionDuplicate when another question
    of the bank (not `question_id`) has the same text and options."""
    draft = _cleaned(draft)
    options, problems = _check_draft(draft)
    if problems:
        raise QuestionError(problems)
    lock_bank(db, bank_id)
    key = content_key(draft.text.strip(), [t for t, _ in options])
    if db.scalar(select(Question.id).where(Question.bank_id == bank_id, Question.content_hash == key,
                                           Question.id != (question_id or 0))):
        raise QuestionDuplicate({"text": msg("another question of this bank already has this text and "
                                             "these options")})
    return draft, options, key


def add_question(db: Session, bank: QuestionBank, draft: QuestionDraft, user_id: int | None) -> Question:
    """Add a question written by hand, checked as an edit is, numbered next in its bank (caller commits)."""
    draft, options, key = _checked(db, bank.id, draft)
    text, topic = draft.text.strip(), draft.topic.strip() or DEFAULT_TOPIC
    now = utcnow()
    question = Question(
        bank_id=bank.id, topic_id=topic_ids(db, bank, {topic})[topic], type=draft.type, text=text,
        search_text=fold_text(text), difficulty=draft.difficulty, points=draft.points,
        explanation=(draft.explanation or "").strip() or None, content_hash=key, status="active",
        version=1, created_at=now, updated_at=now,
        options=tuple(Option(option_text, correct) for option_text, correct in options),
        number=next_number(db, bank.id),
    )
    db.add(question)
    db.flush()
    record(db, user_id, "question.create", str(question.id), bank_id=bank.id, number=question.number)
    return question


def edit_question(db: Session, question: Question, draft: QuestionDraft, user_id: int | None) -> bool:
    """Apply an edit as a new version, keeping the old text in a QuestionRevision.

    Returns False when nothing changed.
    """
    draft, options, key = _checked(db, question.bank_id, draft, question.id)
    text = draft.text.strip()
    before = snapshot(question)
    topic_id = topic_ids(db, question.bank, {draft.topic.strip() or DEFAULT_TOPIC})[
        draft.topic.strip() or DEFAULT_TOPIC]
    after = {"text": text, "type": draft.type, "difficulty": draft.difficulty,
             "points": str(draft.points), "explanation": (draft.explanation or "").strip() or None,
             "options": [{"text": t, "correct": c} for t, c in options]}
    unchanged = (topic_id == question.topic_id and Decimal(before["points"]) == draft.points
                 and all(before[k] == after[k] for k in ("text", "type", "difficulty", "explanation",
                                                         "options")))
    if unchanged:
        return False
    db.add(QuestionRevision(question_id=question.id, version=question.version, snapshot=before,
                            edited_by_id=user_id, edited_at=utcnow()))
    question.text = text
    question.search_text = fold_text(text)
    question.type = draft.type
    question.topic_id = topic_id
    question.difficulty = draft.difficulty
    question.points = draft.points
    question.explanation = after["explanation"]
    question.content_hash = key
    question.version += 1
    question.updated_at = utcnow()
    question.options = tuple(Option(option_text, correct) for option_text, correct in options)
    db.flush()
    db.expire(question, ["topic"])
    record(db, user_id, "question.edit", str(question.id), bank_id=question.bank_id, version=question.version)
    return True


def _cleaned(draft: QuestionDraft) -> QuestionDraft:
    """The draft's texts as an import stores them: no control or invisible characters, NFC."""
    return replace(draft, text=clean_text(draft.text or ""), topic=clean_text(draft.topic or ""),
                   explanation=clean_text(draft.explanation) if draft.explanation else draft.explanation,
                   options=tuple((clean_text(t or ""), c) for t, c in draft.options))


def _check_draft(draft: QuestionDraft) -> tuple[list[tuple[str, bool]], dict[str, Message]]:
    problems: dict[str, Message] = {}
    text = (draft.text or "").strip()
    if not text:
        problems["text"] = msg("the question text is empty")
    elif len(text) > MAX_STEM:
        problems["text"] = msg("the question text must be at most %(max)s characters", max=MAX_STEM)
    if draft.type not in QUESTION_TYPES:
        problems["type"] = msg("the type must be one of %(types)s", types=", ".join(QUESTION_TYPES))
    if draft.difficulty not in DIFFICULTIES:
        problems["difficulty"] = msg("the difficulty must be one of %(difficulties)s",
                                     difficulties=", ".join(DIFFICULTIES))
    points = draft.points
    if points is None or not points.is_finite() or points <= 0 or points > MAX_POINTS:
        problems["points"] = msg("points must be greater than 0 and at most %(max)s", max=MAX_POINTS)
    elif points.as_tuple().exponent < -2:
        problems["points"] = msg("points can have at most two decimals")
    if len(draft.topic.strip()) > MAX_TOPIC:
        problems["topic"] = msg("the topic must be at most %(max)s characters", max=MAX_TOPIC)
    if len((draft.explanation or "").strip()) > MAX_EXPLANATION:
        problems["explanation"] = msg("the explanation must be at most %(max)s characters",
                                      max=MAX_EXPLANATION)
    if draft.type == "true_false":
        if draft.truth is None:
            problems["options"] = msg("say whether the statement is true or false")
            return [], problems
        return [(TRUE_FALSE_TEXTS[0], draft.truth), (TRUE_FALSE_TEXTS[1], not draft.truth)], problems
    options = [(t.strip(), c) for t, c in draft.options if t.strip()]
    correct = sum(c for _, c in options)
    if len(options) < 2:
        problems["options"] = msg("give at least two options")
    elif len(options) > MAX_OPTIONS:
        problems["options"] = msg("give at most %(max)s options", max=MAX_OPTIONS)
    elif any(len(t) > MAX_OPTION for t, _ in options):
        problems["options"] = msg("an option must be at most %(max)s characters", max=MAX_OPTION)
    elif len({fold_text(t) for t, _ in options}) < len(options):
        problems["options"] = msg("two options have the same text")
    elif correct == 0:
        problems["options"] = msg("mark the correct option")
    elif draft.type == "single" and correct > 1:
        problems["options"] = msg("a single question has exactly one correct option; mark one or make it "
                                  "multiple")
    return options, problems


def revisions(db: Session, question: Question) -> list[QuestionRevision]:
    return list(db.scalars(select(QuestionRevision).where(QuestionRevision.question_id == question.id)
                           .order_by(QuestionRevision.version.desc())))


def set_status(db: Session, question: Question, status: str, user_id: int | None) -> bool:
    """Retire or restore a question; retired ones are kept but no longer drawn into papers."""
    if status not in STATUSES:
        raise BankError(msg("the status must be one of %(statuses)s", statuses=", ".join(STATUSES)))
    if question.status == status:
        return False
    question.status = status
    question.updated_at = utcnow()
    record(db, user_id, "question.retire" if status == "retired" else "question.restore", str(question.id),
           bank_id=question.bank_id)
    return True

"""Importing question files into a bank: the report, the import history and the uploads staged
between a preview and its confirmation."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from time import perf_counter
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from examapp.banks.models import (
    ImportJob,
    Question,
    QuestionBank,
    StagedUpload,
)
from examapp.banks.service import lock_bank
from examapp.banks.writing import QuestionStream
from examapp.db import utcnow
from examapp.messages import Message, is_message
from importers import (
    ImportFileError,
    ParsedQuestion,
    RowError,
    read_questions,
)

STAGE_TTL = timedelta(hours=1)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

Progress = Callable[[int, int], None]



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

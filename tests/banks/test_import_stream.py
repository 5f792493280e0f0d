"""Questions are written while the file is still being read, yet an import stays all or nothing."""

from __future__ import annotations

import sqlite3
import threading

import psycopg
import pytest
from sqlalchemy import func, select

from examapp.banks import writing
from examapp.banks.importing import import_questions
from examapp.banks.models import ImportJob, Question, QuestionBank, Topic
from examapp.banks.service import create_bank
from tests.banks.files import good_rows, row, xlsx_bytes

CHUNK = 40
ROWS = 400  # ten chunks


class Writes:
    """Counts the chunks written; `progress` holds the reader back until one has been written."""

    def __init__(self) -> None:
        self.chunks = 0
        self.during_read = 0
        self.first = threading.Event()

    def progress(self, done: int, total: int) -> None:
        if done == total:
            # Late in the file: chunks sent earlier must be in the database before the last row
            # is checked, whichever thread writes them.
            assert self.first.wait(30)
            self.during_read = self.chunks


@pytest.fixture
def writes(monkeypatch) -> Writes:
    monkeypatch.setattr(writing, "CHUNK", CHUNK)
    monkeypatch.setattr(writing, "SQLITE_CHUNK", CHUNK)
    spy = Writes()
    write = writing.QuestionStream._write

    def counted(stream, chunk):
        write(stream, chunk)
        spy.chunks += 1
        spy.first.set()

    monkeypatch.setattr(writing.QuestionStream, "_write", counted)
    return spy


@pytest.fixture
def bank(session) -> QuestionBank:
    bank = create_bank(session, "Lịch sử Đảng")
    session.commit()
    return bank


def count(session, model, bank: QuestionBank) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.bank_id == bank.id))


def options(session, bank: QuestionBank) -> int:
    return sum(map(len, session.scalars(select(Question.options).where(Question.bank_id == bank.id))))


def test_a_bad_row_late_in_the_file_leaves_nothing_though_chunks_were_written(session, bank, writes):
    rows = [*good_rows(ROWS, "Câu"), row("Câu cuối thiếu đáp án", answer="")]
    report = import_questions(session, bank, xlsx_bytes(rows), "bank.xlsx", progress=writes.progress)
    session.commit()
    assert writes.during_read >= 1
    assert report.rejected and report.imported == 0
    assert [(e.row, e.column) for e in report.errors] == [(ROWS + 2, "answer")]
    assert [count(session, model, bank) for model in (Question, Topic)] == [0, 0]
    job = session.scalar(select(ImportJob).where(ImportJob.bank_id == bank.id))
    assert (job.status, job.imported, job.rows_read) == ("rejected", 0, ROWS + 1)


def test_a_late_repeat_of_an_early_row_rejects_the_file(session, bank, writes):
    rows = [*good_rows(ROWS, "Câu"), good_rows(1, "Câu")[0]]
    report = import_questions(session, bank, xlsx_bytes(rows), "bank.xlsx", progress=writes.progress)
    session.commit()
    assert writes.during_read >= 1 and report.rejected
    assert [e.message for e in report.errors] == ["duplicate of row 2; remove one of the two copies"]
    assert count(session, Question, bank) == 0


def test_skip_invalid_keeps_the_streamed_rows_and_writes_each_once(session, bank, writes):
    rows = [*good_rows(ROWS, "Câu"), row("Câu sai", answer="Z"), row("Câu cuối", topic="Chủ đề mới")]
    report = import_questions(session, bank, xlsx_bytes(rows), "bank.xlsx", skip_invalid=True,
                              progress=writes.progress)
    session.commit()
    assert writes.during_read >= 1
    assert (report.rejected, report.imported, report.skipped) == (False, ROWS + 1, 1)
    stored = session.scalars(select(Question.source_row).where(Question.bank_id == bank.id)
                             .order_by(Question.source_row)).all()
    assert stored == [*range(2, ROWS + 2), ROWS + 3]
    assert options(session, bank) == 4 * (ROWS + 1)
    topics = session.scalars(select(Topic.name).where(Topic.bank_id == bank.id).order_by(Topic.name)).all()
    assert topics == ["Chủ đề mới", "Lịch sử"]
    assert session.scalar(select(ImportJob.status).where(ImportJob.bank_id == bank.id)) == "imported"


def test_questions_the_bank_holds_are_counted_not_written_again(session, bank, writes):
    import_questions(session, bank, xlsx_bytes(good_rows(ROWS // 2, "Câu")), "first.xlsx")
    session.commit()
    before = count(session, Question, bank)
    report = import_questions(session, bank, xlsx_bytes(good_rows(ROWS, "Câu")), "second.xlsx",
                              progress=writes.progress)
    session.commit()
    assert (report.imported, report.duplicates, report.errors) == (ROWS // 2, ROWS // 2, [])
    assert (before, count(session, Question, bank)) == (ROWS // 2, ROWS)
    texts = session.scalars(select(Question.text).where(Question.bank_id == bank.id)).all()
    assert len(set(texts)) == ROWS


def test_a_dry_run_writes_nothing_while_reading(session, bank, writes):
    report = import_questions(session, bank, xlsx_bytes(good_rows(ROWS, "Câu")), "bank.xlsx", dry_run=True)
    session.commit()
    assert (writes.chunks, report.imported, report.status) == (0, ROWS, "dry_run")
    assert count(session, Question, bank) == 0


def test_an_error_from_the_caller_mid_read_leaves_nothing_behind(session, bank, writes):
    def progress(done: int, total: int) -> None:
        if done == total:
            assert writes.first.wait(30)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_questions(session, bank, xlsx_bytes(good_rows(ROWS, "Câu")), "bank.xlsx", progress=progress)
    session.commit()
    assert writes.chunks >= 1
    assert [count(session, model, bank) for model in (Question, Topic, ImportJob)] == [0, 0, 0]
    # The bank takes the next import as usual.
    report = import_questions(session, bank, xlsx_bytes(good_rows(3)), "bank.xlsx")
    session.commit()
    assert (report.imported, count(session, Question, bank)) == (3, 3)



def test_a_row_the_database_refuses_mid_stream_leaves_nothing_behind(session, bank, writes, monkeypatch):
    # A row with no search text breaks a NOT NULL constraint: the database refuses it as it
    # would any row, after earlier chunks were sent (on PostgreSQL only when the COPY ends).
    fold = writing.fold_text
    monkeypatch.setattr(writing, "fold_text", lambda text: None if text.startswith("Câu 300:")
                        else fold(text))
    refused = (sqlite3.IntegrityError, psycopg.IntegrityError)  # the driver's: the rows bypass the ORM
    with pytest.raises(refused):
        import_questions(session, bank, xlsx_bytes(good_rows(ROWS, "Câu")), "bank.xlsx",
                         progress=writes.progress)
    session.rollback()
    assert writes.chunks >= 1
    assert [count(session, model, bank) for model in (Question, Topic, ImportJob)] == [0, 0, 0]
    monkeypatch.setattr(writing, "fold_text", fold)
    report = import_questions(session, bank, xlsx_bytes(good_rows(3)), "bank.xlsx")
    session.commit()
    assert (report.imported, count(session, Question, bank)) == (3, 3)

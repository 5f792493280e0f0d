"""Storing imported questions: topics, bulk rows, and the stream that writes them during the read.

The stream hands each chunk of accepted questions to the database while the file is still
being read. On PostgreSQL the rows go into one COPY kept open for the whole import: psycopg
sends them as its buffer fills, and the server checks and stores them in its own process
while this one reads on, so little of its work is left once the last row is checked. SQLite
runs inside this process: it writes each chunk as it comes.

Every chunk goes into one SAVEPOINT of the caller's transaction. An import that turns out to
be rejected once the whole file has been read rolls it back, and the transaction then holds
none of its questions or topics, as if nothing had been streamed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from operator import is_

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from examapp.banks.bulk import CopyIn, insert_rows
from examapp.banks.models import Question, QuestionBank, Topic
from examapp.db import utcnow
from importers import ParsedQuestion
from importers.normalise import collapse, strip_accents

DEFAULT_TOPIC = "General"
QUESTION_COLUMNS = ("topic_id", "bank_id", "number", "type", "text", "search_text", "difficulty", "points",
                    "explanation", "options", "content_hash", "status", "version", "source_row",
                    "import_job_id", "created_at", "updated_at")
# Questions per chunk on PostgreSQL: what is checked before its rows are made and sent.
CHUNK = 500
# SQLite writes in the reading thread, where each chunk's statements cost that thread: fewer, larger.
SQLITE_CHUNK = 2500
_SPACES = re.compile(r"\s+")


def fold_text(text: str) -> str:
    """Casefolded text without accents (đ -> d) and with single spaces: what search compares."""
    return collapse(strip_accents(text).casefold())


def _topic_key(name: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip().casefold()


def _known_topics(connection: Connection | Session, bank_id: int) -> dict[str, int]:
    return {_topic_key(name): tid for tid, name in
            connection.execute(select(Topic.id, Topic.name).where(Topic.bank_id == bank_id))}


def _add_topics(connection: Connection | Session, bank_id: int, names: Iterable[str],
                known: dict[str, int]) -> None:
    """Create the named topics `known` (by _topic_key) lacks, each as first written; add them to it."""
    missing: dict[str, str] = {}
    for name in names:
        if _topic_key(name) not in known:
            missing.setdefault(_topic_key(name), name)
    if missing:
        created = connection.execute(insert(Topic).returning(Topic.id, Topic.name),
                                     [{"bank_id": bank_id, "name": name} for name in missing.values()])
        known.update({_topic_key(name): tid for tid, name in created})


def next_number(connection: Connection | Session, bank_id: int) -> int:
    """The number the bank's next question gets. Read it under the bank's lock (see lock_bank),
    which every writer of the bank's questions holds until it commits."""
    last = connection.execute(select(func.max(Question.number)).where(Question.bank_id == bank_id)).scalar()
    return (last or 0) + 1


def topic_ids(db: Session, bank: QuestionBank, names: Iterable[str]) -> dict[str, int]:
    """Ids of the named topics, creating the missing ones; names match whatever their case.

    Accents count: Vietnamese words that differ only in their tone marks are different words.
    A new topic written several ways is created as first written.
    """
    names = list(dict.fromkeys(names))
    known = _known_topics(db, bank.id)
    _add_topics(db, bank.id, names, known)
    return {name: known[_topic_key(name)] for name in names}


class QuestionStream:
    """Writes the new questions of one import into a bank as the reader accepts them.

    `accept` takes each question the reader accepted (ones whose content the bank already
    holds, `existing`, are left out); `finish` writes the rest and keeps everything, `cancel`
    undoes everything. From its creation until `finish` or `cancel`, the Session is the
    stream's: the caller must not use it.
    """

    def __init__(self, db: Session, bank_id: int, job_id: int, existing: set[str]) -> None:
        self._bank_id = bank_id
        self._job_id = job_id
        self._existing = existing
        self._savepoint = db.begin_nested()
        self._connection = db.connection()
        self._topics = _known_topics(self._connection, bank_id)
        self._topic_ids: dict[str, int] = {}  # by the name as written, so each row is one lookup
        self._number = next_number(self._connection, bank_id)  # the caller holds the bank's lock
        self._now = utcnow()
        self._pending: list[ParsedQuestion] = []
        self._sent: list[ParsedQuestion] = []
        self._postgres = self._connection.dialect.name == "postgresql"
        self._chunk = CHUNK if self._postgres else SQLITE_CHUNK
        self._copy: CopyIn | None = None

    def accept(self, question: ParsedQuestion) -> None:
        if question.content_key in self._existing:
            return
        self._pending.append(question)
        if len(self._pending) >= self._chunk:
            self._send()

    def finish(self, new: list[ParsedQuestion]) -> None:
        """Write the questions of `new`, the import's new questions in file order, and keep them.

        The stream has already written the first of them: the reader accepts a question only
        once no later row can make it invalid.
        """
        sent = len(self._sent)
        if len(new) < sent or not all(map(is_, self._sent, new)):
            self.cancel()
            raise RuntimeError("the import wrote questions it then left out")
        self._pending = new[sent:]
        try:
            self._send()
            self._end_copy()  # waits for the server's last rows; raises what it refused
        except BaseException:
            self.cancel()
            raise
        self._savepoint.commit()

    def cancel(self) -> None:
        """Undo everything the stream wrote."""
        if self._copy is not None:
            copy, self._copy = self._copy, None
            copy.abort()
        self._savepoint.rollback()

    def _send(self) -> None:
        chunk, self._pending = self._pending, []
        if chunk:
            self._sent.extend(chunk)
            self._write(chunk)

    def _end_copy(self) -> None:
        if self._copy is not None:
            copy, self._copy = self._copy, None
            copy.close()

    def _write(self, chunk: list[ParsedQuestion]) -> None:
        """Store a chunk of questions: into the open COPY on PostgreSQL, as INSERTs on SQLite."""
        names = [q.topic or DEFAULT_TOPIC for q in chunk]
        topic_ids = self._topic_ids
        if unknown := [name for name in names if name not in topic_ids]:
            self._end_copy()  # the connection takes no other statement during a COPY
            _add_topics(self._connection, self._bank_id, unknown, self._topics)
            topic_ids.update({name: self._topics[_topic_key(name)] for name in unknown})
        bank_id, job_id, now, first = self._bank_id, self._job_id, self._now, self._number
        self._number += len(chunk)  # questions are numbered in file order
        rows = ((topic_ids[name], bank_id, number, q.type, q.text, fold_text(q.text), q.difficulty,
                 q.points, q.explanation, q.options, q.content_key, "active", 1, q.row, job_id, now, now)
                for number, (name, q) in enumerate(zip(names, chunk, strict=True), start=first))
        if not self._postgres:
            insert_rows(self._connection, Question.__table__, QUESTION_COLUMNS, rows)
            return
        if self._copy is None:
            self._copy = CopyIn(self._connection, Question.__table__, QUESTION_COLUMNS)
        self._copy.write(rows)

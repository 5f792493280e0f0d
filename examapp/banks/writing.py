"""Storing imported questions: topics, bulk rows, and the stream that writes them during the read.

On PostgreSQL most of an import's write is the server's own work: the foreign-key checks of each
question, and the index entries. The server does it in its own process, so a
thread hands it chunks of accepted questions while the file is still being read, and the
server works through one chunk while this process reads the next rows. SQLite runs inside this
process, where a thread would only take turns with the reader: it writes each chunk as it comes.

Every chunk goes into one SAVEPOINT of the caller's transaction. An import that turns out to
be rejected once the whole file has been read rolls it back, and the transaction then holds
none of its questions, options or topics, as if nothing had been streamed.
"""

from __future__ import annotations

import queue
import re
import sys
import threading
import unicodedata
from collections.abc import Iterable
from operator import is_

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from examapp.banks.bulk import insert_rows, reserve_ids
from examapp.banks.models import Question, QuestionBank, Topic
from examapp.db import utcnow
from importers import ParsedQuestion
from importers.normalise import collapse, strip_accents

DEFAULT_TOPIC = "General"
# The id and the topic first: the rest of a row is made in the reading thread, before both are known.
QUESTION_COLUMNS = ("id", "topic_id", "bank_id", "type", "text", "search_text", "difficulty", "points",
                    "explanation", "options", "content_hash", "status", "version", "source_row",
                    "import_job_id", "created_at", "updated_at")
# Questions per chunk: small enough that the server starts early and that the last chunk, the
# only one not hidden behind the read, is short; large enough that a chunk's few round trips
# do not count.
CHUNK = 500
# SQLite writes in the reading thread, where each chunk's statements cost that thread: fewer, larger.
SQLITE_CHUNK = 2500
_SWITCH_INTERVAL = 0.0005
_SPACES = re.compile(r"\s+")
_DONE = None


class _Handover:
    """A short switch interval while any import streams; the interpreter's own when none does.

    While the reader holds the interpreter, the writer thread gets it back only when the reader
    is made to let go: by default after 5 ms, at each of a chunk's round trips, the server
    idling meanwhile. Counted, as imports into different banks stream at the same time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams = 0
        self._before = 0.0

    def begin(self) -> None:
        with self._lock:
            if not self._streams:
                self._before = sys.getswitchinterval()
                sys.setswitchinterval(min(self._before, _SWITCH_INTERVAL))
            self._streams += 1

    def end(self) -> None:
        with self._lock:
            self._streams -= 1
            if not self._streams:
                sys.setswitchinterval(self._before)


_handover = _Handover()


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
        self._types: dict[str, dict[str, int]] = {}
        self._now = utcnow()
        self._pending: list[ParsedQuestion] = []
        self._sent: list[ParsedQuestion] = []
        self._failure: BaseException | None = None
        self._cancelled = False
        self._queue: queue.SimpleQueue | None = None
        self._thread: threading.Thread | None = None
        self._chunk = SQLITE_CHUNK
        if self._connection.dialect.name == "postgresql":
            self._chunk = CHUNK
            self._queue = queue.SimpleQueue()
            self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
            _handover.begin()
            self._thread.start()

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
        self._send()
        self._stop()
        if self._failure is not None:
            self._savepoint.rollback()
            raise self._failure
        self._savepoint.commit()

    def cancel(self) -> None:
        """Undo everything the stream wrote."""
        self._cancelled = True
        self._stop()
        self._savepoint.rollback()

    def _send(self) -> None:
        chunk, self._pending = self._pending, []
        if not chunk or self._failure is not None:
            return
        self._sent.extend(chunk)
        # Each question's row but its id and topic, made here so that the writer thread, whose
        # pace the server follows, only adds those two and sends.
        bank_id, job_id, now = self._bank_id, self._job_id, self._now
        rows = [(q, (bank_id, q.type, q.text, fold_text(q.text), q.difficulty, q.points, q.explanation,
                     q.options,
                     q.content_key, "active", 1, q.row, job_id, now, now)) for q in chunk]
        if self._queue is None:
            self._write(rows)
        else:
            self._queue.put(rows)

    def _stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_DONE)
            self._thread.join()
            self._thread = None
            _handover.end()

    def _run(self) -> None:
        done = False
        while not done:
            chunk = self._queue.get()
            done = chunk is _DONE
            # Chunks that queued up while the server was busy go as one: each statement has
            # its own cost on the server, and a round trip that waits for the reader's thread.
            batch = [] if done else chunk
            while not done and not self._queue.empty():
                more = self._queue.get()
                done = more is _DONE
                batch.extend(() if done else more)
            if batch and not self._cancelled and self._failure is None:
                try:
                    self._write(batch)
                except BaseException as exc:  # handed to the caller's thread by finish
                    self._failure = exc

    def _write(self, rows: list[tuple[ParsedQuestion, tuple]]) -> None:
        """One bulk insert, with the ids reserved beforehand."""
        connection = self._connection
        topic_ids = self._topic_ids
        unknown = [q.topic or DEFAULT_TOPIC for q, _ in rows if (q.topic or DEFAULT_TOPIC) not in topic_ids]
        if unknown:
            _add_topics(connection, self._bank_id, unknown, self._topics)
            topic_ids.update({name: self._topics[_topic_key(name)] for name in unknown})
        ids = reserve_ids(connection, Question.__table__, len(rows))
        # A generator, not a list: rows are made while the database is busy with the ones already sent.
        insert_rows(connection, Question.__table__, QUESTION_COLUMNS, (
            (qid, topic_ids[q.topic or DEFAULT_TOPIC], *rest)
            for qid, (q, rest) in zip(ids, rows, strict=True)
        ), self._types)

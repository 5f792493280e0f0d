"""Live boards by Server-Sent Events, fed through Redis pub/sub so any process serves any viewer.

Each app process keeps one hub: one thread (a greenlet under gevent) listens on the contests'
"changed" channel and, at most once a second per contest, reads the top of the board once and hands
it to every viewer of that contest in this process. A viewer is a queue; a slow one only ever
holds the latest board. Thousands of open streams must not hold the workers that save answers, so
streams are served only where a connection costs no worker: a gevent worker group (README:
"Serving live boards") or the development server. A sync worker answers 503, and the page then
polls the board every few seconds instead.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import threading
import time
from collections import defaultdict

import redis
from flask import Flask, current_app, request

from examapp import db
from examapp.contests import boards
from examapp.contests.definitions import get_contest
from examapp.contests.errors import ContestError
from examapp.messages import msg

log = logging.getLogger(__name__)

MIN_INTERVAL_SECONDS = 1.0
KEEP_ALIVE_SECONDS = 15.0
TOP = 10


class StreamsElsewhere(ContestError):
    status = 503
    code = None  # "unavailable"
    retry_after = 30

    def __init__(self) -> None:
        super().__init__(msg("live updates are not served here; read the board, it refreshes by itself"))


def streams_allowed() -> bool:
    setting = current_app.config.get("STREAMS", "auto")
    if setting in ("on", "off"):
        return setting == "on"
    try:
        from gevent import monkey

        if monkey.is_module_patched("socket"):
            return True
    except ImportError:
        pass
    return request.environ.get("SERVER_SOFTWARE", "").startswith("Werkzeug")  # threads per request


class Hub:
    """The viewers of this process, by contest, and the thread that feeds them."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.viewers: dict[int, set[queue.Queue]] = defaultdict(set)
        self.lock = threading.Lock()
        self.dirty: set[int] = set()
        self.sent_at: dict[int, float] = {}
        self._pid = 0

    def join(self, contest_id: int) -> queue.Queue:
        mailbox: queue.Queue = queue.Queue(maxsize=1)
        with self.lock:
            self.viewers[contest_id].add(mailbox)
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="board-hub", daemon=True).start()
        return mailbox

    def leave(self, contest_id: int, mailbox: queue.Queue) -> None:
        with self.lock:
            self.viewers[contest_id].discard(mailbox)

    def notify(self, contest_id: int) -> None:
        """The boards moved (said by this process, or by another through Redis)."""
        with self.lock:
            self.dirty.add(contest_id)

    def board(self, contest_id: int) -> str:
        """The top of the board as the stream sends it (JSON)."""
        with self.app.app_context():
            s = db.session()
            contest = get_contest(s, contest_id)
            view = boards.read_board(s, contest, TOP)
            frozen = contest.freeze_at is not None and db.utcnow() >= contest.freeze_at
            s.rollback()
        return json.dumps({"entries": [line.as_dict() for line in view.board.lines],
                           "total": view.board.total, "frozen": frozen}, ensure_ascii=False)

    def _run(self) -> None:
        listener = None
        while True:
            try:
                listener = listener or self._listen()
                if listener is not None:
                    message = listener.get_message(ignore_subscribe_messages=True, timeout=0.25)
                    while message is not None:
                        contest = self._redis_boards().contest_of_channel(message["channel"])
                        if contest is not None:
                            self.notify(contest)
                        message = listener.get_message(ignore_subscribe_messages=True, timeout=0)
                else:
                    time.sleep(0.25)
                self._send_due()
            except redis.RedisError as exc:
                log.warning("board updates: Redis cannot be reached (%s); trying again", exc)
                listener = None
                time.sleep(1.0)
            except Exception:
                log.exception("board updates failed; going on")
                time.sleep(1.0)

    def _redis_boards(self):
        with self.app.app_context():
            return boards.redis_boards()

    def _listen(self):
        found = self._redis_boards()
        if found is None:
            return None
        listener = found.client.pubsub()
        listener.psubscribe(found.channel_pattern())
        return listener

    def _send_due(self) -> None:
        now = time.monotonic()
        with self.lock:
            due = [c for c in self.dirty if now - self.sent_at.get(c, 0.0) >= MIN_INTERVAL_SECONDS]
            for contest in due:
                self.dirty.discard(contest)
                self.sent_at[contest] = now
            audience = {c: list(self.viewers.get(c, ())) for c in due}
        for contest, mailboxes in audience.items():
            if not mailboxes:
                continue
            payload = self.board(contest)
            for mailbox in mailboxes:
                with contextlib.suppress(queue.Empty):
                    mailbox.get_nowait()  # a slow viewer keeps only the latest board
                with contextlib.suppress(queue.Full):
                    mailbox.put_nowait(payload)


def hub() -> Hub:
    found = current_app.extensions.get("examapp.board_hub")
    if found is None:
        found = current_app.extensions["examapp.board_hub"] = Hub(current_app._get_current_object())
    return found


def events(contest_id: int, first: str, mailbox: queue.Queue, seconds: float):
    """The stream's text: the board now, then each board the hub hands over, keep-alive comments
    between; it ends after `seconds` (the browser reconnects by itself)."""
    owner = hub()
    ends = time.monotonic() + seconds

    def generate():
        try:
            yield f"retry: 3000\nevent: board\ndata: {first}\n\n"
            while (left := ends - time.monotonic()) > 0:
                try:
                    data = mailbox.get(timeout=min(KEEP_ALIVE_SECONDS, left))
                except queue.Empty:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: board\ndata: {data}\n\n"
        finally:
            owner.leave(contest_id, mailbox)

    return generate()


def announce(contest_id: int) -> None:
    """The boards of a contest moved: tell every process (through Redis) or this one."""
    found = boards.redis_boards()
    if found is not None:
        try:
            found.publish(contest_id)
            return
        except redis.RedisError:
            pass
    hub().notify(contest_id)

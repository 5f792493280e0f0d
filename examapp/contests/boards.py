"""The contest's boards as the app serves them: kept up to date on every finalised try, rebuilt from
the database when Redis lost them or missed an update, and read from the database while Redis
cannot be reached (or is not configured), in the same order.

A try ending updates its entry in its own transaction after the grade is committed (the
finalised-attempt seam), then the boards; if Redis cannot be reached the contest is marked stale in
the database, and the first read once Redis answers rebuilds its boards (one process at a time).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from examapp.contests import entries, ranking
from examapp.contests.models import Contest, ContestUnit, Entry, Participant
from examapp.db import utcnow
from examapp.leaderboard import Board, Boards, BoardSource, EntryChange, Line
from examapp.text import vi_sort_key

log = logging.getLogger(__name__)

REBUILD_LOCK_SECONDS = 60
# How long boards found built and fresh are read without asking the database again.
HEALTHY_SECONDS = 1.0
# Entries changed this long before a rebuild began are re-applied after it (clocks of app hosts).
REBUILD_OVERLAP_SECONDS = 10


def redis_boards() -> Boards | None:
    """The app's boards, or None without Redis (boards are then read from the database)."""
    app = current_app
    boards = app.extensions.get("examapp.boards")
    if boards is None and app.extensions.get("examapp.redis") is not None:
        boards = app.extensions["examapp.boards"] = Boards(app.extensions["examapp.redis"],
                                                           app.config.get("REDIS_PREFIX", "examapp:"))
    return boards


def mark_stale(db: Session, contest_id: int) -> None:
    db.execute(update(Contest).where(Contest.id == contest_id).values(boards_stale_at=utcnow()))
    db.commit()


def on_finalised(attempt_id: int) -> EntryChange | None:
    """The finalised-attempt receiver: fold the try into its entry, then put it on the boards; the
    change when the public boards moved."""
    engine = current_app.extensions["examapp.engine"]
    with Session(engine, expire_on_commit=False) as db:
        change = entries.fold_try(db, attempt_id)
        if change is None or not change.on_public_boards:
            return None
        boards = redis_boards()
        if boards is None:
            return change
        try:
            boards.apply(change)
        except redis.RedisError as exc:
            log.warning("contest %s: the boards missed a try (%s); they are rebuilt when Redis answers",
                        change.contest_id, exc)
            mark_stale(db, change.contest_id)
        return change


def rebuild(db: Session, boards: Boards, contest: Contest) -> int:
    """Rebuild every board of the contest from the database; returns the entries put on them."""
    began = utcnow()
    db.execute(update(Contest).where(Contest.id == contest.id).values(boards_stale_at=None))
    count = boards.rebuild(contest.id, entries.board_source(db, contest))
    db.commit()
    _reapply_changed_since(db, boards, contest, began)
    return count


def _reapply_changed_since(db: Session, boards: Boards, contest: Contest, began: datetime) -> None:
    """Entries that changed while the rebuild read the database may be missing from it: put them
    on again (an update is idempotent: it replaces the participant's member)."""
    since = began - timedelta(seconds=REBUILD_OVERLAP_SECONDS)
    changed = db.scalars(select(Entry.attempt_id).join(Entry.participant)
                         .where(Entry.updated_at >= since, Participant.contest_id == contest.id)).all()
    for attempt_id in changed:
        change = entries.standings_of_attempt(db, contest, attempt_id)
        if change is not None and change.on_public_boards:
            boards.apply(change)


class Recent:
    """What was answered lately, for `seconds`: a board moves at most once a second for its viewers,
    so thousands of them reading it cost one read a second per process. Bounded, oldest out first."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.items.get(key)
            if found is None or found[0] < time.monotonic():
                return None
            return found[1]

    def put(self, key, value, seconds: float) -> None:
        if seconds <= 0:
            return
        with self.lock:
            self.items[key] = (time.monotonic() + seconds, value)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def _recent(name: str) -> Recent:
    """This app's memory of `name`: "answers" made lately, and contests whose Redis boards were
    lately found built and fresh ("healthy": their reads skip the database)."""
    return current_app.extensions.setdefault(f"examapp.boards.{name}", Recent())


def remembered(key, make, seconds: float):
    """The answer made for `key` within the last `seconds`, or a new one."""
    answers = _recent("answers")
    found = answers.get(key)
    if found is None:
        found = make()
        answers.put(key, found, seconds)
    return found


def ensure_built(db: Session, boards: Boards, contest: Contest) -> bool:
    """True when the Redis boards can be read: built and not stale (rebuilding them if needed);
    False while another process rebuilds them."""
    if contest.boards_stale_at is None and boards.built(contest.id):
        _recent("healthy").put(contest.id, True, HEALTHY_SECONDS)
        return True
    lock = boards.client.set(boards.board_key(contest.id) + ":rebuilding", "1", nx=True,
                             ex=REBUILD_LOCK_SECONDS)
    if not lock:
        return False
    try:
        rebuild(db, boards, contest)
    finally:
        boards.client.delete(boards.board_key(contest.id) + ":rebuilding")
    return True


@dataclass(frozen=True)
class View:
    """A board as served: its lines, how many are on it, and whether it reads from Redis."""

    board: Board
    live: bool


def _database_board(source: BoardSource, round_number: int | None, unit_id: int | None) -> list[Line]:
    standings = source.overall if round_number is None else source.rounds.get(round_number, [])
    if unit_id is not None:
        standings = [s for s in standings if source.people[s.participant_id].unit_id == unit_id]
    lines = []
    for rank, s in ranking.ranked(standings):
        person = source.people[s.participant_id]
        lines.append(Line(rank, s.participant_id, person.name, person.unit, s.score, s.time_ms / 1000))
    return lines


def read_board(db: Session, contest: Contest, limit: int, round_number: int | None = None,
               unit_id: int | None = None) -> View:
    boards = redis_boards()
    if boards is not None:
        try:
            if ensure_built(db, boards, contest):
                return View(boards.top(contest.id, limit, round_number, unit_id), True)
        except redis.RedisError as exc:
            log.warning("contest %s: board read from the database (%s)", contest.id, exc)
    lines = _database_board(entries.board_source(db, contest), round_number, unit_id)
    return View(Board(lines[:limit], len(lines)), False)


def quick_around(contest_id: int, participant_id: int) -> tuple[Line | None, list[Line]] | None:
    """The overall board around a participant straight from Redis, when its boards were lately
    found fresh; None when the caller must take the full way (read_around)."""
    boards = redis_boards()
    if boards is None or not _recent("healthy").get(contest_id):
        return None
    try:
        return boards.around(contest_id, participant_id)
    except redis.RedisError:
        return None


def read_around(db: Session, contest: Contest, participant_id: int, round_number: int | None = None,
                span: int = 2) -> tuple[Line | None, list[Line]]:
    boards = redis_boards()
    if boards is not None:
        try:
            if ensure_built(db, boards, contest):
                return boards.around(contest.id, participant_id, round_number, span=span)
        except redis.RedisError as exc:
            log.warning("contest %s: board read from the database (%s)", contest.id, exc)
    lines = _database_board(entries.board_source(db, contest), round_number, None)
    index = next((i for i, line in enumerate(lines) if line.participant_id == participant_id), None)
    if index is None:
        return None, []
    return lines[index], lines[max(0, index - span): index + span + 1]


def unit_table(db: Session, contest: Contest, by: str) -> list[dict]:
    """Units ranked by participants on the overall board, by their mean score, or by winners
    (participants among the first `prizes` of the overall board)."""
    units = {u.id: u for u in db.scalars(select(ContestUnit).where(ContestUnit.contest_id == contest.id))}
    stats: dict[int, tuple[int, int, int]] | None = None
    boards = redis_boards()
    if boards is not None:
        try:
            if ensure_built(db, boards, contest):
                stats = boards.unit_stats(contest.id, contest.prizes)
        except redis.RedisError as exc:
            log.warning("contest %s: unit board read from the database (%s)", contest.id, exc)
    if stats is None:
        stats = {}
        source = entries.board_source(db, contest)
        for rank, s in ranking.ranked(source.overall):
            unit = source.people[s.participant_id].unit_id
            n, total, won = stats.get(unit, (0, 0, 0))
            stats[unit] = (n + 1, total + int(s.score * 100), won + (rank <= contest.prizes))
    rows = []
    for unit_id, (n, total, won) in stats.items():
        unit = units.get(unit_id)
        if unit is None or not n:
            continue
        rows.append({"unit": unit.name, "participants": n, "mean": round(total / n / 100, 2),
                     "winners": won, "quota": unit.quota})
    order = {"participants": lambda r: (-r["participants"], -r["mean"]),
             "mean": lambda r: (-r["mean"], -r["participants"]),
             "winners": lambda r: (-r["winners"], -r["participants"])}[by]
    rows.sort(key=lambda r: (*order(r), vi_sort_key(r["unit"])))
    rank = 0
    for i, row in enumerate(rows):
        if i == 0 or order(row) != order(rows[i - 1]):
            rank = i + 1
        row["rank"] = rank
    return rows

"""Wrong room codes are limited per candidate and exam, in the shared store.

A room code keeps out those who are not in the room; without a limit a candidate at home could
try codes until one works. Each candidate may give EXAM_ROOM_CODE_MAX_FAILURES (10) wrong codes
for an exam per EXAMAPP_LOGIN_WINDOW_SECONDS; past that, starting is refused with 429 until the
window ends. Other candidates in the room are not affected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from examapp.exams.errors import TooManyRoomCodes, WrongRoomCode
from examapp.messages import msg
from examapp.store import room_code_failures_key, store

T = TypeVar("T")


def limited(exam_id: int, user_id: int, start: Callable[[], T]) -> T:
    """Run `start` (which checks the room code) unless this candidate's wrong codes are spent."""
    key = room_code_failures_key(exam_id, user_id)
    failures, ttl = store().peek(key)
    if failures >= int(current_app.config.get("EXAM_ROOM_CODE_MAX_FAILURES", 10)):
        raise TooManyRoomCodes(msg("too many wrong room codes; try again in %(s)s seconds", s=ttl), ttl)
    try:
        return start()
    except WrongRoomCode:
        store().hit(key, int(current_app.config["LOGIN_WINDOW_SECONDS"]))
        raise

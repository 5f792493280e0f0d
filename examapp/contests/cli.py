"""`examapp leaderboard rebuild CONTEST_ID`: rebuild a contest's Redis boards from the database.

Services are imported inside the commands, so listing them and --help need no database code.
"""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from examapp.console import EXIT_REJECTED, EXIT_USAGE, emit, fail


@click.group()
def leaderboard() -> None:
    """Contest boards in Redis."""


@leaderboard.command("rebuild")
@click.argument("contest_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def rebuild_command(contest_id: int, as_json: bool) -> None:
    """Rebuild every board of the contest (overall, rounds, units) from the database, in the same order."""
    import redis

    from examapp import db
    from examapp.contests import boards
    from examapp.contests.models import Contest

    session = db.session()
    contest = session.get(Contest, contest_id)
    if contest is None:
        fail(as_json, EXIT_REJECTED, f"there is no contest {contest_id}")
    redis_boards = boards.redis_boards()
    if redis_boards is None:
        fail(as_json, EXIT_USAGE, "EXAMAPP_REDIS_URL is not set: boards are read from the database")
    began = time.perf_counter()
    try:
        count = boards.rebuild(session, redis_boards, contest)
    except redis.RedisError as exc:
        fail(as_json, EXIT_REJECTED, f"Redis cannot be reached: {exc}")
    seconds = time.perf_counter() - began
    emit(as_json, {"contest": contest_id, "entries": count, "seconds": round(seconds, 3)},
         f"rebuilt the boards of contest {contest_id}: {count} entries in {seconds:.2f} s")


commands = [leaderboard]

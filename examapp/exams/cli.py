"""`examapp exams ...`: finalise attempts whose time ran out; print candidate tickets; draw papers ahead.

Services are imported inside the commands, so listing them and --help need no database code.
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from examapp.console import EXIT_REJECTED, EXIT_USAGE, emit, fail


@click.group()
def exams() -> None:
    """Exams: sweeping finished attempts, candidate tickets, papers drawn ahead."""


@exams.command("sweep")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def sweep_command(as_json: bool) -> None:
    """Finalise attempts whose deadline (plus grace) has passed; the server also does this by itself."""
    from examapp import db
    from examapp.db import utcnow
    from examapp.exams import finalising

    done = finalising.sweep(db.session(), utcnow(), float(current_app.config["GRACE_SECONDS"]))
    emit(as_json, {"finalised": len(done), "attempt_ids": done},
         f"finalised {len(done)} attempt(s) whose time ran out")


@exams.command("tickets")
@click.argument("exam_id", type=int)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True),
              help="Write username, name, ticket to this CSV file instead of standard output.")
@click.option("--username", "usernames", multiple=True, help="Only these candidates (repeatable).")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def tickets_command(exam_id: int, out: str | None, usernames: tuple[str, ...], as_json: bool) -> None:
    """Issue new one-time login tickets for the candidates of EXAM_ID (old tickets stop working)."""
    from examapp import db
    from examapp.exams import tickets
    from examapp.exams.errors import ExamError
    from examapp.exams.models import Exam
    from examapp.exams.ticket_login import app_ticket_key
    from examapp.exams.ticket_sheet import tickets_csv

    s = db.session()
    exam = s.get(Exam, exam_id)
    if exam is None:
        fail(as_json, EXIT_REJECTED, f"there is no exam {exam_id}")
    try:
        issued = tickets.issue_tickets(s, exam, None, list(usernames) or None, key=app_ticket_key())
    except ExamError as exc:
        fail(as_json, EXIT_REJECTED, str(exc))
    if out:
        # Written before the commit: if the file cannot be written, the old tickets stay valid.
        try:
            with open(out, "w", newline="", encoding="utf-8-sig") as fh:
                fh.write(tickets_csv(issued))
        except OSError as exc:
            s.rollback()
            fail(as_json, EXIT_USAGE, f"cannot write {out}: {exc.strerror or exc}")
        s.commit()
        emit(as_json, {"exam_id": exam_id, "count": len(issued), "out": out},
             f"wrote {len(issued)} ticket(s) to {out}")
        return
    s.commit()
    if as_json:
        emit(True, {"exam_id": exam_id, "tickets": [
            {"username": t.username, "name": t.full_name, "ticket": t.ticket} for t in issued]})
    else:
        sys.stdout.write(tickets_csv(issued))


@exams.command("papers")
@click.argument("exam_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def papers_command(exam_id: int, as_json: bool) -> None:
    """Draw ahead the first paper of every candidate of EXAM_ID who has not started and has none."""
    from examapp import db
    from examapp.exams import papers
    from examapp.exams.errors import ExamError
    from examapp.exams.models import Exam

    s = db.session()
    exam = s.get(Exam, exam_id)
    if exam is None:
        fail(as_json, EXIT_REJECTED, f"there is no exam {exam_id}")
    try:
        drawn_now = papers.prepare_papers(s, exam)
    except ExamError as exc:
        fail(as_json, EXIT_REJECTED, str(exc))
    s.commit()
    counts = papers.paper_counts(s, exam_id)
    emit(as_json, {"exam_id": exam_id, "drawn_now": drawn_now, **counts.as_dict()},
         f"drew {drawn_now} paper(s) ahead; {counts.drawn} candidate(s) have a paper waiting, "
         f"{counts.missing} without")


commands = [exams]

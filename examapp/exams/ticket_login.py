"""Logging in with a candidate ticket, for the API and the login page alike.

Wrong tickets are counted per address and per the ticket's first two symbols, so a correct ticket is
refused only after ten wrong ones that began like it came from the same address: a room behind one
NAT address is never locked out by its own typos. Guessing stays hopeless: a ticket has 50 bits, and
one address may try at most 1,024 prefixes x 10 wrong tickets per window (about a million a day),
which with 2,000 tickets live finds one with a chance of about 2 in a million a day.
"""

from __future__ import annotations

from flask import current_app

from examapp import db
from examapp.auth.login import client_address
from examapp.auth.models import User
from examapp.auth.sessions import start_session
from examapp.db import utcnow
from examapp.exams import errors, tickets
from examapp.exams.models import Exam
from examapp.store import store, ticket_failures_key

PREFIX_LENGTH = 2


def app_ticket_key() -> bytes:
    """This app's key of ticket digests, from its SECRET_KEY (tickets.ticket_key)."""
    return tickets.ticket_key(current_app.config["SECRET_KEY"])


def log_in_with_ticket(ticket: str) -> tuple[User, Exam]:
    """Consume the ticket and start its candidate's session; returns the candidate and the exam.

    Raises TooManyTickets while this address has used up its wrong tickets of this prefix,
    TicketRefused otherwise.
    """
    limit = int(current_app.config.get("TICKET_MAX_FAILURES_PER_PREFIX", 10))
    key = ticket_failures_key(client_address(), tickets.normalise_ticket(ticket)[:PREFIX_LENGTH])
    failures, ttl = store().peek(key)
    if failures >= limit:
        raise errors.TooManyTickets(ttl)
    s = db.session()
    try:
        user, exam = tickets.user_for_ticket(s, ticket, utcnow(), key=app_ticket_key())
    except errors.TicketRefused:
        store().hit(key, int(current_app.config["LOGIN_WINDOW_SECONDS"]))
        raise
    start_session(user, ticket_exam_id=exam.id)
    return user, exam

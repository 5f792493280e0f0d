"""Logging in with a candidate ticket, for the API and the login page alike.

Wrong tickets are counted per address; right ones are not, so a room of candidates behind one NAT
address is never locked out by its own logins.
"""

from __future__ import annotations

from flask import current_app
from flask_login import login_user

from examapp import db
from examapp.auth.login import client_address
from examapp.auth.models import User
from examapp.auth.ratelimit import TooManyAttempts
from examapp.db import utcnow
from examapp.exams import service
from examapp.exams.models import Exam
from examapp.store import store


def log_in_with_ticket(ticket: str) -> tuple[User, Exam]:
    """Consume the ticket, commit and start its candidate's session; returns the candidate and the exam.

    Raises TooManyAttempts while this address has used up its wrong tickets, TicketRefused otherwise.
    """
    limit = int(current_app.config.get("TICKET_MAX_FAILURES_PER_ADDRESS", 30))
    key = f"ticket:addr:{client_address()}"
    failures, ttl = store().peek(key)
    if failures >= limit:
        raise TooManyAttempts(ttl)
    s = db.session()
    try:
        user, exam = service.user_for_ticket(s, ticket, utcnow())
    except service.TicketRefused:
        s.rollback()
        store().hit(key, int(current_app.config["LOGIN_WINDOW_SECONDS"]))
        raise
    s.commit()
    login_user(user)
    return user, exam

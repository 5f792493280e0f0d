"""One-time login tickets for an exam's candidates: issuing, checking (consumed once) and listing them.

A ticket is stored as HMAC-SHA256 of its code under a key derived from the app's secret, not as an
argon2id hash like a password: 50 random bits behind the per-address limit (ticket_login) are out
of reach of guessing online, and without the key a database dump cannot test a single code offline.
The keyed hash costs microseconds where argon2id costs ~33 ms, which a room's login minute would feel.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from examapp.audit.service import record, record_refusal
from examapp.auth import policy
from examapp.auth.models import User
from examapp.db import in_batches
from examapp.exams.candidates import listed
from examapp.exams.errors import (
    ExamConflict,
    ExamForbidden,
    ExamInvalid,
    TicketRefused,
)
from examapp.exams.models import (
    Exam,
    ExamCandidate,
    ExamTicket,
)
from examapp.exams.windows import fmt_time, window_of
from examapp.messages import msg
from examapp.orgs.models import OrgUnit
from examapp.text import vi_sort_key

TICKET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols, no 0/O, 1/I: 5 bits each
TICKET_LENGTH = 10  # 50 bits
TICKET_KEY_PURPOSE = b"examapp exam tickets v1"


@dataclass(frozen=True)
class IssuedTicket:
    username: str
    full_name: str
    ticket: str  # shown once, e.g. "K7QX2-MPR9D"; only its keyed digest is kept


def ticket_key(secret: str | bytes) -> bytes:
    """The key of ticket digests: the app's SECRET_KEY narrowed to this one use. A new secret is a new
    key, so every ticket issued under the old one stops working."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, TICKET_KEY_PURPOSE, hashlib.sha256).digest()


def ticket_digest(key: bytes, ticket: str) -> str:
    """What is stored of a ticket: HMAC-SHA256 of its normalised code under the ticket key, in hex."""
    return hmac.new(key, normalise_ticket(ticket).encode(), hashlib.sha256).hexdigest()


def normalise_ticket(ticket: str) -> str:
    """The ticket as it is hashed: spaces and dashes dropped, upper case."""
    return re.sub(r"[\s-]", "", ticket or "").upper()


def issue_tickets(db: Session, exam: Exam, actor_id: int | None,
                  usernames: list[str] | None = None, *, key: bytes) -> list[IssuedTicket]:
    """New one-time tickets for the exam's candidates (all, or the given ones), replacing old ones.

    Only candidate accounts get tickets: a ticket logs in, so one for a staff account (assigned
    before such assignments were refused) would hand its rights to whoever holds it."""
    query = (select(User).join(ExamCandidate, ExamCandidate.user_id == User.id)
             .where(ExamCandidate.exam_id == exam.id))
    if usernames is None:
        assigned = list(db.scalars(query))
    else:
        assigned = [u for names in in_batches(sorted(set(usernames)))
                    for u in db.scalars(query.where(User.username.in_(names)))]
    staff = sorted(u.username for u in assigned if not policy.sits_exams(u))
    if staff and usernames is not None:
        record_refusal(db, actor_id, "exam.tickets.refused", f"exam:{exam.id}", staff=staff[:50])
        raise ExamForbidden(msg("tickets are only for candidate accounts; these are staff accounts: "
                                "%(names)s; no ticket was issued", names=listed(staff)))
    users = sorted((u for u in assigned if policy.sits_exams(u)),
                   key=lambda u: (vi_sort_key(u.full_name), u.username))
    if usernames is not None:
        missing = sorted(set(usernames) - {u.username for u in users})
        if missing:
            raise ExamInvalid(msg("not candidates of this exam: %(names)s", names=listed(missing)))
    if not users:
        raise ExamInvalid(msg("the exam has no candidates yet"))
    for ids in in_batches(u.id for u in users):
        db.execute(delete(ExamTicket).where(ExamTicket.exam_id == exam.id, ExamTicket.user_id.in_(ids)))
    issued, rows = [], []
    for user in users:
        code = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))
        rows.append({"exam_id": exam.id, "user_id": user.id, "ticket_hash": ticket_digest(key, code)})
        issued.append(IssuedTicket(user.username, user.full_name, f"{code[:5]}-{code[5:]}"))
    db.execute(insert(ExamTicket), rows)
    record(db, actor_id, "exam.tickets", f"exam:{exam.id}", count=len(issued))
    return issued


def user_for_ticket(db: Session, ticket: str, now: datetime, *, key: bytes) -> tuple[User, Exam]:
    """Consume a ticket and return its user and exam; raises TicketRefused when unknown, used, or
    outside the exam's window. Of two requests with one ticket at once, only one gets it."""
    code = normalise_ticket(ticket)
    refused = TicketRefused(msg("this ticket is not valid; check what you typed against the slip, or ask "
                                "the proctor"))
    if len(code) != TICKET_LENGTH or any(ch not in TICKET_ALPHABET for ch in code):
        raise refused
    digest = ticket_digest(key, code)
    # The index lookup's time may depend on how much of a stored digest this one shares, but no one
    # can aim a digest without the key, so that says nothing about any ticket. compare_digest then
    # confirms the row in constant time, whatever the database's comparison rules.
    row = db.execute(select(ExamTicket, Exam).join(Exam, Exam.id == ExamTicket.exam_id)
                     .where(ExamTicket.ticket_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.ExamTicket.ticket_hash, digest):
        raise refused
    if row.ExamTicket.used_at is not None:
        # Only the holder of the exact ticket learns this, so it tells a guesser nothing.
        raise TicketRefused(msg("this ticket has already been used, at %(time)s; ask the proctor for a new "
                                "one or log in with your password", time=fmt_time(row.ExamTicket.used_at)))
    exam = row.Exam
    user = db.get(User, row.ExamTicket.user_id)
    if user is None or not user.active:
        raise refused
    if not policy.sits_exams(user):
        record_refusal(db, None, "ticket.login.refused", f"exam:{exam.id}", username=user.username,
                       role=user.role)
        raise refused
    window = window_of(exam, db.scalar(select(ExamCandidate).where(ExamCandidate.exam_id == exam.id,
                                                                   ExamCandidate.user_id == user.id)))
    if window.state(now) != "open":
        if window.state(now) == "upcoming":
            raise TicketRefused(msg("this ticket is valid only while its exam is open; the exam opens at "
                                    "%(time)s", time=fmt_time(window.opens_at)))
        raise TicketRefused(msg("this ticket is valid only while its exam is open; the exam closed at "
                                "%(time)s", time=fmt_time(window.closes_at)))
    # Conditional on still being unused: of two requests racing with one ticket, the second waits for
    # the first's row lock and then updates nothing.
    used = db.execute(update(ExamTicket).where(ExamTicket.id == row.ExamTicket.id,
                                               ExamTicket.used_at.is_(None))
                      .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if not used:
        raise refused
    return user, exam


@dataclass(frozen=True)
class TicketLine:
    """One candidate on the tickets page: when their ticket was issued and used (None: not yet)."""

    username: str
    full_name: str
    unit: str | None
    issued_at: datetime | None
    used_at: datetime | None


def ticket_lines(db: Session, exam: Exam) -> list[TicketLine]:
    """Every candidate of the exam with the state of their ticket, in name order."""
    rows = db.execute(
        select(User.username, User.full_name, OrgUnit.code, ExamTicket.issued_at, ExamTicket.used_at)
        .join(ExamCandidate, ExamCandidate.user_id == User.id)
        .outerjoin(OrgUnit, OrgUnit.id == User.unit_id)
        .outerjoin(ExamTicket, (ExamTicket.exam_id == exam.id) & (ExamTicket.user_id == User.id))
        .where(ExamCandidate.exam_id == exam.id)).all()
    return sorted((TicketLine(*row) for row in rows), key=lambda t: (vi_sort_key(t.full_name), t.username))


def current_tickets(db: Session, exam: Exam, pairs: list[tuple[str, str]], *,
                    key: bytes) -> list[IssuedTicket]:
    """(username, ticket) pairs shown at issuing, checked against the stored digests, with names; raises
    ExamConflict naming the candidates whose ticket is not the current one (issued again since)."""
    if not pairs:
        raise ExamInvalid(msg("there are no tickets to download"))
    stored = {username: (full_name, ticket_hash) for username, full_name, ticket_hash in db.execute(
        select(User.username, User.full_name, ExamTicket.ticket_hash)
        .join(ExamTicket, ExamTicket.user_id == User.id).where(ExamTicket.exam_id == exam.id))}
    tickets, stale = [], []
    for username, ticket in pairs:
        code = normalise_ticket(ticket)
        full_name, ticket_hash = stored.get(username, ("", ""))
        if not hmac.compare_digest(ticket_hash, ticket_digest(key, code)):
            stale.append(username)
            continue
        tickets.append(IssuedTicket(username, full_name, f"{code[:5]}-{code[5:]}"))
    if stale:
        raise ExamConflict(msg("these tickets are no longer valid (new ones were issued since): %(names)s; "
                               "nothing was downloaded", names=listed(stale)))
    return tickets

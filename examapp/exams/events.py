"""`attempt_finalised`: sent once for every attempt that ends, after its grade is committed.

Seven paths end an attempt (a submit, an answer after the deadline, a lazy finalise on access, the
sweeper, a proctor's force-submit, closing the room, a start after the deadline) and they commit in
different places. They all go through `finalise_attempt`, which notes the attempt in its Session;
the Session's commit sends the signal for each noted attempt, and a rollback forgets them, so a
grade that was rolled back sends nothing. Receivers (contest boards, certificates) get the attempt
id and run after the commit, outside the transaction that graded it. An attempt a proctor reopened
(overrides.reopen_attempt) ends again later and is sent again, with its new grade.
"""

from __future__ import annotations

from blinker import Namespace
from sqlalchemy import event
from sqlalchemy.orm import Session

signals = Namespace()
attempt_finalised = signals.signal("attempt-finalised")
# Asked before a new attempt of an exam starts, with the exam as sender and `db`, `candidate`,
# `user_id`, `now` and `used` (the attempts started so far): a receiver that governs the exam's
# kind (contests: the round open now and its tries) answers windows.StartTerms, or refuses.
attempt_terms = signals.signal("attempt-terms")

_NOTED = "examapp.finalised_attempts"  # in Session.info: [(attempt id, the transaction it was graded in)]


def note_finalised(db: Session, attempt_id: int) -> None:
    """Send `attempt_finalised` for this attempt once the session commits (called by finalise_attempt)."""
    graded_in = db.get_nested_transaction() or db.get_transaction()
    db.info.setdefault(_NOTED, []).append((attempt_id, graded_in))


def _within(transaction, outer) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: nothing is committed yet
    for attempt_id, _ in session.info.pop(_NOTED, ()):
        attempt_finalised.send(attempt_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, rolled_back) -> None:
    """A rollback (of the whole transaction, or of a savepoint) undoes the grades made inside it."""
    noted = session.info.get(_NOTED)
    if noted:
        noted[:] = [(attempt_id, t) for attempt_id, t in noted if not _within(t, rolled_back)]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # closed without a commit: nothing is sent
        session.info.pop(_NOTED, None)

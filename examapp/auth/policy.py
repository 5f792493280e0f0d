"""Who may do what: one named check per question, used alike by routes (`access.allow`), services
and the menu. Roles are compared here and nowhere else.

A check takes the acting user (an `Actor` or a `User`: anything with `id`, `role` and `unit_id`)
and, for checks on one thing, that thing; it answers True or False and never raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from examapp.banks.models import QuestionBank
    from examapp.exams.models import Attempt, Exam

ADMIN, TRAINER, PROCTOR, LEADER, CANDIDATE = "admin", "trainer", "proctor", "leader", "candidate"
# A contest's registration: an account without a password, for that contest's tries only.
PARTICIPANT = "participant"


class Someone(Protocol):
    id: int
    role: str
    unit_id: int | None


# ---- what a role may open (routes and the menu) -----------------------------------------------


def can_administer(user: Someone) -> bool:
    return user.role == ADMIN


def can_see_units(user: Someone) -> bool:
    return user.role in (ADMIN, LEADER, TRAINER, PROCTOR)


def can_manage_units(user: Someone) -> bool:
    return user.role in (ADMIN, LEADER)


def can_see_accounts(user: Someone) -> bool:
    return user.role in (ADMIN, LEADER)


def can_manage_accounts(user: Someone) -> bool:
    return user.role == ADMIN


def can_manage_banks(user: Someone) -> bool:
    """May own and edit question banks (their own; an administrator every one)."""
    return user.role in (ADMIN, TRAINER)


def can_define_exams(user: Someone) -> bool:
    return user.role in (ADMIN, TRAINER)


def can_see_exams(user: Someone) -> bool:
    """Staff who work with exams: define them, assign candidates, run rooms."""
    return user.role in (ADMIN, TRAINER, PROCTOR)


def can_run_rooms(user: Someone) -> bool:
    return user.role in (ADMIN, PROCTOR)


def takes_contests(user: Someone) -> bool:
    return user.role == PARTICIPANT


def sits_exams(user: Someone) -> bool:
    """A candidate account: the only kind that may be assigned to an exam or hold a ticket."""
    return user.role == CANDIDATE


# ---- what a user may do with one thing (services) ------------------------------------------


def can_manage_bank(user: Someone, bank: QuestionBank) -> bool:
    return user.role == ADMIN or (user.role == TRAINER and bank.owner_id == user.id)


def can_manage_exam(user: Someone, exam: Exam) -> bool:
    """Edit the exam and its candidates: an administrator, or the trainer who owns its bank."""
    return user.role == ADMIN or (user.role == TRAINER and exam.bank.owner_id == user.id)


def can_run_room(user: Someone, exam: Exam) -> bool:
    """Proctor the exam's room: tickets, extra time, force-submit, closing."""
    return can_run_rooms(user)


def can_see_exam(user: Someone, exam: Exam) -> bool:
    return can_run_room(user, exam) or can_manage_exam(user, exam)


def can_read_attempt(user: Someone, attempt: Attempt) -> bool:
    """One's own attempt; administrators and proctors read anyone's."""
    return attempt.user_id == user.id or user.role in (ADMIN, PROCTOR)


# ---- the units a user's view covers ------------------------------------------------------


def units_in_scope(db: Session, user: Someone) -> set[int] | None:
    """The units whose people `user` sees: None for all of them (an administrator, or a leader of no
    particular unit: the committee's own), a leader's unit and everything below it, else none."""
    from examapp.orgs.models import OrgUnit
    from examapp.orgs.service import unit_and_descendant_ids

    if user.role == ADMIN or (user.role == LEADER and user.unit_id is None):
        return None
    if user.role != LEADER:
        return set()
    unit = db.get(OrgUnit, user.unit_id)
    return set(unit_and_descendant_ids(db, unit)) if unit is not None else set()


def can_see_member(db: Session, user: Someone, member_unit_id: int | None) -> bool:
    """Whether `user` may see a person of the unit `member_unit_id` (their record, their account)."""
    scope = units_in_scope(db, user)
    return scope is None or member_unit_id in scope

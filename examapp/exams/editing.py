"""Changing and deleting an exam: anything before the first attempt; afterwards only what drawn papers
do not depend on, and never reopening an exam whose answers were shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from examapp.audit.service import record
from examapp.auth.identity import Actor
from examapp.banks.models import QuestionBank
from examapp.exams import papers
from examapp.exams.attempts import (
    answers_shown_from,
)
from examapp.exams.definitions import (
    ExamSpec,
    RuleSpec,
    check_bank,
    check_rules,
    check_settings,
    iso,
    may_define_exam_on,
    plain_number,
    rule_rows,
)
from examapp.exams.errors import (
    ExamConflict,
    ExamForbidden,
    ExamInvalid,
    ExamStarted,
)
from examapp.exams.grading import passes
from examapp.exams.models import (
    IN_PROGRESS,
    SUBMITTED,
    Attempt,
    Exam,
    ExamCandidate,
    ExamTicket,
)
from examapp.exams.windows import deadline_for
from examapp.messages import msg, msg_join
from importers.normalise import clean_text

# What drawn papers and their scoring depend on: fixed once a candidate has started the exam.
PAPER_FIELDS = ("bank_id", "rules", "shuffle_questions", "shuffle_options", "partial_credit",
                "fresh_questions")
# How a refusal names them: the API's field names, which the pages translate into words.
FIELD_WORDS = {"bank_id": msg("bank_id"), "rules": msg("rules"),
               "shuffle_questions": msg("shuffle_questions"), "shuffle_options": msg("shuffle_options"),
               "partial_credit": msg("partial_credit"), "fresh_questions": msg("fresh_questions")}
EDITABLE_FIELDS = tuple(f.name for f in fields(ExamSpec) if f.name != "kind")


@dataclass(frozen=True)
class ExamUpdate:
    """What an edit did: the fields that changed (in ExamSpec order), the attempts in progress whose
    deadline moved, and the submitted attempts whose pass/fail changed with a new pass mark."""

    exam: Exam
    changed: list[str]
    deadlines_moved: int = 0
    results_changed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"changed": self.changed, "deadlines_moved": self.deadlines_moved,
                "results_changed": self.results_changed}


def spec_of(exam: Exam) -> ExamSpec:
    """The exam's definition as the spec an edit starts from (a rule's points only where it gave them)."""
    return ExamSpec(
        title=exam.title, bank_id=exam.bank_id,
        rules=[RuleSpec(r.count, r.topic.name if r.topic else None, r.difficulty,
                        r.points if r.points_from_rule else None) for r in exam.rules],
        duration_minutes=exam.duration_minutes, pass_percent=exam.pass_percent,
        max_attempts=exam.max_attempts, opens_at=exam.opens_at, closes_at=exam.closes_at,
        shuffle_questions=exam.shuffle_questions, shuffle_options=exam.shuffle_options,
        room_code=exam.room_code, certificate=exam.certificate, review_policy=exam.review_policy,
        partial_credit=exam.partial_credit, grading=exam.grading, fresh_questions=exam.fresh_questions,
        kind=exam.kind)


def attempt_count(db: Session, exam: Exam) -> int:
    """How many attempts (in progress or submitted) the exam has: none means nothing is fixed yet."""
    return db.scalar(select(func.count()).select_from(Attempt).where(Attempt.exam_id == exam.id))


def _lock_and_count_attempts(db: Session, exam: Exam) -> int:
    """Lock the exam's row, then count its attempts. A new attempt's foreign key check share-locks
    that row, so on PostgreSQL no attempt can appear until the edit or deletion commits."""
    db.execute(select(Exam.id).where(Exam.id == exam.id).with_for_update())
    return attempt_count(db, exam)


def _plain(value: Any) -> Any:
    """A spec value as the audit log's JSON keeps it."""
    if isinstance(value, list):
        return [{k: _plain(v) for k, v in asdict(rule).items()} for rule in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Decimal):
        return plain_number(value)
    return value


def update_exam(db: Session, exam: Exam, spec_changes: Mapping[str, Any], actor: Actor,
                now: datetime) -> ExamUpdate:
    """Change fields of an exam's definition (ExamSpec names; a value equal to the current one is no change).

    Until a candidate starts, anything may change, checked as create_exam checks it (ExamInvalid
    listing every problem). Once attempts exist, PAPER_FIELDS are refused (ExamStarted, 409) and,
    while attempts are in progress, the close may not move to now or earlier (closing the room ends
    an exam now). Attempts in progress get deadline = min(start + duration + extra time, close)
    again, where a shortened duration counts as the old one for them (nobody loses time already
    given) and attempts whose time is up are not revived. A new pass mark re-derives the pass/fail
    of submitted attempts. Only an admin or the trainer owning the bank may edit (ExamForbidden).
    """
    if not may_define_exam_on(db, actor, exam.bank_id):
        raise ExamForbidden(msg("you may not manage this exam"))
    unknown = sorted(set(spec_changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ExamInvalid(msg("these fields cannot be changed: %(fields)s", fields=", ".join(unknown)))
    attempts = _lock_and_count_attempts(db, exam)
    before = spec_of(exam)
    wanted = dict(spec_changes)
    if isinstance(wanted.get("title"), str):
        wanted["title"] = clean_text(wanted["title"])
    changes = {name: wanted[name] for name in EDITABLE_FIELDS
               if name in wanted and wanted[name] != getattr(before, name)}
    if not changes:
        return ExamUpdate(exam, [])
    locked = [name for name in PAPER_FIELDS if name in changes]
    if attempts and locked:
        raise ExamStarted(msg(
            "candidates have already started this exam (attempts: %(attempts)s), so %(fields)s can no "
            "longer change: the papers already drawn would not match; define a new exam instead",
            attempts=attempts, fields=msg_join([FIELD_WORDS[name] for name in locked], ", ")), locked)
    spec = replace(before, **changes)
    _refuse_retake_with_the_key(db, exam, before, spec, now)
    redraw = "bank_id" in changes or "rules" in changes
    if "bank_id" in changes:
        check_bank(db, spec.bank_id, actor)
    problems = check_settings(spec)
    topics: dict[str, int] = {}
    points: list[Decimal] = []
    if redraw:
        rule_problems, topics, points = check_rules(db, spec)
        problems += rule_problems
    if problems:
        raise ExamInvalid(problems)
    running = []
    if attempts and ("duration_minutes" in changes or "closes_at" in changes):
        running = list(db.scalars(select(Attempt).where(
            Attempt.exam_id == exam.id, Attempt.status == IN_PROGRESS, Attempt.deadline > now)))
    if running and "closes_at" in changes and spec.closes_at is not None and spec.closes_at <= now:
        raise ExamConflict(msg(
            "%(running)s attempts are in progress, so the exam cannot close at a time already past; to "
            "end it now, close the room", running=len(running)))

    for name, value in changes.items():
        if name != "rules":
            setattr(exam, name, value)
    if "bank_id" in changes:
        exam.bank = db.get(QuestionBank, spec.bank_id)
    if redraw:
        exam.rules.clear()
        db.flush()  # the old rows go before the new ones take their positions
        exam.rules.extend(rule_rows(spec, topics, points))
    redrawn = {}
    if locked:  # no candidate has started (or this was refused above): the papers drawn ahead go
        db.flush()
        papers.discard_papers(db, exam.id)
        redrawn = {"papers_redrawn": papers.prepare_papers(db, exam)}
    moved = _move_running_deadlines(db, exam, running, before.duration_minutes)
    results_changed = 0
    if attempts and "pass_percent" in changes:
        for attempt in db.scalars(select(Attempt).where(Attempt.exam_id == exam.id,
                                                        Attempt.status == SUBMITTED)):
            passed = passes(attempt.score, attempt.max_score, exam.pass_percent)
            if passed != attempt.passed:
                attempt.passed = passed
                results_changed += 1
    db.flush()
    record(db, actor.id, "exam.update", f"exam:{exam.id}",
           changes={name: [_plain(getattr(before, name)), _plain(getattr(spec, name))] for name in changes},
           deadlines_moved=moved, results_changed=results_changed, **redrawn)
    return ExamUpdate(exam, list(changes), moved, results_changed)


def answers_were_shown(db: Session, exam: Exam, now: datetime) -> bool:
    """Whether candidates may have read the key: the exam shows answers after its close, it has
    closed (for every candidate, see answers_shown_from), and someone has submitted."""
    if exam.review_policy != "answers_after_close":
        return False
    shown_from = answers_shown_from(db, exam)
    if shown_from is None or shown_from > now:
        return False
    return db.scalar(select(Attempt.id).where(Attempt.exam_id == exam.id, Attempt.status == SUBMITTED)
                     .limit(1)) is not None


def _refuse_retake_with_the_key(db: Session, exam: Exam, before: ExamSpec, after: ExamSpec,
                                now: datetime) -> None:
    reopens = before.closes_at != after.closes_at and (after.closes_at is None or after.closes_at > now)
    refuse_retake_with_the_key(db, exam, now, reopens=reopens,
                               more_attempts=after.max_attempts > before.max_attempts)


def refuse_retake_with_the_key(db: Session, exam: Exam, now: datetime, *, reopens: bool,
                               more_attempts: bool) -> None:
    """Refuses (ExamConflict) a change that opens the exam again, or gives attempts, once its
    candidates have been shown the answers (answers_were_shown)."""
    if (reopens or more_attempts) and answers_were_shown(db, exam, now):
        raise ExamConflict(msg(
            "this exam has closed and its candidates have been shown the answers, so it cannot open "
            "again or give more attempts: they would sit it with the key; define a new exam instead"))


def _move_running_deadlines(db: Session, exam: Exam, running: list[Attempt], old_duration: float) -> int:
    """New deadlines for attempts in progress, the way extra time and the close set them; how many moved."""
    if not running:
        return 0
    candidates = {c.user_id: c for c in db.scalars(select(ExamCandidate)
                                                   .where(ExamCandidate.exam_id == exam.id))}
    # A shorter duration applies from the next start: the papers being answered keep the old one.
    kept = max(old_duration - exam.duration_minutes, 0.0)
    moved = 0
    for attempt in running:
        candidate = candidates.get(attempt.user_id)
        extra = (candidate.extra_minutes if candidate else 0.0) or 0.0
        deadline = deadline_for(exam, attempt.started_at, candidate, extra + kept)
        if deadline != attempt.deadline:
            attempt.deadline = deadline
            moved += 1
    return moved


def delete_exam(db: Session, exam: Exam, actor: Actor) -> None:
    """Delete an exam nobody has started, with its candidates and tickets. Once attempts exist it is
    refused (ExamConflict): their results must stay, and closing the exam ends it instead."""
    if not may_define_exam_on(db, actor, exam.bank_id):
        raise ExamForbidden(msg("you may not manage this exam"))
    attempts = _lock_and_count_attempts(db, exam)
    if attempts:
        raise ExamConflict(msg(
            "candidates have already started this exam (attempts: %(attempts)s), so it cannot be "
            "deleted: their results must stay; close the exam instead", attempts=attempts))
    exam_id, title, bank_id = exam.id, exam.title, exam.bank_id
    tickets = db.execute(delete(ExamTicket).where(ExamTicket.exam_id == exam_id)).rowcount
    candidates = db.execute(delete(ExamCandidate).where(ExamCandidate.exam_id == exam_id)).rowcount
    db.delete(exam)
    db.flush()
    record(db, actor.id, "exam.delete", f"exam:{exam_id}", title=title, bank_id=bank_id,
           candidates=candidates, tickets=tickets)

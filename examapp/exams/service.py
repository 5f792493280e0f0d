"""Exams: defining them, assigning candidates, tickets, taking a paper, grading and the exam room.

Plain functions over a SQLAlchemy Session; no Flask. Every function that depends on the time takes
`now` (an aware UTC datetime) so tests control the clock. Callers commit, except where a docstring
says otherwise. Refusals raise an `ExamError` subclass whose `status` is the HTTP status the API uses
and whose message is meant for the user. Taking an exam lives in attempts.py and is re-exported here.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, select, update
from sqlalchemy.orm import Session

from examapp.audit.service import record, record_refusal
from examapp.auth.identity import Actor
from examapp.auth.models import User
from examapp.banks.models import DIFFICULTIES, Question, QuestionBank, Topic
from examapp.db import in_batches
from examapp.exams.attempts import (
    AttemptPaper,
    PaperOption,
    PaperQuestion,
    SavedAnswer,
    SaveReceipt,
    answers_shown_from,
    attempt_for_user,
    attempt_paper,
    attempt_result,
    ended_early,
    finalise_attempt,
    refuse_late_answer,
    save_answer,
    start_attempt,
    start_paper,
    submit_attempt,
    sweep,
    write_answer,
)
from examapp.exams.errors import (
    AnswerInvalid,
    DeadlinePassed,
    ExamConflict,
    ExamError,
    ExamForbidden,
    ExamInvalid,
    ExamNotFound,
    ExamStarted,
    TicketRefused,
    rule_problem,
)
from examapp.exams.grading import passes
from examapp.exams.models import (
    EXAM_KINDS,
    GRADING_METHODS,
    IN_PROGRESS,
    REVIEW_POLICIES,
    SUBMITTED,
    Answer,
    Attempt,
    Exam,
    ExamCandidate,
    ExamRule,
    ExamTicket,
)
from examapp.exams.results import ExamResult, result_of
from examapp.exams.windows import Window, attempts_allowed, deadline_for, fmt_time, window_of
from examapp.messages import Message, msg, msg_join
from examapp.orgs.models import OrgUnit
from examapp.orgs.service import unit_and_descendant_ids, unit_by_code
from examapp.text import vi_sort_key
from importers import ImportFileError
from importers.headers import HEADER_SEARCH_ROWS
from importers.normalise import clean_text
from importers.roster import CANDIDATES, MissingColumns, NotASpreadsheet, read_roster

__all__ = [
    "AnswerInvalid", "AssignResult", "AttemptPaper", "CandidateExam", "CandidateRow", "DeadlinePassed",
    "ExamConflict", "ExamError", "ExamForbidden", "ExamInvalid", "ExamNotFound", "ExamSpec", "ExamStarted",
    "ExamUpdate", "IssuedTicket", "PaperOption", "PaperQuestion", "RoomCandidate", "RuleSpec", "SaveReceipt",
    "SavedAnswer", "TicketLine", "TicketRefused", "assign_candidates", "assign_unit", "attempt_count",
    "attempt_for_user", "attempt_paper", "attempt_result", "candidate_exam", "close_room", "create_exam",
    "current_tickets", "delete_exam", "exam_dict", "exam_for_staff", "exams_for_candidate", "exams_for_staff",
    "extend_time", "finalise_attempt", "force_submit", "issue_tickets", "may_define_exam_on",
    "read_candidate_file", "refuse_late_answer", "room_status", "save_answer", "spec_of", "start_attempt",
    "start_paper", "submit_attempt", "sweep", "ticket_lines", "update_exam", "user_for_ticket",
    "write_answer",
]

MAX_RULES = 50
MAX_QUESTIONS = 500
MAX_DURATION_MINUTES = 24 * 60
MAX_EXTRA_MINUTES = 24 * 60
ROOM_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
TICKET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols, no 0/O, 1/I: 5 bits each
TICKET_LENGTH = 10  # 50 bits
CANDIDATE_ROLE = "candidate"  # the only role that sits exams and holds tickets


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds")


def _num(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------- definitions


@dataclass(frozen=True)
class RuleSpec:
    """One blueprint rule as given: topic name (None: any), difficulty (None: any), count, points."""

    count: int
    topic: str | None = None
    difficulty: str | None = None
    points: Decimal | None = None


@dataclass(frozen=True)
class ExamSpec:
    """An exam definition as given by the API, the page form or the demo."""

    title: str
    bank_id: int
    rules: list[RuleSpec]
    duration_minutes: float
    pass_percent: Decimal
    max_attempts: int = 1
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    shuffle_questions: bool = True
    shuffle_options: bool = True
    room_code: str | None = None
    certificate: bool = False
    review_policy: str = "score"
    partial_credit: bool = False
    grading: str = "highest"
    fresh_questions: bool = False
    kind: str = "exam"


def may_define_exam_on(db: Session, user: Actor, bank_id: int) -> bool:
    """Admins define exams on any bank, trainers only on banks they own."""
    if user.role == "admin":
        return True
    if user.role != "trainer":
        return False
    return db.scalar(select(QuestionBank.owner_id).where(QuestionBank.id == bank_id)) == user.id


DIFFICULTY_WORDS = {"easy": msg("easy"), "medium": msg("medium"), "hard": msg("hard")}


def _describe(rule: RuleSpec) -> Message:
    topic = msg("topic '%(topic)s'", topic=rule.topic) if rule.topic else msg("any topic")
    difficulty = DIFFICULTY_WORDS.get(rule.difficulty) or msg("any difficulty")
    return msg("%(topic)s, %(difficulty)s", topic=topic, difficulty=difficulty)


def _overlap(a: RuleSpec, b: RuleSpec) -> bool:
    return (a.topic is None or b.topic is None or a.topic == b.topic) and (
        a.difficulty is None or b.difficulty is None or a.difficulty == b.difficulty)


def _check_settings(spec: ExamSpec) -> list[Message]:
    problems = []
    if not spec.title.strip():
        problems.append(msg("title is required"))
    elif len(spec.title) > 200:
        problems.append(msg("title must be at most 200 characters"))
    if spec.kind not in EXAM_KINDS:
        problems.append(msg("kind must be one of %(kinds)s", kinds=", ".join(EXAM_KINDS)))
    if not (math.isfinite(spec.duration_minutes) and 0 < spec.duration_minutes <= MAX_DURATION_MINUTES):
        problems.append(msg("duration_minutes must be more than 0 and at most %(max)s",
                            max=MAX_DURATION_MINUTES))
    if not (0 <= spec.pass_percent <= 100):
        problems.append(msg("pass_percent must be between 0 and 100"))
    if not (1 <= spec.max_attempts <= 100):
        problems.append(msg("max_attempts must be between 1 and 100"))
    if spec.opens_at is not None and spec.opens_at.tzinfo is None:
        problems.append(msg("opens_at needs a time zone (e.g. 2026-12-01T08:00:00+07:00)"))
    if spec.closes_at is not None and spec.closes_at.tzinfo is None:
        problems.append(msg("closes_at needs a time zone (e.g. 2026-12-01T08:00:00+07:00)"))
    if (spec.opens_at and spec.closes_at and spec.opens_at.tzinfo and spec.closes_at.tzinfo
            and spec.closes_at <= spec.opens_at):
        problems.append(msg("closes_at must be after opens_at"))
    if spec.review_policy not in REVIEW_POLICIES:
        problems.append(msg("review_policy must be one of %(policies)s", policies=", ".join(REVIEW_POLICIES)))
    if spec.grading not in GRADING_METHODS:
        problems.append(msg("grading must be one of %(methods)s", methods=", ".join(GRADING_METHODS)))
    if spec.room_code is not None and not ROOM_CODE_RE.match(spec.room_code):
        problems.append(msg("room_code must be 1-40 letters, digits, '-' or '_'"))
    return problems


def _check_rules(db: Session, spec: ExamSpec) -> tuple[list[Message], dict[str, int], list[Decimal]]:
    """Problems with the blueprint, the bank's topic ids by name, and each rule's points per question."""
    problems: list[Message] = []
    topics = dict(db.execute(select(Topic.name, Topic.id).where(Topic.bank_id == spec.bank_id)).all())
    if not spec.rules:
        problems.append(msg("give at least one rule"))
    if len(spec.rules) > MAX_RULES:
        problems.append(msg("at most %(max)s rules", max=MAX_RULES))
    total = sum(max(r.count, 0) for r in spec.rules)
    if total > MAX_QUESTIONS:
        problems.append(msg("the rules ask for %(total)s questions; at most %(max)s", total=total,
                            max=MAX_QUESTIONS))
    # active questions by (topic id, difficulty, points)
    counts = db.execute(
        select(Question.topic_id, Question.difficulty, Question.points, func.count())
        .where(Question.bank_id == spec.bank_id, Question.status == "active")
        .group_by(Question.topic_id, Question.difficulty, Question.points)).all()
    points_per_rule: list[Decimal] = []
    for n, rule in enumerate(spec.rules, start=1):
        points_per_rule.append(rule.points or Decimal(0))
        if rule.count < 1:
            problems.append(rule_problem(n, msg("rule %(n)s: count must be at least 1", n=n)))
            continue
        if rule.points is not None and not (0 < rule.points <= 1000):
            problems.append(rule_problem(n, msg("rule %(n)s: points must be more than 0 and at most 1000",
                                                n=n)))
        elif rule.points is not None and rule.points != round(rule.points, 2):
            # Papers store points in hundredths: 0.001 would become a 0-point exam that everyone passes.
            problems.append(rule_problem(n, msg("rule %(n)s: points may have at most two decimals", n=n)))
        if rule.difficulty is not None and rule.difficulty not in DIFFICULTIES:
            problems.append(rule_problem(n, msg("rule %(n)s: difficulty must be one of %(difficulties)s",
                                                n=n, difficulties=", ".join(DIFFICULTIES))))
            continue
        if rule.topic is not None and rule.topic not in topics:
            problems.append(rule_problem(n, msg("rule %(n)s: the bank has no topic '%(topic)s'",
                                                n=n, topic=rule.topic)))
            continue
        for m, earlier in enumerate(spec.rules[: n - 1], start=1):
            if _overlap(rule, earlier):
                problems.append(rule_problem(n, msg(
                    "rule %(n)s (%(rule)s) overlaps rule %(m)s (%(earlier)s): a question could match "
                    "both; give them different topics or difficulties",
                    n=n, rule=_describe(rule), m=m, earlier=_describe(earlier))))
        topic_id = topics.get(rule.topic) if rule.topic else None
        matching = [(pts, k) for t, d, pts, k in counts
                    if topic_id in (None, t) and rule.difficulty in (None, d)]
        available = sum(k for _, k in matching)
        if rule.count > available:
            problems.append(rule_problem(n, msg(
                "rule %(n)s (%(rule)s) asks for %(count)s questions; the bank has %(available)s active",
                n=n, rule=_describe(rule), count=rule.count, available=available)))
        elif rule.points is None:
            values = sorted({pts for pts, _ in matching})
            if len(values) > 1:
                listed = ", ".join(f"{v.normalize():f}" for v in values)
                problems.append(rule_problem(n, msg(
                    "rule %(n)s (%(rule)s) draws questions worth different points (%(listed)s); give "
                    "the rule 'points' so every paper is worth the same",
                    n=n, rule=_describe(rule), listed=listed)))
            else:
                points_per_rule[-1] = values[0]
    return problems, topics, points_per_rule


def create_exam(db: Session, spec: ExamSpec, actor: Actor) -> Exam:
    """Validate and add an exam; raises ExamInvalid listing every problem (e.g. a rule asking for
    more questions than the bank has active), ExamForbidden for a trainer on another's bank."""
    spec = replace(spec, title=clean_text(spec.title))
    _check_bank(db, spec.bank_id, actor)
    problems = _check_settings(spec)
    rule_problems, topics, points = _check_rules(db, spec)
    problems += rule_problems
    if problems:
        raise ExamInvalid(problems)
    exam = Exam(
        kind=spec.kind, title=spec.title, bank_id=spec.bank_id, created_by_id=actor.id,
        duration_minutes=spec.duration_minutes, pass_percent=spec.pass_percent,
        max_attempts=spec.max_attempts, opens_at=spec.opens_at, closes_at=spec.closes_at,
        room_code=spec.room_code, shuffle_questions=spec.shuffle_questions,
        shuffle_options=spec.shuffle_options, review_policy=spec.review_policy,
        certificate=spec.certificate, partial_credit=spec.partial_credit, grading=spec.grading,
        fresh_questions=spec.fresh_questions, rules=_rule_rows(spec, topics, points),
    )
    db.add(exam)
    db.flush()
    record(db, actor.id, "exam.create", f"exam:{exam.id}", title=exam.title, bank_id=exam.bank_id)
    return exam


def _check_bank(db: Session, bank_id: int, actor: Actor) -> None:
    if db.get(QuestionBank, bank_id) is None:
        raise ExamInvalid(msg("there is no question bank %(bank)s", bank=bank_id))
    if not may_define_exam_on(db, actor, bank_id):
        raise ExamForbidden(msg("trainers define exams only on their own banks"))


def _rule_rows(spec: ExamSpec, topics: dict[str, int], points: list[Decimal]) -> list[ExamRule]:
    """The blueprint rows of a checked spec (`topics` and `points` as _check_rules found them)."""
    return [ExamRule(position=n, topic_id=topics.get(r.topic) if r.topic else None,
                     difficulty=r.difficulty, count=r.count, points=points[n - 1],
                     points_from_rule=r.points is not None)
            for n, r in enumerate(spec.rules, start=1)]


def exam_for_staff(db: Session, exam_id: int, user: Actor, *, room: bool = False) -> Exam:
    """The exam if `user` may manage it (room=True: admin/proctor run rooms; otherwise admin,
    proctor, or the trainer owning the bank); raises ExamNotFound / ExamForbidden."""
    exam = db.get(Exam, exam_id)
    if exam is None:
        raise ExamNotFound(msg("there is no exam %(exam)s", exam=exam_id))
    if user.role in ("admin", "proctor"):
        return exam
    if not room and user.role == "trainer" and exam.bank.owner_id == user.id:
        return exam
    raise ExamForbidden(msg("you may not manage this exam"))


def exam_dict(exam: Exam) -> dict[str, Any]:
    """The definition as the API shows it to staff (rules with topic names and points)."""
    rules = [{"position": r.position, "topic": r.topic.name if r.topic else None,
              "difficulty": r.difficulty, "count": r.count, "points": _num(r.points)}
             for r in exam.rules]
    return {
        "id": exam.id, "kind": exam.kind, "title": exam.title, "bank_id": exam.bank_id,
        "rules": rules, "question_count": sum(r.count for r in exam.rules),
        "max_score": _num(sum((r.points * r.count for r in exam.rules), Decimal(0))),
        "duration_minutes": exam.duration_minutes, "pass_percent": _num(exam.pass_percent),
        "max_attempts": exam.max_attempts, "opens_at": _iso(exam.opens_at),
        "closes_at": _iso(exam.closes_at), "room_code": exam.room_code,
        "shuffle_questions": exam.shuffle_questions, "shuffle_options": exam.shuffle_options,
        "review_policy": exam.review_policy, "certificate": exam.certificate,
        "partial_credit": exam.partial_credit, "grading": exam.grading,
        "fresh_questions": exam.fresh_questions, "created_at": _iso(exam.created_at),
    }


def exams_for_staff(db: Session, user: Actor) -> list[Exam]:
    """Exams `user` may manage: all for admin/proctor, own banks' for a trainer."""
    query = select(Exam).order_by(Exam.id.desc())
    if user.role == "trainer":
        query = query.join(QuestionBank, QuestionBank.id == Exam.bank_id).where(
            QuestionBank.owner_id == user.id)
    elif user.role not in ("admin", "proctor"):
        return []
    return list(db.scalars(query))


# ---------------------------------------------------------------- editing and deleting

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
        return _iso(value)
    if isinstance(value, Decimal):
        return _num(value)
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
        _check_bank(db, spec.bank_id, actor)
    problems = _check_settings(spec)
    topics: dict[str, int] = {}
    points: list[Decimal] = []
    if redraw:
        rule_problems, topics, points = _check_rules(db, spec)
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
        exam.rules.extend(_rule_rows(spec, topics, points))
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
           deadlines_moved=moved, results_changed=results_changed)
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


@dataclass
class CandidateExam:
    """An exam as one candidate sees it in their list: their own window, attempts and result (a
    proctor's override counted in)."""

    exam: Exam
    window: Window
    state: str  # "upcoming" | "open" | "closed"
    attempts_allowed: int
    attempts_used: int
    attempts_left: int
    attempt_in_progress: int | None  # attempt id to resume
    last_attempt: int | None  # the latest submitted attempt id
    needs_room_code: bool
    extra_minutes: float
    result: ExamResult | None  # by the exam's grading method; None when the review policy hides it

    def as_dict(self) -> dict[str, Any]:
        e = self.exam
        return {"id": e.id, "kind": e.kind, "title": e.title, "state": self.state,
                "duration_minutes": e.duration_minutes, "extra_minutes": self.extra_minutes,
                "opens_at": _iso(self.window.opens_at), "closes_at": _iso(self.window.closes_at),
                "question_count": sum(r.count for r in e.rules),
                "max_attempts": self.attempts_allowed, "attempts_used": self.attempts_used,
                "attempts_left": self.attempts_left, "attempt_in_progress": self.attempt_in_progress,
                "last_attempt": self.last_attempt, "needs_room_code": self.needs_room_code,
                "review_policy": e.review_policy, "grading": e.grading,
                "result": self.result.as_dict() if self.result else None}


def _candidate_exams(db: Session, user: Actor, now: datetime, exam_id: int | None) -> list[CandidateExam]:
    query = (select(Exam, ExamCandidate)
             .join(ExamCandidate, ExamCandidate.exam_id == Exam.id)
             .where(ExamCandidate.user_id == user.id))
    if exam_id is not None:
        query = query.where(Exam.id == exam_id)
    rows = db.execute(query).all()
    attempts: dict[int, list[Attempt]] = {}
    for a in db.scalars(select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.number)):
        attempts.setdefault(a.exam_id, []).append(a)
    result = []
    for exam, candidate in rows:
        mine = attempts.get(exam.id, [])
        running = next((a.id for a in mine if a.status == IN_PROGRESS), None)
        done = [a.id for a in mine if a.status == SUBMITTED]
        window = window_of(exam, candidate)
        allowed = attempts_allowed(exam, candidate)
        result.append(CandidateExam(
            exam, window, window.state(now), allowed, len(mine), max(allowed - len(mine), 0), running,
            done[-1] if done else None, bool(exam.room_code), candidate.extra_minutes,
            result_of(exam, mine) if exam.review_policy != "none" else None))
    order = {"open": 0, "upcoming": 1, "closed": 2}
    return sorted(result, key=lambda c: (order[c.state],
                                         -(c.window.opens_at or c.exam.created_at).timestamp()))


def exams_for_candidate(db: Session, user: Actor, now: datetime) -> list[CandidateExam]:
    """The exams `user` is assigned to: open ones first, then upcoming, then closed."""
    return _candidate_exams(db, user, now, None)


def candidate_exam(db: Session, exam_id: int, user: Actor, now: datetime) -> CandidateExam:
    """One assigned exam for its candidate; raises ExamNotFound if not assigned."""
    found = _candidate_exams(db, user, now, exam_id)
    if not found:
        raise ExamNotFound(msg("exam %(exam)s is not assigned to you", exam=exam_id))
    return found[0]


# ---------------------------------------------------------------- candidates


@dataclass(frozen=True)
class CandidateRow:
    """One candidate to assign; extra_minutes None keeps what they had (0 for new ones)."""

    username: str
    extra_minutes: float | None = None


@dataclass
class AssignResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    total: int = 0  # candidates of the exam after the change

    def as_dict(self) -> dict[str, Any]:
        return {"added": len(self.added), "updated": len(self.updated), "total": self.total,
                "added_usernames": self.added, "updated_usernames": self.updated}


def _listed(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        return msg("%(names)s and %(more)s more", names=shown, more=len(names) - limit)
    return shown


def assign_candidates(db: Session, exam: Exam, rows: list[CandidateRow],
                      actor_id: int | None) -> AssignResult:
    """Assign users by username; unknown usernames raise ExamInvalid listing them all, nothing written."""
    wanted: dict[str, float | None] = {}
    for row in rows:
        name = row.username.strip()
        if not name:
            continue
        if row.extra_minutes is not None and not (0 <= row.extra_minutes <= MAX_EXTRA_MINUTES):
            raise ExamInvalid(msg("extra minutes for '%(name)s' must be between 0 and %(max)s", name=name,
                                  max=MAX_EXTRA_MINUTES))
        wanted[name] = row.extra_minutes if row.extra_minutes is not None else wanted.get(name)
    if not wanted:
        raise ExamInvalid(msg("give at least one username"))
    users = {u.username: u for names in in_batches(wanted)
             for u in db.scalars(select(User).where(User.username.in_(names)))}
    unknown = [n for n in wanted if n not in users]
    if unknown:
        raise ExamInvalid(msg("unknown usernames: %(names)s; nothing was assigned", names=_listed(unknown)))
    staff = sorted(n for n in wanted if users[n].role != CANDIDATE_ROLE)
    if staff:
        # A candidate of an exam can be given a ticket, and a ticket logs in: assigning a staff
        # account would hand its rights to whoever holds the ticket.
        record_refusal(db, actor_id, "exam.candidates.refused", f"exam:{exam.id}", staff=staff[:50])
        raise ExamForbidden(msg("only candidate accounts can sit an exam; these are staff accounts: "
                                "%(names)s; nothing was assigned", names=_listed(staff)))
    return _assign(db, exam, [(users[n], extra) for n, extra in wanted.items()], actor_id)


def _assign(db: Session, exam: Exam, users: list[tuple[User, float | None]],
            actor_id: int | None) -> AssignResult:
    existing = {c.user_id: c for ids in in_batches(u.id for u, _ in users)
                for c in db.scalars(select(ExamCandidate).where(
                    ExamCandidate.exam_id == exam.id, ExamCandidate.user_id.in_(ids)))}
    result = AssignResult()
    new_rows = []
    for user, extra in users:
        candidate = existing.get(user.id)
        if candidate is None:
            new_rows.append({"exam_id": exam.id, "user_id": user.id, "extra_minutes": extra or 0.0})
            result.added.append(user.username)
        elif extra is not None and extra != candidate.extra_minutes:
            candidate.extra_minutes = extra
            _move_deadline(db, exam, candidate)
            result.updated.append(user.username)
    if new_rows:
        db.execute(insert(ExamCandidate), new_rows)
    db.flush()
    result.total = db.scalar(select(func.count()).select_from(ExamCandidate)
                             .where(ExamCandidate.exam_id == exam.id))
    record(db, actor_id, "exam.candidates", f"exam:{exam.id}", added=len(result.added),
           updated=len(result.updated))
    return result


def assign_unit(db: Session, exam: Exam, unit_code: str, actor_id: int | None,
                extra_minutes: float | None = None) -> AssignResult:
    """Assign every active user of the unit and its sub-units."""
    unit = unit_by_code(db, unit_code)
    if unit is None:
        raise ExamInvalid(msg("unknown unit code '%(code)s'; nothing was assigned", code=unit_code))
    if extra_minutes is not None and not (0 <= extra_minutes <= MAX_EXTRA_MINUTES):
        raise ExamInvalid(msg("extra minutes must be between 0 and %(max)s", max=MAX_EXTRA_MINUTES))
    users = db.scalars(select(User).where(User.unit_id.in_(unit_and_descendant_ids(db, unit)),
                                          User.active.is_(True), User.role == CANDIDATE_ROLE)).all()
    if not users:
        raise ExamInvalid(msg("unit '%(code)s' and its sub-units have no active candidate accounts",
                              code=unit_code))
    return _assign(db, exam, [(u, extra_minutes) for u in users], actor_id)


def read_candidate_file(data: bytes, filename: str) -> list[CandidateRow]:
    """The candidates of an xlsx/ods/csv list (importers.roster: a `username` column, optional
    `extra_minutes`); raises ExamInvalid naming the row and column of a bad cell."""
    try:
        roster = read_roster(data, filename, CANDIDATES)
    except NotASpreadsheet:
        raise ExamInvalid(msg("send the candidate list as .xlsx, .ods or .csv")) from None
    except MissingColumns:
        raise ExamInvalid(msg("the file needs a 'username' column: a header row naming it (e.g. "
                              "'tên đăng nhập') in its first %(rows)s rows",
                              rows=HEADER_SEARCH_ROWS)) from None
    except ImportFileError as exc:
        raise ExamInvalid(msg("cannot read '%(file)s': %(reason)s", file=filename, reason=str(exc))) from None
    rows = []
    for person in roster.rows:
        name, raw = person.values["username"], person.values["extra_minutes"]
        if not name:
            continue
        extra = None
        if raw:
            try:
                extra = float(raw.replace(",", "."))
            except ValueError:
                raise ExamInvalid(msg(
                    "row %(row)s, column %(column)s: '%(value)s' is not a number of minutes",
                    row=person.row, column=roster.title("extra_minutes"), value=raw)) from None
        rows.append(CandidateRow(name, extra))
    if not rows:
        raise ExamInvalid(msg("the file lists no usernames"))
    return rows


# ---------------------------------------------------------------- tickets


@dataclass(frozen=True)
class IssuedTicket:
    username: str
    full_name: str
    ticket: str  # shown once, e.g. "K7QX2-MPR9D"; only its SHA-256 is kept


def _ticket_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_ticket(ticket: str) -> str:
    """The ticket as stored: spaces and dashes dropped, upper case."""
    return re.sub(r"[\s-]", "", ticket or "").upper()


def issue_tickets(db: Session, exam: Exam, actor_id: int | None,
                  usernames: list[str] | None = None) -> list[IssuedTicket]:
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
    staff = sorted(u.username for u in assigned if u.role != CANDIDATE_ROLE)
    if staff and usernames is not None:
        record_refusal(db, actor_id, "exam.tickets.refused", f"exam:{exam.id}", staff=staff[:50])
        raise ExamForbidden(msg("tickets are only for candidate accounts; these are staff accounts: "
                                "%(names)s; no ticket was issued", names=_listed(staff)))
    users = sorted((u for u in assigned if u.role == CANDIDATE_ROLE),
                   key=lambda u: (vi_sort_key(u.full_name), u.username))
    if usernames is not None:
        missing = sorted(set(usernames) - {u.username for u in users})
        if missing:
            raise ExamInvalid(msg("not candidates of this exam: %(names)s", names=_listed(missing)))
    if not users:
        raise ExamInvalid(msg("the exam has no candidates yet"))
    for ids in in_batches(u.id for u in users):
        db.execute(delete(ExamTicket).where(ExamTicket.exam_id == exam.id, ExamTicket.user_id.in_(ids)))
    issued, rows = [], []
    for user in users:
        code = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))
        rows.append({"exam_id": exam.id, "user_id": user.id, "ticket_hash": _ticket_hash(code)})
        issued.append(IssuedTicket(user.username, user.full_name, f"{code[:5]}-{code[5:]}"))
    db.execute(insert(ExamTicket), rows)
    record(db, actor_id, "exam.tickets", f"exam:{exam.id}", count=len(issued))
    return issued


def user_for_ticket(db: Session, ticket: str, now: datetime) -> tuple[User, Exam]:
    """Consume a ticket and return its user and exam; raises TicketRefused when unknown, used, or
    outside the exam's window."""
    code = normalise_ticket(ticket)
    refused = TicketRefused(msg("this ticket is not valid; check what you typed against the slip, or ask "
                                "the proctor"))
    if len(code) != TICKET_LENGTH or any(ch not in TICKET_ALPHABET for ch in code):
        raise refused
    row = db.execute(select(ExamTicket, Exam).join(Exam, Exam.id == ExamTicket.exam_id)
                     .where(ExamTicket.ticket_hash == _ticket_hash(code))).first()
    if row is None:
        raise refused
    if row.ExamTicket.used_at is not None:
        # Only the holder of the exact ticket learns this, so it tells a guesser nothing.
        raise TicketRefused(msg("this ticket has already been used, at %(time)s; ask the proctor for a new "
                                "one or log in with your password", time=fmt_time(row.ExamTicket.used_at)))
    exam = row.Exam
    user = db.get(User, row.ExamTicket.user_id)
    if user is None or not user.active:
        raise refused
    if user.role != CANDIDATE_ROLE:
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


def current_tickets(db: Session, exam: Exam, pairs: list[tuple[str, str]]) -> list[IssuedTicket]:
    """(username, ticket) pairs shown at issuing, checked against the stored hashes, with names; raises
    ExamConflict naming the candidates whose ticket is not the current one (issued again since)."""
    if not pairs:
        raise ExamInvalid(msg("there are no tickets to download"))
    stored = {username: (full_name, ticket_hash) for username, full_name, ticket_hash in db.execute(
        select(User.username, User.full_name, ExamTicket.ticket_hash)
        .join(ExamTicket, ExamTicket.user_id == User.id).where(ExamTicket.exam_id == exam.id))}
    tickets, stale = [], []
    for username, ticket in pairs:
        code = normalise_ticket(ticket)
        full_name, ticket_hash = stored.get(username, ("", None))
        if ticket_hash != _ticket_hash(code):
            stale.append(username)
            continue
        tickets.append(IssuedTicket(username, full_name, f"{code[:5]}-{code[5:]}"))
    if stale:
        raise ExamConflict(msg("these tickets are no longer valid (new ones were issued since): %(names)s; "
                               "nothing was downloaded", names=_listed(stale)))
    return tickets


# ---------------------------------------------------------------- exam room


@dataclass
class RoomCandidate:
    """One line of the proctor's live list."""

    username: str
    full_name: str
    unit: str | None
    state: str  # "not_started" | "in_progress" | "submitted"
    extra_minutes: float
    attempt_id: int | None = None
    answered: int = 0
    questions: int = 0
    deadline: datetime | None = None
    time_left_seconds: float | None = None
    finished_by: str | None = None
    score: Decimal | None = None
    max_score: Decimal | None = None
    percent: Decimal | None = None
    passed: bool | None = None
    reopenable: bool = False  # ended early by a proctor or the room closing (see overrides.reopen_attempt)
    attempts_used: int = 0
    attempts_allowed: int = 0
    opens_at: datetime | None = None  # the candidate's own window, where a proctor set one
    closes_at: datetime | None = None
    extra_attempts: int = 0
    result: ExamResult | None = None  # across their attempts, by the exam's grading method

    def as_dict(self) -> dict[str, Any]:
        return {"username": self.username, "full_name": self.full_name, "unit": self.unit,
                "state": self.state, "extra_minutes": self.extra_minutes, "attempt_id": self.attempt_id,
                "answered": self.answered, "questions": self.questions, "deadline": _iso(self.deadline),
                "time_left_seconds": self.time_left_seconds, "finished_by": self.finished_by,
                "score": _num(self.score), "max_score": _num(self.max_score),
                "percent": _num(self.percent), "passed": self.passed, "reopenable": self.reopenable,
                "attempts_used": self.attempts_used, "attempts_allowed": self.attempts_allowed,
                "opens_at": _iso(self.opens_at), "closes_at": _iso(self.closes_at),
                "extra_attempts": self.extra_attempts,
                "result": self.result.as_dict() if self.result else None}


def _room_lines(db: Session, exam: Exam, now: datetime, user_id: int | None = None) -> list[RoomCandidate]:
    query = (select(ExamCandidate, User.username, User.full_name, OrgUnit.code)
             .join(User, User.id == ExamCandidate.user_id)
             .outerjoin(OrgUnit, OrgUnit.id == User.unit_id)
             .where(ExamCandidate.exam_id == exam.id))
    attempts_query = select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.number)
    if user_id is not None:
        query = query.where(ExamCandidate.user_id == user_id)
        attempts_query = attempts_query.where(Attempt.user_id == user_id)
    by_user: dict[int, list[Attempt]] = {}
    for attempt in db.scalars(attempts_query):
        by_user.setdefault(attempt.user_id, []).append(attempt)
    latest = {user: mine[-1] for user, mine in by_user.items()}
    answered: dict[int, int] = {}
    if latest:
        answered = dict(db.execute(
            select(Answer.attempt_id, func.count())
            .where(Answer.attempt_id.in_(attempts_query.with_only_columns(Attempt.id).order_by(None)),
                   cast(Answer.options, Text) != "[]")
            .group_by(Answer.attempt_id)).all())
    total = sum(r.count for r in exam.rules)
    lines = []
    for candidate, username, full_name, unit in db.execute(query):
        mine = by_user.get(candidate.user_id, [])
        line = RoomCandidate(username, full_name, unit, "not_started", candidate.extra_minutes,
                             questions=total, attempts_used=len(mine),
                             attempts_allowed=attempts_allowed(exam, candidate),
                             opens_at=candidate.opens_at, closes_at=candidate.closes_at,
                             extra_attempts=candidate.extra_attempts or 0, result=result_of(exam, mine))
        attempt = latest.get(candidate.user_id)
        if attempt is not None:
            line.attempt_id = attempt.id
            line.deadline = attempt.deadline
            line.answered = answered.get(attempt.id, 0)
            if attempt.status == IN_PROGRESS:
                line.state = "in_progress"
                line.time_left_seconds = max((attempt.deadline - now).total_seconds(), 0.0)
            else:
                line.state = "submitted"
                line.finished_by = attempt.finished_by
                line.score, line.max_score = attempt.score, attempt.max_score
                line.percent, line.passed = attempt.percent, attempt.passed
                line.reopenable = ended_early(attempt)
        lines.append(line)
    return sorted(lines, key=lambda c: (vi_sort_key(c.full_name), c.username))


def room_status(db: Session, exam: Exam, now: datetime) -> list[RoomCandidate]:
    """Every candidate of the exam with their latest attempt, in name order."""
    return _room_lines(db, exam, now)


def _move_deadline(db: Session, exam: Exam, candidate: ExamCandidate) -> None:
    attempt = db.scalar(select(Attempt).where(Attempt.exam_id == exam.id,
                                              Attempt.user_id == candidate.user_id,
                                              Attempt.status == IN_PROGRESS))
    if attempt is not None:
        attempt.deadline = deadline_for(exam, attempt.started_at, candidate)


def extend_time(db: Session, exam: Exam, username: str, minutes: float, actor_id: int | None,
                now: datetime) -> RoomCandidate:
    """Give one candidate extra minutes (moves an in-progress deadline, never past the close)."""
    if not (math.isfinite(minutes) and 0 < minutes <= MAX_EXTRA_MINUTES):
        raise ExamInvalid(msg("minutes must be more than 0 and at most %(max)s", max=MAX_EXTRA_MINUTES))
    candidate = db.scalar(select(ExamCandidate).join(User, User.id == ExamCandidate.user_id)
                          .where(ExamCandidate.exam_id == exam.id, User.username == username))
    if candidate is None:
        raise ExamNotFound(msg("'%(user)s' is not a candidate of this exam", user=username))
    candidate.extra_minutes = (candidate.extra_minutes or 0.0) + minutes
    _move_deadline(db, exam, candidate)
    db.flush()
    record(db, actor_id, "exam.extend_time", f"exam:{exam.id}", username=username, minutes=minutes,
           extra_minutes=candidate.extra_minutes)
    return _room_lines(db, exam, now, candidate.user_id)[0]


def force_submit(db: Session, attempt_id: int, actor_id: int | None, now: datetime) -> Attempt:
    """A proctor ends a candidate's attempt now; grades it with what was saved."""
    attempt = db.get(Attempt, attempt_id)
    if attempt is None:
        raise ExamNotFound(msg("there is no attempt %(attempt)s", attempt=attempt_id))
    if not finalise_attempt(db, attempt_id, now, "proctor"):
        raise ExamConflict(msg("attempt %(attempt)s has already been submitted", attempt=attempt_id))
    record(db, actor_id, "exam.force_submit", f"attempt:{attempt_id}", exam_id=attempt.exam_id,
           user_id=attempt.user_id)
    return db.get(Attempt, attempt_id, populate_existing=True)


def close_room(db: Session, exam: Exam, actor_id: int | None, now: datetime) -> int:
    """Close the exam now (closes_at = now) and finalise every attempt in progress; returns how many.

    The attempts keep their deadline, so each still says how much time it had left when the room
    closed (overrides.reopen_attempt gives that time back to one whose candidate was cut off)."""
    if exam.closes_at is None or exam.closes_at > now:
        exam.closes_at = now
    running = db.scalars(select(Attempt.id).where(Attempt.exam_id == exam.id,
                                                  Attempt.status == IN_PROGRESS)).all()
    finished = sum(finalise_attempt(db, attempt_id, now, "room_closed") for attempt_id in running)
    record(db, actor_id, "exam.close", f"exam:{exam.id}", finalised=finished)
    return finished


"""Defining exams: the blueprint and settings, checked as a whole; the staff's views of them.

The exams package's services (definitions, editing, candidates, tickets, attempts, room) are plain
functions over a SQLAlchemy Session; no Flask. Every function that depends on the time takes `now`
(an aware UTC datetime) so tests control the clock. Callers commit, except where a docstring says
otherwise. Refusals raise an `ExamError` subclass (errors.py) whose `status` is the HTTP status the
API uses and whose message is meant for the user.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examapp.audit.service import record
from examapp.auth import policy
from examapp.auth.identity import Actor
from examapp.banks.models import DIFFICULTIES, Question, QuestionBank, Topic
from examapp.exams.errors import (
    ExamForbidden,
    ExamInvalid,
    ExamNotFound,
    rule_problem,
)
from examapp.exams.models import (
    EXAM_KINDS,
    GRADING_METHODS,
    REVIEW_POLICIES,
    Exam,
    ExamRule,
)
from examapp.messages import Message, msg
from importers.normalise import clean_text

MAX_RULES = 50
MAX_QUESTIONS = 500
MAX_DURATION_MINUTES = 24 * 60
MAX_EXTRA_MINUTES = 24 * 60
ROOM_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")

def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds")


def plain_number(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)





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
    bank = db.get(QuestionBank, bank_id)
    if bank is None:  # an administrator then hears that the bank does not exist
        return policy.can_administer(user)
    return policy.can_define_exams(user) and policy.can_manage_bank(user, bank)


DIFFICULTY_WORDS = {"easy": msg("easy"), "medium": msg("medium"), "hard": msg("hard")}


def _describe(rule: RuleSpec) -> Message:
    topic = msg("topic '%(topic)s'", topic=rule.topic) if rule.topic else msg("any topic")
    difficulty = DIFFICULTY_WORDS.get(rule.difficulty) or msg("any difficulty")
    return msg("%(topic)s, %(difficulty)s", topic=topic, difficulty=difficulty)


def _overlap(a: RuleSpec, b: RuleSpec) -> bool:
    return (a.topic is None or b.topic is None or a.topic == b.topic) and (
        a.difficulty is None or b.difficulty is None or a.difficulty == b.difficulty)


def check_settings(spec: ExamSpec) -> list[Message]:
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


def check_rules(db: Session, spec: ExamSpec) -> tuple[list[Message], dict[str, int], list[Decimal]]:
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
    check_bank(db, spec.bank_id, actor)
    problems = check_settings(spec)
    rule_problems, topics, points = check_rules(db, spec)
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
        fresh_questions=spec.fresh_questions, rules=rule_rows(spec, topics, points),
    )
    db.add(exam)
    db.flush()
    record(db, actor.id, "exam.create", f"exam:{exam.id}", title=exam.title, bank_id=exam.bank_id)
    return exam


def check_bank(db: Session, bank_id: int, actor: Actor) -> None:
    if db.get(QuestionBank, bank_id) is None:
        raise ExamInvalid(msg("there is no question bank %(bank)s", bank=bank_id))
    if not may_define_exam_on(db, actor, bank_id):
        raise ExamForbidden(msg("trainers define exams only on their own banks"))


def rule_rows(spec: ExamSpec, topics: dict[str, int], points: list[Decimal]) -> list[ExamRule]:
    """The blueprint rows of a checked spec (`topics` and `points` as check_rules found them)."""
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
    if policy.can_run_room(user, exam) if room else policy.can_see_exam(user, exam):
        return exam
    raise ExamForbidden(msg("you may not manage this exam"))


def exam_dict(exam: Exam) -> dict[str, Any]:
    """The definition as the API shows it to staff (rules with topic names and points)."""
    rules = [{"position": r.position, "topic": r.topic.name if r.topic else None,
              "difficulty": r.difficulty, "count": r.count, "points": plain_number(r.points)}
             for r in exam.rules]
    return {
        "id": exam.id, "kind": exam.kind, "title": exam.title, "bank_id": exam.bank_id,
        "rules": rules, "question_count": sum(r.count for r in exam.rules),
        "max_score": plain_number(sum((r.points * r.count for r in exam.rules), Decimal(0))),
        "duration_minutes": exam.duration_minutes, "pass_percent": plain_number(exam.pass_percent),
        "max_attempts": exam.max_attempts, "opens_at": iso(exam.opens_at),
        "closes_at": iso(exam.closes_at), "room_code": exam.room_code,
        "shuffle_questions": exam.shuffle_questions, "shuffle_options": exam.shuffle_options,
        "review_policy": exam.review_policy, "certificate": exam.certificate,
        "partial_credit": exam.partial_credit, "grading": exam.grading,
        "fresh_questions": exam.fresh_questions, "created_at": iso(exam.created_at),
    }


def exams_for_staff(db: Session, user: Actor) -> list[Exam]:
    """Exams `user` may manage: all for admin/proctor, own banks' for a trainer."""
    query = select(Exam).order_by(Exam.id.desc())
    if policy.can_run_rooms(user):  # administrators and proctors see every exam
        return list(db.scalars(query))
    if not policy.can_define_exams(user):
        return []
    return list(db.scalars(query.join(QuestionBank, QuestionBank.id == Exam.bank_id)
                           .where(QuestionBank.owner_id == user.id)))

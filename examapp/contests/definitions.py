"""Defining a contest: the exam it is (kind contest), its rounds, units, fields, prediction,
freeze and prizes. Units given as free text are normalised so that "Cty A" and "cty  a" are one."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from examapp.auth.identity import Actor
from examapp.contests.errors import ContestInvalid, ContestNotFound
from examapp.contests.models import (
    OPTIONAL_FIELDS,
    PREDICTION_TARGETS,
    Contest,
    ContestRound,
    ContestUnit,
)
from examapp.exams import definitions as exam_definitions
from examapp.exams.definitions import ExamSpec, iso
from examapp.messages import Message, msg, msg_join
from importers.normalise import clean_text

MAX_ROUNDS = 60
MAX_TRIES = 20
MAX_UNITS = 1000
MAX_PRIZES = 1000
_SEPARATORS = re.compile(r"[\s.,;:_\-/]+")


def unit_key(name: str) -> str:
    """The name a unit is known by, whatever its spelling: NFC, case-folded, spaces and dots collapsed."""
    return _SEPARATORS.sub(" ", unicodedata.normalize("NFC", name).casefold()).strip()


@dataclass(frozen=True)
class RoundSpec:
    name: str
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class UnitSpec:
    name: str
    quota: int | None = None


@dataclass(frozen=True)
class ContestSpec:
    exam: ExamSpec
    rounds: list[RoundSpec] = field(default_factory=list)
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    tries_per_round: int = 1
    units: list[UnitSpec] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    prediction_question: str | None = None
    prediction_target: str | None = None
    freeze_at: datetime | None = None
    prizes: int = 3


def _aware(problems: list[Message], name: str, moment: datetime | None) -> None:
    if moment is not None and moment.tzinfo is None:
        problems.append(msg("%(name)s needs a time zone (e.g. 2026-12-01T08:00:00+07:00)", name=name))


def _rounds(spec: ContestSpec, problems: list[Message]) -> list[RoundSpec]:
    """The rounds as given, or the one round of the exam's window."""
    if not spec.rounds:
        if spec.exam.opens_at is None or spec.exam.closes_at is None:
            problems.append(msg("a contest without rounds needs opens_at and closes_at"))
            return []
        return [RoundSpec(clean_text(spec.exam.title), spec.exam.opens_at, spec.exam.closes_at)]
    if len(spec.rounds) > MAX_ROUNDS:
        problems.append(msg("at most %(max)s rounds", max=MAX_ROUNDS))
    rounds = [replace(r, name=clean_text(r.name)) for r in spec.rounds]
    for n, r in enumerate(rounds, start=1):
        if not r.name or len(r.name) > 200:
            problems.append(msg("round %(n)s: give a name of 1 to 200 characters", n=n))
        _aware(problems, f"round {n} opens_at", r.opens_at)
        _aware(problems, f"round {n} closes_at", r.closes_at)
    if problems:
        return rounds
    for n, r in enumerate(rounds, start=1):
        if r.closes_at <= r.opens_at:
            problems.append(msg("round %(n)s: closes_at must be after opens_at", n=n))
        elif n > 1 and r.opens_at < rounds[n - 2].closes_at:
            problems.append(msg("round %(n)s opens before round %(m)s closes; rounds follow one another",
                                n=n, m=n - 1))
    return rounds


def _units(spec: ContestSpec, problems: list[Message]) -> list[ContestUnit]:
    if len(spec.units) > MAX_UNITS:
        problems.append(msg("at most %(max)s units", max=MAX_UNITS))
    units: dict[str, ContestUnit] = {}
    for n, unit in enumerate(spec.units, start=1):
        name = clean_text(unit.name)
        key = unit_key(name)
        if not key or len(name) > 200:
            problems.append(msg("unit %(n)s: give a name of 1 to 200 characters", n=n))
        elif key in units:
            problems.append(msg("unit %(n)s (%(name)s) is the same unit as %(other)s", n=n, name=name,
                                other=units[key].name))
        elif unit.quota is not None and not (1 <= unit.quota <= 1_000_000):
            problems.append(msg("unit %(n)s: the quota must be between 1 and 1000000", n=n))
        else:
            units[key] = ContestUnit(key=key, name=name, quota=unit.quota)
    return list(units.values())


def check_contest(spec: ContestSpec) -> tuple[list[Message], list[RoundSpec], list[ContestUnit]]:
    problems: list[Message] = []
    for name in ("registration_opens_at", "registration_closes_at", "freeze_at"):
        _aware(problems, name, getattr(spec, name))
    rounds = _rounds(spec, problems)
    units = _units(spec, problems)
    if not (1 <= spec.tries_per_round <= MAX_TRIES):
        problems.append(msg("tries_per_round must be between 1 and %(max)s", max=MAX_TRIES))
    if not (0 <= spec.prizes <= MAX_PRIZES):
        problems.append(msg("prizes must be between 0 and %(max)s", max=MAX_PRIZES))
    unknown = [f for f in spec.fields if f not in OPTIONAL_FIELDS]
    if unknown:
        problems.append(msg("unknown registration field(s) %(fields)s; known: %(known)s",
                            fields=", ".join(unknown), known=", ".join(OPTIONAL_FIELDS)))
    question = clean_text(spec.prediction_question or "")
    if (spec.prediction_target is None) != (not question):
        problems.append(msg("a prediction needs both its question and its target"))
    if spec.prediction_target is not None and spec.prediction_target not in PREDICTION_TARGETS:
        problems.append(msg("the prediction target must be one of %(targets)s",
                            targets=", ".join(PREDICTION_TARGETS)))
    if len(question) > 500:
        problems.append(msg("the prediction question must be at most 500 characters"))
    opens, closes = spec.registration_opens_at, spec.registration_closes_at
    if opens and closes and opens.tzinfo and closes.tzinfo and closes <= opens:
        problems.append(msg("registration_closes_at must be after registration_opens_at"))
    return problems, rounds, units


def create_contest(db: Session, spec: ContestSpec, actor: Actor) -> Contest:
    """Validate and add a contest with its exam; raises ContestInvalid (or the exam's refusals)."""
    problems, rounds, units = check_contest(spec)
    if problems:
        raise ContestInvalid(msg_join(problems) if len(problems) > 1 else problems[0])
    exam_spec = replace(spec.exam, kind="contest", opens_at=rounds[0].opens_at,
                        closes_at=rounds[-1].closes_at,
                        max_attempts=min(100, spec.tries_per_round * len(rounds)), room_code=None)
    exam = exam_definitions.create_exam(db, exam_spec, actor)
    contest = Contest(
        id=exam.id, registration_opens_at=spec.registration_opens_at,
        registration_closes_at=spec.registration_closes_at, tries_per_round=spec.tries_per_round,
        fields=list(dict.fromkeys(spec.fields)), closed_units=bool(units),
        prediction_question=clean_text(spec.prediction_question or "") or None,
        prediction_target=spec.prediction_target, freeze_at=spec.freeze_at, prizes=spec.prizes,
        rounds=[ContestRound(number=n, name=r.name, opens_at=r.opens_at, closes_at=r.closes_at)
                for n, r in enumerate(rounds, start=1)],
        units=units)
    db.add(contest)
    db.flush()
    return contest


def get_contest(db: Session, contest_id: int) -> Contest:
    contest = db.get(Contest, contest_id)
    if contest is None:
        raise ContestNotFound(msg("there is no contest %(contest)s", contest=contest_id))
    return contest


def round_at(contest: Contest, now: datetime) -> ContestRound | None:
    """The round open at `now`, if any."""
    return next((r for r in contest.rounds if r.opens_at <= now < r.closes_at), None)


def find_round(contest: Contest, number: int | None, now: datetime) -> ContestRound:
    """Round `number`, or (None) the round open now, else the last that opened, else the first."""
    if number is not None:
        found = next((r for r in contest.rounds if r.number == number), None)
        if found is None:
            raise ContestNotFound(msg("the contest has no round %(n)s", n=number))
        return found
    opened = [r for r in contest.rounds if r.opens_at <= now]
    return opened[-1] if opened else contest.rounds[0]


def unit_for(db: Session, contest: Contest, name: str, add: bool = True) -> ContestUnit | None:
    """The contest's unit by any spelling of its name (None if the list is closed and lacks it);
    with `add`, a free-text unit not seen before is added."""
    key = unit_key(name)
    unit = db.scalar(select(ContestUnit).where(ContestUnit.contest_id == contest.id, ContestUnit.key == key))
    if unit is not None or contest.closed_units or not key or not add:
        return unit
    unit = ContestUnit(contest_id=contest.id, key=key, name=clean_text(name)[:200])
    db.add(unit)
    db.flush()
    return unit


def ranking_rule(contest: Contest) -> list[Message]:
    """The ranking rule in words, as the contest page states it."""
    steps = [msg("score, higher first")]
    if contest.prediction_target:
        steps.append(msg("then the prediction's distance from the true number, closer first"))
    steps += [msg("then time taken, shorter first"), msg("then submission time, earlier first")]
    return steps


def contest_dict(contest: Contest) -> dict[str, Any]:
    """The contest as its public page and the API show it."""
    exam = contest.exam
    return {
        "id": contest.id, "title": exam.title, "duration_minutes": exam.duration_minutes,
        "question_count": sum(r.count for r in exam.rules),
        "registration_opens_at": iso(contest.registration_opens_at),
        "registration_closes_at": iso(contest.registration_closes_at),
        "tries_per_round": contest.tries_per_round, "fields": list(contest.fields),
        "units": ([{"name": u.name, "quota": u.quota} for u in contest.units]
                  if contest.closed_units else None),
        "prediction": ({"question": contest.prediction_question, "target": contest.prediction_target}
                       if contest.prediction_target else None),
        "freeze_at": iso(contest.freeze_at), "prizes": contest.prizes,
        "rounds": [{"number": r.number, "name": r.name, "opens_at": iso(r.opens_at),
                    "closes_at": iso(r.closes_at)} for r in contest.rounds],
        "ranking": [str(step) for step in ranking_rule(contest)],
    }

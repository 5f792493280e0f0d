"""Registering for a contest without an account, coming back on another device, and predictions.

A registration makes a narrow account (role participant, no password, assigned to the contest's
exam only) and answers a bearer token for it. One registration per phone per contest. Another
device gets a token with the one-time return code shown at registration (and a new code with it),
never with the phone number alone: a phone number is known to too many people.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from examapp.auth import policy
from examapp.auth.models import User
from examapp.auth.service import issue_token
from examapp.contests.definitions import get_contest, round_at, unit_for
from examapp.contests.errors import ContestConflict, ContestInvalid, ContestNotFound
from examapp.contests.models import Contest, ContestRound, Participant, Prediction
from examapp.exams.models import Attempt, ExamCandidate
from examapp.exams.windows import fmt_time
from examapp.messages import Message, msg, msg_join
from importers.normalise import clean_text

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]+")
_MOBILE = re.compile(r"0[35789]\d{8}")
_LANDLINE = re.compile(r"02\d{9}")
# Return codes avoid symbols read alike (0/O, 1/I/L).
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalise_phone(raw: str) -> str | None:
    """A Vietnamese number as 0 and its nine (mobile) or ten (landline) digits; None if it is none.

    "+84 912 345 678", "0084912345678", "84912345678", "0912.345.678" are all "0912345678".
    """
    digits = _PHONE_SEPARATORS.sub("", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    return None


def _code_hash(contest_id: int, code: str) -> str:
    plain = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(f"{contest_id}:{plain}".encode()).hexdigest()


def _new_return_code() -> str:
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))  # 39 bits
    return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class Registration:
    name: str
    phone: str
    unit: str
    details: dict[str, Any]


@dataclass(frozen=True)
class Registered:
    participant: Participant
    token: str
    return_code: str


def check_registration(contest: Contest, form: Registration, today: date) -> tuple[list[Message], str | None]:
    """Every problem with a registration form, and the phone normalised."""
    problems: list[Message] = []
    name = clean_text(form.name)
    if not name or len(name) > 200:
        problems.append(msg("give your full name (at most 200 characters)"))
    phone = normalise_phone(form.phone)
    if phone is None:
        problems.append(msg("give a Vietnamese phone number, e.g. 0912 345 678 or +84 912 345 678"))
    if not clean_text(form.unit):
        problems.append(msg("give your unit"))
    for field in contest.fields:
        value = form.details.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(msg("give %(field)s", field=field))
        elif field == "birth_year" and not (isinstance(value, int) and 1900 <= value <= today.year):
            problems.append(msg("birth_year must be a year between 1900 and %(year)s", year=today.year))
        elif field == "email" and not (isinstance(value, str) and _EMAIL.fullmatch(value.strip())):
            problems.append(msg("give an e-mail address like name@example.vn"))
        elif field != "birth_year" and not (isinstance(value, str) and len(value) <= 200):
            problems.append(msg("%(field)s must be text of at most 200 characters", field=field))
    unknown = sorted(set(form.details) - set(contest.fields))
    if unknown:
        problems.append(msg("this contest does not ask for %(fields)s", fields=", ".join(unknown)))
    return problems, phone


def check_registration_open(contest: Contest, now: datetime) -> None:
    opens = contest.registration_opens_at
    closes = contest.registration_closes_at or contest.rounds[-1].closes_at
    if opens is not None and now < opens:
        raise ContestConflict(msg("registration opens at %(time)s", time=fmt_time(opens)))
    if now >= closes:
        raise ContestConflict(msg("registration closed at %(time)s", time=fmt_time(closes)))


def register(db: Session, contest_id: int, form: Registration, now: datetime, address: str) -> Registered:
    """Register a participant; raises ContestInvalid (every problem), ContestConflict (closed, or
    the phone is registered already)."""
    contest = get_contest(db, contest_id)
    check_registration_open(contest, now)
    problems, phone = check_registration(contest, form, now.date())
    unit = None
    if not problems:
        unit = unit_for(db, contest, form.unit)
        if unit is None:
            problems.append(msg("%(unit)s is not one of the contest's units", unit=clean_text(form.unit)))
    if problems:
        raise ContestInvalid(problems[0] if len(problems) == 1 else msg_join(problems))
    if db.scalar(select(Participant.id).where(Participant.contest_id == contest.id,
                                              Participant.phone == phone)) is not None:
        raise _already_registered()
    name = clean_text(form.name)
    user = User(username=f"contest{contest.id}-{secrets.token_hex(6)}", full_name=name,
                role=policy.PARTICIPANT, password_hash=None)
    code = _new_return_code()
    participant = Participant(
        contest_id=contest.id, user=user, unit=unit, name=name, phone=phone,
        details={k: (v.strip() if isinstance(v, str) else v) for k, v in form.details.items()},
        return_code_hash=_code_hash(contest.id, code), address=address[:64], registered_at=now)
    try:
        with db.begin_nested():
            db.add_all([user, participant])
            db.flush()
    except IntegrityError:  # the same phone registered at the same moment
        raise _already_registered() from None
    db.add(ExamCandidate(exam_id=contest.id, user_id=user.id))
    token = issue_token(db, user, label=f"contest {contest.id}")
    return Registered(participant, token, code)


def _already_registered() -> ContestConflict:
    return ContestConflict(msg("this phone number is registered for the contest already; on another "
                               "device, come back with the return code shown at registration"))


def come_back(db: Session, contest_id: int, phone_raw: str, code: str) -> tuple[str, str]:
    """A new token and a new return code for the participant of `phone` whose return code this is;
    the code is used up. Raises ContestNotFound for any mismatch (which one is not said)."""
    contest = get_contest(db, contest_id)
    phone = normalise_phone(phone_raw)
    participant = phone and db.scalar(select(Participant).where(
        Participant.contest_id == contest.id, Participant.phone == phone))
    if not participant or not participant.return_code_hash or not secrets.compare_digest(
            participant.return_code_hash, _code_hash(contest.id, code or "")):
        raise ContestNotFound(msg("no registration with this phone number and return code"))
    new_code = _new_return_code()
    participant.return_code_hash = _code_hash(contest.id, new_code)
    user = db.get(User, participant.user_id)
    return issue_token(db, user, label=f"contest {contest.id} return"), new_code


def participant_of(db: Session, contest_id: int, user_id: int) -> Participant:
    participant = db.scalar(select(Participant).where(Participant.contest_id == contest_id,
                                                      Participant.user_id == user_id))
    if participant is None:
        raise ContestNotFound(msg("you are not registered for contest %(contest)s", contest=contest_id))
    return participant


def participant_id_of(db: Session, contest_id: int, user_id: int, known: dict) -> int:
    """`participant_of(...).id`, remembered in `known`: a participant's id never changes."""
    key = (contest_id, user_id)
    found = known.get(key)
    if found is None:
        found = participant_of(db, contest_id, user_id).id
        if len(known) > 100_000:
            known.clear()
        known[key] = found
    return found


def tries_in_round(db: Session, exam_id: int, user_id: int, rnd: ContestRound) -> int:
    return db.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.exam_id == exam_id, Attempt.user_id == user_id,
        Attempt.started_at >= rnd.opens_at, Attempt.started_at < rnd.closes_at)) or 0


def predict(db: Session, contest_id: int, user_id: int, value: int, now: datetime,
            round_number: int | None = None) -> Prediction:
    """Record the participant's prediction for a round: once, while the round is open, before the
    participant's first try of it."""
    contest = get_contest(db, contest_id)
    if not contest.prediction_target:
        raise ContestConflict(msg("this contest has no prediction"))
    participant = participant_of(db, contest_id, user_id)
    rnd = round_at(contest, now)
    if round_number is not None and (rnd is None or rnd.number != round_number):
        raise ContestConflict(msg("round %(n)s is not open", n=round_number))
    if rnd is None:
        raise ContestConflict(msg("no round of the contest is open now"))
    if not (0 <= value <= 10**12):
        raise ContestInvalid(msg("the prediction must be a whole number from 0"), field="value")
    given = db.scalar(select(Prediction).where(Prediction.participant_id == participant.id,
                                               Prediction.round_id == rnd.id))
    if given is not None:
        raise ContestConflict(msg("your prediction for this round is %(value)s; it cannot be changed",
                                  value=given.value))
    if tries_in_round(db, contest.id, user_id, rnd):
        raise ContestConflict(msg("the prediction is given before the round's first try"))
    prediction = Prediction(participant_id=participant.id, round_id=rnd.id, value=value, given_at=now)
    try:
        with db.begin_nested():
            db.add(prediction)
            db.flush()
    except IntegrityError:
        raise ContestConflict(msg("your prediction for this round is given already")) from None
    return prediction

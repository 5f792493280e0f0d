"""The exams JSON API: definitions, candidates, tickets, attempts and the exam room.

Views parse, call the exams services and answer; a service refusal (ExamError) goes to the one
refusal handler (api.errors), which answers {"error": {"code", "message"}} with its status and keeps
what a refusal finalised on the way (an answer after the deadline).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint, request
from flask_login import current_user
from pydantic import AwareDatetime, ConfigDict, Field

from examapp import access, admission, db
from examapp.api.errors import ApiError
from examapp.api.openapi import BINARY, Body, documented, schema_rules
from examapp.auth import policy
from examapp.db import utcnow
from examapp.exams import attempts, definitions, editing, overrides, papers
from examapp.exams import candidates as exam_candidates
from examapp.exams import errors as exam_errors
from examapp.exams import room as exam_room
from examapp.exams import tickets as exam_tickets
from examapp.exams.definitions import iso
from examapp.exams.responses import (
    Assignment,
    AttemptState,
    ExamChange,
    ExamDefinition,
    ExamList,
    ExamView,
    ForcedSubmission,
    Override,
    OverrideList,
    PapersDrawn,
    Room,
    RoomClosed,
    RoomLine,
    TicketList,
    TicketLogin,
)
from examapp.exams.ticket_login import app_ticket_key, log_in_with_ticket

api = Blueprint("exams_api", __name__, url_prefix="/api/v1")



# ---------------------------------------------------------------- definitions


class RuleBody(Body):
    topic: str | None = Field(default=None, min_length=1, max_length=200)
    difficulty: Literal["easy", "medium", "hard"] | None = None
    count: int = Field(ge=1, le=500)
    points: float | None = Field(default=None, gt=0, le=1000)


# How a candidate's attempts make their result for the exam.
Grading = Literal["highest", "last", "first", "average"]


class ExamBody(Body):
    title: str = Field(min_length=1, max_length=200)
    bank_id: int
    rules: list[RuleBody] = Field(min_length=1, max_length=50)
    duration_minutes: float = Field(gt=0, le=1440)
    pass_percent: float = Field(ge=0, le=100)
    max_attempts: int = Field(default=1, ge=1, le=100)
    opens_at: AwareDatetime | None = Field(default=None, strict=False)
    closes_at: AwareDatetime | None = Field(default=None, strict=False)
    shuffle_questions: bool = True
    shuffle_options: bool = True
    room_code: str | None = Field(default=None, min_length=1, max_length=40,
                                  json_schema_extra={"pattern": definitions.ROOM_CODE_RE.pattern})
    certificate: bool = False
    review_policy: Literal["none", "score", "answers_after_close"] = "score"
    partial_credit: bool = False
    grading: Grading = "highest"
    fresh_questions: bool = False


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def exam_spec(body: ExamBody) -> definitions.ExamSpec:
    return definitions.ExamSpec(
        title=body.title, bank_id=body.bank_id,
        rules=[definitions.RuleSpec(r.count, r.topic, r.difficulty, _dec(r.points)) for r in body.rules],
        duration_minutes=body.duration_minutes, pass_percent=_dec(body.pass_percent),
        max_attempts=body.max_attempts, opens_at=body.opens_at, closes_at=body.closes_at,
        shuffle_questions=body.shuffle_questions, shuffle_options=body.shuffle_options,
        room_code=body.room_code, certificate=body.certificate, review_policy=body.review_policy,
        partial_credit=body.partial_credit, grading=body.grading, fresh_questions=body.fresh_questions)


@api.route("/exams", methods=["POST"])
@access.allow(policy.can_define_exams)
@documented("Define an exam over a bank (trainers: own banks only)", body=ExamBody, response=ExamDefinition,
            status=201, errors={403: "a trainer on another trainer's bank"})
def create_exam(body: ExamBody):
    s = db.session()
    exam = definitions.create_exam(s, exam_spec(body), current_user)
    return definitions.exam_dict(exam), 201


@api.route("/exams", methods=["GET"])
@access.authenticated
@documented("Exams I manage (staff) or am assigned to (candidates)", response=ExamList)
def list_exams():
    s = db.session()
    if policy.can_see_exams(current_user):
        return {"exams": [definitions.exam_dict(e) for e in definitions.exams_for_staff(s, current_user)]}
    return {"exams": [c.as_dict() for c in exam_candidates.exams_for_candidate(s, current_user, utcnow())]}


@api.route("/exams/<int:exam_id>", methods=["GET"])
@access.authenticated
@documented("An exam: the full definition for staff, the candidate's view for an assigned candidate",
            response=ExamView, errors={404: "no such exam, or not assigned to the calling candidate"})
def get_exam(exam_id: int):
    s = db.session()
    if policy.can_see_exams(current_user):
        try:
            return definitions.exam_dict(definitions.exam_for_staff(s, exam_id, current_user))
        except exam_errors.ExamForbidden:
            pass
    return exam_candidates.candidate_exam(s, exam_id, current_user, utcnow()).as_dict()


# Fields a change may set to null: no opening time, no close, no room code.
CLEARABLE = ("opens_at", "closes_at", "room_code")


class ExamChangesBody(Body):
    """The fields of an exam to change; a field left out keeps its value."""

    model_config = ConfigDict(json_schema_extra=schema_rules(nullable=CLEARABLE, non_empty=True))

    title: str | None = Field(default=None, min_length=1, max_length=200)
    bank_id: int | None = None
    rules: list[RuleBody] | None = Field(default=None, min_length=1, max_length=50)
    duration_minutes: float | None = Field(default=None, gt=0, le=1440)
    pass_percent: float | None = Field(default=None, ge=0, le=100)
    max_attempts: int | None = Field(default=None, ge=1, le=100)
    opens_at: AwareDatetime | None = Field(default=None, strict=False)
    closes_at: AwareDatetime | None = Field(default=None, strict=False)
    shuffle_questions: bool | None = None
    shuffle_options: bool | None = None
    room_code: str | None = Field(default=None, min_length=1, max_length=40,
                                  json_schema_extra={"pattern": definitions.ROOM_CODE_RE.pattern})
    certificate: bool | None = None
    review_policy: Literal["none", "score", "answers_after_close"] | None = None
    partial_credit: bool | None = None
    grading: Grading | None = None
    fresh_questions: bool | None = None


@api.route("/exams/<int:exam_id>", methods=["PATCH"])
@access.allow(policy.can_define_exams)
@documented("Change an exam (fields left out stay; null clears opens_at, closes_at, room_code); once "
            "attempts exist, bank, rules, shuffling, partial credit and fresh questions are fixed (409)",
            body=ExamChangesBody, response=ExamChange,
            errors={409: "attempts exist and the change touches what their papers depend on"})
def update_exam(exam_id: int, body: ExamChangesBody):
    given = body.model_fields_set
    if not given:
        raise ApiError(400, "give at least one field to change")
    nulls = sorted(name for name in given if getattr(body, name) is None and name not in CLEARABLE)
    if nulls:
        raise ApiError(400, "; ".join(f"field '{name}' cannot be null" for name in nulls))
    changes: dict[str, Any] = {name: getattr(body, name) for name in given}
    if "rules" in changes:
        changes["rules"] = [definitions.RuleSpec(r.count, r.topic, r.difficulty, _dec(r.points))
                            for r in body.rules]
    if "pass_percent" in changes:
        changes["pass_percent"] = _dec(body.pass_percent)
    s = db.session()
    exam = definitions.exam_for_staff(s, exam_id, current_user)
    update = editing.update_exam(s, exam, changes, current_user, utcnow())
    return {**definitions.exam_dict(update.exam), **update.as_dict()}


@api.route("/exams/<int:exam_id>", methods=["DELETE"])
@access.allow(policy.can_define_exams)
@documented("Delete an exam nobody has started, with its candidates and tickets (409 once attempts "
            "exist: close it instead)", status=204, errors={409: "attempts exist"})
def delete_exam(exam_id: int):
    s = db.session()
    editing.delete_exam(s, definitions.exam_for_staff(s, exam_id, current_user), current_user)
    return "", 204


# ---------------------------------------------------------------- candidates


class CandidatesBody(Body):
    """Either `usernames` or `unit`, not both."""

    model_config = ConfigDict(json_schema_extra=schema_rules(nullable=("extra_minutes",),
                                                             one_of=("usernames", "unit")))

    usernames: list[str] | None = Field(default=None, max_length=20000)
    unit: str | None = Field(default=None, min_length=1, max_length=40)
    extra_minutes: float | None = Field(default=None, ge=0, le=1440)


@api.route("/exams/<int:exam_id>/candidates", methods=["POST"])
@access.allow(policy.can_see_exams)
@documented("Assign candidates by usernames or by unit (with sub-units); optional extra time",
            body=CandidatesBody, response=Assignment,
            errors={403: "a trainer on another trainer's bank, or staff accounts among the usernames"})
def add_candidates(exam_id: int, body: CandidatesBody):
    if (body.usernames is None) == (body.unit is None):
        raise ApiError(400, "give either 'usernames' or 'unit'")
    s = db.session()
    exam = definitions.exam_for_staff(s, exam_id, current_user)
    if body.unit is not None:
        result = exam_candidates.assign_unit(s, exam, body.unit, current_user.id, body.extra_minutes)
    else:
        rows = [exam_candidates.CandidateRow(name, body.extra_minutes) for name in body.usernames]
        result = exam_candidates.assign_candidates(s, exam, rows, current_user.id)
    return result.as_dict()


@api.route("/exams/<int:exam_id>/candidates/file", methods=["POST"])
@access.allow(policy.can_see_exams)
@documented("Assign candidates from a spreadsheet (column username, optional extra_minutes)",
            multipart={"file": BINARY}, response=Assignment,
            errors={403: "a trainer on another trainer's bank, or staff accounts in the file"})
def add_candidates_file(exam_id: int):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "send the candidate list as the multipart field 'file'")
    s = db.session()
    exam = definitions.exam_for_staff(s, exam_id, current_user)
    rows = exam_candidates.read_candidate_file(upload.read(), upload.filename)
    result = exam_candidates.assign_candidates(s, exam, rows, current_user.id)
    return result.as_dict()


@api.route("/exams/<int:exam_id>/papers", methods=["POST"])
@access.allow(policy.can_see_exams)
@documented("Draw ahead the first paper of every candidate who has not started and has none (assigning "
            "does this by itself; this is for candidates assigned before, or after the bank grew back)",
            response=PapersDrawn, errors={409: "the bank has fewer active questions than the blueprint asks"})
def draw_papers(exam_id: int):
    s = db.session()
    exam = definitions.exam_for_staff(s, exam_id, current_user)
    drawn_now = papers.prepare_papers(s, exam)
    return {"exam_id": exam.id, "drawn_now": drawn_now, **papers.paper_counts(s, exam.id).as_dict()}


# ---------------------------------------------------------------- overrides


class OverrideBody(Body):
    """A candidate's override; a field left out keeps its value, null puts it back to the exam's."""

    username: str = Field(min_length=1, max_length=80)
    opens_at: AwareDatetime | None = Field(default=None, strict=False)
    closes_at: AwareDatetime | None = Field(default=None, strict=False)
    extra_minutes: float | None = Field(default=None, ge=0, le=1440)
    extra_attempts: int | None = Field(default=None, ge=0, le=100)


@api.route("/exams/<int:exam_id>/overrides", methods=["POST"])
@access.allow(policy.can_see_exams)
@documented("Give one candidate their own window, extra time or extra attempts (fields left out stay; "
            "null puts one back to the exam's); 409 once the exam has shown its answers", body=OverrideBody,
            response=Override,
            errors={409: "the exam has shown its answers, or the new close would end a running attempt"})
def set_override(exam_id: int, body: OverrideBody):
    s = db.session()
    exam = definitions.exam_for_staff(s, exam_id, current_user)
    changes = {name: getattr(body, name) for name in body.model_fields_set if name != "username"}
    override = overrides.set_override(s, exam, body.username, changes, current_user.id, utcnow())
    return override.as_dict()


@api.route("/exams/<int:exam_id>/overrides", methods=["GET"])
@access.allow(policy.can_see_exams)
@documented("The exam's candidates with an override", response=OverrideList)
def list_overrides(exam_id: int):
    s = db.session()
    exam = definitions.exam_for_staff(s, exam_id, current_user)
    return {"overrides": [o.as_dict() for o in overrides.overrides(s, exam)]}


# ---------------------------------------------------------------- tickets


class TicketsBody(Body):
    usernames: list[str] | None = Field(default=None, max_length=20000)


@api.route("/exams/<int:exam_id>/tickets", methods=["POST"])
@access.allow(policy.can_run_rooms)
@documented("Issue one-time login tickets for the exam's candidates (all, or the given usernames)",
            body=TicketsBody, response=TicketList, status=201,
            errors={403: "staff accounts among the usernames"})
def issue_tickets(exam_id: int, body: TicketsBody):
    s = db.session()
    exam = definitions.exam_for_staff(s, exam_id, current_user, room=True)
    issued = exam_tickets.issue_tickets(s, exam, current_user.id, body.usernames, key=app_ticket_key())
    return {"tickets": [{"username": t.username, "full_name": t.full_name, "ticket": t.ticket}
                        for t in issued]}, 201


class TicketLoginBody(Body):
    ticket: str = Field(min_length=1, max_length=40)


@api.route("/auth/ticket", methods=["POST"])
@admission.sheds_when_busy
@access.public
@documented("Log in with a candidate ticket (one use, valid while its exam is open)", body=TicketLoginBody,
            response=TicketLogin, errors={401: "the ticket is unknown, used, or outside its exam's window",
                    429: "too many wrong tickets from this address (Retry-After says when to try again)"})
def ticket_login(body: TicketLoginBody):
    user, exam = log_in_with_ticket(body.ticket)
    return {"username": user.username, "role": user.role, "full_name": user.full_name, "exam_id": exam.id}


# ---------------------------------------------------------------- exam room


@api.route("/exams/<int:exam_id>/room", methods=["GET"])
@access.allow(policy.can_run_rooms)
@documented("The live exam room: every candidate with progress, time left or score", response=Room)
def room(exam_id: int):
    s = db.session()
    now = utcnow()
    exam = definitions.exam_for_staff(s, exam_id, current_user, room=True)
    lines = exam_room.room_status(s, exam, now)
    counts = {state: sum(1 for c in lines if c.state == state)
              for state in ("not_started", "in_progress", "submitted")}
    return {"exam_id": exam.id, "title": exam.title, "closes_at": iso(exam.closes_at),
            "server_time": iso(now), "counts": counts, "candidates": [c.as_dict() for c in lines]}


class ExtendBody(Body):
    minutes: float = Field(gt=0, le=1440)


@api.route("/exams/<int:exam_id>/candidates/<username>/extend", methods=["POST"])
@access.allow(policy.can_run_rooms)
@documented("Give one candidate extra minutes", body=ExtendBody, response=RoomLine,
            errors={404: "no such exam, or the username is not one of its candidates"})
def extend(exam_id: int, username: str, body: ExtendBody):
    s = db.session()
    exam = definitions.exam_for_staff(s, exam_id, current_user, room=True)
    line = exam_room.extend_time(s, exam, username, body.minutes, current_user.id, utcnow())
    return line.as_dict()


@api.route("/attempts/<int:attempt_id>/force-submit", methods=["POST"])
@access.allow(policy.can_run_rooms)
@documented("End a candidate's attempt now and grade what was saved", response=ForcedSubmission,
            errors={409: "the attempt has already been submitted"})
def force_submit(attempt_id: int):
    s = db.session()
    now = utcnow()
    attempt = exam_room.force_submit(s, attempt_id, current_user.id, now)
    return {"attempt_id": attempt.id, "status": attempt.status, "finished_by": attempt.finished_by,
            "score": float(attempt.score), "max_score": float(attempt.max_score),
            "percent": float(attempt.percent), "passed": attempt.passed}


@api.route("/attempts/<int:attempt_id>/reopen", methods=["POST"])
@access.allow(policy.can_run_rooms)
@documented("Put back in progress an attempt a proctor or the room closing ended before its deadline, "
            "with the time it had left (409 with the reason otherwise)", response=AttemptState,
            errors={409: "the attempt is in progress, was submitted by the candidate, ran to its deadline, "
                         "is not the latest, or its window has closed"})
def reopen(attempt_id: int):
    s = db.session()
    now = utcnow()
    attempt = overrides.reopen_attempt(s, attempt_id, current_user.id, now)
    return attempts.attempt_state(s, attempt, now)


@api.route("/exams/<int:exam_id>/close", methods=["POST"])
@access.allow(policy.can_run_rooms)
@documented("Close the exam room now; attempts in progress are submitted", response=RoomClosed)
def close(exam_id: int):
    s = db.session()
    now = utcnow()
    exam = definitions.exam_for_staff(s, exam_id, current_user, room=True)
    finished = exam_room.close_room(s, exam, current_user.id, now)
    return {"exam_id": exam.id, "closes_at": iso(exam.closes_at), "finalised": finished}

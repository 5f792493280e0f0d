"""The candidate's side of the exams JSON API: starting an attempt, saving answers, submitting,
reading an attempt. A refusal goes to the one handler (api.errors); the request commits once."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from flask_login import current_user
from pydantic import ConfigDict, Field

from examapp import access, admission, db
from examapp.api.openapi import Body, documented, schema_rules
from examapp.db import utcnow
from examapp.exams import answers, attempts, finalising, room_codes
from examapp.exams.definitions import iso
from examapp.exams.responses import AnswerReceipt, AttemptState, Paper

api = Blueprint("attempts_api", __name__, url_prefix="/api/v1")


def _grace() -> float:
    return float(current_app.config["GRACE_SECONDS"])


class StartBody(Body):
    room_code: str | None = Field(default=None, max_length=40)


def _paper_dict(paper: attempts.AttemptPaper) -> dict[str, Any]:
    attempt = paper.attempt
    return {
        "attempt_id": attempt.id, "exam_id": attempt.exam_id, "status": attempt.status,
        "number": attempt.number, "started_at": iso(attempt.started_at),
        "deadline": iso(attempt.deadline), "server_time": iso(paper.server_time),
        "grace_seconds": _grace(),
        "questions": [{"id": q.id, "position": q.position, "type": q.type, "text": q.text,
                       "points": float(q.points),
                       "options": [{"id": o.id, "text": o.text} for o in q.options]}
                      for q in paper.questions],
        "answers": {str(qid): a.options for qid, a in paper.answers.items()},
        "flagged": [qid for qid, a in paper.answers.items() if a.flagged],
    }


@api.route("/exams/<int:exam_id>/attempts", methods=["POST"])
@admission.sheds_when_busy
@access.authenticated
@documented("Start an attempt, or resume the one in progress (201 new, 200 resumed)", body=StartBody,
            response=Paper, status=201, also={200: "the attempt in progress, resumed"},
            errors={403: "the room code is missing or wrong", 404: "the exam is not assigned to the caller",
                    409: "outside the exam's window, or no attempts left"})
def start_attempt(exam_id: int, body: StartBody):
    s = db.session()
    now = utcnow()
    paper, created = room_codes.limited(exam_id, current_user.id, lambda: attempts.start_paper(
        s, exam_id, current_user, now, body.room_code, _grace()))
    paper = _paper_dict(paper)
    return paper, 201 if created else 200


class AnswerBody(Body):
    """The selection, the review flag, or both."""

    model_config = ConfigDict(json_schema_extra=schema_rules(any_of=("options", "flagged")))

    options: list[int] | None = Field(default=None, max_length=50)
    flagged: bool | None = None


@api.route("/attempts/<int:attempt_id>/answers/<int:question_id>", methods=["PUT"])
@access.authenticated
@documented("Save the selection (and/or review flag) for one question; committed before the reply",
            body=AnswerBody, response=AnswerReceipt,
            errors={409: "the attempt is submitted, or its deadline has passed (code deadline_passed)",
                    422: "the question is not on the paper, or an option is not one of the question's"})
def save_answer(attempt_id: int, question_id: int, body: AnswerBody):
    now = utcnow()
    with db.autocommit() as conn:  # the save is one statement: committed when it returns
        revision = answers.write_answer(conn, attempt_id, current_user.id, question_id, now, _grace(),
                                        body.options, body.flagged)
    if revision is None:
        answers.refuse_late_answer(db.session(), attempt_id, now)
    return {"saved_at": iso(now), "revision": revision}


@api.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@access.authenticated
@documented("Submit the attempt (idempotent); the result as the review policy allows", response=AttemptState,
            errors={404: "no such attempt of the caller's"})
def submit_attempt(attempt_id: int):
    s = db.session()
    now = utcnow()
    attempt = finalising.submit_attempt(s, attempt_id, current_user.id, now, _grace())
    return attempts.attempt_state(db.session(), attempt, now)


@api.route("/attempts/<int:attempt_id>", methods=["GET"])
@access.authenticated
@documented("An attempt's state, deadline and server time; the result once submitted", response=AttemptState,
            errors={404: "no such attempt of the caller's"})
def get_attempt(attempt_id: int):
    s = db.session()
    now = utcnow()
    attempt = attempts.attempt_for_user(s, attempt_id, current_user, now, _grace())
    return attempts.attempt_state(db.session(), attempt, now)

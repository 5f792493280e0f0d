"""The contests JSON API: defining a contest, registering without an account, coming back on
another device, the round's prediction, and the boards."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, Response, current_app
from flask_login import current_user
from pydantic import AwareDatetime, Field

from examapp import access, db
from examapp.api.openapi import XLSX, Body, documented
from examapp.auth import policy
from examapp.auth.login import client_address
from examapp.contests import boards, definitions, integrity, limits, registration, results, stream
from examapp.contests.definitions import ContestSpec, RoundSpec, UnitSpec, contest_dict
from examapp.contests.responses import (
    BoardView,
    ContestCreated,
    ContestView,
    Integrity,
    MyPlace,
    Participation,
    PredictionGiven,
    Registered,
    ResultsDocument,
    ResultsPublished,
    Returned,
    UnitBoard,
)
from examapp.db import utcnow
from examapp.exams.api import ExamBody, exam_spec
from examapp.exams.definitions import iso

api = Blueprint("contests_api", __name__, url_prefix="/api/v1")


class RoundBody(Body):
    name: str = Field(min_length=1, max_length=200)
    opens_at: AwareDatetime = Field(strict=False)
    closes_at: AwareDatetime = Field(strict=False)


class PredictionBody(Body):
    question: str = Field(min_length=1, max_length=500)
    target: Literal["all_correct_entries", "participants"]


class UnitBody(Body):
    name: str = Field(min_length=1, max_length=200)
    quota: int | None = Field(default=None, ge=1, le=1_000_000)


class ContestBody(ExamBody):
    registration_opens_at: AwareDatetime | None = Field(default=None, strict=False)
    registration_closes_at: AwareDatetime | None = Field(default=None, strict=False)
    rounds: list[RoundBody] = Field(default_factory=list, max_length=definitions.MAX_ROUNDS)
    tries_per_round: int = Field(default=1, ge=1, le=definitions.MAX_TRIES)
    units: list[UnitBody | str] = Field(default_factory=list, max_length=definitions.MAX_UNITS)
    fields: list[Literal["birth_year", "gender", "workplace", "email", "id_number"]] = Field(
        default_factory=list, max_length=5)
    prediction: PredictionBody | None = None
    freeze_at: AwareDatetime | None = Field(default=None, strict=False)
    prizes: int = Field(default=3, ge=0, le=definitions.MAX_PRIZES)


@api.route("/contests", methods=["POST"])
@access.allow(policy.can_define_exams)
@documented("Define a contest: an exam of kind contest with rounds, units, a prediction and prizes",
            body=ContestBody, response=ContestCreated, status=201,
            errors={403: "a trainer on another trainer's bank"})
def create_contest(body: ContestBody):
    spec = ContestSpec(
        exam=exam_spec(body), rounds=[RoundSpec(r.name, r.opens_at, r.closes_at) for r in body.rounds],
        registration_opens_at=body.registration_opens_at, registration_closes_at=body.registration_closes_at,
        tries_per_round=body.tries_per_round,
        units=[UnitSpec(u) if isinstance(u, str) else UnitSpec(u.name, u.quota) for u in body.units],
        fields=list(body.fields), prediction_question=body.prediction and body.prediction.question,
        prediction_target=body.prediction and body.prediction.target, freeze_at=body.freeze_at,
        prizes=body.prizes)
    contest = definitions.create_contest(db.session(), spec, current_user)
    return {"id": contest.id}, 201


@api.route("/contests/<int:contest_id>", methods=["GET"])
@access.public
@documented("A contest's rules, rounds and registration, as its public page shows them", response=ContestView)
def get_contest(contest_id: int):
    return contest_dict(definitions.get_contest(db.session(), contest_id))


class RegisterBody(Body):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=1, max_length=30)
    unit: str = Field(min_length=1, max_length=200)
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    gender: str | None = Field(default=None, min_length=1, max_length=20)
    workplace: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, min_length=3, max_length=200)
    id_number: str | None = Field(default=None, min_length=1, max_length=20)


@api.route("/contests/<int:contest_id>/register", methods=["POST"])
@access.public
@documented("Register without an account; the token is a bearer token for the tries", body=RegisterBody,
            response=Registered, status=201,
            errors={409: "registration is closed, or the phone number is registered already",
                    429: "too many registrations from this address or for this phone"})
def register(contest_id: int, body: RegisterBody):
    s = db.session()
    definitions.get_contest(s, contest_id)
    limits.count_registration(contest_id, body.phone)
    details = {k: v for k, v in body.model_dump(exclude={"name", "phone", "unit"}).items() if v is not None}
    done = registration.register(s, contest_id, registration.Registration(body.name, body.phone, body.unit,
                                                                          details),
                                 utcnow(), client_address())
    return {"token": done.token, "participant_id": done.participant.id, "return_code": done.return_code}, 201


class ReturnBody(Body):
    phone: str = Field(min_length=1, max_length=30)
    return_code: str = Field(min_length=1, max_length=20)


@api.route("/contests/<int:contest_id>/return", methods=["POST"])
@access.public
@documented("Come back on another device with the phone number and the one-time return code",
            body=ReturnBody, response=Returned,
            errors={404: "no registration with this phone and return code",
                    429: "too many tries for this phone"})
def come_back(contest_id: int, body: ReturnBody):
    limits.count_registration(contest_id, body.phone)
    token, code = registration.come_back(db.session(), contest_id, body.phone, body.return_code)
    return {"token": token, "return_code": code}


class PredictBody(Body):
    round: int | None = Field(default=None, ge=1, le=definitions.MAX_ROUNDS)
    value: int = Field(ge=0, le=10**12)


@api.route("/contests/<int:contest_id>/prediction", methods=["POST"])
@access.allow(policy.takes_contests)
@documented("Give the round's prediction: once, before the round's first try", body=PredictBody,
            response=PredictionGiven, status=201,
            errors={409: "no prediction in this contest, the round is not open, or it is given already"})
def predict(contest_id: int, body: PredictBody):
    s = db.session()
    prediction = registration.predict(s, contest_id, current_user.id, body.value, utcnow(), body.round)
    number = next(r.number for r in definitions.get_contest(s, contest_id).rounds
                  if r.id == prediction.round_id)
    return {"round": number, "value": prediction.value, "given_at": iso(prediction.given_at)}, 201


class BoardQuery(Body):
    limit: int = Field(default=10, ge=1, le=100)
    round: int | None = Field(default=None, ge=1, le=definitions.MAX_ROUNDS)
    unit: str | None = Field(default=None, min_length=1, max_length=200)


def _frozen(contest) -> bool:
    return contest.freeze_at is not None and utcnow() >= contest.freeze_at


@api.route("/contests/<int:contest_id>/leaderboard", methods=["GET"])
@access.public
@documented("The board: overall, of a round, or of one unit", query=BoardQuery, response=BoardView)
def leaderboard(contest_id: int, query: BoardQuery):
    key = ("top", contest_id, query.limit, query.round, query.unit and definitions.unit_key(query.unit))
    seconds = current_app.config["BOARD_CACHE_SECONDS"]
    return boards.remembered(key, lambda: _board(contest_id, query), seconds)


def _board(contest_id: int, query: BoardQuery) -> dict:
    s = db.session()
    contest = definitions.get_contest(s, contest_id)
    number = definitions.find_round(contest, query.round, utcnow()).number if query.round else None
    unit_id = None
    if query.unit is not None:
        unit = definitions.unit_for(s, contest, query.unit, add=False)
        if unit is None:
            return {"entries": [], "total": 0, "frozen": _frozen(contest), "round": number}
        unit_id = unit.id
    view = boards.read_board(s, contest, query.limit, number, unit_id)
    return {"entries": [line.as_dict() for line in view.board.lines], "total": view.board.total,
            "frozen": _frozen(contest), "round": number}


class MeQuery(Body):
    round: int | None = Field(default=None, ge=1, le=definitions.MAX_ROUNDS)


@api.route("/contests/<int:contest_id>/leaderboard/me", methods=["GET"])
@access.allow(policy.takes_contests)
@documented("My place on the board, with my neighbours", query=MeQuery, response=MyPlace)
def my_place(contest_id: int, query: MeQuery):
    s = db.session()
    known = current_app.extensions.setdefault("examapp.participant_ids", {})
    participant_id = registration.participant_id_of(s, contest_id, current_user.id, known)
    found = boards.quick_around(contest_id, participant_id) if query.round is None else None
    if found is None:
        contest = definitions.get_contest(s, contest_id)
        number = definitions.find_round(contest, query.round, utcnow()).number if query.round else None
        found = boards.read_around(s, contest, participant_id, number)
    mine, around = found
    return {"rank": mine and mine.rank, "score": mine and float(mine.score),
            "around": [line.as_dict() for line in around]}


class UnitsQuery(Body):
    by: Literal["participants", "mean", "winners"] = "participants"


@api.route("/contests/<int:contest_id>/leaderboard/units", methods=["GET"])
@access.public
@documented("Units ranked by participants, by mean score, or by winners", query=UnitsQuery,
            response=UnitBoard)
def unit_board(contest_id: int, query: UnitsQuery):
    s = db.session()
    contest = definitions.get_contest(s, contest_id)
    return {"by": query.by, "units": boards.unit_table(s, contest, query.by)}


@api.route("/contests/<int:contest_id>/leaderboard/stream", methods=["GET"])
@access.public
@documented("The board live, by Server-Sent Events: event `board` with the top entries, at most once a "
            "second; 503 where streams are not served (poll the board instead)",
            media_type="text/event-stream", errors={503: "streams are served by the stream workers"})
def board_stream(contest_id: int):
    definitions.get_contest(db.session(), contest_id)
    if not stream.streams_allowed():
        raise stream.StreamsElsewhere()
    hub = stream.hub()
    mailbox = hub.join(contest_id)
    first = hub.board(contest_id)
    return Response(stream.events(contest_id, first, mailbox, float(current_app.config["STREAM_SECONDS"])),
                    mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


class ResultsBody(Body):
    round: int | None = Field(default=None, ge=1, le=definitions.MAX_ROUNDS)
    target: int | None = Field(default=None, ge=0, le=10**12)


@api.route("/contests/<int:contest_id>/results", methods=["POST"])
@access.allow(policy.can_define_exams)
@documented("Compute and publish a round's results (or, without a round, the whole contest's): frozen, "
            "with the SHA-256 of their inputs", body=ResultsBody, response=ResultsPublished, status=201,
            errors={403: "not this contest's organiser", 409: "not closed yet, or published already"})
def publish_results(contest_id: int, body: ResultsBody):
    result = results.publish(db.session(), contest_id, current_user, utcnow(), body.round, body.target)
    return results.summary(result), 201


class RoundQuery(Body):
    round: int | None = Field(default=None, ge=1, le=definitions.MAX_ROUNDS)


@api.route("/contests/<int:contest_id>/results", methods=["GET"])
@access.public
@documented("Published results of a round, or of the whole contest without `round`", query=RoundQuery,
            response=ResultsDocument, errors={404: "not published yet"})
def get_results(contest_id: int, query: RoundQuery):
    result = results.published(db.session(), contest_id, query.round)
    return {**result.document, "published_at": iso(result.published_at)}


@api.route("/contests/<int:contest_id>/results.xlsx", methods=["GET"])
@access.allow(policy.can_define_exams)
@documented("Published results as a spreadsheet: ranking, units (cells safe from formula injection)",
            query=RoundQuery, media_type=XLSX, errors={403: "not this contest's organiser",
                                                         404: "not published yet"})
def results_xlsx(contest_id: int, query: RoundQuery):
    s = db.session()
    results.organiser_contest(s, contest_id, current_user)
    result = results.published(s, contest_id, query.round)
    name = f"contest-{contest_id}-{'round-' + str(query.round) if query.round else 'overall'}.xlsx"
    return Response(results.workbook(result.document), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@api.route("/contests/<int:contest_id>/participation", methods=["GET"])
@access.allow(policy.can_define_exams)
@documented("Participation per unit per round against each unit's quota", response=Participation,
            errors={403: "not this contest's organiser"})
def participation(contest_id: int):
    s = db.session()
    contest = results.organiser_contest(s, contest_id, current_user)
    return {"rounds": results.participation(s, contest)}


@api.route("/contests/<int:contest_id>/integrity", methods=["GET"])
@access.allow(policy.can_define_exams)
@documented("Integrity signals for organisers (shown, never disqualifying)", response=Integrity,
            errors={403: "not this contest's organiser"})
def integrity_signals(contest_id: int):
    s = db.session()
    return integrity.signals(s, results.organiser_contest(s, contest_id, current_user))

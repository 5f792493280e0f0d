"""The contest's public pages, phone first: the landing page with its rules, rounds and countdown;
registration; coming back on another device; the round's prediction; the live board; my results.

Registering (or coming back) logs the browser in as the participant, so the tries are taken on the
exam pages themselves (paper_pages).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from examapp import access, db
from examapp.auth import policy
from examapp.auth.login import client_address
from examapp.auth.models import User
from examapp.auth.sessions import start_session
from examapp.contests import boards, definitions, limits, registration
from examapp.contests.errors import ContestError
from examapp.contests.forms import FIELD_LABELS, PredictionForm, RegisterForm, ReturnForm
from examapp.contests.models import Contest, Entry, Participant, Prediction
from examapp.db import utcnow
from examapp.messages import translated

bp = Blueprint("contest_pages", __name__, url_prefix="/contests")


def _participant(contest: Contest) -> Participant | None:
    if not current_user.is_authenticated or not policy.takes_contests(current_user):
        return None
    return db.session().scalar(select(Participant).where(Participant.contest_id == contest.id,
                                                         Participant.user_id == current_user.id))


@bp.route("/<int:contest_id>")
@access.public
def landing(contest_id: int):
    s = db.session()
    contest = definitions.get_contest(s, contest_id)
    now = utcnow()
    return render_template("contests/landing.html", contest=contest, now=now,
                           current=definitions.round_at(contest, now),
                           upcoming=next((r for r in contest.rounds if r.opens_at > now), None),
                           rule=[translated(step) for step in definitions.ranking_rule(contest)],
                           me=_participant(contest),
                           board=boards.read_board(s, contest, 10).board)


def _details(contest: Contest, form: RegisterForm) -> dict:
    return {name: getattr(form, name).data for name in contest.fields
            if getattr(form, name).data not in (None, "")}


@bp.route("/<int:contest_id>/register", methods=["GET", "POST"])
@access.public
def register(contest_id: int):
    s = db.session()
    contest = definitions.get_contest(s, contest_id)
    form = RegisterForm()
    problem, status, headers = None, 200, {}
    if form.validate_on_submit():
        try:
            limits.count_registration(contest.id, form.phone.data)
            done = registration.register(s, contest.id, registration.Registration(
                form.name.data, form.phone.data, form.unit.data, _details(contest, form)),
                utcnow(), client_address())
        except ContestError as exc:
            db.settle(exc)
            problem, status = translated(exc), exc.status
            if exc.retry_after:
                headers["Retry-After"] = str(exc.retry_after)
        else:
            start_session(s.get(User, done.participant.user_id))
            return render_template("contests/registered.html", contest=contest, code=done.return_code,
                                   participant=done.participant), 201
    elif form.is_submitted():
        status = 400
    return render_template("contests/register.html", contest=contest, form=form, problem=problem,
                           labels=FIELD_LABELS), status, headers


@bp.route("/<int:contest_id>/return", methods=["GET", "POST"])
@access.public
def come_back(contest_id: int):
    s = db.session()
    contest = definitions.get_contest(s, contest_id)
    form = ReturnForm()
    problem, status, headers = None, 200, {}
    if form.validate_on_submit():
        try:
            limits.count_registration(contest.id, form.phone.data)
            _token, code = registration.come_back(s, contest.id, form.phone.data, form.return_code.data)
        except ContestError as exc:
            problem, status = translated(exc), exc.status
            if exc.retry_after:
                headers["Retry-After"] = str(exc.retry_after)
        else:
            participant = s.scalar(select(Participant).where(
                Participant.contest_id == contest.id,
                Participant.phone == registration.normalise_phone(form.phone.data)))
            start_session(s.get(User, participant.user_id))
            return render_template("contests/registered.html", contest=contest, code=code,
                                   participant=participant, returned=True)
    elif form.is_submitted():
        status = 400
    return render_template("contests/return.html", contest=contest, form=form, problem=problem), \
        status, headers


@bp.route("/<int:contest_id>/play", methods=["GET", "POST"])
@access.allow(policy.takes_contests)
def play(contest_id: int):
    """The way to a try: the round's prediction first when the contest has one, then the exam page."""
    s = db.session()
    contest = definitions.get_contest(s, contest_id)
    participant = registration.participant_of(s, contest.id, current_user.id)
    now = utcnow()
    rnd = definitions.round_at(contest, now)
    given = rnd and s.scalar(select(Prediction).where(Prediction.participant_id == participant.id,
                                                      Prediction.round_id == rnd.id))
    if not contest.prediction_target or rnd is None or given is not None:
        return redirect(url_for("paper_pages.start_page", exam_id=contest.id))
    form = PredictionForm()
    problem, status = None, 200
    if form.validate_on_submit():
        try:
            registration.predict(s, contest.id, current_user.id, form.value.data, now)
        except ContestError as exc:
            problem, status = translated(exc), exc.status
        else:
            return redirect(url_for("paper_pages.start_page", exam_id=contest.id))
    elif form.is_submitted():
        status = 400
    return render_template("contests/predict.html", contest=contest, round=rnd, form=form,
                           problem=problem), status


@bp.route("/<int:contest_id>/board")
@access.public
def board(contest_id: int):
    s = db.session()
    contest = definitions.get_contest(s, contest_id)
    me = _participant(contest)
    mine, around = boards.read_around(s, contest, me.id) if me else (None, [])
    frozen = contest.freeze_at is not None and utcnow() >= contest.freeze_at
    return render_template("contests/board.html", contest=contest, view=boards.read_board(s, contest, 20),
                           mine=mine, around=around, frozen=frozen,
                           units=boards.unit_table(s, contest, "participants")[:10])


@bp.route("/<int:contest_id>/me")
@access.allow(policy.takes_contests)
def my_results(contest_id: int):
    s = db.session()
    contest = definitions.get_contest(s, contest_id)
    participant = registration.participant_of(s, contest.id, current_user.id)
    mine = {e.round_id: e for e in s.scalars(select(Entry).where(Entry.participant_id == participant.id))}
    predictions = {p.round_id: p.value for p in s.scalars(
        select(Prediction).where(Prediction.participant_id == participant.id))}
    place, _around = boards.read_around(s, contest, participant.id)
    return render_template("contests/me.html", contest=contest, participant=participant, entries=mine,
                           predictions=predictions, place=place)

"""Taking an exam: my exams, the start page, the paper (with and without JavaScript), submitting
and the result."""

from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from examapp import access, admission, db
from examapp.db import utcnow
from examapp.exams import answers, errors, finalising, room_codes
from examapp.exams import attempts as exam_attempts
from examapp.exams import candidates as exam_candidates
from examapp.exams.errors import ExamError, TooManyRoomCodes
from examapp.exams.forms import (
    ConfirmForm,
    StartForm,
)
from examapp.exams.models import IN_PROGRESS, Attempt
from examapp.messages import translated

bp = Blueprint("paper_pages", __name__)

FINISHED_BY_LABELS = {"candidate": _l("submitted by you"), "deadline": _l("submitted when the time ran out"),
                      "proctor": _l("ended by the proctor"), "room_closed": _l("ended when the room closed")}
# How the candidate's result for the exam comes from their attempts, as they read it.
RESULT_BY = {"highest": _l("Your highest attempt counts."), "last": _l("Your last attempt counts."),
             "first": _l("Your first attempt counts."),
             "average": _l("The average of your attempts counts.")}


def _grace() -> float:
    return float(current_app.config["GRACE_SECONDS"])


def _own_attempt(attempt_id: int) -> Attempt:
    """The signed-in user's own attempt (finalised first if its time ran out), else 404."""
    s = db.session()
    attempt = exam_attempts.attempt_for_user(s, attempt_id, current_user, utcnow(), _grace())
    if attempt.user_id != current_user.id:
        abort(404)
    return attempt


@bp.route("/my-exams")
@access.authenticated
def my_exams():
    exams = exam_candidates.exams_for_candidate(db.session(), current_user, utcnow())
    return render_template("exams/mine.html", exams=exams, result_by=RESULT_BY)


@bp.route("/my-exams/<int:exam_id>", methods=["GET", "POST"])
@admission.sheds_when_busy
@access.authenticated
def start_page(exam_id: int):
    s = db.session()
    entry = exam_candidates.candidate_exam(s, exam_id, current_user, utcnow())
    form = StartForm()
    problem = None
    status = 200
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            attempt, _created = room_codes.limited(
                exam_id, current_user.id, lambda: exam_attempts.start_attempt(
                    s, exam_id, current_user, utcnow(), form.room_code.data, _grace()))
        except ExamError as exc:
            db.settle(exc)
            problem, status = translated(exc), exc.status
            if isinstance(exc, TooManyRoomCodes):
                headers["Retry-After"] = str(exc.retry_after)
        else:
            return redirect(url_for(".paper", attempt_id=attempt.id))
    return render_template("exams/start.html", entry=entry, form=form, problem=problem), status, headers


def _paper_strings() -> dict[str, str]:
    """The words exam.js shows, in the reader's language."""
    return {
        "saved": _("Saved"), "saving": _("Saving…"), "unsaved": _("Not saved — retrying"),
        "refused": _("Not saved:"), "not_answered": _("Not answered"),
        "all_saved": _("All answers saved"), "unsaved_1": _("1 answer not saved — retrying"),
        "unsaved_n": _("{n} answers not saved — retrying"),
        "retrying": _("Not saved — retrying. Keep this page open; your answers are kept here."),
        "logged_out": _("You have been logged out. Log in again in a new tab; your answers are kept here."),
        "answered": _("answered"), "unanswered": _("not answered"), "flagged": _("flagged"),
        "flag": _("Flag for review"), "unflag": _("Remove flag"),
        "five_minutes": _("5 minutes left."), "one_minute": _("1 minute left."),
        "time_up": _("Time is up. Submitting your paper…"), "submitting": _("Submitting your paper…"),
        "submit_retrying": _("Not submitted yet — retrying. Keep this page open."),
    }


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@access.authenticated
def paper(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status != IN_PROGRESS:
        return redirect(url_for(".result", attempt_id=attempt.id))
    if request.method == "POST":
        return _save_posted(attempt)
    view = exam_attempts.attempt_paper(db.session(), attempt, utcnow())
    # Without JavaScript the page reloads itself at the deadline and then shows the result.
    refresh = max(math.ceil((attempt.deadline - view.server_time).total_seconds() + _grace()), 1)
    return render_template("exams/paper.html", view=view, attempt=attempt, exam=attempt.exam,
                           grace=_grace(), strings=_paper_strings(), refresh_seconds=refresh)


def _posted_answers(form: MultiDict, question_ids: set[int]) -> dict[int, tuple[list[int], bool]]:
    """Selections and flags of the questions the posted form showed; a malformed one is a 400."""
    posted = {}
    for raw in form.getlist("shown"):
        if not raw.isdigit() or int(raw) not in question_ids:
            abort(400, _("The form names a question that is not on this paper."))
        qid = int(raw)
        values = form.getlist(f"q{qid}")
        if not all(v.isdigit() for v in values):
            abort(400, _("The form sent an option that is not a number."))
        posted[qid] = (sorted(int(v) for v in values), f"flag{qid}" in form)
    return posted


def _save_posted(attempt: Attempt):
    """The paper without JavaScript: save each changed question, then save or go to submitting."""
    s = db.session()
    view = exam_attempts.attempt_paper(s, attempt, utcnow())
    posted = _posted_answers(request.form, {q.id for q in view.questions})
    saved = 0
    try:
        for qid, (options, flagged) in posted.items():
            before = view.answers.get(qid)
            if before is not None and sorted(before.options) == options and before.flagged == flagged:
                continue
            if before is None and not options and not flagged:
                continue
            answers.save_answer(s, attempt.id, current_user.id, qid, utcnow(), _grace(),
                                options=options, flagged=flagged)
            saved += 1
    except errors.DeadlinePassed:
        flash(_("Time was up: your paper was graded with the answers saved before the deadline."), "error")
        return redirect(url_for(".result", attempt_id=attempt.id), 303)
    if request.form.get("action") == "submit":
        return redirect(url_for(".confirm_submit", attempt_id=attempt.id), 303)
    flash(_("Answers saved (%(n)s changed).", n=saved), "success")
    return redirect(url_for(".paper", attempt_id=attempt.id), 303)


@bp.route("/attempts/<int:attempt_id>/submit", methods=["GET", "POST"])
@access.authenticated
def confirm_submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status != IN_PROGRESS:
        return redirect(url_for(".result", attempt_id=attempt.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        s = db.session()
        finalising.submit_attempt(s, attempt.id, current_user.id, utcnow(), _grace())
        return redirect(url_for(".result", attempt_id=attempt.id), 303)
    view = exam_attempts.attempt_paper(db.session(), attempt, utcnow())
    answered = [q for q in view.questions if view.answers.get(q.id) and view.answers[q.id].options]
    flagged = [q for q in view.questions if view.answers.get(q.id) and view.answers[q.id].flagged]
    return render_template("exams/confirm_submit.html", attempt=attempt, view=view, form=form,
                           answered=len(answered), flagged=flagged,
                           unanswered=[q for q in view.questions if q not in answered])


@bp.route("/attempts/<int:attempt_id>/result")
@access.authenticated
def result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status == IN_PROGRESS:
        return redirect(url_for(".paper", attempt_id=attempt.id))
    now = utcnow()
    outcome = exam_attempts.attempt_result(db.session(), attempt, now)
    try:  # what the candidate may do next; staff reading someone's result have no such entry
        entry = exam_candidates.candidate_exam(db.session(), attempt.exam_id, current_user, now)
    except ExamError:
        entry = None
    return render_template("exams/result.html", attempt=attempt, exam=attempt.exam, outcome=outcome,
                           entry=entry, finished_by_label=FINISHED_BY_LABELS.get(attempt.finished_by),
                           result_by=RESULT_BY)

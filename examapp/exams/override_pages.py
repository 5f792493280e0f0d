"""Pages for what a proctor changes for one candidate: their override (own window, extra time, extra
attempts; from the exam's Candidates page) and reopening an attempt ended early (from the exam room).
Every change goes through examapp.exams.overrides."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from examapp import access, db
from examapp.auth import policy
from examapp.db import utcnow
from examapp.exams import definitions, overrides
from examapp.exams import room as exam_room
from examapp.exams.errors import ExamError
from examapp.exams.forms import ConfirmForm, OverrideForm, to_local, to_utc
from examapp.exams.models import Exam
from examapp.messages import translated

bp = Blueprint("override_pages", __name__)



def _exam(exam_id: int, room: bool = False) -> Exam:
    return definitions.exam_for_staff(db.session(), exam_id, current_user, room=room)


@bp.route("/exams/<int:exam_id>/candidates/<username>/override", methods=["GET", "POST"])
@access.allow(policy.can_see_exams)
def override_page(exam_id: int, username: str):
    exam = _exam(exam_id)
    s = db.session()
    current = overrides.override_of(s, exam, username)
    form = OverrideForm() if request.method == "POST" else OverrideForm(data={
        "opens_at": to_local(current.opens_at), "closes_at": to_local(current.closes_at),
        "extra_minutes": current.extra_minutes, "extra_attempts": current.extra_attempts})
    problem = None
    status = 200
    if form.validate_on_submit():
        changes = {"opens_at": to_utc(form.opens_at.data), "closes_at": to_utc(form.closes_at.data),
                   "extra_minutes": float(form.extra_minutes.data or 0),
                   "extra_attempts": form.extra_attempts.data or 0}
        try:
            done = overrides.set_override(s, exam, username, changes, current_user.id, utcnow())
        except ExamError as exc:
            db.settle(exc)
            problem, status = translated(exc), exc.status
        else:
            if done.changed:
                flash(_("The override for %(user)s is saved.", user=current.full_name or username),
                      "success")
            else:
                flash(_("Nothing was changed."), "success")
            return redirect(url_for("candidate_pages.candidates_page", exam_id=exam.id), 303)
    elif form.is_submitted():
        status = 400
    return render_template("exams/override.html", exam=exam, override=current, form=form, problem=problem,
                           now=utcnow()), status


@bp.route("/exams/<int:exam_id>/room/reopen/<int:attempt_id>", methods=["POST"])
@access.allow(policy.can_run_rooms)
def reopen(exam_id: int, attempt_id: int):
    exam = _exam(exam_id, room=True)
    s = db.session()
    attempt = exam_room.attempt_in_room(s, exam, attempt_id)
    who = attempt.user.full_name or attempt.user.username
    form = ConfirmForm()
    if not (form.validate_on_submit() and form.confirmed.data):
        return render_template("exams/confirm.html", form=form,
                               question=_("Reopen %(user)s's attempt with the time it had left when it "
                                          "ended? Their saved answers are kept.", user=who),
                               action=url_for(".reopen", exam_id=exam.id, attempt_id=attempt.id),
                               back=request.referrer or url_for("room_pages.room", exam_id=exam.id))
    reopened = overrides.reopen_attempt(s, attempt.id, current_user.id, utcnow())
    flash(_("%(user)s's attempt is open again until %(time)s.", user=who,
            time=format_datetime(reopened.deadline, "HH:mm:ss")), "success")
    return redirect(url_for("room_pages.room", exam_id=exam.id), 303)

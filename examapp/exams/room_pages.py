"""The exam room for proctors: progress of every candidate, extra time, force-submit, closing."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from examapp import access, db
from examapp.auth import policy
from examapp.db import utcnow
from examapp.exams import definitions
from examapp.exams import room as exam_room
from examapp.exams.forms import (
    GRADING_CHOICES,
    ConfirmForm,
    ExtendForm,
)
from examapp.exams.models import Exam
from examapp.exams.pages import confirmation_page

bp = Blueprint("room_pages", __name__)

STATE_LABELS = {"not_started": _l("Not started"), "in_progress": _l("In progress"),
                "submitted": _l("Submitted")}


def _staff_exam(exam_id: int, room: bool = False) -> Exam:
    return definitions.exam_for_staff(db.session(), exam_id, current_user, room=room)


@bp.route("/exams/<int:exam_id>/room")
@access.allow(policy.can_run_rooms)
def room(exam_id: int):
    exam = _staff_exam(exam_id, room=True)
    now = utcnow()
    candidates = exam_room.room_status(db.session(), exam, now)
    template = "exams/_room_table.html" if request.args.get("part") == "table" else "exams/room.html"
    counts = {state: sum(1 for c in candidates if c.state == state)
              for state in ("not_started", "in_progress", "submitted")}
    return render_template(template, exam=exam, candidates=candidates, counts=counts, now=now,
                           state_labels=STATE_LABELS, confirm_form=ConfirmForm(),
                           grading_label=dict(GRADING_CHOICES)[exam.grading])


@bp.route("/exams/<int:exam_id>/room/extend/<username>", methods=["POST"])
@access.allow(policy.can_run_rooms)
def extend(exam_id: int, username: str):
    exam = _staff_exam(exam_id, room=True)
    form = ExtendForm()
    if not form.validate_on_submit():
        flash(_("Give the extra time as a number of minutes (at least 0.5)."), "error")
        return redirect(url_for(".room", exam_id=exam.id), 303)
    s = db.session()
    line = exam_room.extend_time(s, exam, username, float(form.minutes.data), current_user.id, utcnow())
    flash(_("%(user)s has %(minutes)s more minutes.", user=line.full_name or line.username,
            minutes=form.minutes.data), "success")
    return redirect(url_for(".room", exam_id=exam.id), 303)


@bp.route("/exams/<int:exam_id>/room/force-submit/<int:attempt_id>", methods=["POST"])
@access.allow(policy.can_run_rooms)
def force_submit(exam_id: int, attempt_id: int):
    exam = _staff_exam(exam_id, room=True)
    s = db.session()
    attempt = exam_room.attempt_in_room(s, exam, attempt_id)
    who = attempt.user.full_name or attempt.user.username
    asking = confirmation_page(ConfirmForm(),
                               _("End %(user)s's attempt now and grade what was saved?", user=who),
                               url_for(".force_submit", exam_id=exam.id, attempt_id=attempt.id))
    if asking is not None:
        return asking
    exam_room.force_submit(s, attempt.id, current_user.id, utcnow())
    flash(_("%(user)s's attempt was submitted.", user=who), "success")
    return redirect(url_for(".room", exam_id=exam.id), 303)


@bp.route("/exams/<int:exam_id>/room/close", methods=["POST"])
@access.allow(policy.can_run_rooms)
def close(exam_id: int):
    exam = _staff_exam(exam_id, room=True)
    asking = confirmation_page(ConfirmForm(),
                        _("Close “%(title)s” now? Every attempt in progress is submitted with what was "
                          "saved, and nobody can start any more.", title=exam.title),
                        url_for(".close", exam_id=exam.id))
    if asking is not None:
        return asking
    s = db.session()
    finished = exam_room.close_room(s, exam, current_user.id, utcnow())
    flash(_("The room is closed; %(n)s attempts in progress were submitted.", n=finished), "success")
    return redirect(url_for(".room", exam_id=exam.id), 303)

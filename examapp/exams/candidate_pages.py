"""The exam's Candidates page: assigning by usernames, unit or file, and extra time for one."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from examapp import access, db
from examapp.auth import policy
from examapp.db import utcnow
from examapp.exams import candidates as exam_candidates
from examapp.exams import definitions
from examapp.exams import room as exam_room
from examapp.exams.candidates import CandidateRow
from examapp.exams.errors import ExamError
from examapp.exams.forms import (
    GRADING_CHOICES,
    CandidatesForm,
    ExtraTimeForm,
)
from examapp.exams.models import Exam
from examapp.exams.room_pages import STATE_LABELS
from examapp.messages import translated
from examapp.orgs.service import unit_tree

bp = Blueprint("candidate_pages", __name__)



def _staff_exam(exam_id: int, room: bool = False) -> Exam:
    return definitions.exam_for_staff(db.session(), exam_id, current_user, room=room)


def _unit_choices() -> list[tuple[str, str]]:
    choices = [("", str(_l("— no unit —")))]

    def walk(nodes, depth: int) -> None:
        for node in nodes:
            choices.append((node.code, "\u00a0\u00a0\u00a0" * depth + f"{node.name} ({node.code})"))
            walk(node.children, depth + 1)

    walk(unit_tree(db.session()), 0)
    return choices


def _usernames(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for name in re.split(r"[\s,;]+", text or ""):
        if name:
            seen.setdefault(name, None)
    return list(seen)


def _assign(exam: Exam, form: CandidatesForm) -> list[exam_candidates.AssignResult]:
    """Apply every way of assigning the form was filled with; all or nothing."""
    s = db.session()
    extra = float(form.extra_minutes.data) if form.extra_minutes.data else None
    rows = [CandidateRow(name, extra) for name in _usernames(form.usernames.data)]
    upload = form.file.data
    if upload and upload.filename:
        for row in exam_candidates.read_candidate_file(upload.read(), upload.filename):
            rows.append(row if row.extra_minutes is not None or extra is None
                        else CandidateRow(row.username, extra))
    results = []
    if rows:
        results.append(exam_candidates.assign_candidates(s, exam, rows, current_user.id))
    if form.unit.data:
        results.append(exam_candidates.assign_unit(s, exam, form.unit.data, current_user.id, extra))
    return results


@bp.route("/exams/<int:exam_id>/candidates", methods=["GET", "POST"])
@access.allow(policy.can_see_exams)
def candidates_page(exam_id: int):
    exam = _staff_exam(exam_id)
    form = CandidatesForm()
    form.unit.choices = _unit_choices()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            results = _assign(exam, form)
        except ExamError as exc:
            db.settle(exc)
            problems = [translated(exc)]
            status = exc.status
        else:
            if not results:
                problems = [_("Type usernames, choose a unit or upload a file.")]
                status = 400
            else:
                added = sum(len(r.added) for r in results)
                updated = sum(len(r.updated) for r in results)
                flash(_("%(added)s candidates added, %(updated)s updated; the exam has %(total)s.",
                        added=added, updated=updated, total=results[-1].total), "success")
                return redirect(url_for(".candidates_page", exam_id=exam.id))
    elif form.is_submitted():
        status = 400
    candidates = exam_room.room_status(db.session(), exam, utcnow())
    return render_template("exams/candidates.html", exam=exam, form=form, problems=problems,
                           candidates=candidates, state_labels=STATE_LABELS,
                           grading_label=dict(GRADING_CHOICES)[exam.grading]), status


@bp.route("/exams/<int:exam_id>/candidates/<username>/extra-time", methods=["POST"])
@access.allow(policy.can_see_exams)
def set_extra_time(exam_id: int, username: str):
    exam = _staff_exam(exam_id)
    form = ExtraTimeForm()
    if not form.validate_on_submit():
        flash(_("Extra time must be a number of minutes from 0 to 1440."), "error")
        return redirect(url_for(".candidates_page", exam_id=exam.id), 303)
    s = db.session()
    exam_candidates.assign_candidates(s, exam, [CandidateRow(username, float(form.minutes.data))],
                              current_user.id)
    flash(_("%(user)s now has %(minutes)s extra minutes.", user=username, minutes=form.minutes.data),
          "success")
    return redirect(url_for(".candidates_page", exam_id=exam.id), 303)

"""Exam definition pages: the list, defining an exam, its page, editing and deleting it. The
template filters the exam pages share are registered here."""

from __future__ import annotations

import math
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from examapp import access, db
from examapp.auth import policy
from examapp.banks.models import QuestionBank, Topic
from examapp.db import utcnow
from examapp.exams import definitions, editing, errors, papers
from examapp.exams.definitions import ExamSpec, RuleSpec
from examapp.exams.errors import ExamError, ExamInvalid
from examapp.exams.forms import (
    DIFFICULTY_CHOICES,
    GRADING_CHOICES,
    REVIEW_CHOICES,
    ConfirmForm,
    ExamForm,
    to_local,
    to_utc,
)
from examapp.exams.models import Exam
from examapp.messages import translated

bp = Blueprint("exam_pages", __name__)

# True/false options are stored in English and shown in the reader's language.
TRUE_FALSE = {"True": _l("True"), "False": _l("False")}


@bp.app_template_filter("option_text")
def option_text(text: str, question_type: str) -> str:
    return str(TRUE_FALSE.get(text, text)) if question_type == "true_false" else text


@bp.app_template_filter("number")
def number(value: Decimal | float | None) -> str:
    """A number without trailing zeros, in the reader's style (1,5 in Vietnamese)."""
    return format_decimal(Decimal(str(value or 0)).normalize())


@bp.app_template_filter("clock")
def clock(seconds: float | None) -> str:
    """Time left as the room shows it: 1:05:09 or 12:05."""
    total = max(math.ceil(seconds or 0), 0)
    hours, rest = divmod(total, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


@bp.app_template_filter("points")
def points_label(value: Decimal | float | None) -> str:
    return ngettext("%(points)s point", "%(points)s points", 1 if value == 1 else 2, points=number(value))


def _staff_exam(exam_id: int, room: bool = False) -> Exam:
    return definitions.exam_for_staff(db.session(), exam_id, current_user, room=room)


def _usable_banks() -> list[QuestionBank]:
    query = select(QuestionBank).order_by(QuestionBank.name)
    if not policy.can_administer(current_user):
        query = query.where(QuestionBank.owner_id == current_user.id)
    return list(db.session().scalars(query))


def _fill_choices(form: ExamForm, banks: list[QuestionBank]) -> None:
    form.bank_id.choices = [(b.id, b.name) for b in banks]
    topics = db.session().execute(
        select(Topic.name, QuestionBank.name).join(QuestionBank, Topic.bank_id == QuestionBank.id)
        .where(Topic.bank_id.in_([b.id for b in banks])).order_by(QuestionBank.name, Topic.name)
    ).all()
    grouped: dict[str, list[tuple[str, str]]] = {str(_l("All banks")): [("", str(_l("Any topic")))]}
    for topic, bank in topics:
        grouped.setdefault(bank, []).append((topic, topic))
    for row in form.rules:
        row.form.topic.choices = grouped


def _spec(form: ExamForm) -> ExamSpec:
    return ExamSpec(
        title=form.title.data.strip(),
        bank_id=form.bank_id.data,
        rules=[RuleSpec(count=r["count"], topic=r.get("topic"), difficulty=r.get("difficulty"),
                        points=r.get("points")) for r in form.filled_rules()],
        duration_minutes=float(form.duration_minutes.data),
        pass_percent=Decimal(form.pass_percent.data),
        max_attempts=form.max_attempts.data,
        opens_at=to_utc(form.opens_at.data),
        closes_at=to_utc(form.closes_at.data),
        shuffle_questions=form.shuffle_questions.data,
        shuffle_options=form.shuffle_options.data,
        room_code=(form.room_code.data or "").strip() or None,
        certificate=form.certificate.data,
        review_policy=form.review_policy.data,
        partial_credit=form.partial_credit.data,
        grading=form.grading.data,
        fresh_questions=form.fresh_questions.data,
    )


def _place_rule_problems(form: ExamForm, exc: ExamError) -> list[str]:
    """Put the service's problems about one rule next to that rule's row; the rest stay on top."""
    if not isinstance(exc, ExamInvalid):
        return [translated(exc)]
    filled = [row for row in form.rules if not row.form.is_blank()]
    rest = []
    for problem in exc.problems:
        rule = getattr(problem, "rule", None)
        if rule is not None and 1 <= rule <= len(filled):
            filled[rule - 1].form.count.errors.append(translated(problem))
        else:
            rest.append(translated(problem))
    return ["; ".join(rest)] if rest else [_("Fix the marked rules of the blueprint.")]


def confirmation_page(form: ConfirmForm, question: str, action: str):
    """None when the user confirmed; otherwise the page asking them to (shared by the exam pages)."""
    if form.validate_on_submit() and form.confirmed.data:
        return None
    return render_template("exams/confirm.html", question=question, action=action,
                           back=request.referrer or url_for("exam_pages.exams_page"), form=form)


@bp.route("/exams")
@access.allow(policy.can_see_exams)
def exams_page():
    exams = definitions.exams_for_staff(db.session(), current_user)
    return render_template("exams/list.html", exams=exams, now=utcnow(),
                           may_define=policy.can_define_exams(current_user))


@bp.route("/exams/new", methods=["GET", "POST"])
@access.allow(policy.can_define_exams)
def new_exam():
    banks = _usable_banks()
    form = ExamForm()
    _fill_choices(form, banks)
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        s = db.session()
        try:
            exam = definitions.create_exam(s, _spec(form), current_user)
        except ExamError as exc:
            db.settle(exc)
            problems = _place_rule_problems(form, exc)
            status = exc.status
        else:
            flash(_("Exam “%(title)s” saved.", title=exam.title), "success")
            return redirect(url_for(".exam_page", exam_id=exam.id))
    elif form.is_submitted():
        status = 400
    return render_template("exams/define.html", form=form, problems=problems, banks=banks), status


@bp.route("/exams/<int:exam_id>")
@access.allow(policy.can_see_exams)
def exam_page(exam_id: int):
    exam = _staff_exam(exam_id)
    return render_template("exams/detail.html", exam=exam, now=utcnow(),
                           review_label=dict(REVIEW_CHOICES)[exam.review_policy],
                           grading_label=dict(GRADING_CHOICES)[exam.grading],
                           difficulty_labels=dict(DIFFICULTY_CHOICES),
                           total_points=sum(r.count * r.points for r in exam.rules),
                           may_edit=policy.can_define_exams(current_user),
                           attempts=editing.attempt_count(db.session(), exam), confirm_form=ConfirmForm(),
                           papers=papers.paper_counts(db.session(), exam.id))


@bp.route("/exams/<int:exam_id>/papers", methods=["POST"])
@access.allow(policy.can_see_exams)
def draw_papers(exam_id: int):
    exam = _staff_exam(exam_id)
    s = db.session()
    try:
        drawn = papers.prepare_papers(s, exam)
    except ExamError as exc:
        db.settle(exc)
        flash(translated(exc), "error")
        return redirect(url_for(".exam_page", exam_id=exam.id), 303)
    flash(ngettext("%(num)s paper drawn ahead.", "%(num)s papers drawn ahead.", drawn), "success")
    return redirect(url_for(".exam_page", exam_id=exam.id), 303)


def _plain_decimal(value: Decimal | float) -> Decimal:
    """A number as the form shows it: 50 rather than 50.00 or 5E+1."""
    return Decimal(format(Decimal(str(value)).normalize(), "f"))


def _form_data(spec: ExamSpec) -> dict:
    """The edit form's fields filled from the exam's definition."""
    return {
        "title": spec.title, "bank_id": spec.bank_id,
        "rules": [{"topic": r.topic or "", "difficulty": r.difficulty or "", "count": r.count,
                   "points": None if r.points is None else _plain_decimal(r.points)} for r in spec.rules],
        "duration_minutes": _plain_decimal(spec.duration_minutes),
        "pass_percent": _plain_decimal(spec.pass_percent), "max_attempts": spec.max_attempts,
        "opens_at": to_local(spec.opens_at), "closes_at": to_local(spec.closes_at),
        "room_code": spec.room_code or "", "shuffle_questions": spec.shuffle_questions,
        "shuffle_options": spec.shuffle_options, "review_policy": spec.review_policy,
        "partial_credit": spec.partial_credit, "certificate": spec.certificate,
        "grading": spec.grading, "fresh_questions": spec.fresh_questions,
    }


def _changes(form: ExamForm, exam: Exam) -> dict:
    """Every field of the posted form as a change (the service ignores what stays the same); a time
    the form shows to the minute and left as it was keeps its stored seconds."""
    spec = _spec(form)
    changes = {name: getattr(spec, name) for name in editing.EDITABLE_FIELDS}
    for name in ("opens_at", "closes_at"):
        stored = getattr(exam, name)
        if stored is not None and changes[name] == stored.replace(second=0, microsecond=0):
            changes[name] = stored
    return changes


def _place_edit_problems(form: ExamForm, exc: ExamError) -> list[str]:
    """A field that may no longer change is marked where it is; other problems as when defining."""
    if not isinstance(exc, errors.ExamStarted):
        return _place_rule_problems(form, exc)
    for name in exc.fields:
        getattr(form, name).errors.append(_("This can no longer change: candidates have started the exam."))
    return [translated(exc)]


@bp.route("/exams/<int:exam_id>/edit", methods=["GET", "POST"])
@access.allow(policy.can_define_exams)
def edit_exam(exam_id: int):
    exam = _staff_exam(exam_id)
    s = db.session()
    banks = _usable_banks()
    form = ExamForm() if request.method == "POST" else ExamForm(data=_form_data(editing.spec_of(exam)))
    _fill_choices(form, banks)
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            update = editing.update_exam(s, exam, _changes(form, exam), current_user, utcnow())
        except ExamError as exc:
            db.settle(exc)
            problems = _place_edit_problems(form, exc)
            status = exc.status
        else:
            if not update.changed:
                flash(_("Nothing was changed."), "success")
            else:
                flash(_("Exam “%(title)s” saved.", title=exam.title), "success")
            if update.deadlines_moved:
                flash(_("The deadlines of %(n)s attempts in progress were moved.", n=update.deadlines_moved),
                      "success")
            if update.results_changed:
                flash(_("With the new pass mark, %(n)s submitted attempts changed between passed and failed.",
                        n=update.results_changed), "success")
            return redirect(url_for(".exam_page", exam_id=exam.id), 303)
    elif form.is_submitted():
        status = 400
    return render_template("exams/define.html", form=form, problems=problems, banks=banks, exam=exam,
                           attempts=editing.attempt_count(s, exam)), status


@bp.route("/exams/<int:exam_id>/delete", methods=["POST"])
@access.allow(policy.can_define_exams)
def delete_exam(exam_id: int):
    exam = _staff_exam(exam_id)
    title = exam.title
    asking = confirmation_page(ConfirmForm(),
                        _("Delete “%(title)s” with its candidates and tickets? This cannot be undone.",
                          title=title),
                        url_for(".delete_exam", exam_id=exam.id))
    if asking is not None:
        return asking
    s = db.session()
    try:
        editing.delete_exam(s, exam, current_user)
    except ExamError as exc:
        db.settle(exc)
        flash(translated(exc), "error")
        return redirect(url_for(".exam_page", exam_id=exam_id), 303)
    flash(_("Exam “%(title)s” deleted.", title=title), "success")
    return redirect(url_for(".exams_page"), 303)

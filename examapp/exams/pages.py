"""Exam pages: defining exams, assigning candidates, taking a paper (with or without JavaScript)
and the proctor's live exam room. Every change goes through the exams services (definitions, editing,
candidates, attempts, room)."""

from __future__ import annotations

import math
import re
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from examapp import access, db
from examapp.banks.models import QuestionBank, Topic
from examapp.db import utcnow
from examapp.exams import answers, definitions, editing, errors, finalising, room_codes
from examapp.exams import attempts as exam_attempts
from examapp.exams import candidates as exam_candidates
from examapp.exams import room as exam_room
from examapp.exams.candidates import CandidateRow
from examapp.exams.definitions import ExamSpec, RuleSpec
from examapp.exams.errors import ExamError, ExamInvalid, TooManyRoomCodes
from examapp.exams.forms import (
    DIFFICULTY_CHOICES,
    GRADING_CHOICES,
    REVIEW_CHOICES,
    CandidatesForm,
    ConfirmForm,
    ExamForm,
    ExtendForm,
    ExtraTimeForm,
    StartForm,
    to_local,
    to_utc,
)
from examapp.exams.models import IN_PROGRESS, Attempt, Exam
from examapp.messages import translated
from examapp.orgs.service import unit_tree

bp = Blueprint("exam_pages", __name__)

STAFF = ("admin", "trainer", "proctor")
ROOM = ("admin", "proctor")
STATE_LABELS = {"not_started": _l("Not started"), "in_progress": _l("In progress"),
                "submitted": _l("Submitted")}
FINISHED_BY_LABELS = {"candidate": _l("submitted by you"), "deadline": _l("submitted when the time ran out"),
                      "proctor": _l("ended by the proctor"), "room_closed": _l("ended when the room closed")}
# How the candidate's result for the exam comes from their attempts, as they read it.
RESULT_BY = {"highest": _l("Your highest attempt counts."), "last": _l("Your last attempt counts."),
             "first": _l("Your first attempt counts."),
             "average": _l("The average of your attempts counts.")}
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


def _grace() -> float:
    return float(current_app.config["GRACE_SECONDS"])


def _staff_exam(exam_id: int, room: bool = False) -> Exam:
    return definitions.exam_for_staff(db.session(), exam_id, current_user, room=room)


# ---------------------------------------------------------------- definitions


def _usable_banks() -> list[QuestionBank]:
    query = select(QuestionBank).order_by(QuestionBank.name)
    if current_user.role != "admin":
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


@bp.route("/exams")
@access.roles(*STAFF)
def exams_page():
    exams = definitions.exams_for_staff(db.session(), current_user)
    return render_template("exams/list.html", exams=exams, now=utcnow(),
                           may_define=current_user.role in ("admin", "trainer"))


@bp.route("/exams/new", methods=["GET", "POST"])
@access.roles("admin", "trainer")
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
@access.roles(*STAFF)
def exam_page(exam_id: int):
    exam = _staff_exam(exam_id)
    return render_template("exams/detail.html", exam=exam, now=utcnow(),
                           review_label=dict(REVIEW_CHOICES)[exam.review_policy],
                           grading_label=dict(GRADING_CHOICES)[exam.grading],
                           difficulty_labels=dict(DIFFICULTY_CHOICES),
                           total_points=sum(r.count * r.points for r in exam.rules),
                           may_edit=current_user.role in ("admin", "trainer"),
                           attempts=editing.attempt_count(db.session(), exam), confirm_form=ConfirmForm())


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
@access.roles("admin", "trainer")
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
@access.roles("admin", "trainer")
def delete_exam(exam_id: int):
    exam = _staff_exam(exam_id)
    title = exam.title
    asking = _confirmed(ConfirmForm(),
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


# ---------------------------------------------------------------- candidates


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
@access.roles(*STAFF)
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
@access.roles(*STAFF)
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


# ---------------------------------------------------------------- taking an exam


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


# ---------------------------------------------------------------- exam room


@bp.route("/exams/<int:exam_id>/room")
@access.roles(*ROOM)
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


def _confirmed(form: ConfirmForm, question: str, action: str):
    """None when the proctor confirmed; otherwise the page asking them to."""
    if form.validate_on_submit() and form.confirmed.data:
        return None
    return render_template("exams/confirm.html", question=question, action=action,
                           back=request.referrer or url_for(".exams_page"), form=form)


@bp.route("/exams/<int:exam_id>/room/extend/<username>", methods=["POST"])
@access.roles(*ROOM)
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
@access.roles(*ROOM)
def force_submit(exam_id: int, attempt_id: int):
    exam = _staff_exam(exam_id, room=True)
    s = db.session()
    attempt = s.get(Attempt, attempt_id)
    if attempt is None or attempt.exam_id != exam.id:
        abort(404)
    who = attempt.user.full_name or attempt.user.username
    asking = _confirmed(ConfirmForm(), _("End %(user)s's attempt now and grade what was saved?", user=who),
                        url_for(".force_submit", exam_id=exam.id, attempt_id=attempt.id))
    if asking is not None:
        return asking
    exam_room.force_submit(s, attempt.id, current_user.id, utcnow())
    flash(_("%(user)s's attempt was submitted.", user=who), "success")
    return redirect(url_for(".room", exam_id=exam.id), 303)


@bp.route("/exams/<int:exam_id>/room/close", methods=["POST"])
@access.roles(*ROOM)
def close(exam_id: int):
    exam = _staff_exam(exam_id, room=True)
    asking = _confirmed(ConfirmForm(),
                        _("Close “%(title)s” now? Every attempt in progress is submitted with what was "
                          "saved, and nobody can start any more.", title=exam.title),
                        url_for(".close", exam_id=exam.id))
    if asking is not None:
        return asking
    s = db.session()
    finished = exam_room.close_room(s, exam, current_user.id, utcnow())
    flash(_("The room is closed; %(n)s attempts in progress were submitted.", n=finished), "success")
    return redirect(url_for(".room", exam_id=exam.id), 303)

"""Question bank pages (list, bank, question edit and preview, upload with preview, history,
export). Trainers see only their own banks; admins see all."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from examapp import access, db
from examapp.api.openapi import XLSX
from examapp.auth import policy
from examapp.banks.export import download_name, export_bank
from examapp.banks.forms import (
    BankForm,
    ConfirmForm,
    NewQuestionForm,
    QuestionForm,
    UploadForm,
)
from examapp.banks.importing import (
    import_jobs,
    import_questions,
    stage_upload,
    staged_upload,
    stored_error_message,
)
from examapp.banks.models import DIFFICULTIES, QUESTION_TYPES, STATUSES, QuestionBank, Topic
from examapp.banks.preview import build_preview
from examapp.banks.questions import (
    QuestionDraft,
    QuestionFilter,
    add_question,
    edit_question,
    question_in_bank,
    revisions,
    search_questions,
    set_status,
)
from examapp.banks.service import (
    BankError,
    QuestionError,
    bank_for_manager,
    bank_stats,
    banks_of,
    create_bank,
)
from examapp.inputs import int32
from examapp.messages import translated

bp = Blueprint("banks", __name__)

FILTER_ARGS = ("q", "topic", "difficulty", "type", "status")


def _bank(bank_id: int) -> QuestionBank:
    return bank_for_manager(db.session(), bank_id, current_user)


def _export_response(bank: QuestionBank, include_retired: bool):
    data = export_bank(db.session(), bank, include_retired=include_retired)
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=download_name(bank))


@bp.route("/banks", methods=["GET", "POST"])
@access.allow(policy.can_manage_banks)
def banks_page():
    form = BankForm()
    status = 200
    if form.validate_on_submit():
        s = db.session()
        try:
            bank = create_bank(s, form.name.data, current_user.id, form.description.data or "",
                               actor_id=current_user.id)
        except BankError as exc:
            db.settle(exc)
            form.name.errors.append(translated(exc))
            status = exc.status
        else:
            flash(_("Bank “%(name)s” created.", name=bank.name), "success")
            return redirect(url_for("banks.bank_page", bank_id=bank.id))
    elif request.method == "POST":
        status = 400
    return render_template("banks/list.html", banks=banks_of(db.session(), current_user), form=form), status


def _filter_from_args(bank: QuestionBank) -> tuple[QuestionFilter, int]:
    args = request.args
    topic = db.session().get(Topic, args.get("topic", 0, type=int32) or 0)
    topic_id = topic.id if topic is not None and topic.bank_id == bank.id else None
    wanted = QuestionFilter(
        text=args.get("q", "")[:200],
        topic_id=topic_id,
        difficulty=args.get("difficulty") if args.get("difficulty") in DIFFICULTIES else None,
        type=args.get("type") if args.get("type") in QUESTION_TYPES else None,
        status=args.get("status") if args.get("status") in STATUSES else None,
    )
    return wanted, max(args.get("page", 1, type=int32) or 1, 1)


@bp.route("/banks/<int:bank_id>")
@access.allow(policy.can_manage_banks)
def bank_page(bank_id: int):
    bank = _bank(bank_id)
    wanted, page_number = _filter_from_args(bank)
    page = search_questions(db.session(), bank, wanted, page_number, 25)
    args = {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}
    return render_template("banks/detail.html", bank=bank, page=page, wanted=wanted, args=args,
                           stats=bank_stats(db.session(), bank), difficulties=DIFFICULTIES,
                           types=QUESTION_TYPES, statuses=STATUSES)


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>")
@access.allow(policy.can_manage_banks)
def question_page(bank_id: int, question_id: int):
    bank = _bank(bank_id)
    question = question_in_bank(db.session(), bank, question_id) or abort(404)
    return render_template("banks/question.html", bank=bank, question=question,
                           revisions=revisions(db.session(), question))


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@access.allow(policy.can_manage_banks)
def edit_page(bank_id: int, question_id: int):
    bank = _bank(bank_id)
    s = db.session()
    question = question_in_bank(s, bank, question_id) or abort(404)
    form = QuestionForm()
    status = 200
    if request.method == "GET":
        _fill_form(form, question)
    elif form.validate_on_submit():
        try:
            changed = edit_question(s, question, _draft(form), current_user.id)
        except QuestionError as exc:
            db.settle(exc)
            _show_problems(form, exc)
            status = 400
        else:
            flash(_("Saved as version %(v)s.", v=question.version) if changed
                  else _("Nothing changed."), "success")
            return redirect(url_for("banks.question_page", bank_id=bank.id, question_id=question.id))
    else:
        status = 400
    return render_template("banks/edit.html", bank=bank, question=question, form=form), status


@bp.route("/banks/<int:bank_id>/questions/new", methods=["GET", "POST"])
@access.allow(policy.can_manage_banks)
def new_question_page(bank_id: int):
    bank = _bank(bank_id)
    form = NewQuestionForm()
    status = 200
    if form.validate_on_submit():
        s = db.session()
        try:
            question = add_question(s, bank, _draft(form), current_user.id)
        except QuestionError as exc:
            db.settle(exc)
            _show_problems(form, exc)
            status = 400
        else:
            flash(_("Question %(n)s added.", n=question.number), "success")
            return redirect(url_for("banks.question_page", bank_id=bank.id, question_id=question.id))
    elif request.method == "POST":
        status = 400
    return render_template("banks/new.html", bank=bank, form=form), status


def _draft(form: QuestionForm) -> QuestionDraft:
    return QuestionDraft(
        text=form.text.data, type=form.type.data,
        options=tuple((entry.form.text.data or "", entry.form.correct.data) for entry in form.options),
        topic=form.topic.data or "", difficulty=form.difficulty.data,
        points=Decimal(form.points.data), explanation=form.explanation.data,
        truth={"true": True, "false": False}.get(form.truth.data),
    )


def _show_problems(form: QuestionForm, exc: QuestionError) -> None:
    for name, message in exc.problems.items():
        getattr(form, name).errors.append(translated(message))


def _fill_form(form: QuestionForm, question) -> None:
    form.text.data = question.text
    form.type.data = question.type
    form.topic.data = question.topic.name
    form.difficulty.data = question.difficulty
    form.points.data = question.points.normalize()
    form.explanation.data = question.explanation or ""
    if question.type == "true_false":
        truth = any(o.text == "True" and o.correct for o in question.options)
        form.truth.data = "true" if truth else "false"
        return
    for entry, option in zip(form.options, question.options, strict=False):
        entry.form.text.data = option.text
        entry.form.correct.data = option.correct


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>/<any(retire, restore):action>",
          methods=["POST"])
@access.allow(policy.can_manage_banks)
def status_action(bank_id: int, question_id: int, action: str):
    bank = _bank(bank_id)
    s = db.session()
    question = question_in_bank(s, bank, question_id) or abort(404)
    set_status(s, question, "retired" if action == "retire" else "active", current_user.id)
    flash(_("Question retired: it is no longer drawn into papers.") if action == "retire"
          else _("Question restored."), "success")
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("banks.question_page", bank_id=bank.id, question_id=question.id)
    return redirect(target)


@bp.route("/banks/<int:bank_id>/import", methods=["GET", "POST"])
@access.allow(policy.can_manage_banks)
def upload_page(bank_id: int):
    bank = _bank(bank_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("banks/upload.html", bank=bank, form=form), (
            400 if request.method == "POST" else 200)
    s = db.session()
    upload = form.file.data
    data = upload.read()
    report = import_questions(s, bank, data, upload.filename or "", format=form.format.data, dry_run=True,
                              skip_invalid=form.skip_invalid.data, user_id=current_user.id)
    if report.file_error:
        db.keep_changes()  # the unreadable upload stays in the import history
        form.file.errors.append(translated(report.file_error))
        return render_template("banks/upload.html", bank=bank, form=form), 400
    token = stage_upload(s, bank, current_user.id, upload.filename or "", form.format.data,
                         form.skip_invalid.data, data)
    confirm = ConfirmForm(token=token, skip_invalid="1" if form.skip_invalid.data else "")
    return render_template("banks/preview.html", bank=bank, report=report, confirm=confirm,
                           translated=translated, table=build_preview(data, report), filename=upload.filename)


@bp.route("/banks/<int:bank_id>/import/confirm", methods=["POST"])
@access.allow(policy.can_manage_banks)
def confirm_upload(bank_id: int):
    bank = _bank(bank_id)
    form = ConfirmForm()
    s = db.session()
    staged = None
    if form.validate_on_submit():
        staged = staged_upload(s, form.token.data, bank, current_user.id)
    if staged is None:
        flash(_("That upload has expired or was already imported; upload the file again."), "error")
        return redirect(url_for("banks.upload_page", bank_id=bank.id))
    skip_invalid = staged.skip_invalid or form.skip_invalid.data == "1"
    report = import_questions(s, bank, staged.data, staged.filename, format=staged.format,
                              skip_invalid=skip_invalid, user_id=current_user.id)
    s.delete(staged)
    if report.rejected:
        flash(_("Nothing was imported: %(n)s error(s). See the import history.", n=report.error_count),
              "error")
        return redirect(url_for("banks.imports_page", bank_id=bank.id))
    flash(_("Imported %(n)s question(s); %(d)s duplicate(s) already in the bank; %(k)s invalid row(s) "
            "skipped.", n=report.imported, d=report.duplicates, k=report.skipped), "success")
    return redirect(url_for("banks.bank_page", bank_id=bank.id))


@bp.route("/banks/<int:bank_id>/imports")
@access.allow(policy.can_manage_banks)
def imports_page(bank_id: int):
    bank = _bank(bank_id)
    jobs = import_jobs(db.session(), bank)
    messages = {job.id: [translated(stored_error_message(e)) for e in job.errors[:500]] for job in jobs}
    return render_template("banks/imports.html", bank=bank, jobs=jobs, messages=messages)


@bp.route("/banks/template.xlsx")
@access.allow(policy.can_manage_banks)
def template_download():
    # A copy of question_banks/template.xlsx kept inside the package (build.py writes both), so
    # an installed app serves it wherever it runs from.
    template = resources.files("examapp.banks").joinpath("template.xlsx")
    return send_file(BytesIO(template.read_bytes()), mimetype=XLSX, as_attachment=True,
                     download_name="template.xlsx")


@bp.route("/banks/<int:bank_id>/export.xlsx")
@access.allow(policy.can_manage_banks)
def export_page(bank_id: int):
    return _export_response(_bank(bank_id), request.args.get("retired") == "1")

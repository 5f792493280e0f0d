"""Question bank pages (list, bank, question edit and preview, upload with preview, history, export)
and the /api/v1/banks routes. Trainers see only their own banks; admins see all."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from importlib import resources
from io import BytesIO
from typing import Literal

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import Field
from sqlalchemy import select

from examapp import access, db
from examapp.api.errors import ApiError, error_body
from examapp.api.openapi import BINARY, XLSX, Body, documented
from examapp.banks.export import export_bank
from examapp.banks.forms import (
    UPLOAD_EXTENSIONS,
    BankForm,
    ConfirmForm,
    NewQuestionForm,
    QuestionForm,
    UploadForm,
)
from examapp.banks.models import DIFFICULTIES, QUESTION_TYPES, STATUSES, QuestionBank, Topic
from examapp.banks.preview import build_preview
from examapp.banks.service import (
    BankError,
    QuestionDraft,
    QuestionError,
    QuestionFilter,
    add_question,
    bank_stats,
    create_bank,
    edit_question,
    import_jobs,
    import_questions,
    list_banks,
    may_manage,
    question_dict,
    question_in_bank,
    revisions,
    search_questions,
    set_status,
    stage_upload,
    staged_upload,
    stored_error_message,
)
from examapp.inputs import int32
from examapp.messages import translated
from importers import SUPPORTED_FORMATS
from importers.validate import MAX_EXPLANATION, MAX_OPTION, MAX_OPTIONS, MAX_STEM, MAX_TOPIC

bp = Blueprint("banks", __name__)
api = Blueprint("banks_api", __name__, url_prefix="/api/v1")

MANAGERS = ("admin", "trainer")
FILTER_ARGS = ("q", "topic", "difficulty", "type", "status")


def _bank(bank_id: int) -> QuestionBank:
    """The bank, if the current user may manage it: 404 if missing, 403 if another trainer's."""
    bank = db.session().get(QuestionBank, bank_id)
    if bank is None:
        abort(404)
    if not may_manage(current_user, bank):
        abort(403)
    return bank


def _own_banks(user) -> list:
    return list_banks(db.session(), None if user.role == "admin" else user.id)


def _export_response(bank: QuestionBank, include_retired: bool):
    data = export_bank(db.session(), bank, include_retired=include_retired)
    safe_name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", bank.name).strip(". ") or "bank"
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"{safe_name}.xlsx")


# ---- pages -----------------------------------------------------------------------------------


@bp.route("/banks", methods=["GET", "POST"])
@access.roles(*MANAGERS)
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
    return render_template("banks/list.html", banks=_own_banks(current_user), form=form), status


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
@access.roles(*MANAGERS)
def bank_page(bank_id: int):
    bank = _bank(bank_id)
    wanted, page_number = _filter_from_args(bank)
    page = search_questions(db.session(), bank, wanted, page_number, 25)
    args = {k: v for k, v in request.args.items() if k in FILTER_ARGS and v}
    return render_template("banks/detail.html", bank=bank, page=page, wanted=wanted, args=args,
                           stats=bank_stats(db.session(), bank), difficulties=DIFFICULTIES,
                           types=QUESTION_TYPES, statuses=STATUSES)


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>")
@access.roles(*MANAGERS)
def question_page(bank_id: int, question_id: int):
    bank = _bank(bank_id)
    question = question_in_bank(db.session(), bank, question_id) or abort(404)
    return render_template("banks/question.html", bank=bank, question=question,
                           revisions=revisions(db.session(), question))


@bp.route("/banks/<int:bank_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@access.roles(*MANAGERS)
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
@access.roles(*MANAGERS)
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
@access.roles(*MANAGERS)
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
@access.roles(*MANAGERS)
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
@access.roles(*MANAGERS)
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
@access.roles(*MANAGERS)
def imports_page(bank_id: int):
    bank = _bank(bank_id)
    jobs = import_jobs(db.session(), bank)
    messages = {job.id: [translated(stored_error_message(e)) for e in job.errors[:500]] for job in jobs}
    return render_template("banks/imports.html", bank=bank, jobs=jobs, messages=messages)


@bp.route("/banks/template.xlsx")
@access.roles(*MANAGERS)
def template_download():
    # A copy of question_banks/template.xlsx kept inside the package (build.py writes both), so
    # an installed app serves it wherever it runs from.
    template = resources.files("examapp.banks").joinpath("template.xlsx")
    return send_file(BytesIO(template.read_bytes()), mimetype=XLSX, as_attachment=True,
                     download_name="template.xlsx")


@bp.route("/banks/<int:bank_id>/export.xlsx")
@access.roles(*MANAGERS)
def export_page(bank_id: int):
    return _export_response(_bank(bank_id), request.args.get("retired") == "1")


# ---- JSON API ----------------------------------------------------------------------------------


class BankBody(Body):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class QuestionQuery(Body):
    q: str = Field(default="", max_length=200, description="text the question contains (accents ignored)")
    topic: str | None = Field(default=None, max_length=200, description="topic name")
    difficulty: Literal["easy", "medium", "hard"] | None = None
    type: Literal["single", "multiple", "true_false"] | None = None
    status: Literal["active", "retired"] | None = None
    page: int = Field(default=1, ge=1)
    per_page: int = Field(default=50, ge=1, le=200)


class ExportQuery(Body):
    retired: bool = Field(default=False, description="include retired questions")


@api.route("/banks", methods=["GET"])
@access.roles(*MANAGERS)
@documented("Question banks the caller manages, with counts")
def api_list_banks():
    return {"banks": [b.as_dict() for b in _own_banks(current_user)]}


@api.route("/banks", methods=["POST"])
@access.roles(*MANAGERS)
@documented("Create a question bank (owned by the caller)", body=BankBody, status=201,
            errors={409: "a bank of that name exists"})
def api_create_bank(body: BankBody):
    s = db.session()
    bank = create_bank(s, body.name, current_user.id, body.description, actor_id=current_user.id)
    summary = next(b for b in list_banks(s, bank.owner_id) if b.id == bank.id)
    return summary.as_dict(), 201


def _form_flag(name: str) -> bool:
    value = (request.form.get(name) or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ApiError(400, f"form field '{name}' must be true or false, not '{value[:20]}'")


@api.route("/banks/<int:bank_id>/import", methods=["POST"])
@access.roles(*MANAGERS)
@documented("Import a question file: all or nothing unless skip_invalid (200 imported, 422 rejected)",
            multipart={"file": BINARY, "dry_run": {"type": "boolean"}, "skip_invalid": {"type": "boolean"},
                       "format": {"type": "string", "enum": ["auto", *SUPPORTED_FORMATS]}},
            errors={403: "another trainer's bank", 415: "the body is not multipart/form-data",
                    422: "rows are invalid and nothing was imported: the report with an error"})
def api_import(bank_id: int):
    bank = _bank(bank_id)
    if not request.mimetype.startswith("multipart/form-data"):
        raise ApiError(415, "send the file as multipart/form-data in the field 'file'")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "no file: send it as multipart/form-data in the field 'file'")
    extension = os.path.splitext(upload.filename)[1].lower().lstrip(".")
    if extension not in UPLOAD_EXTENSIONS:
        raise ApiError(400, f"files of type '.{extension}' are not accepted; use one of "
                            + ", ".join(f".{e}" for e in UPLOAD_EXTENSIONS))
    fmt = (request.form.get("format") or "auto").strip().lower()
    if fmt not in ("auto", *SUPPORTED_FORMATS):
        raise ApiError(400, f"unknown format '{fmt[:20]}'; use auto, {', '.join(SUPPORTED_FORMATS)}")
    dry_run, skip_invalid = _form_flag("dry_run"), _form_flag("skip_invalid")
    s = db.session()
    report = import_questions(s, bank, upload.stream.read(), upload.filename, format=fmt, dry_run=dry_run,
                              skip_invalid=skip_invalid, user_id=current_user.id)
    db.keep_changes()  # the import history records the file, rejected or not
    if report.file_error:
        return error_body(400, report.file_error)
    if report.rejected:
        body = report.as_dict()
        body["error"] = {"code": "unprocessable",
                         "message": f"{report.error_count} error(s); nothing was imported"}
        return body, 422
    return report.as_dict()


@api.route("/banks/<int:bank_id>/questions", methods=["GET"])
@access.roles(*MANAGERS)
@documented("A page of the bank's questions with the answer key (filters: q, topic, difficulty, type, "
            "status)", query=QuestionQuery, errors={403: "another trainer's bank"})
def api_questions(bank_id: int, query: QuestionQuery):
    bank = _bank(bank_id)
    s = db.session()
    topic_id = None
    if query.topic:
        topic_id = s.scalar(select(Topic.id).where(Topic.bank_id == bank.id, Topic.name == query.topic))
        if topic_id is None:
            return {"questions": [], "page": 1, "per_page": query.per_page, "total": 0, "pages": 1}
    page = search_questions(s, bank, QuestionFilter(query.q, topic_id, query.difficulty, query.type,
                                                    query.status), query.page, query.per_page)
    return {"questions": [question_dict(q, with_key=True) for q in page.items], "page": page.page,
            "per_page": page.per_page, "total": page.total, "pages": page.pages}


class OptionBody(Body):
    text: str = Field(min_length=1, max_length=MAX_OPTION)
    is_correct: bool = False


class NewQuestionBody(Body):
    text: str = Field(min_length=1, max_length=MAX_STEM)
    type: Literal["single", "multiple", "true_false"] = "single"
    options: list[OptionBody] = Field(default_factory=list, max_length=MAX_OPTIONS,
                                      description="single and multiple: 2 to 8, in order")
    truth: bool | None = Field(default=None, description="true_false: whether the statement is true")
    topic: str = Field(default="", max_length=MAX_TOPIC, description="left out: General")
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    points: float = Field(default=1, allow_inf_nan=False, description="greater than 0, two decimals")
    explanation: str | None = Field(default=None, max_length=MAX_EXPLANATION)


@api.route("/banks/<int:bank_id>/questions", methods=["POST"])
@access.roles(*MANAGERS)
@documented("Add one question to the bank, checked as an edit is; it gets the bank's next number",
            body=NewQuestionBody, status=201,
            errors={409: "another question of this bank has this text and these options"})
def api_add_question(bank_id: int, body: NewQuestionBody):
    bank = _bank(bank_id)
    true_false = body.type == "true_false"
    if true_false and body.options:
        raise ApiError(400, "field 'options': a true_false question takes 'truth' instead")
    if not true_false and body.truth is not None:
        raise ApiError(400, "field 'truth': only a true_false question takes it; mark the options instead")
    draft = QuestionDraft(
        text=body.text, type=body.type, options=tuple((o.text, o.is_correct) for o in body.options),
        topic=body.topic, difficulty=body.difficulty, points=Decimal(str(body.points)),
        explanation=body.explanation, truth=body.truth)
    s = db.session()
    try:
        question = add_question(s, bank, draft, current_user.id)
    except QuestionError as exc:
        names = {"options": "truth"} if true_false else {}
        problems = [f"field '{names.get(name, name)}': {text}" for name, text in exc.problems.items()]
        raise ApiError(exc.status, "; ".join(problems)) from None
    return question_dict(question, with_key=True), 201


@api.route("/banks/<int:bank_id>/export.xlsx", methods=["GET"])
@access.roles(*MANAGERS)
@documented("The bank as an xlsx file in the template's columns (?retired=1 includes retired questions)",
            query=ExportQuery, media_type=XLSX, errors={403: "another trainer's bank"})
def api_export(bank_id: int, query: ExportQuery):
    return _export_response(_bank(bank_id), query.retired)


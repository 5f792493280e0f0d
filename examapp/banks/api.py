"""The /api/v1/banks routes: banks, imports, questions and exports. Trainers see only their own
banks; admins see all."""

from __future__ import annotations

import os
from decimal import Decimal
from io import BytesIO
from typing import Literal

from flask import Blueprint, request, send_file
from flask_login import current_user
from pydantic import Field
from sqlalchemy import select

from examapp import access, db
from examapp.api.errors import ApiError, error_body
from examapp.api.openapi import BINARY, XLSX, Body, documented
from examapp.auth import policy
from examapp.banks.export import download_name, export_bank
from examapp.banks.forms import UPLOAD_EXTENSIONS
from examapp.banks.importing import import_questions
from examapp.banks.models import QuestionBank, Topic
from examapp.banks.questions import (
    QuestionDraft,
    QuestionFilter,
    add_question,
    question_dict,
    search_questions,
)
from examapp.banks.responses import BankLine, BankList, ImportResult, KeyedQuestion, QuestionPage
from examapp.banks.service import QuestionError, bank_for_manager, banks_of, create_bank, list_banks
from importers import SUPPORTED_FORMATS
from importers.validate import MAX_EXPLANATION, MAX_OPTION, MAX_OPTIONS, MAX_STEM, MAX_TOPIC

api = Blueprint("banks_api", __name__, url_prefix="/api/v1")



def _bank(bank_id: int) -> QuestionBank:
    return bank_for_manager(db.session(), bank_id, current_user)


def _export_response(bank: QuestionBank, include_retired: bool):
    data = export_bank(db.session(), bank, include_retired=include_retired)
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=download_name(bank))


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
@access.allow(policy.can_manage_banks)
@documented("Question banks the caller manages, with counts", response=BankList)
def api_list_banks():
    return {"banks": [b.as_dict() for b in banks_of(db.session(), current_user)]}


@api.route("/banks", methods=["POST"])
@access.allow(policy.can_manage_banks)
@documented("Create a question bank (owned by the caller)", body=BankBody, response=BankLine, status=201,
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
@access.allow(policy.can_manage_banks)
@documented("Import a question file: all or nothing unless skip_invalid (200 imported, 422 rejected)",
            multipart={"file": BINARY, "dry_run": {"type": "boolean"}, "skip_invalid": {"type": "boolean"},
                       "format": {"type": "string", "enum": ["auto", *SUPPORTED_FORMATS]}},
            response=ImportResult,
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
@access.allow(policy.can_manage_banks)
@documented("A page of the bank's questions with the answer key (filters: q, topic, difficulty, type, "
            "status)", query=QuestionQuery, response=QuestionPage, errors={403: "another trainer's bank"})
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
@access.allow(policy.can_manage_banks)
@documented("Add one question to the bank, checked as an edit is; it gets the bank's next number",
            body=NewQuestionBody, response=KeyedQuestion, status=201,
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
@access.allow(policy.can_manage_banks)
@documented("The bank as an xlsx file in the template's columns (?retired=1 includes retired questions)",
            query=ExportQuery, media_type=XLSX, errors={403: "another trainer's bank"})
def api_export(bank_id: int, query: ExportQuery):
    return _export_response(_bank(bank_id), query.retired)

"""The bank service: imports are all or nothing, recorded, idempotent; edits keep versions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from examapp.audit.models import AuditLog
from examapp.banks.importing import import_questions
from examapp.banks.models import ImportJob, Question, QuestionBank, QuestionRevision, Topic
from examapp.banks.questions import QuestionDraft, QuestionFilter, edit_question, search_questions, set_status
from examapp.banks.service import BankExists, QuestionError, create_bank, list_banks
from importers import limits
from tests.banks.files import AIKEN, good_rows, row, xlsx_bytes
from tests.factories import make_user


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def bank(session) -> QuestionBank:
    bank = create_bank(session, "Lịch sử Đảng")
    session.commit()
    return bank


def test_valid_file_imports_every_row_with_options_topics_and_key(session, bank):
    rows = [
        *good_rows(2),
        row("Nhiều đáp án?", answer="A,C", topic=None),
        row("Đảng ra đời năm 1930.", options=(), answer="đúng", topic=""),
    ]
    report = import_questions(session, bank, xlsx_bytes(rows), "bank.xlsx")
    session.commit()
    assert report.as_dict() == {
        "bank": "Lịch sử Đảng",
        "imported": 4,
        "duplicates": 0,
        "skipped": 0,
        "errors": [],
        "error_count": 0,
    }
    assert count(session, Question) == 4
    assert sorted(len(q.options) for q in session.scalars(select(Question))) == [2, 4, 4, 4]
    multiple = session.scalar(select(Question).where(Question.text == "Nhiều đáp án?"))
    assert multiple.type == "multiple" and [o.correct for o in multiple.options] == [
        True,
        False,
        True,
        False,
    ]
    assert multiple.topic.name == "General"
    tf = session.scalar(select(Question).where(Question.type == "true_false"))
    assert [(o.text, o.correct) for o in tf.options] == [("True", True), ("False", False)]
    assert sorted(session.scalars(select(Topic.name))) == ["General", "Lịch sử"]
    job = session.scalar(select(ImportJob))
    assert (job.status, job.imported, job.filename, job.format, job.rows_read) == (
        "imported",
        4,
        "bank.xlsx",
        "xlsx",
        4,
    )


def test_one_bad_row_rejects_the_whole_file_and_the_job_is_recorded(session, bank):
    rows = [*good_rows(3), row("Thiếu đáp án", answer="")]
    report = import_questions(session, bank, xlsx_bytes(rows), "bank.xlsx", user_id=None)
    session.commit()
    assert report.rejected and report.imported == 0 and report.skipped == 1
    assert [(e.row, e.column) for e in report.errors] == [(5, "answer")]
    assert count(session, Question) == 0 and count(session, Topic) == 0
    job = session.scalar(select(ImportJob))
    assert job.status == "rejected" and job.errors[0]["row"] == 5 and job.errors[0]["column"] == "answer"


def test_skip_invalid_imports_the_valid_rows_and_counts_the_rest(session, bank):
    rows = [*good_rows(3), row("Sai loại", answer="Z"), row("Điểm âm", points=-1)]
    report = import_questions(session, bank, xlsx_bytes(rows), "bank.xlsx", skip_invalid=True)
    session.commit()
    assert not report.rejected and (report.imported, report.skipped) == (3, 2)
    assert {e.row for e in report.errors} == {5, 6}
    assert count(session, Question) == 3


def test_a_job_keeps_the_first_errors_and_counts_them_all(session, bank, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ERRORS", 3)
    rows = [*good_rows(2), *(row(f"Sai {n}", answer="Z") for n in range(7))]
    report = import_questions(session, bank, xlsx_bytes(rows), "bank.xlsx", skip_invalid=True)
    session.commit()
    assert (report.imported, report.skipped, report.error_count) == (2, 7, 7)
    assert [e.row for e in report.errors] == [4, 5, 6]
    assert report.as_dict()["error_count"] == 7 and len(report.as_dict()["errors"]) == 3
    job = session.scalar(select(ImportJob))
    assert (job.error_count, [e["row"] for e in job.errors], job.skipped) == (7, [4, 5, 6], 7)
    strict = import_questions(session, bank, xlsx_bytes(rows), "bank.xlsx")
    assert strict.rejected and strict.imported == 0 and strict.error_count == 7


def test_dry_run_writes_no_question_but_keeps_the_job(session, bank):
    report = import_questions(session, bank, xlsx_bytes(good_rows(3)), "bank.xlsx", dry_run=True)
    session.commit()
    assert report.imported == 3 and report.status == "dry_run"
    assert count(session, Question) == 0 and count(session, Topic) == 0
    assert session.scalar(select(ImportJob.status)) == "dry_run"


def test_reimporting_a_file_changes_nothing_and_counts_duplicates(session, bank):
    data = xlsx_bytes(good_rows(4))
    import_questions(session, bank, data, "bank.xlsx")
    session.commit()
    before = session.execute(select(Question.id, Question.text).order_by(Question.id)).all()
    again = import_questions(session, bank, data, "bank.xlsx")
    session.commit()
    assert (again.imported, again.duplicates, again.errors) == (0, 4, [])
    assert session.execute(select(Question.id, Question.text).order_by(Question.id)).all() == before
    mixed = import_questions(session, bank, xlsx_bytes([*good_rows(4), row("Câu mới hoàn toàn")]), "b.xlsx")
    assert (mixed.imported, mixed.duplicates) == (1, 4)


def test_duplicates_ignore_case_spacing_and_option_order(session, bank):
    import_questions(session, bank, xlsx_bytes([row("Thủ đô là gì?", options=("Hà Nội", "Huế"))]), "a.xlsx")
    report = import_questions(
        session, bank, xlsx_bytes([row("thủ  đô LÀ gì?", options=("Huế", "Hà Nội"), answer="B")]), "b.xlsx"
    )
    assert (report.imported, report.duplicates) == (0, 1)


def test_invisible_characters_do_not_make_a_second_copy_of_a_question(session, bank):
    import_questions(session, bank, xlsx_bytes([row("Thủ đô là gì?", options=("Hà Nội", "Huế"))]), "a.xlsx")
    hidden = row("Thủ đô\u200b là gì?\u202e", options=("Hà\u200d Nội", "Huế\ufeff"))
    report = import_questions(session, bank, xlsx_bytes([hidden]), "b.xlsx")
    assert (report.imported, report.duplicates) == (0, 1)
    assert {n.name for n in (create_bank(session, "Ngân\u200b hàng\u202e"),)} == {"Ngân hàng"}
    with pytest.raises(BankExists):
        create_bank(session, "Ngân hàng\u2060")


def test_unreadable_file_is_reported_and_recorded(session, bank):
    report = import_questions(session, bank, b"this is not a workbook", "bank.xlsx")
    session.commit()
    assert report.rejected and report.file_error and "xlsx" in report.file_error
    assert report.errors[0].row is None
    job = session.scalar(select(ImportJob))
    assert job.status == "unreadable" and job.errors[0]["message"] == report.file_error
    assert count(session, Question) == 0


def test_points_with_more_than_two_decimals_are_refused(session, bank):
    report = import_questions(session, bank, xlsx_bytes([row("Điểm lẻ", points=0.125)]), "a.xlsx")
    assert (
        report.rejected and report.errors[0].column == "points" and "two decimals" in report.errors[0].message
    )


def test_text_formats_import_too(session, bank):
    report = import_questions(session, bank, AIKEN.encode(), "bank.txt")
    assert (report.format, report.imported) == ("aiken", 2)


def test_bank_names_are_unique_whatever_their_case(session, bank):
    with pytest.raises(BankExists):
        create_bank(session, "LỊCH SỬ ĐẢNG")


def test_list_banks_counts_and_filters_by_owner(session, bank, app):
    trainer = make_user(app, "trainer")
    import_questions(session, bank, xlsx_bytes(good_rows(3)), "a.xlsx")
    other = create_bank(session, "Pháp luật", owner_id=trainer.id)
    session.commit()
    by_name = {b.name: b for b in list_banks(session)}
    assert (by_name["Lịch sử Đảng"].active, by_name["Lịch sử Đảng"].topics) == (3, 1)
    assert [b.name for b in list_banks(session, trainer.id)] == [other.name]


def _one(session) -> Question:
    return session.scalar(select(Question).order_by(Question.id))


def test_edit_makes_a_new_version_and_keeps_the_old_text(session, bank, app):
    editor = make_user(app, "trainer")
    import_questions(session, bank, xlsx_bytes(good_rows(2)), "a.xlsx")
    session.commit()
    question = _one(session)
    old_text, old_hash = question.text, question.content_hash
    draft = QuestionDraft(
        text="Thủ đô nước ta là thành phố nào?",
        type="single",
        options=(("Hà Nội", True), ("Huế", False), ("", False)),
        topic="Địa lý",
        difficulty="hard",
        points=Decimal("2.5"),
        explanation="Từ năm 1976",
    )
    assert edit_question(session, question, draft, editor.id) is True
    session.commit()
    assert question.version == 2 and question.content_hash != old_hash
    assert [(o.text, o.correct) for o in question.options] == [("Hà Nội", True), ("Huế", False)]
    assert question.topic.name == "Địa lý" and question.points == Decimal("2.5")
    revision = session.scalar(select(QuestionRevision))
    assert (
        revision.version == 1
        and revision.snapshot["text"] == old_text
        and len(revision.snapshot["options"]) == 4
    )
    assert revision.edited_by_id == editor.id
    assert session.scalar(select(AuditLog.action).where(AuditLog.action == "question.edit"))
    assert edit_question(session, question, draft, editor.id) is False  # no change, no version
    assert question.version == 2


def test_edit_refuses_bad_questions_and_duplicates_of_another(session, bank):
    import_questions(session, bank, xlsx_bytes(good_rows(2)), "a.xlsx")
    session.commit()
    first, second = session.scalars(select(Question).order_by(Question.id)).all()
    bad = QuestionDraft(
        text="",
        type="single",
        options=(("A", True), ("B", True)),
        topic="",
        difficulty="easy",
        points=Decimal("0"),
    )
    with pytest.raises(QuestionError) as caught:
        edit_question(session, first, bad, None)
    assert set(caught.value.problems) == {"text", "points", "options"}
    copy = QuestionDraft(
        text=second.text,
        type="single",
        options=tuple((o.text, o.correct) for o in second.options),
        topic="Lịch sử",
        difficulty="easy",
        points=Decimal(1),
    )
    with pytest.raises(QuestionError, match="already has this text"):
        edit_question(session, first, copy, None)
    look_alike = QuestionDraft(text="Which?", type="single", options=(("Yes", True), ("Yes\u200b", False)),
                               topic="", difficulty="easy", points=Decimal(1))
    with pytest.raises(QuestionError, match="two options have the same text"):
        edit_question(session, first, look_alike, None)
    assert first.version == 1


def test_edit_to_true_false(session, bank):
    import_questions(session, bank, xlsx_bytes(good_rows(1)), "a.xlsx")
    session.commit()
    question = _one(session)
    draft = QuestionDraft(
        text="Hà Nội là thủ đô.",
        type="true_false",
        options=(),
        topic="",
        difficulty="easy",
        points=Decimal(1),
        truth=False,
    )
    edit_question(session, question, draft, None)
    session.commit()
    assert [(o.text, o.correct) for o in question.options] == [("True", False), ("False", True)]
    assert question.topic.name == "General"


def test_retire_and_restore(session, bank):
    import_questions(session, bank, xlsx_bytes(good_rows(2)), "a.xlsx")
    session.commit()
    question = _one(session)
    assert set_status(session, question, "retired", None) is True
    assert set_status(session, question, "retired", None) is False
    session.commit()
    active = search_questions(session, bank, QuestionFilter(status="active"))
    assert active.total == 1 and question not in active.items
    set_status(session, question, "active", None)
    assert search_questions(session, bank, QuestionFilter(status="active")).total == 2


def test_search_ignores_accents_and_case_and_filters_combine(session, bank):
    rows = [
        row("Đảng Cộng sản Việt Nam ra đời năm nào?", topic="Lịch sử", difficulty="easy"),
        row("Điều lệ Đảng quy định gì về đảng viên?", topic="Điều lệ", difficulty="hard"),
        row("Sông nào dài nhất?", topic="Địa lý", difficulty="hard"),
        row("Tỉ lệ 100% có nghĩa là gì?", topic="Toán", difficulty="easy"),
    ]
    import_questions(session, bank, xlsx_bytes(rows), "a.xlsx")
    session.commit()
    texts = lambda page: [q.text for q in page.items]  # noqa: E731
    assert len(texts(search_questions(session, bank, QuestionFilter(text="dang")))) == 2
    assert texts(search_questions(session, bank, QuestionFilter(text="CỘNG SAN"))) == [rows[0][0]]
    assert texts(search_questions(session, bank, QuestionFilter(text="100%"))) == [rows[3][0]]
    assert search_questions(session, bank, QuestionFilter(text="%")).total == 1  # % is literal
    topic = session.scalar(select(Topic.id).where(Topic.name == "Điều lệ"))
    assert texts(search_questions(session, bank, QuestionFilter(text="dang", topic_id=topic))) == [rows[1][0]]
    assert search_questions(session, bank, QuestionFilter(difficulty="hard", type="single")).total == 2


def test_pagination(session, bank):
    import_questions(session, bank, xlsx_bytes(good_rows(7)), "a.xlsx")
    session.commit()
    first = search_questions(session, bank, QuestionFilter(), page=1, per_page=3)
    last = search_questions(session, bank, QuestionFilter(), page=3, per_page=3)
    beyond = search_questions(session, bank, QuestionFilter(), page=99, per_page=3)
    assert (first.total, first.pages, len(first.items), len(last.items)) == (7, 3, 3, 1)
    assert beyond.page == 3 and [q.id for q in beyond.items] == [q.id for q in last.items]
    assert {q.id for q in first.items}.isdisjoint(q.id for q in last.items)


def test_topics_match_whatever_their_case_but_keep_accents(session, bank):
    rows = [row("Một?", topic="Lịch sử"), row("Hai?", topic="LỊCH SỬ"), row("Ba?", topic="Lich su")]
    import_questions(session, bank, xlsx_bytes(rows), "a.xlsx")
    session.commit()
    assert sorted(session.scalars(select(Topic.name))) == ["Lich su", "Lịch sử"]


def test_staged_uploads_expire(session, bank, app):
    from datetime import timedelta

    from examapp.banks.importing import stage_upload, staged_upload
    from examapp.banks.models import StagedUpload

    user = make_user(app, "trainer")
    token = stage_upload(session, bank, user.id, "../../etc/passwd.xlsx", "auto", False, b"data")
    staged = staged_upload(session, token, bank, user.id)
    assert staged.filename == "passwd.xlsx" and staged_upload(session, token, bank, user.id + 1) is None
    staged.created_at -= timedelta(hours=2)
    session.commit()
    assert staged_upload(session, token, bank, user.id) is None
    stage_upload(session, bank, user.id, "b.xlsx", "auto", False, b"data")
    assert count(session, StagedUpload) == 1  # the expired one was cleared

"""Imports and edits at once into one bank: each question is stored once, refusals stay clear."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.banks.models import Question
from tests.banks.files import good_rows, row, xlsx_bytes
from tests.concurrency import held_import, imports_at_once, second_waits_for_first
from tests.factories import import_rows, make_bank


def test_parallel_imports_store_each_question_once(app):
    bank_id = make_bank(app, {})
    data = xlsx_bytes(good_rows(200))
    reports = imports_at_once(app, [(bank_id, data), (bank_id, data)])
    assert sorted((r.imported, r.duplicates) for r in reports) == [(0, 200), (200, 0)]
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Question)) == 200


def test_an_edit_during_an_import_waits_and_is_refused_as_a_duplicate(app):
    """The edit queues behind the import on the bank's lock, so it sees the imported question and
    gets the duplicate message instead of failing on the unique index."""
    if app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: the edit cannot overlap the import there")
    from examapp.banks.questions import QuestionDraft, edit_question
    from examapp.banks.service import QuestionError

    bank_id = make_bank(app, {})
    import_rows(app, bank_id, good_rows(2))
    newcomer = row("Câu hỏi mới: Đảng ra đời năm nào?", options=("1930", "1945"), answer="A")
    outcome: dict[str, object] = {}

    def editing() -> None:
        with app.app_context():
            s = db.session()
            first = s.scalars(select(Question).where(Question.bank_id == bank_id)
                              .order_by(Question.id)).first()
            draft = QuestionDraft(text="Câu hỏi mới: Đảng ra đời năm nào?", type="single",
                                  options=(("1930", True), ("1945", False)), topic="Lịch sử",
                                  difficulty="easy", points=Decimal(1))
            try:
                edit_question(s, first, draft, None)
                s.commit()
                outcome["result"] = "saved"
            except QuestionError as exc:
                outcome["result"] = str(exc.problems.get("text"))
            except Exception as exc:  # noqa: BLE001 - the failure this test guards against
                outcome["result"] = repr(exc)

    second_waits_for_first(held_import(app, bank_id, xlsx_bytes([newcomer])), editing)
    assert "already has this text" in outcome["result"]
    with app.app_context():
        texts = db.session().scalars(select(Question.text).where(Question.bank_id == bank_id)).all()
    assert sorted(texts).count("Câu hỏi mới: Đảng ra đời năm nào?") == 1 and len(texts) == 3

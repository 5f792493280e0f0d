"""Large imports: every question lands with its own options, whatever the batch boundaries."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from examapp import db
from examapp.banks.importing import import_questions
from examapp.banks.models import Question
from examapp.banks.service import create_bank
from tests.banks.files import row, xlsx_bytes
from tests.concurrency import imports_at_once
from tests.factories import make_bank

COUNT = 450  # more than two of the multi-row INSERTs on SQLite


def many_rows(prefix: str) -> list[list]:
    rows = []
    for i in range(COUNT):
        if i % 7 == 0:
            rows.append(row(f"{prefix} {i}: đúng hay sai?", options=(), answer="Sai" if i % 2 else "Đúng"))
        else:
            width = 2 + i % 5  # two to six options
            options = [f"{prefix} {i} phương án {n}\tcó tab" for n in range(width)]
            rows.append(row(f"{prefix} {i}: chọn?", options=options[:4], answer="ABCD"[i % min(width, 4)],
                            points=Decimal("2.5") if i % 3 else 1,
                            explanation=f"Giải thích {i}" if i % 2 else None))
    return rows


def test_a_large_import_keeps_each_question_with_its_own_options(session):
    bank = create_bank(session, "Ngân hàng lớn")
    other = create_bank(session, "Ngân hàng khác")
    session.commit()
    first = import_questions(session, other, xlsx_bytes(many_rows("Khác")), "khac.xlsx")
    session.commit()
    report = import_questions(session, bank, xlsx_bytes(many_rows("Câu")), "lon.xlsx")
    session.commit()
    assert (first.imported, report.imported, report.errors) == (COUNT, COUNT, [])

    questions = session.scalars(select(Question).where(Question.bank_id == bank.id)
                                .order_by(Question.source_row)).all()
    assert len(questions) == COUNT and len({q.id for q in questions}) == COUNT
    for i, question in enumerate(questions):
        assert question.source_row == i + 2
        if i % 7 == 0:
            assert question.type == "true_false"
            assert [(o.text, o.correct) for o in question.options] == [
                ("True", i % 2 == 0), ("False", i % 2 == 1)]
            continue
        width = min(2 + i % 5, 4)
        assert question.text == f"Câu {i}: chọn?"
        assert [o.text for o in question.options] == [f"Câu {i} phương án {n}\tcó tab" for n in range(width)]
        assert [o.correct for o in question.options] == [n == i % width for n in range(width)]
        assert question.points == (Decimal("2.5") if i % 3 else Decimal(1))
        assert question.explanation == (f"Giải thích {i}" if i % 2 else None)
    in_other = session.scalars(select(Question.options).where(Question.bank_id == other.id)
                               .order_by(Question.source_row)).all()
    assert [len(options) for options in in_other] == [len(q.options) for q in questions]
    assert all(o.text.startswith("Khác") for options in in_other for o in options
               if o.text not in ("True", "False"))


def test_parallel_imports_into_different_banks_each_get_their_own_ids(app):
    bank_ids = [make_bank(app, {}, name="Ngân hàng một"), make_bank(app, {}, name="Ngân hàng hai")]
    files = [xlsx_bytes(many_rows(prefix)[:300]) for prefix in ("Một", "Hai")]
    reports = imports_at_once(app, list(zip(bank_ids, files, strict=True)))
    assert [(r.imported, r.errors) for r in reports] == [(300, []), (300, [])]
    with app.app_context():
        s = db.session()
        for bank_id, prefix in zip(bank_ids, ("Một", "Hai"), strict=True):
            questions = s.scalars(select(Question).where(Question.bank_id == bank_id)).all()
            assert len(questions) == 300
            for question in questions:
                assert question.text.startswith(prefix)
                assert all(o.text.startswith(prefix) or o.text in ("True", "False") for o in question.options)
                assert len(question.options) == (2 if question.type == "true_false" else
                                                 min(2 + (question.source_row - 2) % 5, 4))

"""Two imports of the same file at once into one bank: each question is stored once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from examapp import db
from examapp.banks.models import Question, QuestionBank
from tests.banks.files import good_rows, xlsx_bytes


def test_parallel_imports_store_each_question_once(app, banks):
    bank_id = banks.create()
    data = xlsx_bytes(good_rows(200))
    start = threading.Barrier(2)
    reports = []

    def run() -> None:
        from examapp.banks.service import import_questions

        with app.app_context():
            s = db.session()
            bank = s.get(QuestionBank, bank_id)
            start.wait()
            reports.append(import_questions(s, bank, data, "bank.xlsx"))
            s.commit()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted((r.imported, r.duplicates) for r in reports) == [(0, 200), (200, 0)]
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Question)) == 200

"""Export -> import round trip without loss, and cells that stay text in Excel and LibreOffice."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pandas as pd
from openpyxl import load_workbook
from sqlalchemy import select

from examapp.banks.export import COLUMNS, export_bank
from examapp.banks.importing import import_questions
from examapp.banks.models import Question
from examapp.banks.questions import QuestionDraft, edit_question, set_status
from examapp.banks.service import create_bank
from tests.banks.files import row, xlsx_bytes

ROWS = [
    row(
        "Đảng Cộng sản Việt Nam ra đời năm nào?",
        options=("1930", "1945", "1954"),
        answer="A",
        topic="Lịch sử",
    ),
    row(
        "Chọn các nguyên tắc:",
        options=("Tập trung dân chủ", "Tự phê bình", "Độc đoán"),
        answer="A,B",
        difficulty="hard",
        points=2.5,
        explanation="Điều lệ Đảng",
    ),
    row("Đảng viên phải sinh hoạt chi bộ.", options=(), answer="đúng", type_="true_false", topic=None),
    row("Đảng viên được vắng sinh hoạt tuỳ ý.", options=(), answer="sai", difficulty="medium"),
    row("=1+1 là công thức?", options=("=SUM(A1:A2)", "+84 912", "-5", "@user"), answer="C", topic="-chủ đề"),
    row(
        "Nhiều dòng\nthứ hai", options=("02/09/1945", "0.5", "  khoảng trắng  "), answer="B", type_="multiple"
    ),
]


def _content(session, bank) -> list[tuple]:
    questions = session.scalars(select(Question).where(Question.bank_id == bank.id).order_by(Question.id))
    return [
        (
            q.text,
            q.type,
            tuple((o.text, o.correct) for o in q.options),
            q.topic.name,
            q.difficulty,
            q.points,
            q.explanation,
            q.status,
        )
        for q in questions
    ]


def test_export_reimports_into_an_empty_bank_unchanged_and_into_the_same_bank_as_duplicates(session):
    source = create_bank(session, "Nguồn")
    first = import_questions(session, source, xlsx_bytes(ROWS), "a.xlsx")
    assert first.imported == len(ROWS), first.errors
    session.commit()
    exported = export_bank(session, source)
    copy = create_bank(session, "Bản sao")
    report = import_questions(session, copy, exported, "export.xlsx")
    session.commit()
    assert report.errors == [] and report.imported == len(ROWS)
    assert _content(session, copy) == _content(session, source)
    same = import_questions(session, source, exported, "export.xlsx")
    assert (same.imported, same.duplicates, same.errors) == (0, len(ROWS), [])


def test_export_after_edits_keeps_the_current_version_and_leaves_retired_out(session):
    bank = create_bank(session, "Nguồn")
    import_questions(session, bank, xlsx_bytes(ROWS), "a.xlsx")
    session.commit()
    first, second = session.scalars(select(Question).order_by(Question.id).limit(2)).all()
    edit_question(
        session,
        first,
        QuestionDraft(
            "Năm thành lập Đảng?",
            "single",
            (("1930", True), ("1931", False)),
            "Lịch sử",
            "easy",
            Decimal("1.25"),
        ),
        None,
    )
    set_status(session, second, "retired", None)
    session.commit()
    sheet = load_workbook(io.BytesIO(export_bank(session, bank))).active
    texts = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Năm thành lập Đảng?" in texts and second.text not in texts and len(texts) == len(ROWS) - 1
    everything = load_workbook(io.BytesIO(export_bank(session, bank, include_retired=True))).active
    assert everything.max_row == len(ROWS) + 1


def test_export_columns_true_false_rows_and_formula_like_text(session):
    bank = create_bank(session, "Nguồn")
    import_questions(session, bank, xlsx_bytes(ROWS), "a.xlsx")
    session.commit()
    data = export_bank(session, bank)
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    by_text = {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]}
    tf = by_text["Đảng viên phải sinh hoạt chi bộ."]
    assert (tf["type"], tf["answer"], tf["option_a"], tf["option_b"]) == ("true_false", "true", None, None)
    assert by_text["Đảng viên được vắng sinh hoạt tuỳ ý."]["answer"] == "false"
    assert (
        by_text["Chọn các nguyên tắc:"]["answer"] == "A,B"
        and by_text["Chọn các nguyên tắc:"]["points"] == 2.5
    )
    # Formula-like text is a string cell with Excel's quote prefix: no formula anywhere in the file.
    for cell in sheet[6]:
        if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
            assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml and "=SUM(A1:A2)" in xml
    styles = zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    assert 'quotePrefix="1"' in styles
    values = pd.read_excel(io.BytesIO(data), engine="calamine", dtype=object)
    assert "=SUM(A1:A2)" in values["option_a"].tolist() and "-5" in values["option_c"].tolist()

"""Writing a bank back to the template's xlsx columns, so the file re-imports without loss."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from examapp.banks.models import Option, Question, QuestionBank, Topic
from reports.cells import xlsx_value

LETTERS = "ABCDEFGH"
COLUMNS = ("question", *(f"option_{letter.lower()}" for letter in LETTERS), "answer", "type", "topic",
           "difficulty", "points", "explanation")


def download_name(bank: QuestionBank) -> str:
    """A file name for the bank's export that every operating system accepts."""
    safe_name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", bank.name).strip(". ") or "bank"
    return f"{safe_name}.xlsx"


def export_bank(db: Session, bank: QuestionBank, include_retired: bool = False) -> bytes:
    """The bank as an xlsx workbook with the CONTRACT columns (active questions unless asked)."""
    questions = (select(Question.text, Question.type, Question.options, Topic.name, Question.difficulty,
                        Question.points, Question.explanation)
                 .join(Topic, Topic.id == Question.topic_id).where(Question.bank_id == bank.id))
    if not include_retired:
        questions = questions.where(Question.status == "active")
    # openpyxl is imported here, not at the top: every process loads this module, few export.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("questions")
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for fields in db.execute(questions.order_by(Question.id)):
        row = question_row(*fields)
        sheet.append([xlsx_value(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def question_row(text: str, kind: str, options: Sequence[Option], topic: str, difficulty: str,
                 points: Decimal, explanation: str | None) -> list[str | int | float | None]:
    """One question as the template's row: options A-H, the answer letters or true/false."""
    cells: list[str | None] = [None] * len(LETTERS)
    if kind == "true_false":
        answer = "true" if any(o.text == "True" and o.correct for o in options) else "false"
    else:
        cells[: len(options)] = [o.text for o in options]
        answer = ",".join(LETTERS[i] for i, o in enumerate(options) if o.correct)
    return [text, *cells, answer, kind, topic, difficulty, _number(points), explanation]


def _number(points: Decimal) -> int | float:
    return int(points) if points == points.to_integral_value() else float(points)

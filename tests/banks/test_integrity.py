"""What the database itself holds to, whichever code writes: a question's topic is one of its bank's."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from examapp.banks.models import Question, QuestionBank, Topic
from importers import Option


def _question(bank_id: int, topic_id: int, text: str) -> dict:
    return {"bank_id": bank_id, "topic_id": topic_id, "number": 1, "type": "single", "text": text,
            "search_text": text,
            "difficulty": "medium", "points": 1, "options": (Option("A", True), Option("B", False)),
            "content_hash": text, "status": "active", "version": 1}


@pytest.fixture
def two_banks(session) -> tuple[QuestionBank, QuestionBank]:
    first, second = QuestionBank(name="Lịch sử Đảng"), QuestionBank(name="Pháp luật")
    session.add_all([first, second, Topic(bank=first, name="Đại hội"), Topic(bank=second, name="Hiến pháp")])
    session.commit()
    return first, second


def test_a_question_cannot_take_a_topic_of_another_bank(session, two_banks):
    first, second = two_banks
    topic_of_second = session.scalar(select(Topic.id).where(Topic.bank_id == second.id))
    with pytest.raises(IntegrityError):
        session.execute(insert(Question).values(_question(first.id, topic_of_second, "Câu lạc?")))
        session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Question)) == 0


def test_deleting_a_bank_deletes_its_topics_and_questions_only(session, two_banks):
    first, second = two_banks
    for bank in two_banks:
        topic_id = session.scalar(select(Topic.id).where(Topic.bank_id == bank.id))
        session.execute(insert(Question).values(_question(bank.id, topic_id, f"Câu của {bank.name}?")))
    session.commit()
    session.execute(delete(QuestionBank).where(QuestionBank.id == first.id))
    session.commit()
    assert session.scalars(select(Question.text)).all() == ["Câu của Pháp luật?"]
    assert session.scalars(select(Topic.name)).all() == ["Hiến pháp"]

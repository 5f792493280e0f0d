"""A bank's questions: search, one question's page and its key, authoring, edits with revisions,
retiring and restoring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from examapp.audit.service import record
from examapp.banks.models import (
    DIFFICULTIES,
    QUESTION_TYPES,
    STATUSES,
    Option,
    Question,
    QuestionBank,
    QuestionRevision,
    option_id,
    option_json,
)
from examapp.banks.service import BankError, QuestionDuplicate, QuestionError, lock_bank
from examapp.banks.writing import DEFAULT_TOPIC, fold_text, next_number, topic_ids
from examapp.db import utcnow
from examapp.messages import Message, msg
from importers import (
    content_key,
)
from importers.fields import MAX_POINTS
from importers.normalise import clean_text
from importers.validate import (
    MAX_EXPLANATION,
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_STEM,
    MAX_TOPIC,
    TRUE_FALSE_TEXTS,
)

Progress = Callable[[int, int], None]



# ---- questions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionFilter:
    text: str = ""
    topic_id: int | None = None
    difficulty: str | None = None
    type: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Question]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search_questions(db: Session, bank: QuestionBank, wanted: QuestionFilter, page: int = 1,
                     per_page: int = 25) -> Page:
    """One page of the bank's questions matching the filter, oldest first; text ignores accents."""
    query = select(Question).where(Question.bank_id == bank.id)
    if wanted.text.strip():
        query = query.where(Question.search_text.contains(fold_text(wanted.text), autoescape=True))
    if wanted.topic_id is not None:
        query = query.where(Question.topic_id == wanted.topic_id)
    if wanted.difficulty:
        query = query.where(Question.difficulty == wanted.difficulty)
    if wanted.type:
        query = query.where(Question.type == wanted.type)
    if wanted.status:
        query = query.where(Question.status == wanted.status)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    per_page = min(max(per_page, 1), 200)
    page = min(max(page, 1), max(1, -(-total // per_page)))
    items = db.scalars(
        query.options(selectinload(Question.topic))
        .order_by(Question.number).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def question_in_bank(db: Session, bank: QuestionBank, question_id: int) -> Question | None:
    question = db.get(Question, question_id)
    return question if question is not None and question.bank_id == bank.id else None


def question_dict(question: Question, *, with_key: bool) -> dict:
    """A question as the API shows it; `with_key` adds each option's is_correct, for staff only."""
    options = [{"id": option_id(question.id, position), "position": position, "text": o.text,
                **({"is_correct": o.correct} if with_key else {})}
               for position, o in enumerate(question.options, start=1)]
    return {"id": question.id, "number": question.number, "type": question.type, "text": question.text,
            "topic": question.topic.name,
            "difficulty": question.difficulty, "points": str(question.points.normalize()),
            "explanation": question.explanation, "status": question.status, "version": question.version,
            "options": options}


@dataclass(frozen=True)
class QuestionDraft:
    """A question as an edit form gives it. For true_false, `options` is ignored and `truth` used."""

    text: str
    type: str
    options: tuple[tuple[str, bool], ...]
    topic: str
    difficulty: str
    points: Decimal
    explanation: str | None = None
    truth: bool | None = None


def snapshot(question: Question) -> dict:
    """The parts of a question an edit can change, as stored in its revision."""
    return {"text": question.text, "type": question.type, "topic": question.topic.name,
            "difficulty": question.difficulty, "points": str(question.points),
            "explanation": question.explanation,
            "options": option_json(question.options)}


def _checked(db: Session, bank_id: int, draft: QuestionDraft, question_id: int | None = None,
             ) -> tuple[QuestionDraft, list[tuple[str, bool]], str]:
    """The draft cleaned as an import cleans text, its options and its content key, once the bank is
    locked; raises QuestionError naming every problem, or QuestionDuplicate when another question
    of the bank (not `question_id`) has the same text and options."""
    draft = _cleaned(draft)
    options, problems = _check_draft(draft)
    if problems:
        raise QuestionError(problems)
    lock_bank(db, bank_id)
    key = content_key(draft.text.strip(), [t for t, _ in options])
    if db.scalar(select(Question.id).where(Question.bank_id == bank_id, Question.content_hash == key,
                                           Question.id != (question_id or 0))):
        raise QuestionDuplicate({"text": msg("another question of this bank already has this text and "
                                             "these options")})
    return draft, options, key


def add_question(db: Session, bank: QuestionBank, draft: QuestionDraft, user_id: int | None) -> Question:
    """Add a question written by hand, checked as an edit is, numbered next in its bank (caller commits)."""
    draft, options, key = _checked(db, bank.id, draft)
    text, topic = draft.text.strip(), draft.topic.strip() or DEFAULT_TOPIC
    now = utcnow()
    question = Question(
        bank_id=bank.id, topic_id=topic_ids(db, bank, {topic})[topic], type=draft.type, text=text,
        search_text=fold_text(text), difficulty=draft.difficulty, points=draft.points,
        explanation=(draft.explanation or "").strip() or None, content_hash=key, status="active",
        version=1, created_at=now, updated_at=now,
        options=tuple(Option(option_text, correct) for option_text, correct in options),
        number=next_number(db, bank.id),
    )
    db.add(question)
    db.flush()
    record(db, user_id, "question.create", str(question.id), bank_id=bank.id, number=question.number)
    return question


def edit_question(db: Session, question: Question, draft: QuestionDraft, user_id: int | None) -> bool:
    """Apply an edit as a new version, keeping the old text in a QuestionRevision.

    Returns False when nothing changed.
    """
    draft, options, key = _checked(db, question.bank_id, draft, question.id)
    text = draft.text.strip()
    before = snapshot(question)
    topic_id = topic_ids(db, question.bank, {draft.topic.strip() or DEFAULT_TOPIC})[
        draft.topic.strip() or DEFAULT_TOPIC]
    after = {"text": text, "type": draft.type, "difficulty": draft.difficulty,
             "points": str(draft.points), "explanation": (draft.explanation or "").strip() or None,
             "options": [{"text": t, "correct": c} for t, c in options]}
    unchanged = (topic_id == question.topic_id and Decimal(before["points"]) == draft.points
                 and all(before[k] == after[k] for k in ("text", "type", "difficulty", "explanation",
                                                         "options")))
    if unchanged:
        return False
    db.add(QuestionRevision(question_id=question.id, version=question.version, snapshot=before,
                            edited_by_id=user_id, edited_at=utcnow()))
    question.text = text
    question.search_text = fold_text(text)
    question.type = draft.type
    question.topic_id = topic_id
    question.difficulty = draft.difficulty
    question.points = draft.points
    question.explanation = after["explanation"]
    question.content_hash = key
    question.version += 1
    question.updated_at = utcnow()
    question.options = tuple(Option(option_text, correct) for option_text, correct in options)
    db.flush()
    db.expire(question, ["topic"])
    record(db, user_id, "question.edit", str(question.id), bank_id=question.bank_id, version=question.version)
    return True


def _cleaned(draft: QuestionDraft) -> QuestionDraft:
    """The draft's texts as an import stores them: no control or invisible characters, NFC."""
    return replace(draft, text=clean_text(draft.text or ""), topic=clean_text(draft.topic or ""),
                   explanation=clean_text(draft.explanation) if draft.explanation else draft.explanation,
                   options=tuple((clean_text(t or ""), c) for t, c in draft.options))


def _check_draft(draft: QuestionDraft) -> tuple[list[tuple[str, bool]], dict[str, Message]]:
    problems: dict[str, Message] = {}
    text = (draft.text or "").strip()
    if not text:
        problems["text"] = msg("the question text is empty")
    elif len(text) > MAX_STEM:
        problems["text"] = msg("the question text must be at most %(max)s characters", max=MAX_STEM)
    if draft.type not in QUESTION_TYPES:
        problems["type"] = msg("the type must be one of %(types)s", types=", ".join(QUESTION_TYPES))
    if draft.difficulty not in DIFFICULTIES:
        problems["difficulty"] = msg("the difficulty must be one of %(difficulties)s",
                                     difficulties=", ".join(DIFFICULTIES))
    points = draft.points
    if points is None or not points.is_finite() or points <= 0 or points > MAX_POINTS:
        problems["points"] = msg("points must be greater than 0 and at most %(max)s", max=MAX_POINTS)
    elif points.as_tuple().exponent < -2:
        problems["points"] = msg("points can have at most two decimals")
    if len(draft.topic.strip()) > MAX_TOPIC:
        problems["topic"] = msg("the topic must be at most %(max)s characters", max=MAX_TOPIC)
    if len((draft.explanation or "").strip()) > MAX_EXPLANATION:
        problems["explanation"] = msg("the explanation must be at most %(max)s characters",
                                      max=MAX_EXPLANATION)
    if draft.type == "true_false":
        if draft.truth is None:
            problems["options"] = msg("say whether the statement is true or false")
            return [], problems
        return [(TRUE_FALSE_TEXTS[0], draft.truth), (TRUE_FALSE_TEXTS[1], not draft.truth)], problems
    options = [(t.strip(), c) for t, c in draft.options if t.strip()]
    correct = sum(c for _, c in options)
    if len(options) < 2:
        problems["options"] = msg("give at least two options")
    elif len(options) > MAX_OPTIONS:
        problems["options"] = msg("give at most %(max)s options", max=MAX_OPTIONS)
    elif any(len(t) > MAX_OPTION for t, _ in options):
        problems["options"] = msg("an option must be at most %(max)s characters", max=MAX_OPTION)
    elif len({fold_text(t) for t, _ in options}) < len(options):
        problems["options"] = msg("two options have the same text")
    elif correct == 0:
        problems["options"] = msg("mark the correct option")
    elif draft.type == "single" and correct > 1:
        problems["options"] = msg("a single question has exactly one correct option; mark one or make it "
                                  "multiple")
    return options, problems


def revisions(db: Session, question: Question) -> list[QuestionRevision]:
    return list(db.scalars(select(QuestionRevision).where(QuestionRevision.question_id == question.id)
                           .order_by(QuestionRevision.version.desc())))


def set_status(db: Session, question: Question, status: str, user_id: int | None) -> bool:
    """Retire or restore a question; retired ones are kept but no longer drawn into papers."""
    if status not in STATUSES:
        raise BankError(msg("the status must be one of %(statuses)s", statuses=", ".join(STATUSES)))
    if question.status == status:
        return False
    question.status = status
    question.updated_at = utcnow()
    record(db, user_id, "question.retire" if status == "retired" else "question.restore", str(question.id),
           bank_id=question.bank_id)
    return True

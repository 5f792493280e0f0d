"""Drawing papers from an exam's blueprint and its bank: at start, or ahead of it.

A start in a full room must not read the bank: the first paper of every candidate is drawn when
the candidate is assigned and again whenever the blueprint changes (PreparedPaper), and the start
takes it with one statement. A paper drawn ahead is the paper the start would have drawn with the
same seed (same pools, counts, order, option order). It is taken only while every question on it
is still active at the version it was drawn from; otherwise the start draws afresh, so a question
corrected or retired before the exam never reaches a candidate. Once taken, a paper is frozen like
any other: later bank edits do not change it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from examapp.banks.models import Question
from examapp.db import in_batches, utcnow
from examapp.exams.drawing import Drawn, draw_questions, order_options
from examapp.exams.errors import ExamConflict
from examapp.exams.models import Attempt, Exam, ExamCandidate, ExamRule, PreparedPaper
from examapp.messages import msg

# A paper's option ids are drawn at random for each paper, so that neither their order nor their
# values say anything of the options' places in the bank (where the key often sits) or of the key.
OPTION_IDS = range(1, 2**31)
_ids = secrets.SystemRandom()
PREPARE_BATCH = 500  # papers per INSERT when a whole room is drawn ahead


@dataclass(frozen=True)
class DrawnPaper:
    """A paper's seed, its AttemptQuestion rows (without attempt_id) and what it is worth."""

    seed: int
    rows: list[dict[str, Any]]
    max_score: Decimal


@dataclass(frozen=True)
class _BankQuestion:
    type: str
    text: str
    explanation: str | None
    version: int
    options: dict[int, dict[str, Any]]


def new_seed() -> int:
    return secrets.randbits(63)


def rule_pools(db: Session, exam: Exam, rules: Sequence[ExamRule]) -> list[list[int]]:
    """The active question ids each rule may draw from now; refuses if the bank shrank since."""
    bank = db.execute(select(Question.id, Question.topic_id, Question.difficulty).where(
        Question.bank_id == exam.bank_id, Question.status == "active")).all()
    pools = []
    for rule in rules:
        pool = [qid for qid, topic, difficulty in bank
                if rule.topic_id in (None, topic) and rule.difficulty in (None, difficulty)]
        if len(pool) < rule.count:
            raise ExamConflict(msg(
                "rule %(n)s of this exam asks for %(count)s questions but the bank has only "
                "%(available)s active now; tell the exam's author",
                n=rule.position, count=rule.count, available=len(pool)))
        pools.append(pool)
    return pools


def _bank_questions(db: Session, ids: Iterable[int]) -> dict[int, _BankQuestion]:
    found = {}
    for batch in in_batches(ids):
        for qid, kind, text, own, explanation, version in db.connection().execute(
                select(Question.id, Question.type, Question.text, Question.options, Question.explanation,
                       Question.version).where(Question.id.in_(batch))):
            found[qid] = _BankQuestion(kind, text, explanation, version, {
                position: {"position": position, "text": o.text, "is_correct": o.correct}
                for position, o in enumerate(own, start=1)})
    return found


def _paper(exam: Exam, rules: Sequence[ExamRule], drawn: list[Drawn], bank: dict[int, _BankQuestion],
           seed: int) -> DrawnPaper:
    points = {r.position: r.points for r in rules}
    rows = []
    for position, d in enumerate(drawn, start=1):
        question = bank[d.question_id]
        order = order_options(list(question.options), seed, d.question_id,
                              exam.shuffle_options and question.type != "true_false")
        ids = _ids.sample(OPTION_IDS, len(order))
        rows.append({"question_id": d.question_id, "position": position, "rule_position": d.rule_position,
                     "type": question.type, "text": question.text, "points": points[d.rule_position],
                     "explanation": question.explanation, "version": question.version,
                     "options": [{"id": i, **question.options[p]} for i, p in zip(ids, order, strict=True)]})
    return DrawnPaper(seed, rows, sum((points[d.rule_position] for d in drawn), Decimal(0)))


def draw_paper(db: Session, exam: Exam, seed: int, seen: AbstractSet[int] = frozenset()) -> DrawnPaper:
    """Draw one paper from the bank as it is now (ExamConflict if a rule's pool became too small)."""
    rules = list(exam.rules)
    pools = rule_pools(db, exam, rules)
    drawn = draw_questions(pools, [r.count for r in rules], seed, exam.shuffle_questions, seen)
    return _paper(exam, rules, drawn, _bank_questions(db, [d.question_id for d in drawn]), seed)


# ---------------------------------------------------------------- drawn ahead


@dataclass(frozen=True)
class PaperCounts:
    """Candidates who have not started: with their first paper drawn ahead, and without."""

    drawn: int
    missing: int

    def as_dict(self) -> dict[str, int]:
        return {"drawn": self.drawn, "missing": self.missing}


def paper_counts(db: Session, exam_id: int) -> PaperCounts:
    drawn = db.scalar(select(func.count()).select_from(PreparedPaper).where(PreparedPaper.exam_id == exam_id))
    waiting = db.scalar(select(func.count()).select_from(ExamCandidate).where(
        ExamCandidate.exam_id == exam_id,
        ExamCandidate.user_id.not_in(select(Attempt.user_id).where(Attempt.exam_id == exam_id))))
    return PaperCounts(drawn, max(0, waiting - drawn))


def prepare_papers(db: Session, exam: Exam, user_ids: Iterable[int] | None = None) -> int:
    """Draw ahead the first paper of each candidate (all, or those in `user_ids`) who has neither
    started nor a paper waiting; returns how many were drawn. ExamConflict if the bank has become
    too small for the blueprint (then nothing is drawn)."""
    waiting = select(PreparedPaper.user_id).where(PreparedPaper.exam_id == exam.id)
    started = select(Attempt.user_id).where(Attempt.exam_id == exam.id)
    query = select(ExamCandidate.user_id).where(
        ExamCandidate.exam_id == exam.id, ExamCandidate.user_id.not_in(waiting),
        ExamCandidate.user_id.not_in(started))
    if user_ids is not None:
        wanted = set(user_ids)
        users = [u for u in db.scalars(query) if u in wanted]
    else:
        users = list(db.scalars(query))
    if not users:
        return 0
    rules = list(exam.rules)
    pools = rule_pools(db, exam, rules)
    bank = _bank_questions(db, {qid for pool in pools for qid in pool})
    counts = [r.count for r in rules]
    now = utcnow()
    for batch in in_batches(users, PREPARE_BATCH):
        rows = []
        for user_id in batch:
            seed = new_seed()
            drawn = draw_questions(pools, counts, seed, exam.shuffle_questions)
            paper = _paper(exam, rules, drawn, bank, seed)
            rows.append({"exam_id": exam.id, "user_id": user_id, "seed": paper.seed,
                         "max_score": paper.max_score, "questions": _stored(paper.rows),
                         "prepared_at": now})
        db.execute(insert(PreparedPaper), rows)
    return len(users)


def discard_papers(db: Session, exam_id: int) -> int:
    """Forget the papers drawn ahead for an exam (its blueprint changed); returns how many."""
    return db.execute(delete(PreparedPaper).where(PreparedPaper.exam_id == exam_id)).rowcount


def take_paper(db: Session, exam_id: int, user_id: int) -> DrawnPaper | None:
    """The candidate's paper drawn ahead, removed so that it is used once; None if there is none or
    a question on it was edited or retired since (then the caller draws afresh)."""
    taken = db.execute(delete(PreparedPaper).where(
        PreparedPaper.exam_id == exam_id, PreparedPaper.user_id == user_id)
        .returning(PreparedPaper.seed, PreparedPaper.max_score, PreparedPaper.questions)).first()
    if taken is None:
        return None
    seed, max_score, stored = taken
    drawn_at = {row["question_id"]: row["version"] for row in stored}
    current = dict(db.connection().execute(select(Question.id, Question.version).where(
        Question.id.in_(list(drawn_at)), Question.status == "active")).all())
    if current != drawn_at:
        return None
    return DrawnPaper(seed, [{**row, "points": Decimal(row["points"])} for row in stored], max_score)


def _stored(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as JSON keeps them: points as text, so that they come back exact."""
    return [{**row, "points": str(row["points"])} for row in rows]

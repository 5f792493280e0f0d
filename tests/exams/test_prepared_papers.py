"""Papers drawn ahead: drawn when candidates are assigned, the same papers a start would draw, taken
once by the start, drawn again when the blueprint changes, not used once a question on them changed."""

from __future__ import annotations

import json
import threading
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.auth.models import User
from examapp.banks.models import Question
from examapp.banks.questions import QuestionDraft, edit_question, set_status
from examapp.db import utcnow
from examapp.exams import attempts, editing, papers
from examapp.exams.definitions import RuleSpec
from examapp.exams.models import Attempt, AttemptQuestion, Exam, PreparedPaper
from tests.factories import (
    DEFAULT_RULES,
    add_candidates,
    csrf_token,
    log_in,
    make_bank,
    make_client,
    make_exam,
    make_user,
)


def _prepared(app, exam_id: int, user_id: int) -> PreparedPaper | None:
    with app.app_context():
        return db.session().scalar(select(PreparedPaper).where(
            PreparedPaper.exam_id == exam_id, PreparedPaper.user_id == user_id))


def _count(app, exam_id: int) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(PreparedPaper)
                                   .where(PreparedPaper.exam_id == exam_id))


def _draft(question: Question, text: str) -> QuestionDraft:
    """The question as its edit form would send it, with a new text."""
    truth = question.options[0].correct if question.type == "true_false" else None
    return QuestionDraft(text, question.type, tuple((o.text, o.correct) for o in question.options),
                         question.topic.name, question.difficulty, question.points, truth=truth)


def _layout(rows) -> list[tuple[int, int, list[str]]]:
    """(question, rule, option texts in paper order): a paper without its random option ids."""
    return [(r["question_id"], r["rule_position"], [o["text"] for o in r["options"]]) for r in rows]


def _attempt_layout(app, attempt_id: int) -> list[tuple[int, int, list[str]]]:
    with app.app_context():
        rows = db.session().scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)
                                    .order_by(AttemptQuestion.position)).all()
        return [(r.question_id, r.rule_position, [o["text"] for o in r.options]) for r in rows]


def _retire_all(app, bank_id: int) -> None:
    with app.app_context():
        s = db.session()
        for question in s.scalars(select(Question).where(Question.bank_id == bank_id)):
            question.status = "retired"
        s.commit()


def _candidate_without_paper(app, exam_id: int) -> None:
    """A candidate assigned behind the service's back, as when the bank was too small at the time."""
    user = make_user(app)
    with app.app_context():
        s = db.session()
        s.execute(papers.ExamCandidate.__table__.insert().values(exam_id=exam_id, user_id=user.id,
                                                                 extra_minutes=0.0, added_at=utcnow()))
        s.commit()


def test_assigning_draws_each_first_paper_by_the_blueprint(app, bank_id):
    users = [make_user(app) for _ in range(3)]
    exam_id = make_exam(app, bank_id, [u.username for u in users])
    assert _count(app, exam_id) == 3
    with app.app_context():
        s = db.session()
        exam = s.get(Exam, exam_id)
        for user in users:
            waiting = s.scalar(select(PreparedPaper).where(PreparedPaper.user_id == user.id))
            per_rule = Counter(row["rule_position"] for row in waiting.questions)
            assert per_rule == {r.position: r.count for r in exam.rules}
            drawn = {row["question_id"] for row in waiting.questions}
            assert len(drawn) == sum(r.count for r in DEFAULT_RULES)
            assert waiting.max_score == sum(r.count * r.points for r in exam.rules)
            # the paper a start would draw with the same seed: same questions, order and option order
            fresh = papers.draw_paper(s, exam, waiting.seed)
            assert _layout(waiting.questions) == _layout(fresh.rows)
        assert len({p.seed for p in s.scalars(select(PreparedPaper))}) == 3


def test_the_start_takes_the_paper_drawn_ahead_once(app, bank_id):
    alice = make_client(app)
    exam_id = make_exam(app, bank_id, [alice.user.username])
    waiting = _prepared(app, exam_id, alice.user.id)
    paper = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    with app.app_context():
        attempt = db.session().get(Attempt, paper["attempt_id"])
        assert attempt.seed == waiting.seed and attempt.max_score == waiting.max_score
    assert _attempt_layout(app, paper["attempt_id"]) == _layout(waiting.questions)
    shown = [(q["id"], [o["id"] for o in q["options"]]) for q in paper["questions"]]
    assert shown == [(r["question_id"], [o["id"] for o in r["options"]]) for r in waiting.questions]
    assert _prepared(app, exam_id, alice.user.id) is None
    for q in paper["questions"]:  # no key reaches the candidate from a paper drawn ahead either
        assert set(q) == {"id", "position", "type", "text", "points", "options"}
        assert all(set(o) == {"id", "text"} for o in q["options"])
    again = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    assert again["attempt_id"] == paper["attempt_id"]  # resumed, the same paper


def test_a_later_attempt_is_drawn_at_its_start(app, bank_id):
    user = make_user(app)
    exam_id = make_exam(app, bank_id, [user.username], max_attempts=2, fresh_questions=True)
    with app.app_context():
        s = db.session()
        first, _ = attempts.start_attempt(s, exam_id, user, utcnow())
        s.commit()
        first_questions = {q.question_id for q in s.scalars(select(AttemptQuestion)
                                                            .where(AttemptQuestion.attempt_id == first.id))}
        first.status = "submitted"
        first.submitted_at = utcnow()
        s.commit()
        assert papers.prepare_papers(s, s.get(Exam, exam_id)) == 0  # started: nothing drawn ahead
        second, created = attempts.start_attempt(s, exam_id, user, utcnow())
        s.commit()
        second_questions = {q.question_id for q in s.scalars(select(AttemptQuestion)
                                                             .where(AttemptQuestion.attempt_id == second.id))}
    assert created and second.number == 2
    assert len(first_questions & second_questions) < len(first_questions)  # fresh questions where possible


def test_a_question_edited_or_retired_after_drawing_is_not_shown_from_the_old_paper(app, bank_id):
    alice, bob = make_user(app), make_user(app)
    exam_id = make_exam(app, bank_id, [alice.username, bob.username])
    for user, change in ((alice, "edit"), (bob, "retire")):
        waiting = _prepared(app, exam_id, user.id)
        target = waiting.questions[0]["question_id"]
        with app.app_context():
            s = db.session()
            question = s.get(Question, target)
            if change == "edit":
                edit_question(s, question, _draft(question, "Corrected: " + question.text), None)
            else:
                set_status(s, question, "retired", None)
            s.commit()
            attempt, _ = attempts.start_attempt(s, exam_id, user, utcnow())
            s.commit()
            rows = s.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)).all()
            assert attempt.seed != waiting.seed  # drawn afresh
            texts = {r.question_id: r.text for r in rows}
            if change == "edit":
                assert texts.get(target, "Corrected: ").startswith("Corrected: ")
            else:
                assert target not in texts
        assert _prepared(app, exam_id, user.id) is None


def test_a_bank_edit_elsewhere_keeps_the_paper_drawn_ahead_and_a_started_paper_stays_frozen(app, bank_id):
    user = make_user(app)
    exam_id = make_exam(app, bank_id, [user.username])
    waiting = _prepared(app, exam_id, user.id)
    on_paper = {row["question_id"] for row in waiting.questions}
    with app.app_context():
        s = db.session()
        other = s.scalar(select(Question).where(Question.bank_id == bank_id, Question.id.not_in(on_paper)))
        set_status(s, other, "retired", None)
        s.commit()
        attempt, _ = attempts.start_attempt(s, exam_id, user, utcnow())
        s.commit()
        assert attempt.seed == waiting.seed
        first = s.get(Question, waiting.questions[0]["question_id"])
        edit_question(s, first, _draft(first, "Changed after the start"), None)
        s.commit()
    assert _attempt_layout(app, attempt.id) == _layout(waiting.questions)
    with app.app_context():
        frozen = db.session().scalar(select(AttemptQuestion.text).where(
            AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.question_id == first.id))
    assert frozen == waiting.questions[0]["text"] != "Changed after the start"


def test_a_blueprint_change_draws_every_waiting_paper_again(app, bank_id):
    users = [make_user(app) for _ in range(2)]
    exam_id = make_exam(app, bank_id, [u.username for u in users])
    before = {u.id: _prepared(app, exam_id, u.id).seed for u in users}
    with app.app_context():
        s = db.session()
        exam = s.get(Exam, exam_id)
        admin = s.get(User, exam.created_by_id)
        editing.update_exam(s, exam, {"rules": [RuleSpec(5, "Party rules")]}, admin, utcnow())
        s.commit()
    for user in users:
        after = _prepared(app, exam_id, user.id)
        assert after.seed != before[user.id]
        assert Counter(row["rule_position"] for row in after.questions) == {1: 5}
    redrawn = {u.id: _prepared(app, exam_id, u.id).seed for u in users}
    with app.app_context():
        s = db.session()
        editing.update_exam(s, s.get(Exam, exam_id), {"title": "Only the title"}, s.get(User, admin.id),
                            utcnow())
        s.commit()
    assert {u.id: _prepared(app, exam_id, u.id).seed for u in users} == redrawn  # kept
    assert _count(app, exam_id) == 2


def test_assigning_again_draws_nothing_twice_and_a_small_bank_draws_nothing(app, bank_id):
    user = make_user(app)
    exam_id = make_exam(app, bank_id, [user.username])
    seed = _prepared(app, exam_id, user.id).seed
    add_candidates(app, exam_id, [user.username], extra_minutes=5)
    assert _prepared(app, exam_id, user.id).seed == seed and _count(app, exam_id) == 1
    _retire_all(app, bank_id)
    late = make_user(app)
    add_candidates(app, exam_id, [late.username])  # the assignment still succeeds
    assert _prepared(app, exam_id, late.id) is None


def test_staff_draw_the_missing_papers_through_the_api(app, bank_id):
    trainer = make_client(app, "trainer")
    exam_id = make_exam(app, make_bank(app, owner=trainer.user), author=trainer.user)
    for _ in range(3):
        _candidate_without_paper(app, exam_id)
    answer = trainer.post(f"/api/v1/exams/{exam_id}/papers", json={})
    assert answer.status_code == 200
    assert answer.get_json() == {"exam_id": exam_id, "drawn_now": 3, "drawn": 3, "missing": 0}
    again = trainer.post(f"/api/v1/exams/{exam_id}/papers", json={}).get_json()
    assert again["drawn_now"] == 0 and again["drawn"] == 3

    other = make_client(app, "trainer")
    assert other.post(f"/api/v1/exams/{exam_id}/papers", json={}).status_code == 403
    candidate = make_client(app)
    assert candidate.post(f"/api/v1/exams/{exam_id}/papers", json={}).status_code == 403
    assert _count(app, exam_id) == 3


def test_a_bank_too_small_is_refused_with_its_reason_and_draws_nothing(app, bank_id):
    trainer = make_client(app, "trainer")
    own_bank = make_bank(app, owner=trainer.user)
    exam_id = make_exam(app, own_bank, author=trainer.user)
    _retire_all(app, own_bank)
    user = make_user(app)
    add_candidates(app, exam_id, [user.username])
    answer = trainer.post(f"/api/v1/exams/{exam_id}/papers", json={})
    assert answer.status_code == 409
    assert "active now" in answer.get_json()["error"]["message"]
    assert _count(app, exam_id) == 0


def test_the_cli_draws_the_missing_papers(app, runner, bank_id):
    exam_id = make_exam(app, bank_id)
    _candidate_without_paper(app, exam_id)
    result = runner.invoke(args=["exams", "papers", str(exam_id), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"exam_id": exam_id, "drawn_now": 1, "drawn": 1, "missing": 0}
    result = runner.invoke(args=["exams", "papers", "999999"])
    assert result.exit_code != 0 and "no exam 999999" in result.output
    assert _count(app, exam_id) == 1


def test_the_exam_page_counts_papers_and_draws_the_missing_ones(csrf_on, app, bank_id):
    admin = make_client(app, "admin")
    exam_id = make_exam(app, bank_id)
    _candidate_without_paper(app, exam_id)
    page = admin.get(f"/exams/{exam_id}").get_data(as_text=True)
    assert "Papers drawn ahead" in page and "1 has none yet" in page
    missing_token = admin.post(f"/exams/{exam_id}/papers", data={})
    assert missing_token.status_code == 400 and _count(app, exam_id) == 0
    answer = admin.post(f"/exams/{exam_id}/papers", data={"csrf_token": csrf_token(page)})
    assert answer.status_code == 303
    page = admin.get(f"/exams/{exam_id}").get_data(as_text=True)
    assert "1 paper drawn ahead." in page and "Draw the missing papers" not in page
    assert _count(app, exam_id) == 1


def test_starts_racing_for_one_paper_drawn_ahead_give_one_attempt(app, bank_id):
    if app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: the two starts cannot overlap there")
    alice = make_client(app)
    exam_id = make_exam(app, bank_id, [alice.user.username])
    seed = _prepared(app, exam_id, alice.user.id).seed
    clients = [app.test_client() for _ in range(4)]  # one browser each, the same candidate
    for c in clients:
        assert log_in(c, alice.user.username).status_code == 200
    go = threading.Barrier(4)
    started: list[int] = []

    def start(c) -> None:
        go.wait()
        started.append(c.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()["attempt_id"])

    threads = [threading.Thread(target=start, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(started) == 4 and len(set(started)) == 1
    with app.app_context():
        s = db.session()
        assert s.scalar(select(func.count()).select_from(Attempt).where(Attempt.exam_id == exam_id)) == 1
        assert s.get(Attempt, started[0]).max_score > Decimal(0)
        assert s.get(Attempt, started[0]).seed == seed
    assert _prepared(app, exam_id, alice.user.id) is None

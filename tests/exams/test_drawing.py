"""Papers: reproducible from the stored seed, the same counts per rule and points on every paper."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from examapp import db
from examapp.banks.models import Question
from examapp.exams import attempts
from examapp.exams.drawing import draw_questions, order_options
from examapp.exams.models import Attempt, AttemptQuestion, Exam
from tests.factories import at, make_attempt, make_exam, make_user

POOLS = [list(range(1, 21)), list(range(100, 110)), list(range(200, 230))]
COUNTS = [5, 3, 10]


def test_the_same_seed_draws_the_same_paper():
    assert draw_questions(POOLS, COUNTS, 42, True) == draw_questions(POOLS, COUNTS, 42, True)
    # the pools' order as loaded does not matter: they are sorted first
    shuffled_pools = [list(reversed(p)) for p in POOLS]
    assert draw_questions(shuffled_pools, COUNTS, 42, True) == draw_questions(POOLS, COUNTS, 42, True)


def test_every_paper_has_the_rule_counts_and_no_repeats():
    for seed in range(50):
        paper = draw_questions(POOLS, COUNTS, seed, True)
        assert Counter(d.rule_position for d in paper) == {1: 5, 2: 3, 3: 10}
        assert len({d.question_id for d in paper}) == 18
        for d in paper:
            assert d.question_id in POOLS[d.rule_position - 1]


def test_shuffling_changes_the_order_and_unshuffled_keeps_rule_order():
    orders = {tuple(d.question_id for d in draw_questions(POOLS, COUNTS, s, True)) for s in range(20)}
    assert len(orders) > 15
    plain = draw_questions(POOLS, COUNTS, 7, False)
    assert [d.rule_position for d in plain] == sorted(d.rule_position for d in plain)
    for rule in (1, 2, 3):
        ids = [d.question_id for d in plain if d.rule_position == rule]
        assert ids == sorted(ids)


def test_option_order_is_reproducible_and_shuffles_only_when_asked():
    options = [11, 12, 13, 14]
    assert order_options(options, 5, 99, False) == options
    assert order_options(options, 5, 99, True) == order_options(options, 5, 99, True)
    assert len({tuple(order_options(options, s, 99, True)) for s in range(30)}) > 5


def test_papers_of_one_exam_match_rule_counts_and_total_points(app, bank_id):
    users = [make_user(app) for _ in range(6)]
    exam_id = make_exam(app, bank_id, [u.username for u in users])
    for user in users:
        make_attempt(app, exam_id, user, at())
    with app.app_context():
        s = db.session()
        papers = {}
        for aq in s.scalars(select(AttemptQuestion).order_by(AttemptQuestion.position)):
            papers.setdefault(aq.attempt_id, []).append(aq)
        assert len(papers) == 6
        for paper in papers.values():
            assert Counter(aq.rule_position for aq in paper) == {1: 3, 2: 2, 3: 4}
            assert sum(aq.points for aq in paper) == 11
        orders = {tuple(aq.question_id for aq in p) for p in papers.values()}
        assert len(orders) > 1, "shuffled papers should differ"
        assert {a.max_score for a in s.scalars(select(Attempt))} == {11}


@pytest.fixture
def sitting(app, bank_id):
    """A candidate's attempt just drawn, and the session it is in: (session, attempt)."""
    user = make_user(app)
    exam_id = make_exam(app, bank_id, (user.username,))
    with app.app_context():
        yield db.session(), make_attempt(app, exam_id, user, at())


def test_a_stored_seed_redraws_the_frozen_paper(sitting):
    s, attempt = sitting
    exam = s.get(Exam, attempt.exam_id)
    bank = s.execute(select(Question.id, Question.topic_id, Question.difficulty)
                     .where(Question.bank_id == exam.bank_id, Question.status == "active")).all()
    pools = [[q for q, t, d in bank if r.topic_id in (None, t) and r.difficulty in (None, d)]
             for r in exam.rules]
    redrawn = draw_questions(pools, [r.count for r in exam.rules], attempt.seed, True)
    frozen = s.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
                       .order_by(AttemptQuestion.position)).all()
    assert [d.question_id for d in redrawn] == [aq.question_id for aq in frozen]
    for aq in frozen:
        bank_options = s.get(Question, aq.question_id).options
        bank_order = list(range(1, len(bank_options) + 1))
        shuffle = aq.type != "true_false"
        assert [o["position"] for o in aq.options] == order_options(bank_order, attempt.seed,
                                                                     aq.question_id, shuffle)
        assert all((o["text"], o["is_correct"]) == (bank_options[o["position"] - 1].text,
                                                    bank_options[o["position"] - 1].correct)
                   for o in aq.options)


def test_the_paper_is_frozen_against_later_bank_edits(sitting):
    s, attempt = sitting
    before = attempts.attempt_paper(s, attempt, at()).questions
    for q in s.scalars(select(Question)):
        q.text = "edited"
        q.points = 9
    s.commit()
    after = attempts.attempt_paper(s, attempt, at()).questions
    assert after == before and all(q.text != "edited" for q in after)

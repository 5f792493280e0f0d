"""Fresh questions: a later attempt draws, within each rule, questions the candidate has not been given,
topping up with seen ones only where the rule's pool lacks unseen ones."""

from __future__ import annotations

from sqlalchemy import select

from examapp import db
from examapp.exams.definitions import RuleSpec
from examapp.exams.drawing import draw_questions
from examapp.exams.models import AttemptQuestion
from tests.factories import at, make_attempt, make_client, make_exam, make_user

POOLS = [list(range(1, 11)), list(range(20, 26))]


def ids(paper) -> set[int]:
    return {d.question_id for d in paper}


def test_questions_seen_are_left_out_while_the_pool_has_others():
    for seed in range(20):
        first = draw_questions(POOLS, [4, 3], seed, True)
        second = draw_questions(POOLS, [4, 3], seed + 100, True, ids(first))
        assert not ids(first) & ids(second)
        assert sorted(d.rule_position for d in second) == [1, 1, 1, 1, 2, 2, 2]


def test_a_small_pool_takes_every_unseen_question_then_tops_up_with_seen_ones():
    seen = set(range(1, 9)) | {20, 21}  # rule 1 has 2 unseen (9, 10), rule 2 has 4 (22-25)
    for seed in range(20):
        paper = draw_questions(POOLS, [5, 3], seed, True, seen)
        rule1 = {d.question_id for d in paper if d.rule_position == 1}
        rule2 = {d.question_id for d in paper if d.rule_position == 2}
        assert len(rule1) == 5 and {9, 10} <= rule1
        assert len(rule2) == 3 and not rule2 & seen


def test_the_draw_is_fixed_by_the_seed_and_the_seen_set():
    seen = {1, 2, 3, 20}
    assert draw_questions(POOLS, [6, 4], 11, True, seen) == draw_questions(POOLS, [6, 4], 11, True, seen)
    assert draw_questions(POOLS, [6, 4], 11, True, seen) != draw_questions(POOLS, [6, 4], 11, True, {4})


def test_nothing_seen_draws_as_before():
    # Stored seeds of papers drawn without the option must keep reproducing them.
    assert draw_questions(POOLS, [4, 3], 5, True, {99}) == draw_questions(POOLS, [4, 3], 5, True)


def sit_twice(app, bank_id, count: int, fresh: bool = True, times: int = 2) -> list[set[int]]:
    """The question ids of each of `times` papers a candidate sat over a rule of `count` of the 8
    'Party rules' questions."""
    user = make_user(app)
    exam_id = make_exam(app, bank_id, (user.username,), max_attempts=times, fresh_questions=fresh,
                        rules=[RuleSpec(count, "Party rules")])
    papers = []
    with app.app_context():
        s = db.session()
        for n in range(times):
            attempt = make_attempt(app, exam_id, user, at(minutes=n), submitted_at=at(minutes=n, seconds=30))
            papers.append(set(s.scalars(select(AttemptQuestion.question_id)
                                        .where(AttemptQuestion.attempt_id == attempt.id))))
    return papers


def test_a_second_attempt_over_a_big_enough_bank_shares_no_question(app, bank_id):
    first, second = sit_twice(app, bank_id, 4)
    assert len(first) == len(second) == 4 and not first & second


def test_a_second_attempt_over_a_small_bank_still_draws_the_full_count(app, bank_id):
    first, second, third = sit_twice(app, bank_id, 6, times=3)
    assert len(second) == 6 and len(first | second) == 8, "both unseen questions are drawn"
    assert len(third) == 6, "with every question seen, the paper is drawn from all of them"


def test_fresh_questions_are_fixed_once_candidates_have_started(app, bank_id):
    admin = make_client(app, "admin")
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (candidate.user.username,))
    changed = admin.patch(f"/api/v1/exams/{exam_id}", json={"fresh_questions": True})
    assert changed.status_code == 200 and changed.get_json()["fresh_questions"] is True
    candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={})
    refused = admin.patch(f"/api/v1/exams/{exam_id}", json={"fresh_questions": False})
    assert refused.status_code == 409 and "fresh_questions" in refused.get_json()["error"]["message"]
    assert admin.get(f"/api/v1/exams/{exam_id}").get_json()["fresh_questions"] is True
    assert admin.patch(f"/api/v1/exams/{exam_id}", json={"fresh_questions": "yes"}).status_code == 400

"""A candidate's result for an exam across their attempts: highest, last, first or average, computed
from the attempts whenever it is shown (the candidate's views, the exam room), never stored."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from examapp import db
from examapp.exams.definitions import RuleSpec
from examapp.exams.models import Attempt, AttemptQuestion
from examapp.exams.results import result_of
from tests.factories import answer_key, make_client, make_exam


def attempt(number: int, score: str, max_score: str = "4", status: str = "submitted") -> SimpleNamespace:
    return SimpleNamespace(id=100 + number, number=number, status=status,
                           score=None if status != "submitted" else Decimal(score),
                           max_score=Decimal(max_score))


def exam(grading: str, mark: str = "50") -> SimpleNamespace:
    return SimpleNamespace(grading=grading, pass_percent=Decimal(mark))


# 25%, 75%, 50% in that order
THREE = [attempt(1, "1"), attempt(2, "3"), attempt(3, "2")]


@pytest.mark.parametrize("method, percent, passed, attempt_id", [
    ("highest", "75.00", True, 102), ("last", "50.00", True, 103), ("first", "25.00", False, 101),
    ("average", "50.00", True, None)])
def test_each_method_picks_its_result(method, percent, passed, attempt_id):
    result = result_of(exam(method), reversed(THREE))  # any order: the attempt numbers decide
    assert (result.percent, result.passed, result.attempt_id) == (Decimal(percent), passed, attempt_id)
    assert result.method == method and result.attempts == 3 and result.max_score == 4


def test_average_is_the_mean_score_and_percent():
    result = result_of(exam("average"), THREE)
    assert result.score == Decimal("2.00") and result.max_score == Decimal("4.00")


def test_average_passes_by_the_exact_mean_not_the_rounded_one():
    thirds = [attempt(n, "1", "3") for n in (1, 2, 3)]  # 33.333...% each
    assert result_of(exam("average", "33.33"), thirds).passed is True
    refused = result_of(exam("average", "33.34"), thirds)
    assert refused.percent == Decimal("33.33") and refused.passed is False


def test_highest_takes_the_earlier_of_equal_attempts():
    assert result_of(exam("highest"), [attempt(1, "2"), attempt(2, "2")]).attempt_id == 101


def test_attempts_in_progress_do_not_count_and_none_before_a_submission():
    running = attempt(4, "0", status="in_progress")
    assert result_of(exam("last"), [*THREE, running]).attempt_id == 103
    assert result_of(exam("highest"), [running]) is None
    assert result_of(exam("highest"), []) is None


def sit(app, client, exam_id: int, right: int) -> dict:
    """Start an attempt, answer `right` questions correctly and the rest wrongly, submit it."""
    paper = client.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    with app.app_context():
        frozen = {aq.question_id: aq for aq in db.session().scalars(
            select(AttemptQuestion).where(AttemptQuestion.attempt_id == paper["attempt_id"]))}
    for n, question in enumerate(paper["questions"]):
        options = frozen[question["id"]].options
        key = answer_key(frozen[question["id"]])
        wrong = [next(o["id"] for o in options if not o["is_correct"])]
        saved = client.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{question['id']}",
                           json={"options": key if n < right else wrong})
        assert saved.status_code == 200, saved.get_json()
    return client.post(f"/api/v1/attempts/{paper['attempt_id']}/submit").get_json()


@pytest.fixture
def three_attempts(app, bank_id):
    """An exam of four one-point questions (pass mark 50%) a candidate sat three times: 25%, 75%, 50%."""
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (candidate.user.username,), max_attempts=3,
                        rules=[RuleSpec(4, "Party rules")], grading="first")
    sat = [sit(app, candidate, exam_id, right) for right in (1, 3, 2)]
    assert [s["percent"] for s in sat] == [25, 75, 50]
    return candidate, exam_id, sat


def test_the_candidates_views_give_the_result_by_the_exams_method(three_attempts):
    candidate, exam_id, sat = three_attempts
    mine = candidate.get(f"/api/v1/exams/{exam_id}").get_json()
    assert mine["grading"] == "first"
    assert mine["result"] == {"method": "first", "score": 1.0, "max_score": 4.0, "percent": 25.0,
                              "passed": False, "attempts": 3, "attempt_id": sat[0]["attempt_id"]}
    listed = candidate.get("/api/v1/exams").get_json()["exams"]
    assert [e["result"] for e in listed if e["id"] == exam_id] == [mine["result"]]


def test_changing_the_method_after_attempts_changes_results_and_nothing_stored(app, three_attempts):
    candidate, exam_id, sat = three_attempts
    admin = make_client(app, "admin")
    with app.app_context():
        stored = [(a.score, a.percent, a.passed) for a in db.session().scalars(
            select(Attempt).where(Attempt.exam_id == exam_id).order_by(Attempt.number))]
    for method, percent, passed in (("highest", 75, True), ("last", 50, True), ("average", 50, True)):
        changed = admin.patch(f"/api/v1/exams/{exam_id}", json={"grading": method})
        assert changed.status_code == 200, changed.get_json()
        assert changed.get_json()["changed"] == ["grading"] and changed.get_json()["grading"] == method
        result = candidate.get(f"/api/v1/exams/{exam_id}").get_json()["result"]
        assert (result["method"], result["percent"], result["passed"]) == (method, percent, passed)
        room = admin.get(f"/api/v1/exams/{exam_id}/room").get_json()["candidates"]
        assert room[0]["result"] == result
    with app.app_context():
        assert stored == [(a.score, a.percent, a.passed) for a in db.session().scalars(
            select(Attempt).where(Attempt.exam_id == exam_id).order_by(Attempt.number))]


def test_a_higher_pass_mark_applies_to_the_result_too(app, three_attempts):
    candidate, exam_id, _ = three_attempts
    admin = make_client(app, "admin")
    admin.patch(f"/api/v1/exams/{exam_id}", json={"grading": "highest", "pass_percent": 80})
    result = candidate.get(f"/api/v1/exams/{exam_id}").get_json()["result"]
    assert result["percent"] == 75 and result["passed"] is False


def test_an_unknown_method_is_refused_and_changes_nothing(bank_id, app, three_attempts):
    _, exam_id, _ = three_attempts
    admin = make_client(app, "admin")
    for bad in ("best", "", None, 1):
        refused = admin.patch(f"/api/v1/exams/{exam_id}", json={"grading": bad})
        assert refused.status_code == 400, bad
    assert admin.get(f"/api/v1/exams/{exam_id}").get_json()["grading"] == "first"
    created = admin.post("/api/v1/exams", json={
        "title": "X", "bank_id": bank_id, "rules": [{"count": 1, "topic": "Party rules"}],
        "duration_minutes": 5, "pass_percent": 50, "grading": "median"})
    assert created.status_code == 400 and "grading" in created.get_json()["error"]["message"]


def test_an_exam_defaults_to_the_highest_attempt(app, bank_id):
    admin = make_client(app, "admin")
    created = admin.post("/api/v1/exams", json={
        "title": "X", "bank_id": bank_id, "rules": [{"count": 1, "topic": "Party rules"}],
        "duration_minutes": 5, "pass_percent": 50})
    assert created.status_code == 201 and created.get_json()["grading"] == "highest"


def test_a_policy_that_shows_no_result_shows_none_across_attempts(app, bank_id):
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (candidate.user.username,), review_policy="none",
                        rules=[RuleSpec(4, "Party rules")])
    sit(app, candidate, exam_id, 4)
    assert candidate.get(f"/api/v1/exams/{exam_id}").get_json()["result"] is None
    proctor = make_client(app, "proctor")
    [line] = proctor.get(f"/api/v1/exams/{exam_id}/room").get_json()["candidates"]
    assert line["result"]["percent"] == 100

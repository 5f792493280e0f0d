"""The pages of the grading method, a candidate's override (from the Candidates page) and reopening an
attempt (from the exam room), in English and Vietnamese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from examapp import db
from examapp.audit.models import AuditLog
from examapp.db import utcnow
from examapp.exams import editing
from examapp.exams import room as exam_room
from examapp.exams.models import AttemptQuestion, Exam, ExamCandidate
from tests.exams_pages.conftest import attempt_row, start
from tests.exams_pages.test_define_pages import _form as define_form
from tests.exams_pages.test_edit_pages import _form as edit_form
from tests.exams_pages.test_room_pages import start_with_token
from tests.factories import change_exam, csrf_token

VI = {"Accept-Language": "vi"}


def _candidate(app, exam_id: int) -> ExamCandidate:
    with app.app_context():
        return db.session().scalar(select(ExamCandidate).where(ExamCandidate.exam_id == exam_id))


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(AuditLog.action).order_by(AuditLog.id)))


# ---------------------------------------------------------------- grading method, fresh questions


def test_the_define_form_sets_the_grading_method_and_fresh_questions(setup, app):
    response = setup.trainer.post("/exams/new", data=define_form(setup.bank_id, grading="average",
                                                                 fresh_questions="y"))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        exam = db.session().query(Exam).order_by(Exam.id.desc()).first()
        assert (exam.grading, exam.fresh_questions) == ("average", True)
        exam_id = exam.id
    detail = setup.trainer.get(f"/exams/{exam_id}").get_data(as_text=True)
    assert "The average of the attempts" in detail and "Fresh questions on later attempts" in detail
    edit = setup.trainer.get(f"/exams/{exam_id}/edit").get_data(as_text=True)
    assert '<option selected value="average">' in edit
    refused = setup.trainer.post("/exams/new", data=define_form(setup.bank_id, grading="median"))
    assert refused.status_code == 400 and 'id="grading-err"' in refused.get_data(as_text=True)


def test_fresh_questions_are_marked_fixed_once_candidates_started(setup, app):
    start(setup.candidate, setup.exam_id)
    page = setup.trainer.get(f"/exams/{setup.exam_id}/edit").get_data(as_text=True)
    assert "partial credit and fresh questions can no longer change" in page
    with app.app_context():
        spec = editing.spec_of(db.session().get(Exam, setup.exam_id))
    response = setup.trainer.post(f"/exams/{setup.exam_id}/edit", data=edit_form(page, fresh_questions="y"))
    assert response.status_code == 409 and 'id="fresh_questions-err"' in response.get_data(as_text=True)
    with app.app_context():
        assert editing.spec_of(db.session().get(Exam, setup.exam_id)) == spec


def _sit(client, app, exam_id: int, right: int) -> int:
    """Sit the exam through its pages, answering `right` questions correctly; the attempt id."""
    attempt_id = start(client, exam_id)
    with app.app_context():
        frozen = db.session().scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)
                                      .order_by(AttemptQuestion.position)).all()
    data: dict = {"shown": [str(aq.question_id) for aq in frozen], "action": "submit"}
    for aq in frozen[:right]:
        data[f"q{aq.question_id}"] = [str(o["id"]) for o in aq.options if o["is_correct"]]
    client.post(f"/attempts/{attempt_id}", data=data)
    assert client.post(f"/attempts/{attempt_id}/submit", data={}).status_code == 303
    return attempt_id


def test_my_exams_and_the_result_page_give_the_result_for_the_exam(setup, app):
    change_exam(app, setup.exam_id, max_attempts=3, grading="highest")
    _sit(setup.candidate, app, setup.exam_id, 3)
    last = _sit(setup.candidate, app, setup.exam_id, 1)
    mine = setup.candidate.get("/my-exams").get_data(as_text=True)
    assert "Your result for this exam" in mine and "50%" in mine and "Your highest attempt counts." in mine
    result = setup.candidate.get(f"/attempts/{last}/result").get_data(as_text=True)
    assert "16,67%" in result or "16.67%" in result  # this attempt: 1 of 6
    assert "Your result for this exam" in result and "2 attempts submitted." in result
    change_exam(app, setup.exam_id, grading="last")
    vietnamese = setup.candidate.get("/my-exams", headers=VI).get_data(as_text=True)
    assert "Kết quả của bạn cho kỳ thi này" in vietnamese and "16,67%" in vietnamese
    assert "Tính lượt làm bài cuối cùng của bạn." in vietnamese


def test_the_room_and_candidates_pages_show_the_result_by_the_method(setup, app, proctor):
    change_exam(app, setup.exam_id, max_attempts=2, grading="first")
    _sit(setup.candidate, app, setup.exam_id, 6)
    _sit(setup.candidate, app, setup.exam_id, 0)
    room = proctor.get(f"/exams/{setup.exam_id}/room").get_data(as_text=True)
    assert "Result (The first attempt)" in room and "100%" in room and "Attempts: 2 of 2" in room
    candidates = setup.trainer.get(f"/exams/{setup.exam_id}/candidates").get_data(as_text=True)
    assert "Result (The first attempt)" in candidates and "100%" in candidates


# ---------------------------------------------------------------- overrides


def test_the_candidates_page_links_to_each_candidates_override(setup):
    page = setup.trainer.get(f"/exams/{setup.exam_id}/candidates").get_data(as_text=True)
    assert f"/exams/{setup.exam_id}/candidates/{setup.candidate.user.username}/override" in page


def test_an_override_through_its_page(setup, app):
    url = f"/exams/{setup.exam_id}/candidates/{setup.candidate.user.username}/override"
    page = setup.trainer.get(url).get_data(as_text=True)
    assert "Override for Lê Hoàng Anh" in page and 'name="extra_attempts"' in page
    response = setup.trainer.post(url, data={"opens_at": "", "closes_at": "2030-01-02T17:30",
                                             "extra_minutes": "15", "extra_attempts": "2"})
    assert response.status_code == 303, response.get_data(as_text=True)
    listing = setup.trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "The override for Lê Hoàng Anh is saved." in listing
    assert "2 extra attempts" in listing and "Own window:" in listing
    candidate = _candidate(app, setup.exam_id)
    assert candidate.closes_at == datetime(2030, 1, 2, 10, 30, tzinfo=UTC)  # Vietnam time is UTC+7
    assert (candidate.opens_at, candidate.extra_minutes, candidate.extra_attempts) == (None, 15, 2)
    assert "exam.override" in _actions(app)
    mine = setup.candidate.get("/my-exams").get_data(as_text=True)
    assert "3 attempts left" in mine and "02/01/2030 17:30" in mine
    shown = setup.trainer.get(url).get_data(as_text=True)
    assert 'value="2030-01-02T17:30"' in shown and 'value="2"' in shown


def test_a_refused_override_says_why_on_the_page_and_changes_nothing(setup, app):
    url = f"/exams/{setup.exam_id}/candidates/{setup.candidate.user.username}/override"
    bad = setup.trainer.post(url, data={"opens_at": "2030-01-02T17:30", "closes_at": "2030-01-02T08:00"})
    assert bad.status_code == 400 and "which is not after it opens" in bad.get_data(as_text=True)
    typo = setup.trainer.post(url, data={"extra_attempts": "many"})
    assert typo.status_code == 400 and 'id="extra_attempts-err"' in typo.get_data(as_text=True)
    vietnamese = setup.trainer.post(url, headers=VI, data={"opens_at": "2030-01-02T17:30",
                                                           "closes_at": "2030-01-02T08:00"})
    assert "không sau thời điểm mở" in vietnamese.get_data(as_text=True)
    candidate = _candidate(app, setup.exam_id)
    assert (candidate.opens_at, candidate.closes_at, candidate.extra_attempts) == (None, None, 0)
    assert "exam.override" not in _actions(app)
    assert setup.trainer.get(f"/exams/{setup.exam_id}/candidates/nobody/override").status_code == 404
    assert setup.candidate.get(url).status_code == 403


def test_no_override_reopens_an_exam_that_showed_its_answers(setup, app):
    change_exam(app, setup.exam_id, review_policy="answers_after_close")
    _sit(setup.candidate, app, setup.exam_id, 2)
    change_exam(app, setup.exam_id, closes_at=utcnow() - timedelta(seconds=1))
    url = f"/exams/{setup.exam_id}/candidates/{setup.candidate.user.username}/override"
    refused = setup.trainer.post(url, data={"extra_attempts": "1"})
    assert refused.status_code == 409 and "shown the answers" in refused.get_data(as_text=True)
    assert _candidate(app, setup.exam_id).extra_attempts == 0


# ---------------------------------------------------------------- reopening


def test_a_force_submitted_attempt_is_reopened_from_the_room(setup, app, proctor):
    attempt_id = start(setup.candidate, setup.exam_id)
    proctor.post(f"/exams/{setup.exam_id}/room/force-submit/{attempt_id}", data={"confirmed": "y"})
    room = proctor.get(f"/exams/{setup.exam_id}/room").get_data(as_text=True)
    url = f"/exams/{setup.exam_id}/room/reopen/{attempt_id}"
    assert f'action="{url}"' in room
    assert 'data-confirm="Reopen Lê Hoàng Anh\'s attempt with the time it had left' in room
    asking = proctor.post(url, data={})
    assert asking.status_code == 200 and "Are you sure?" in asking.get_data(as_text=True)
    assert attempt_row(app, attempt_id).status == "submitted"
    done = proctor.post(url, data={"confirmed": "y"}, follow_redirects=True)
    assert "Lê Hoàng Anh&#39;s attempt is open again until" in done.get_data(as_text=True)
    attempt = attempt_row(app, attempt_id)
    assert attempt.status == "in_progress" and attempt.deadline > datetime.now(UTC) + timedelta(minutes=29)
    assert "exam.reopen_attempt" in _actions(app)
    assert setup.candidate.get(f"/attempts/{attempt_id}").status_code == 200
    again = proctor.post(url, data={"confirmed": "y"})
    assert again.status_code == 409 and "still in progress" in again.get_data(as_text=True)


def test_the_room_offers_no_reopen_for_a_paper_the_candidate_submitted(setup, app, proctor):
    attempt_id = _sit(setup.candidate, app, setup.exam_id, 1)
    room = proctor.get(f"/exams/{setup.exam_id}/room").get_data(as_text=True)
    assert f"/room/reopen/{attempt_id}" not in room
    refused = proctor.post(f"/exams/{setup.exam_id}/room/reopen/{attempt_id}", data={"confirmed": "y"},
                           headers=VI)
    assert refused.status_code == 409 and "đã tự nộp" in refused.get_data(as_text=True)
    assert attempt_row(app, attempt_id).finished_by == "candidate"


def test_reopening_after_the_room_closed_asks_for_an_override_first(setup, app, proctor):
    attempt_id = start(setup.candidate, setup.exam_id)
    proctor.post(f"/exams/{setup.exam_id}/room/close", data={"confirmed": "y"})
    url = f"/exams/{setup.exam_id}/room/reopen/{attempt_id}"
    refused = proctor.post(url, data={"confirmed": "y"})
    assert refused.status_code == 409
    assert "override with a later close first" in refused.get_data(as_text=True)
    assert attempt_row(app, attempt_id).status == "submitted"
    later = (datetime.now(UTC) + timedelta(hours=7, minutes=40)).strftime("%Y-%m-%dT%H:%M")
    override = proctor.post(f"/exams/{setup.exam_id}/candidates/{setup.candidate.user.username}/override",
                            data={"closes_at": later})
    assert override.status_code == 303
    assert proctor.post(url, data={"confirmed": "y"}).status_code == 303
    assert attempt_row(app, attempt_id).status == "in_progress"


def test_trainers_cannot_reopen(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id)
    with app.app_context():
        s = db.session()
        exam_room.force_submit(s, attempt_id, None, datetime.now(UTC))
        s.commit()
    for client in (setup.trainer, setup.candidate):
        refused = client.post(f"/exams/{setup.exam_id}/room/reopen/{attempt_id}", data={"confirmed": "y"})
        assert refused.status_code == 403
    assert attempt_row(app, attempt_id).status == "submitted"


def test_the_reopen_form_needs_its_csrf_token(csrf_on, setup, app, proctor):
    attempt_id = start_with_token(setup.candidate, setup.exam_id)
    with app.app_context():
        s = db.session()
        exam_room.force_submit(s, attempt_id, None, datetime.now(UTC))
        s.commit()
    url = f"/exams/{setup.exam_id}/room/reopen/{attempt_id}"
    assert proctor.post(url, data={"confirmed": "y"}).status_code == 400
    assert attempt_row(app, attempt_id).status == "submitted"
    page = proctor.get(f"/exams/{setup.exam_id}/room").get_data(as_text=True)
    done = proctor.post(url, data={"confirmed": "y", "csrf_token": csrf_token(page)})
    assert done.status_code == 303 and attempt_row(app, attempt_id).status == "in_progress"

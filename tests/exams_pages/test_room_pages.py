"""The proctor's exam room: the live list, extra time, force submit and closing, each confirmed once."""

from __future__ import annotations

import re
from datetime import timedelta

from examapp import db
from examapp.audit.models import AuditLog
from examapp.exams.definitions import RuleSpec
from examapp.exams.models import Answer, Attempt
from tests.exams_pages.conftest import attempt_row, start
from tests.factories import add_candidates, csrf_token, make_exam, make_user


def start_with_token(client, exam_id: int) -> int:
    page = client.get(f"/my-exams/{exam_id}").get_data(as_text=True)
    response = client.post(f"/my-exams/{exam_id}", data={"room_code": "P101", "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _actions(app) -> list[str]:
    with app.app_context():
        return [row.action for row in db.session().query(AuditLog).order_by(AuditLog.id)]


def test_room_lists_candidates_with_progress(setup, app, proctor):
    waiting = make_user(app, "candidate", full_name="Phạm Thu Hà")
    add_candidates(app, setup.exam_id, [waiting.username])
    attempt_id = start(setup.candidate, setup.exam_id)
    page = proctor.get(f"/exams/{setup.exam_id}/room").get_data(as_text=True)
    assert "Not started: 1" in page and "In progress: 1" in page and "Submitted: 0" in page
    assert "Phạm Thu Hà" in page and "Lê Hoàng Anh" in page
    assert "0/6" in page  # answered of the paper's questions
    assert re.search(r'data-label="Time left">(30:00|29:5\d)', page)
    assert 'http-equiv="refresh"' in page  # without JavaScript the page refreshes itself
    part = proctor.get(f"/exams/{setup.exam_id}/room?part=table")
    assert part.status_code == 200 and "<html" not in part.get_data(as_text=True)
    assert f"/room/force-submit/{attempt_id}" in part.get_data(as_text=True)


def test_extend_gives_one_candidate_more_time(setup, app, proctor):
    attempt_id = start(setup.candidate, setup.exam_id)
    deadline = attempt_row(app, attempt_id).deadline
    username = setup.candidate.user.username
    response = proctor.post(f"/exams/{setup.exam_id}/room/extend/{username}", data={"minutes": "10"})
    assert response.status_code == 303
    assert attempt_row(app, attempt_id).deadline - deadline == timedelta(minutes=10)
    assert "exam.extend_time" in _actions(app)
    refused = proctor.post(f"/exams/{setup.exam_id}/room/extend/{username}", data={"minutes": "0"},
                           follow_redirects=True)
    assert "at least 0.5" in refused.get_data(as_text=True)
    assert attempt_row(app, attempt_id).deadline - deadline == timedelta(minutes=10)


def test_force_submit_asks_first_then_ends_the_attempt(setup, app, proctor):
    attempt_id = start(setup.candidate, setup.exam_id)
    url = f"/exams/{setup.exam_id}/room/force-submit/{attempt_id}"
    asking = proctor.post(url, data={})
    assert asking.status_code == 200 and "Are you sure?" in asking.get_data(as_text=True)
    assert attempt_row(app, attempt_id).status == "in_progress"
    done = proctor.post(url, data={"confirmed": "y"})
    assert done.status_code == 303
    attempt = attempt_row(app, attempt_id)
    assert attempt.status == "submitted" and attempt.finished_by == "proctor"
    assert "exam.force_submit" in _actions(app)
    assert setup.candidate.get(f"/attempts/{attempt_id}").headers["Location"].endswith("/result")
    again = proctor.post(url, data={"confirmed": "y"})
    assert again.status_code == 409


def test_close_the_room_submits_everyone_in_progress(setup, app, proctor):
    attempt_id = start(setup.candidate, setup.exam_id)
    asking = proctor.post(f"/exams/{setup.exam_id}/room/close", data={})
    assert asking.status_code == 200
    assert "Close “Kiểm tra kiến thức Đảng” now?" in asking.get_data(as_text=True)
    assert attempt_row(app, attempt_id).status == "in_progress"
    done = proctor.post(f"/exams/{setup.exam_id}/room/close", data={"confirmed": "y"}, follow_redirects=True)
    assert "1 attempts in progress were submitted" in done.get_data(as_text=True)
    assert "The room is closed." in done.get_data(as_text=True)
    assert attempt_row(app, attempt_id).finished_by == "room_closed"
    assert "exam.close" in _actions(app)
    refused = setup.candidate.post(f"/my-exams/{setup.exam_id}", data={"room_code": "P101"})
    assert refused.status_code == 409


def test_an_attempt_of_another_exam_cannot_be_forced_from_this_room(setup, app, proctor):
    attempt_id = start(setup.candidate, setup.exam_id)
    other_id = make_exam(app, setup.bank_id, author=setup.trainer.user, title="Khác", rules=[RuleSpec(1)],
                         duration_minutes=10)
    response = proctor.post(f"/exams/{other_id}/room/force-submit/{attempt_id}", data={"confirmed": "y"})
    assert response.status_code == 404
    assert attempt_row(app, attempt_id).status == "in_progress"


def test_trainers_and_candidates_cannot_run_the_room(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id)
    for client in (setup.trainer, setup.candidate):
        assert client.get(f"/exams/{setup.exam_id}/room").status_code == 403
        assert client.post(f"/exams/{setup.exam_id}/room/close", data={"confirmed": "y"}).status_code == 403
        forced = client.post(f"/exams/{setup.exam_id}/room/force-submit/{attempt_id}",
                             data={"confirmed": "y"})
        assert forced.status_code == 403
    with app.app_context():
        assert db.session().get(Attempt, attempt_id).status == "in_progress"


def test_room_forms_carry_a_csrf_token_and_need_it(csrf_on, setup, app, proctor):
    attempt_id = start_with_token(setup.candidate, setup.exam_id)
    deadline = attempt_row(app, attempt_id).deadline
    username = setup.candidate.user.username
    url = f"/exams/{setup.exam_id}/room/extend/{username}"
    assert proctor.post(url, data={"minutes": "5"}).status_code == 400
    page = proctor.get(f"/exams/{setup.exam_id}/room").get_data(as_text=True)
    assert proctor.post(url, data={"minutes": "5", "csrf_token": csrf_token(page)}).status_code == 303
    assert attempt_row(app, attempt_id).deadline - deadline == timedelta(minutes=5)


def test_the_paper_form_needs_its_csrf_token(csrf_on, setup, app):
    attempt_id = start_with_token(setup.candidate, setup.exam_id)
    page = setup.candidate.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    qid, option = re.search(r'name="q(\d+)" value="(\d+)"', page).groups()
    form = {"shown": qid, f"q{qid}": option}
    assert setup.candidate.post(f"/attempts/{attempt_id}", data=form).status_code == 400
    saved = setup.candidate.post(f"/attempts/{attempt_id}", data={**form, "csrf_token": csrf_token(page)})
    assert saved.status_code == 303
    with app.app_context():
        assert db.session().get(Answer, (attempt_id, int(qid))).options == [int(option)]

"""Editing an exam through its form and deleting it from its page (asked once more, with CSRF)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

from examapp import db
from examapp.exams.models import Attempt, Exam, ExamCandidate
from tests.exams_pages.conftest import start
from tests.factories import csrf_token, make_client, make_party_exam

VI = {"Accept-Language": "vi"}




class _FormReader(HTMLParser):
    """The values a browser would send from the page's exam form (the one with a Save button)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "hidden"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self.select = a.get("name")
            self.values.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None


def _fields(page: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(page)
    reader.values.pop("lang", None)  # the language switcher in the page header
    return reader.values


def _form(page: str, **changes) -> dict[str, str]:
    data = _fields(page)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _exam(app, exam_id: int) -> Exam | None:
    with app.app_context():
        exam = db.session().get(Exam, exam_id)
        if exam is not None:
            _ = [r.topic for r in exam.rules]  # loaded for the assertions outside the context
        return exam


def test_the_edit_form_shows_the_exam_as_it_is(setup):
    page = setup.trainer.get(f"/exams/{setup.exam_id}/edit").get_data(as_text=True)
    assert "Edit “Kiểm tra kiến thức Đảng”" in page
    fields = _fields(page)
    assert fields["title"] == "Kiểm tra kiến thức Đảng" and fields["room_code"] == "P101"
    assert (fields["duration_minutes"], fields["pass_percent"], fields["max_attempts"]) == ("30", "50", "1")
    assert (fields["rules-0-count"], fields["rules-0-topic"], fields["rules-1-count"]) == ("6", "", "")
    assert fields["shuffle_questions"] == "y" and "certificate" not in fields
    detail = setup.trainer.get(f"/exams/{setup.exam_id}").get_data(as_text=True)
    assert f'href="/exams/{setup.exam_id}/edit"' in detail


def test_saving_the_form_unchanged_changes_nothing(setup, app):
    before = _exam(app, setup.exam_id)
    page = setup.trainer.get(f"/exams/{setup.exam_id}/edit").get_data(as_text=True)
    response = setup.trainer.post(f"/exams/{setup.exam_id}/edit", data=_form(page), follow_redirects=True)
    assert response.status_code == 200 and "Nothing was changed." in response.get_data(as_text=True)
    after = _exam(app, setup.exam_id)
    assert (after.opens_at, after.closes_at, after.title) == (before.opens_at, before.closes_at, before.title)


def test_editing_through_the_form(setup, app):
    page = setup.trainer.get(f"/exams/{setup.exam_id}/edit").get_data(as_text=True)
    data = _form(page, title="Kiểm tra đợt 2", duration_minutes="40", pass_percent="62.5",
                 opens_at="2026-12-01T08:00", closes_at="2026-12-01T11:30", room_code="",
                 certificate="y", shuffle_options=None, review_policy="none",
                 **{"rules-0-topic": "Lịch sử Đảng", "rules-0-count": "2", "rules-1-topic": "Điều lệ Đảng",
                    "rules-1-count": "3", "rules-1-points": "2"})
    response = setup.trainer.post(f"/exams/{setup.exam_id}/edit", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/exams/{setup.exam_id}")
    shown = setup.trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Exam “Kiểm tra đợt 2” saved." in shown
    exam = _exam(app, setup.exam_id)
    assert (exam.title, exam.duration_minutes, float(exam.pass_percent)) == ("Kiểm tra đợt 2", 40, 62.5)
    assert exam.opens_at == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Vietnam time is UTC+7
    assert (exam.room_code, exam.certificate, exam.shuffle_options) == (None, True, False)
    assert exam.review_policy == "none"
    assert [(r.topic.name, r.count, float(r.points)) for r in exam.rules] == [
        ("Lịch sử Đảng", 2, 1.0), ("Điều lệ Đảng", 3, 2.0)]


def test_errors_are_shown_on_their_fields_and_nothing_changes(setup, app):
    before = _exam(app, setup.exam_id)
    form = setup.trainer.get(f"/exams/{setup.exam_id}/edit").get_data(as_text=True)
    response = setup.trainer.post(f"/exams/{setup.exam_id}/edit",
                                  data=_form(form, title="", pass_percent="150"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="title-err"' in page and 'id="pass_percent-err"' in page
    too_many = setup.trainer.post(f"/exams/{setup.exam_id}/edit", data=_form(form, **{"rules-0-count": "9"}))
    assert too_many.status_code == 400
    assert re.search(r'id="rules-0-count-err">Rule 1 \(any topic, any difficulty\) asks for 9 questions; '
                     r"the bank has 6 active<", too_many.get_data(as_text=True))
    after = _exam(app, setup.exam_id)
    assert (after.title, after.pass_percent, after.rules[0].count) == (before.title, before.pass_percent, 6)


def test_once_a_candidate_started_the_paper_settings_are_refused_on_their_fields(setup, app):
    start(setup.candidate, setup.exam_id)
    page = setup.trainer.get(f"/exams/{setup.exam_id}/edit").get_data(as_text=True)
    assert "Candidates have started this exam (1 attempts)" in page
    response = setup.trainer.post(f"/exams/{setup.exam_id}/edit", data=_form(
        page, title="Đổi tên", shuffle_questions=None, **{"rules-0-count": "5"}))
    refused = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "so rules, shuffle_questions can no longer change" in refused
    assert refused.count("This can no longer change: candidates have started the exam.") == 2
    assert 'id="shuffle_questions-err"' in refused
    exam = _exam(app, setup.exam_id)
    assert (exam.title, exam.shuffle_questions, exam.rules[0].count) == ("Kiểm tra kiến thức Đảng", True, 6)

    allowed = setup.trainer.post(f"/exams/{setup.exam_id}/edit", data=_form(page, title="Đổi tên"))
    assert allowed.status_code == 303
    assert _exam(app, setup.exam_id).title == "Đổi tên"


def test_the_refusal_reads_in_vietnamese(setup, app):
    start(setup.candidate, setup.exam_id)
    page = setup.trainer.get(f"/exams/{setup.exam_id}/edit", headers=VI).get_data(as_text=True)
    response = setup.trainer.post(f"/exams/{setup.exam_id}/edit", headers=VI,
                                  data=_form(page, partial_credit="y"))
    refused = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "đã có thí sinh bắt đầu làm bài" in refused and "chấm điểm từng phần (partial_credit)" in refused
    assert "can no longer change" not in refused


def test_moving_the_close_in_the_form_moves_a_running_deadline(setup, app):
    attempt_id = start(setup.candidate, setup.exam_id)
    with app.app_context():
        s = db.session()
        attempt = s.get(Attempt, attempt_id)
        started_at, old_deadline = attempt.started_at, attempt.deadline
    page = setup.trainer.get(f"/exams/{setup.exam_id}/edit").get_data(as_text=True)
    response = setup.trainer.post(f"/exams/{setup.exam_id}/edit", data=_form(page, duration_minutes="45"),
                                  follow_redirects=True)
    assert "The deadlines of 1 attempts in progress were moved." in response.get_data(as_text=True)
    with app.app_context():
        moved = db.session().get(Attempt, attempt_id).deadline
    assert moved - started_at == (old_deadline - started_at) * 1.5


def test_other_trainers_and_candidates_cannot_edit_or_delete(setup, app):
    other = make_client(app, "trainer")
    proctor = make_client(app, "proctor")
    for client in (other, setup.candidate, proctor):
        assert client.get(f"/exams/{setup.exam_id}/edit").status_code == 403
        assert client.post(f"/exams/{setup.exam_id}/edit", data={"title": "X"}).status_code == 403
        assert client.post(f"/exams/{setup.exam_id}/delete", data={"confirmed": "y"}).status_code == 403
    detail = proctor.get(f"/exams/{setup.exam_id}").get_data(as_text=True)
    assert "/edit" not in detail and "/delete" not in detail
    assert _exam(app, setup.exam_id).title == "Kiểm tra kiến thức Đảng"


def test_deleting_asks_once_more_then_removes_the_exam_and_its_candidates(setup, app):
    detail = setup.trainer.get(f"/exams/{setup.exam_id}").get_data(as_text=True)
    assert f'action="/exams/{setup.exam_id}/delete"' in detail
    asking = setup.trainer.post(f"/exams/{setup.exam_id}/delete", data={})
    assert asking.status_code == 200
    question = "Delete “Kiểm tra kiến thức Đảng” with its candidates and tickets?"
    assert question in asking.get_data(as_text=True)
    assert _exam(app, setup.exam_id) is not None
    done = setup.trainer.post(f"/exams/{setup.exam_id}/delete", data={"confirmed": "y"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/exams")
    listing = setup.trainer.get("/exams").get_data(as_text=True)
    assert "Exam “Kiểm tra kiến thức Đảng” deleted." in listing
    assert _exam(app, setup.exam_id) is None
    with app.app_context():
        assert db.session().query(ExamCandidate).filter_by(exam_id=setup.exam_id).count() == 0
    assert setup.trainer.get(f"/exams/{setup.exam_id}").status_code == 404


def test_an_exam_with_attempts_is_kept_and_the_page_says_to_close_it(setup, app):
    start(setup.candidate, setup.exam_id)
    detail = setup.trainer.get(f"/exams/{setup.exam_id}").get_data(as_text=True)
    assert f'action="/exams/{setup.exam_id}/delete"' not in detail
    assert "Candidates have started this exam, so it cannot be deleted; close it instead." in detail
    response = setup.trainer.post(f"/exams/{setup.exam_id}/delete", data={"confirmed": "y"},
                                  follow_redirects=True)
    assert "so it cannot be deleted: their results must stay; close the exam instead" in (
        response.get_data(as_text=True))
    assert _exam(app, setup.exam_id) is not None


def test_deleting_needs_the_csrf_token(csrf_on, app):
    trainer = make_client(app, "trainer")
    _, exam_id = make_party_exam(app, trainer.user)
    forged = trainer.post(f"/exams/{exam_id}/delete", data={"confirmed": "y"})
    assert forged.status_code == 400
    assert _exam(app, exam_id) is not None
    detail = trainer.get(f"/exams/{exam_id}").get_data(as_text=True)
    done = trainer.post(f"/exams/{exam_id}/delete", data={"confirmed": "y", "csrf_token": csrf_token(detail)})
    assert done.status_code == 303
    assert _exam(app, exam_id) is None

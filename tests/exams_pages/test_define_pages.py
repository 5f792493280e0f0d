"""Defining an exam through the form: field errors, the service's blueprint checks, times in Vietnam."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from examapp import db
from examapp.exams.models import Exam
from tests.factories import PARTY_QUESTIONS, make_bank, make_client


def _form(bank_id: int, **changes) -> dict:
    data = {
        "title": "Kiểm tra cuối khoá", "bank_id": str(bank_id),
        "rules-0-topic": "Lịch sử Đảng", "rules-0-difficulty": "", "rules-0-count": "2", "rules-0-points": "",
        "rules-1-topic": "Điều lệ Đảng", "rules-1-difficulty": "medium", "rules-1-count": "3",
        "rules-1-points": "2",
        "duration_minutes": "45", "pass_percent": "60", "max_attempts": "2",
        "opens_at": "2026-12-01T08:00", "closes_at": "2026-12-01T11:30", "room_code": "P-201",
        "shuffle_questions": "y", "shuffle_options": "y", "review_policy": "answers_after_close",
        "certificate": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _exam_count(app) -> int:
    with app.app_context():
        return db.session().query(Exam).count()


def test_create_exam_through_the_form(setup, app):
    response = setup.trainer.post("/exams/new", data=_form(setup.bank_id))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        exam = db.session().query(Exam).order_by(Exam.id.desc()).first()
        assert exam.title == "Kiểm tra cuối khoá"
        assert [(r.topic.name, r.difficulty, r.count, float(r.points)) for r in exam.rules] == [
            ("Lịch sử Đảng", None, 2, 1.0), ("Điều lệ Đảng", "medium", 3, 2.0)]
        # 08:00 in Vietnam (UTC+7) is 01:00 UTC.
        assert exam.opens_at == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
        assert exam.closes_at == datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
        assert (exam.duration_minutes, exam.max_attempts, exam.room_code) == (45, 2, "P-201")
        assert exam.review_policy == "answers_after_close"
        assert (exam.certificate, exam.partial_credit) == (True, False)
        exam_id = exam.id
    assert response.headers["Location"].endswith(f"/exams/{exam_id}")
    detail = setup.trainer.get(f"/exams/{exam_id}").get_data(as_text=True)
    assert "Kiểm tra cuối khoá" in detail and "P-201" in detail
    assert "08:00" in detail and "11:30" in detail  # shown back in Vietnam time
    listing = setup.trainer.get("/exams").get_data(as_text=True)
    assert f"/exams/{exam_id}" in listing


def test_blank_rule_rows_are_ignored(setup, app):
    data = _form(setup.bank_id, **{"rules-1-topic": "", "rules-1-difficulty": "", "rules-1-count": "",
                                   "rules-1-points": ""})
    assert setup.trainer.post("/exams/new", data=data).status_code == 302
    with app.app_context():
        exam = db.session().query(Exam).order_by(Exam.id.desc()).first()
        assert [r.count for r in exam.rules] == [2]


def test_form_errors_are_shown_next_to_the_fields_and_nothing_is_saved(setup, app):
    before = _exam_count(app)
    data = _form(setup.bank_id, title="", duration_minutes="abc", pass_percent="150",
                 closes_at="2026-12-01T07:00", **{"rules-0-count": "", "rules-1-count": ""})
    response = setup.trainer.post("/exams/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for name in ("title", "duration_minutes", "pass_percent"):
        assert f'id="{name}-err"' in page, name
    assert "The exam must close after it opens." in page
    assert "Say how many questions this rule draws." in page
    assert _exam_count(app) == before


@pytest.mark.parametrize("opens_at, closes_at", [
    ("0001-01-01T00:00", "2026-12-01T11:30"),  # in UTC, before year 1: converting overflowed
    ("2026-12-01T08:00", "9999-12-31T23:59"),
    ("1899-12-31T23:59", "2026-12-01T11:30"),
])
def test_times_outside_the_accepted_years_are_refused_next_to_the_field(setup, app, opens_at, closes_at):
    before = _exam_count(app)
    response = setup.trainer.post("/exams/new", data=_form(setup.bank_id, opens_at=opens_at,
                                                           closes_at=closes_at))
    assert response.status_code == 400
    assert "Give a time between the years 1900 and 2999." in response.get_data(as_text=True)
    assert _exam_count(app) == before


def test_rule_asking_more_than_the_bank_has_shows_the_numbers(setup, app):
    before = _exam_count(app)
    response = setup.trainer.post("/exams/new", data=_form(setup.bank_id, **{"rules-0-count": "9"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    # The service's message sits next to the rule it is about.
    assert re.search(r'id="rules-0-count-err">Rule 1 \(topic &#39;Lịch sử Đảng&#39;, any difficulty\) '
                     r'asks for 9 questions; the bank has 3 active<', page)
    assert "Fix the marked rules of the blueprint." in page
    assert 'value="Kiểm tra cuối khoá"' in page  # what was typed stays
    assert _exam_count(app) == before


def test_blueprint_problems_are_shown_on_their_rows_in_vietnamese(setup, app):
    before = _exam_count(app)
    data = _form(setup.bank_id, room_code="P 201", **{"rules-0-count": "9", "rules-1-topic": "",
                                                       "rules-1-difficulty": ""})
    response = setup.trainer.post("/exams/new", data=data, headers={"Accept-Language": "vi"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="rules-0-count-err">Dòng 1 \(chủ đề &#39;Lịch sử Đảng&#39;, mọi mức độ\) cần 9 câu '
                     r'hỏi; ngân hàng chỉ có 3 câu đang sử dụng<', page)
    assert re.search(r'id="rules-1-count-err">Dòng 2 \(mọi chủ đề, mọi mức độ\) trùng với dòng 1 ', page)
    # A problem that is not about one rule stays on top of the form.
    assert "Mã phòng thi phải dài 1-40 ký tự, gồm chữ cái, chữ số, &#39;-&#39; hoặc &#39;_&#39;" in page
    assert "Hãy sửa các dòng được đánh dấu trong ma trận đề." not in page
    assert "asks for" not in page and "overlaps" not in page
    assert _exam_count(app) == before


def test_a_trainer_sees_and_uses_only_own_banks(setup, app):
    other = make_client(app, "trainer")
    foreign_id = make_bank(app, questions=PARTY_QUESTIONS, owner=other.user, name="Ngân hàng khác")
    page = setup.trainer.get("/exams/new").get_data(as_text=True)
    assert "Ngân hàng câu hỏi" in page and "Ngân hàng khác" not in page
    before = _exam_count(app)
    assert setup.trainer.post("/exams/new", data=_form(foreign_id)).status_code == 400
    assert _exam_count(app) == before
    assert other.get(f"/exams/{setup.exam_id}").status_code == 403
    assert other.get(f"/exams/{setup.exam_id}/candidates").status_code == 403
    assert f"/exams/{setup.exam_id}\"" not in other.get("/exams").get_data(as_text=True)


def test_admin_may_define_on_any_bank(setup, app):
    admin = make_client(app, "admin")
    assert "Ngân hàng câu hỏi" in admin.get("/exams/new").get_data(as_text=True)
    assert admin.post("/exams/new", data=_form(setup.bank_id)).status_code == 302


@pytest.mark.parametrize("url", ["/exams", "/exams/new", "/exams/{id}", "/exams/{id}/candidates",
                                 "/exams/{id}/room"])
def test_candidates_may_not_open_staff_pages(setup, url):
    assert setup.candidate.get(url.format(id=setup.exam_id)).status_code == 403


def test_staff_pages_send_anonymous_visitors_to_the_login(setup, app):
    response = app.test_client().get("/exams/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_menu_shows_exams_to_staff_and_my_exams_to_candidates(setup):
    assert 'href="/exams"' in setup.trainer.get("/my-exams").get_data(as_text=True)
    candidate_page = setup.candidate.get("/my-exams").get_data(as_text=True)
    assert 'href="/my-exams"' in candidate_page and 'href="/exams"' not in candidate_page

"""Service refusals: plain English for the API, the CLI and str(); the reader's language on pages."""

from __future__ import annotations

import copy
import json
import pickle
from html import unescape
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import examapp
import importers
from examapp import db
from examapp.auth.service import AccountError
from examapp.exams.errors import ExamInvalid, RuleProblem, rule_problem
from examapp.exams.models import Attempt
from examapp.messages import Message, msg, msg_join, translated
from tests.factories import PASSWORD, make_client, make_party_exam, make_unit, make_user

VI = {"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
CATALOG = Path(examapp.__file__).parent / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


# ---- a Message is its English text ----

def test_a_message_is_its_english_text_for_str_json_and_exceptions():
    message = msg("unknown unit code '%(code)s'", code="CB01")
    assert isinstance(message, str) and isinstance(message, Message)
    assert message == "unknown unit code 'CB01'"
    assert message.template == "unknown unit code '%(code)s'" and message.values == {"code": "CB01"}
    assert json.dumps({"error": message}) == '{"error": "unknown unit code \'CB01\'"}'
    assert str(AccountError(message)) == "unknown unit code 'CB01'"
    assert msg("the room code is not correct") == "the room code is not correct"


def test_joined_problems_read_as_one_english_text_and_keep_each_part():
    first, second = msg("name is required"), msg("unknown kind '%(kind)s'; use one of %(kinds)s",
                                                  kind="x", kinds="cell, other")
    joined = msg_join([first, second])
    assert joined == "name is required; unknown kind 'x'; use one of cell, other"
    assert joined.parts == [first, second]
    assert msg_join([first]) == "name is required"


def test_a_message_keeps_its_parts_when_pickled_or_copied():
    problem = rule_problem(2, msg("rule %(n)s: count must be at least 1", n=2))
    joined = msg_join([problem, msg("title is required")])
    for again in (pickle.loads(pickle.dumps(joined)), copy.deepcopy(joined)):  # noqa: S301 (made here)
        assert again == joined and again.parts == joined.parts
        assert isinstance(again.parts[0], RuleProblem) and again.parts[0].rule == 2


def test_exam_invalid_lists_each_problem_and_the_rule_it_is_about():
    exc = ExamInvalid([msg("title is required"),
                       rule_problem(1, msg("rule %(n)s: count must be at least 1", n=1))])
    assert str(exc) == "title is required; rule 1: count must be at least 1"
    assert [getattr(p, "rule", None) for p in exc.problems] == [None, 1]
    single = ExamInvalid(msg("give at least one username"))
    assert str(single) == "give at least one username" and single.problems == ["give at least one username"]


# ---- translated() on pages ----

def test_translated_speaks_the_request_language(app):
    message = msg("unknown unit code '%(code)s'", code="CB01")
    with app.test_request_context("/", headers=VI):
        assert translated(message) == "Không có đơn vị nào mang mã 'CB01'"
        assert translated(AccountError(message)) == "Không có đơn vị nào mang mã 'CB01'"
        assert translated(msg_join([msg("name is required"), message])) == (
            "Hãy nhập tên; không có đơn vị nào mang mã 'CB01'")
        assert translated("not a Message") == "Not a Message"
        assert translated(ValueError("plain")) == "Plain"
    with app.test_request_context("/", headers=EN):
        assert translated(message) == "Unknown unit code 'CB01'"


def test_messages_inside_a_message_are_translated_too(app):
    rule = msg("%(topic)s, %(difficulty)s", topic=msg("topic '%(topic)s'", topic="Lịch sử Đảng"),
               difficulty=msg("easy"))
    problem = msg("rule %(n)s (%(rule)s) asks for %(count)s questions; the bank has %(available)s active",
                  n=1, rule=rule, count=9, available=3)
    assert problem == "rule 1 (topic 'Lịch sử Đảng', easy) asks for 9 questions; the bank has 3 active"
    with app.test_request_context("/", headers=VI):
        assert translated(problem) == (
            "Dòng 1 (chủ đề 'Lịch sử Đảng', dễ) cần 9 câu hỏi; ngân hàng chỉ có 3 câu đang sử dụng")


def test_every_service_message_has_a_vietnamese_translation():
    """A msg() added without `make translations` and a Vietnamese entry fails here."""
    found = {message for package in (Path(examapp.__file__).parent, Path(importers.__file__).parent)
             for _, _, message, _, _ in extract_from_dir(
                 package, method_map=[("**.py", "python")], keywords={"msg": None})}
    with CATALOG.open("rb") as fh:
        translations = {m.id: m.string for m in read_po(fh, locale="vi") if m.id and not m.fuzzy}
    assert len(found) > 100
    assert "no option is marked correct" in found  # the importers' messages are looked at too
    assert sorted(m for m in found if not translations.get(m)) == []


# ---- pages in Vietnamese, the API in English ----

def _exam_with_room_code(app):
    candidate = make_client(app, "candidate")
    _, exam_id = make_party_exam(app, make_user(app, "trainer"), (candidate.user.username,), room_code="P101")
    return exam_id, candidate


def test_a_vietnamese_candidate_with_a_wrong_room_code_reads_vietnamese_while_the_api_stays_english(app):
    exam_id, candidate = _exam_with_room_code(app)
    candidate.post("/language", data={"lang": "vi", "next": "/"})
    page = candidate.post(f"/my-exams/{exam_id}", data={"room_code": "WRONG"}, headers=VI)
    assert page.status_code == 403
    assert "Mã phòng thi không đúng" in text_of(page)
    assert "the room code is not correct" not in text_of(page)

    api = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "WRONG"}, headers=VI)
    assert api.status_code == 403
    assert api.get_json()["error"]["message"] == "the room code is not correct"
    with app.app_context():
        assert db.session().query(Attempt).count() == 0


def test_an_error_page_from_a_service_refusal_is_in_vietnamese(app):
    candidate = make_client(app, "candidate")
    page = candidate.get("/my-exams/999999", headers=VI)
    assert page.status_code == 404
    assert "Bạn không có tên trong kỳ thi 999999" in text_of(page)
    api = candidate.post("/api/v1/exams/999999/attempts", json={}, headers=VI)
    assert api.get_json()["error"]["message"] == "exam 999999 is not assigned to you"


def test_a_weak_new_password_is_refused_in_vietnamese(app):
    client = make_client(app, "candidate")
    form = {"current": PASSWORD, "new": "abcdefghij", "confirm": "abcdefghij"}
    vi = text_of(client.post("/account/password", data=form, headers=VI))
    assert "Mật khẩu phải kết hợp chữ cái với chữ số hoặc ký hiệu" in vi
    assert "must mix letters" not in vi
    en = text_of(client.post("/account/password", data=form, headers=EN))
    assert "The password must mix letters with digits or symbols" in en
    wrong = {"current": "not-my-password", "new": "Khac#2026x", "confirm": "Khac#2026x"}
    assert "Mật khẩu hiện tại không đúng" in text_of(client.post("/account/password", data=wrong, headers=VI))


def test_the_units_page_refuses_in_vietnamese_and_the_api_in_english(app):
    admin = make_client(app, "admin")
    make_unit(app, "CB01", "Chi bộ Văn phòng")
    taken = text_of(admin.post("/units", data={"code": "CB01", "name": "Trùng mã", "kind": "cell"},
                               headers=VI))
    assert "Mã đơn vị 'CB01' đã tồn tại" in taken
    spaced = text_of(admin.post("/units", data={"code": "CB 02", "name": "Có dấu cách", "kind": "cell"},
                                headers=VI))
    assert "Mã phải dài 1-40 ký tự, gồm chữ cái, chữ số hoặc . _ - (không có dấu cách)" in spaced
    api = admin.post("/api/v1/units", json={"code": "CB01", "name": "Trùng mã"}, headers=VI)
    assert api.status_code == 409
    assert api.get_json()["error"]["message"] == "unit code 'CB01' already exists"


def test_a_taken_bank_name_is_refused_in_vietnamese(app):
    trainer = make_client(app, "trainer")
    assert trainer.post("/banks", data={"name": "Ngân hàng A"}, headers=VI).status_code == 302
    again = trainer.post("/banks", data={"name": "Ngân hàng A"}, headers=VI)
    assert again.status_code == 409
    assert "Đã có ngân hàng câu hỏi tên 'Ngân hàng A'; hãy chọn tên khác" in text_of(again)


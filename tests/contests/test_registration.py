"""Defining a contest, registering without an account, the one-phone rule, coming back on another
device with the one-time return code, and the limits against scripted sign-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from examapp.auth.models import User
from examapp.contests.definitions import UnitSpec, unit_key
from examapp.contests.models import Contest, ContestUnit, Participant
from examapp.contests.registration import normalise_phone
from examapp.db import utcnow
from tests.factories import bearer_headers, make_bank, make_contest, register_participant


@pytest.mark.parametrize(("raw", "normalised"), [
    ("0912345678", "0912345678"), ("+84 912 345 678", "0912345678"), ("84912345678", "0912345678"),
    ("0084.912.345.678", "0912345678"), ("(091) 234-5678", "0912345678"),
    ("+84 24 3825 3536", "02438253536"), ("0312 345 678", "0312345678"),
])
def test_vietnamese_numbers_are_normalised_however_written(raw, normalised):
    assert normalise_phone(raw) == normalised


@pytest.mark.parametrize("raw", ["", "12345", "0112345678", "+1 212 555 0100", "09123456789", "091234567a"])
def test_what_is_no_vietnamese_number_is_refused(raw):
    assert normalise_phone(raw) is None


def test_unit_names_in_any_spelling_are_one_unit():
    assert unit_key("Cty A") == unit_key("cty  a") == unit_key(" CTY. A ") == "cty a"
    assert unit_key("Công ty Điện lực") != unit_key("Cong ty Dien luc")  # accents are meaning


def _contest_body(bank_id: int, **extra) -> dict:
    now = utcnow()
    return {"title": "Hội thi", "bank_id": bank_id, "rules": [{"count": 3}], "duration_minutes": 10,
            "pass_percent": 0, "rounds": [
                {"name": "Tuần 1", "opens_at": (now - timedelta(hours=1)).isoformat(),
                 "closes_at": (now + timedelta(days=6)).isoformat()},
                {"name": "Tuần 2", "opens_at": (now + timedelta(days=7)).isoformat(),
                 "closes_at": (now + timedelta(days=13)).isoformat()}], **extra}


def test_an_organiser_defines_a_contest_and_anyone_reads_its_rules(app, client, session):
    admin = bearer_headers(app, "admin")
    bank_id = make_bank(app)
    created = client.post("/api/v1/contests", headers=admin, json=_contest_body(
        bank_id, tries_per_round=3, units=["Công ty A", {"name": "Công ty B", "quota": 40}],
        fields=["birth_year"], prizes=5,
        prediction={"question": "Bao nhiêu bài đúng hết?", "target": "all_correct_entries"}))
    assert created.status_code == 201, created.get_json()
    shown = client.get(f"/api/v1/contests/{created.get_json()['id']}").get_json()  # no login
    assert [r["name"] for r in shown["rounds"]] == ["Tuần 1", "Tuần 2"]
    assert shown["units"] == [{"name": "Công ty A", "quota": None}, {"name": "Công ty B", "quota": 40}]
    assert shown["tries_per_round"] == 3 and shown["fields"] == ["birth_year"] and shown["prizes"] == 5
    assert shown["prediction"]["target"] == "all_correct_entries"
    assert len(shown["ranking"]) == 4 and "prediction" in shown["ranking"][1]
    exam = client.get(f"/api/v1/exams/{shown['id']}", headers=admin).get_json()
    assert exam["kind"] == "contest" and exam["max_attempts"] == 6


@pytest.mark.parametrize(("change", "words"), [
    ({"rounds": [{"name": "A", "opens_at": "2027-01-02T00:00:00+07:00",
                  "closes_at": "2027-01-01T00:00:00+07:00"}]}, "closes_at must be after opens_at"),
    ({"units": ["Cty A", "cty  a"]}, "same unit"),
    ({"prediction": {"question": " ", "target": "participants"}}, "prediction"),
    ({"fields": ["shoe_size"]}, "fields"),
    ({"tries_per_round": 0}, "tries_per_round"),
])
def test_a_bad_definition_is_refused_and_nothing_is_made(app, client, session, change, words):
    admin = bearer_headers(app, "admin")
    body = {**_contest_body(make_bank(app)), **change}
    refused = client.post("/api/v1/contests", headers=admin, json=body)
    assert refused.status_code in (400, 422) and words in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Contest)) == 0


def test_rounds_that_overlap_are_refused(app, client, session):
    body = _contest_body(make_bank(app))
    body["rounds"][1]["opens_at"] = body["rounds"][0]["opens_at"]
    refused = client.post("/api/v1/contests", headers=bearer_headers(app, "admin"), json=body)
    assert refused.status_code == 400
    assert "rounds follow one another" in refused.get_json()["error"]["message"]


def test_a_candidate_may_not_define_a_contest(app, client):
    refused = client.post("/api/v1/contests", headers=bearer_headers(app), json=_contest_body(make_bank(app)))
    assert refused.status_code == 403


def test_registration_gives_a_narrow_token_and_a_return_code(app, client, session):
    contest_id = make_contest(app, make_bank(app))
    done = register_participant(client, contest_id, phone="+84 912 000 111")
    assert len(done["return_code"]) == 9 and done["participant_id"] > 0
    participant = session.get(Participant, done["participant_id"])
    assert participant.phone == "0912000111" and participant.unit.name == "Công ty A"
    assert session.get(User, participant.user_id).role == "participant"
    assert session.get(User, participant.user_id).password_hash is None
    assert client.get(f"/api/v1/exams/{contest_id}", headers=done["headers"]).status_code == 200
    for staff_route in ("/api/v1/users", "/api/v1/banks", f"/api/v1/exams/{contest_id}/room"):
        assert client.get(staff_route, headers=done["headers"]).status_code == 403


def test_one_registration_per_phone_whatever_its_spelling(app, client, session):
    contest_id = make_contest(app, make_bank(app))
    register_participant(client, contest_id, phone="0912 000 222")
    again = client.post(f"/api/v1/contests/{contest_id}/register",
                        json={"name": "Người khác", "phone": "+84912000222", "unit": "Công ty B"})
    assert again.status_code == 409 and "return code" in again.get_json()["error"]["message"]
    assert session.scalar(select(func.count()).select_from(Participant)) == 1
    other = make_contest(app, make_bank(app))
    register_participant(client, other, phone="0912 000 222")  # another contest: another registration


def test_units_free_text_are_one_unit_and_a_closed_list_is_kept(app, client, session):
    free = make_contest(app, make_bank(app))
    register_participant(client, free, unit="Cty A")
    register_participant(client, free, unit="cty  a")
    assert session.scalars(select(ContestUnit.name).where(ContestUnit.contest_id == free)).all() == ["Cty A"]
    closed = make_contest(app, make_bank(app), units=[UnitSpec("Công ty A"), UnitSpec("Công ty B")])
    register_participant(client, closed, unit="công  ty a")
    refused = client.post(f"/api/v1/contests/{closed}/register",
                          json={"name": "An", "phone": "0912000333", "unit": "Công ty C"})
    assert refused.status_code == 400
    assert "not one of the contest's units" in refused.get_json()["error"]["message"]


@pytest.mark.parametrize(("body", "words"), [
    ({"name": "An", "phone": "12345", "unit": "A"}, "Vietnamese phone number"),
    ({"name": "An", "phone": "0912000444", "unit": "A"}, "birth_year"),
    ({"name": "An", "phone": "0912000444", "unit": "A", "birth_year": 2100}, "birth_year"),
    ({"name": "An", "phone": "0912000444", "unit": "A", "birth_year": 1990, "email": "x@y.vn"},
     "does not ask"),
    ({"name": "An", "phone": "0912000444"}, "unit"),
])
def test_a_bad_registration_is_refused_and_registers_nothing(app, client, session, body, words):
    contest_id = make_contest(app, make_bank(app), fields=["birth_year"])
    refused = client.post(f"/api/v1/contests/{contest_id}/register", json=body)
    assert refused.status_code in (400, 422) and words in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Participant)) == 0


def test_registration_outside_its_window_is_refused(app, client):
    now = utcnow()
    later = make_contest(app, make_bank(app), registration_opens_at=now + timedelta(hours=1))
    refused = client.post(f"/api/v1/contests/{later}/register",
                          json={"name": "An", "phone": "0912000555", "unit": "A"})
    assert refused.status_code == 409 and "registration opens" in refused.get_json()["error"]["message"]
    over = make_contest(app, make_bank(app), registration_closes_at=now - timedelta(minutes=1))
    refused = client.post(f"/api/v1/contests/{over}/register",
                          json={"name": "An", "phone": "0912000555", "unit": "A"})
    assert refused.status_code == 409 and "registration closed" in refused.get_json()["error"]["message"]


def test_the_return_code_works_once_and_the_phone_alone_never(app, client):
    contest_id = make_contest(app, make_bank(app))
    done = register_participant(client, contest_id, phone="0912000666")
    url = f"/api/v1/contests/{contest_id}/return"
    assert client.post(url, json={"phone": "0912000666", "return_code": "AAAA-AAAA"}).status_code == 404
    back = client.post(url, json={"phone": "+84 912 000 666", "return_code": done["return_code"].lower()})
    assert back.status_code == 200, back.get_json()
    token, next_code = back.get_json()["token"], back.get_json()["return_code"]
    returned = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/exams/{contest_id}", headers=returned).status_code == 200
    used = client.post(url, json={"phone": "0912000666", "return_code": done["return_code"]})
    assert used.status_code == 404
    assert client.post(url, json={"phone": "0912000666", "return_code": next_code}).status_code == 200


def test_tries_per_phone_are_limited(app, client):
    app.config["CONTEST_TRIES_PER_PHONE"] = 3
    contest_id = make_contest(app, make_bank(app))
    register_participant(client, contest_id, phone="0912000777")
    url = f"/api/v1/contests/{contest_id}/return"
    for _ in range(2):
        assert client.post(url, json={"phone": "0912000777", "return_code": "AAAA-AAAA"}).status_code == 404
    blocked = client.post(url, json={"phone": "0912 000 777", "return_code": "AAAA-AAAA"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0


def test_registrations_per_address_are_limited(app, client, session):
    app.config["CONTEST_REGISTRATIONS_PER_ADDRESS"] = 2
    contest_id = make_contest(app, make_bank(app))
    register_participant(client, contest_id)
    register_participant(client, contest_id)
    blocked = client.post(f"/api/v1/contests/{contest_id}/register",
                          json={"name": "An", "phone": "0912000888", "unit": "A"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert session.scalar(select(func.count()).select_from(Participant)) == 2

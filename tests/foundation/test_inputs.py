"""The input policy: what no route takes (NUL in text, ids outside the 32-bit columns, JSON nested
too deeply) gets a clear 4xx, on pages and in the API alike, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.banks.models import QuestionBank
from examapp.orgs.models import OrgUnit
from tests.factories import bearer_headers, make_bank, make_client, make_exam
from tests.foundation.test_api import assert_error

BIG = 99999999999  # beyond the 32-bit id columns: PostgreSQL refuses to compare it with one


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


# --- NUL ---------------------------------------------------------------------


def test_nul_in_an_anonymous_api_login_is_a_400(client):
    response = client.post("/api/v1/auth/login", json={"username": "admin\x00", "password": "x"})
    assert_error(response, 400, "field 'username': text may not contain the NUL character")


def test_nul_in_the_login_form_is_a_400_page_in_the_readers_language(client):
    response = client.post("/login", data={"username": "admin\x00", "password": "x"},
                           headers={"Accept-Language": "vi"})
    assert response.status_code == 400
    assert "ký tự NUL" in response.get_data(as_text=True)


def test_nul_in_a_json_body_is_refused_and_nothing_is_written(app, client):
    response = client.post("/api/v1/units", json={"code": "TU", "name": "Tỉnh\x00ủy"},
                           headers=bearer_headers(app, "admin"))
    assert_error(response, 400, "field 'name': text may not contain the NUL character")
    assert count(app, OrgUnit) == 0


@pytest.mark.parametrize("url", [
    "/api/v1/banks/{bank}/questions?q=a%00b",
    "/api/v1/banks/{bank}/questions?topic%00=x",
    "/api/v1/users?role=admin%00",
])
def test_nul_in_a_query_string_is_a_json_400(app, client, url):
    response = client.get(url.format(bank=make_bank(app)), headers=bearer_headers(app, "admin"))
    assert_error(response, 400, "the request contains the NUL character")


def test_nul_in_a_page_query_string_is_a_400_page(app):
    bank_id = make_bank(app)
    response = make_client(app, "admin").get(f"/banks/{bank_id}?q=a%00b")
    assert response.status_code == 400
    assert "request contains the NUL character" in response.get_data(as_text=True)


def test_nul_in_a_form_post_is_refused_and_nothing_is_written(app):
    response = make_client(app, "admin").post("/banks", data={"name": "Lịch sử\x00", "description": ""})
    assert response.status_code == 400
    assert count(app, QuestionBank) == 0


def test_nul_in_a_path_segment_is_a_400(app, client):
    exam_id = make_exam(app, make_bank(app))
    response = client.post(f"/api/v1/exams/{exam_id}/candidates/ghost%00/extend", json={"minutes": 5},
                           headers=bearer_headers(app, "admin"))
    assert_error(response, 400, "NUL")


def test_nul_in_a_bearer_token_is_a_400(client):
    assert_error(client.get("/api/v1/units", headers={"Authorization": "Bearer abc\x00def"}), 400, "NUL")


# --- ids beyond the 32-bit columns ----------------------------------------------


@pytest.mark.parametrize("method, url", [
    ("GET", f"/api/v1/exams/{BIG}"),
    ("PATCH", f"/api/v1/exams/{BIG}"),
    ("DELETE", f"/api/v1/exams/{BIG}"),
    ("POST", f"/api/v1/exams/{BIG}/candidates"),
    ("GET", f"/api/v1/attempts/{BIG}"),
    ("POST", f"/api/v1/attempts/{BIG}/submit"),
    ("PUT", f"/api/v1/attempts/{BIG}/answers/1"),
    ("PUT", f"/api/v1/attempts/1/answers/{BIG}"),
    ("GET", f"/api/v1/banks/{BIG}/questions"),
    ("GET", f"/api/v1/exams/{2**31}"),
    ("GET", "/api/v1/exams/0"),
])
def test_an_id_outside_the_32_bit_range_is_a_404_for_every_method(app, client, method, url):
    response = client.open(url, method=method, json={}, headers=bearer_headers(app, "admin"))
    assert_error(response, 404)


def test_an_out_of_range_id_on_a_page_is_a_404(app):
    assert make_client(app, "admin").get(f"/banks/{BIG}").status_code == 404


def test_an_out_of_range_topic_filter_on_the_bank_page_is_ignored(app):
    bank_id = make_bank(app)
    response = make_client(app, "admin").get(f"/banks/{bank_id}?topic={BIG}&page={BIG}")
    assert response.status_code == 200


def test_an_out_of_range_option_id_in_an_answer_is_a_400(app):
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, make_bank(app), (candidate.user.username,))
    paper = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    question = paper["questions"][0]["id"]
    response = candidate.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{question}",
                             json={"options": [BIG]})
    assert_error(response, 400, "field 'options': must be between -2147483648 and 2147483647")
    assert candidate.get(f"/api/v1/exams/{exam_id}/attempts").status_code == 405
    resumed = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    assert resumed["answers"] == {}


def test_a_page_number_beyond_the_32_bit_range_is_a_400(app, client):
    response = client.get(f"/api/v1/banks/{make_bank(app)}/questions?page={BIG}",
                          headers=bearer_headers(app, "admin"))
    assert_error(response, 400, "field 'page': must be between")


# --- JSON nesting ------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 100_000])
def test_json_nested_too_deeply_is_a_400(app, client, depth):
    response = client.post("/api/v1/units", data="[" * depth + "]" * depth,
                           headers=bearer_headers(app, "admin") | {"Content-Type": "application/json"})
    assert_error(response, 400, "the JSON body is nested more than 32 levels deep")
    assert count(app, OrgUnit) == 0


def test_json_nested_within_the_limit_reaches_the_body_checks(app, client):
    body = {"code": "TU", "name": "x", "parent": [[[[["x"]]]]]}
    assert_error(client.post("/api/v1/units", json=body, headers=bearer_headers(app, "admin")), 400,
                 "field 'parent'")


def test_a_json_number_with_a_zero_fraction_is_an_integer_as_json_schema_says(app, client):
    candidate = make_client(app, "candidate")
    exam_id = make_exam(app, make_bank(app), (candidate.user.username,))
    paper = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    question = paper["questions"][0]
    option = question["options"][0]["id"]
    response = candidate.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{question['id']}",
                             data=f'{{"options": [{option}.0]}}', content_type="application/json")
    assert response.status_code == 200, response.get_json()
    resumed = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    assert resumed["answers"] == {str(question["id"]): [option]}
    response = candidate.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{question['id']}",
                             data=f'{{"options": [{option}.5]}}', content_type="application/json")
    assert_error(response, 400, "field 'options.0'")

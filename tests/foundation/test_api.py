"""The API's shared behaviour: one error shape, input validation, the OpenAPI document."""

import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.access import access_of
from examapp.auth.models import User
from examapp.orgs.models import OrgUnit
from tests.factories import bearer_headers, log_in, make_client, make_unit, make_user


def assert_error(response, status, words=""):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert words.lower() in body["error"]["message"].lower()


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_health(client):
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}


def test_unknown_route_is_a_json_404(client):
    assert_error(client.get("/api/v1/nothing-here"), 404)


def test_wrong_method_is_a_json_405(client):
    response = client.delete("/api/v1/health")
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_a_400(app):
    headers = bearer_headers(app, "admin")
    response = app.test_client().post(
        "/api/v1/units", data="{not json", headers=headers | {"Content-Type": "application/json"})
    assert_error(response, 400, "not valid JSON")


def test_form_body_where_json_is_needed_is_a_415(app, client):
    response = client.post("/api/v1/units", data={"code": "X"}, headers=bearer_headers(app, "admin"))
    assert_error(response, 415, "application/json")


def test_anonymous_api_call_is_a_401(client):
    assert_error(client.get("/api/v1/users"), 401)


def test_a_401_says_how_to_authenticate_not_werkzeugs_default(client):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = client.get("/api/v1/users", headers=headers)
        assert_error(response, 401, "log in first (POST /api/v1/auth/login)")
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert "Authorization: Bearer" in response.get_json()["error"]["message"]
        assert "browser" not in response.get_data(as_text=True)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_candidate_cannot_list_users(app, client):
    assert_error(client.get("/api/v1/users", headers=bearer_headers(app, "candidate")), 403)


def test_every_route_declares_who_may_call_it(app):
    with app.test_request_context():
        undeclared = [rule.rule for rule in app.url_map.iter_rules() if access_of(rule.endpoint) is None]
    assert undeclared == []


def test_openapi_describes_the_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "post" in spec["paths"]["/api/v1/units"]
    body = spec["paths"]["/api/v1/units"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert {"code", "name"} <= set(schema["required"])
    assert spec["paths"]["/api/v1/auth/login"]["post"]["security"] == []


def test_every_api_route_is_in_the_openapi_document(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {(p, m) for p, ops in spec["paths"].items() for m in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {rule.rule} is not documented"


# --- units ---------------------------------------------------------------


def test_units_make_a_tree(app, client):
    headers = bearer_headers(app, "admin")
    assert client.post("/api/v1/units", json={"code": "TU", "name": "Tỉnh ủy", "kind": "committee"},
                       headers=headers).status_code == 201
    assert client.post("/api/v1/units", json={"code": "CB1", "name": "Chi bộ 1", "parent": "TU"},
                       headers=headers).status_code == 201
    tree = client.get("/api/v1/units", headers=headers).get_json()["units"]
    assert tree[0]["code"] == "TU" and tree[0]["children"][0]["code"] == "CB1"


@pytest.mark.parametrize("body,status,words", [
    ({"code": "A", "name": "x", "parent": "NOPE"}, 400, "unknown parent unit code 'NOPE'"),
    ({"code": "has space", "name": "x"}, 400, "code must be"),
    ({"code": "A" * 41, "name": "x"}, 400, "field 'code'"),
    ({"code": "A", "name": "x", "colour": "red"}, 400, "unknown field 'colour'"),
    ({"code": 12, "name": "x"}, 400, "field 'code'"),
    ({"code": "A", "name": "x", "kind": "planet"}, 400, "field 'kind'"),
    ({"name": "x"}, 400, "field 'code' is required"),
])
def test_bad_unit_is_refused_and_nothing_is_written(app, client, body, status, words):
    assert_error(client.post("/api/v1/units", json=body, headers=bearer_headers(app, "admin")), status, words)
    assert count(app, OrgUnit) == 0


def test_duplicate_unit_code_is_a_conflict(app, client):
    headers = bearer_headers(app, "admin")
    client.post("/api/v1/units", json={"code": "TU", "name": "x"}, headers=headers)
    assert_error(client.post("/api/v1/units", json={"code": "TU", "name": "y"}, headers=headers),
                 409, "already exists")


def test_trainer_cannot_add_units(app, client):
    response = client.post("/api/v1/units", json={"code": "TU", "name": "x"},
                           headers=bearer_headers(app, "trainer"))
    assert_error(response, 403)


# --- users ---------------------------------------------------------------


def test_admin_creates_a_user(app, client):
    make_unit(app, "TU")
    response = client.post("/api/v1/users", headers=bearer_headers(app, "admin"), json={
        "username": "lan.nt", "role": "trainer", "password": "Giang#vien2026",
        "full_name": "Nguyễn Thị Lan", "unit": "TU"})
    assert response.status_code == 201
    assert response.get_json()["unit"] == "TU"
    assert log_in(app.test_client(), "lan.nt", "Giang#vien2026").status_code == 200


@pytest.mark.parametrize("body,status,words", [
    ({"username": "new.user", "role": "wizard", "password": "Good#pass1"}, 400, "unknown role 'wizard'"),
    ({"username": "new.user", "role": "candidate", "password": "12345678"}, 400, "common"),
    ({"username": "new.user", "role": "candidate", "password": "Good#pass1", "unit": "ZZ"}, 400,
     "unknown unit code 'ZZ'"),
    ({"username": "bad name", "role": "candidate", "password": "Good#pass1"}, 400, "username must"),
    ({"username": "new.user", "role": "candidate", "password": "Good#pass1", "full_name": "x" * 201},
     400, "full_name"),
])
def test_bad_user_is_refused_and_nothing_is_written(app, client, body, status, words):
    headers = bearer_headers(app, "admin")
    before = count(app, User)
    assert_error(client.post("/api/v1/users", json=body, headers=headers), status, words)
    assert count(app, User) == before


def test_duplicate_username_is_a_conflict(app, client):
    taken = make_user(app)
    response = client.post("/api/v1/users", headers=bearer_headers(app, "admin"), json={
        "username": taken.username, "role": "candidate", "password": "Good#pass1"})
    assert_error(response, 409, "already taken")


def test_cookie_session_multipart_post_needs_a_csrf_token(app_config, app):
    """A form post to the API riding on a session cookie could be forged by another site."""
    app_config["WTF_CSRF_ENABLED"] = True
    from examapp import create_app

    csrf_app = create_app(app_config)
    make_user(csrf_app, "admin", "csrf.admin", password="Good#pass1")
    c = csrf_app.test_client()
    assert c.post("/api/v1/auth/login", json={"username": "csrf.admin", "password": "Good#pass1"}
                  ).status_code == 200
    assert_error(c.post("/api/v1/units", data={"code": "X", "name": "y"}), 400, "CSRF")
    assert c.post("/api/v1/units", json={"code": "X", "name": "y"}).status_code == 201


def test_units_page_adds_a_unit_under_a_parent(app):
    make_unit(app, "TU", "Tỉnh ủy")
    c = make_client(app, "admin")
    response = c.post("/units", data={"code": "CB2", "name": "Chi bộ 2", "parent": "TU", "kind": "cell"})
    assert response.status_code == 302
    assert "Chi bộ 2" in c.get("/units").get_data(as_text=True)


def test_units_page_shows_the_error_and_adds_nothing(app):
    c = make_client(app, "admin")
    page = c.post("/units", data={"code": "bad code", "name": "X", "parent": "", "kind": "cell"})
    assert "Code must be" in page.get_data(as_text=True)
    assert count(app, OrgUnit) == 0


def test_trainer_sees_the_tree_but_cannot_add(app):
    c = make_client(app, "trainer")
    assert c.get("/units").status_code == 200
    assert c.post("/units", data={"code": "X", "name": "X", "kind": "cell"}).status_code == 403

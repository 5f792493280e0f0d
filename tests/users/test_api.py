"""Administrators manage accounts through /api/v1/users: create, change, disable, reset passwords.

A refusal writes nothing; the account's sessions end when it is disabled, changes role or gets a
new password; an administrator cannot lock administration out.
"""

from __future__ import annotations

import io

import pytest

from examapp import db
from examapp.auth.identity import Identity
from examapp.auth.models import User
from examapp.users.service import AccountChange, AccountConflict, change_account
from tests.factories import PASSWORD, log_in, make_client, make_token, make_unit, make_user


def _id(app, username: str) -> int:
    with app.app_context():
        return db.session().query(User).filter_by(username=username).one().id


@pytest.fixture
def admin(app):
    return make_client(app, "admin")


def test_an_account_created_without_a_password_gets_one_generated_and_shown_once(app, admin):
    make_unit(app, "CB1")
    response = admin.post("/api/v1/users", json={"username": "lan.nt", "role": "trainer",
                                                "full_name": "Nguyễn Thị Lan", "unit": "CB1"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["username"], body["role"], body["unit"], body["active"]) == (
        "lan.nt", "trainer", "CB1", True)
    assert log_in(app.test_client(), "lan.nt", body["generated_password"]).status_code == 200
    listed = admin.get("/api/v1/users").get_json()["users"]
    assert "generated_password" not in next(u for u in listed if u["username"] == "lan.nt")


def test_an_account_created_with_a_password_returns_none(app, admin):
    response = admin.post("/api/v1/users", json={"username": "lan.nt", "role": "trainer",
                                                "password": "Giang#vien26"})
    assert response.status_code == 201 and "generated_password" not in response.get_json()
    assert log_in(app.test_client(), "lan.nt", "Giang#vien26").status_code == 200


@pytest.mark.parametrize("body,status,words", [
    ({"username": "lan.nt", "role": "trainer", "password": "12345678"}, 400, "common"),
    ({"username": "lan.nt", "role": "trainer", "unit": "NOPE"}, 400, "unknown unit code 'NOPE'"),
    ({"username": "lan.nt", "role": "king"}, 400, "unknown role 'king'"),
    ({"username": "lan nt", "role": "trainer"}, 400, "username must be"),
    ({"username": "lan.nt", "role": "trainer", "password": ""}, 400, "field 'password'"),
])
def test_a_refused_new_account_is_not_created(app, ledger, admin, body, status, words):
    response = admin.post("/api/v1/users", json=body)
    assert response.status_code == status and words in response.get_json()["error"]["message"]
    with app.app_context():
        assert db.session().query(User).filter(User.username.like("lan%")).count() == 0


def test_a_role_change_ends_the_accounts_sessions_and_is_audited(app, ledger, admin):
    person = make_client(app, "candidate")
    assert person.get("/api/v1/exams").status_code == 200
    response = admin.patch(f"/api/v1/users/{person.user.id}", json={"roles": "proctor"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["role"], body["changed"], body["sessions_ended"]) == ("proctor", ["role"], True)
    assert person.get("/api/v1/exams").status_code == 401
    again = app.test_client()
    assert log_in(again, person.user.username).get_json()["role"] == "proctor"
    entry = ledger.audit("user.update")[-1]
    assert entry.target == person.user.username and entry.actor_id == admin.user.id
    assert entry.details == {"changes": {"role": ["candidate", "proctor"]}, "sessions_ended": True}


def test_roles_may_be_a_list_of_one(app, ledger, admin):
    person = make_user(app, "candidate")
    assert admin.patch(f"/api/v1/users/{person.id}", json={"roles": ["leader"]}).status_code == 200
    assert ledger.account(person.username)["role"] == "leader"


def test_unit_and_name_change_without_ending_sessions(app, ledger, admin):
    make_unit(app, "CB1")
    make_unit(app, "CB2")
    person = make_client(app, "candidate", unit="CB1")
    response = admin.patch(f"/api/v1/users/{person.user.id}",
                           json={"unit": "CB2", "name": "Trần\u200b Văn Bình"})
    body = response.get_json()
    assert (body["unit"], body["full_name"]) == ("CB2", "Trần Văn Bình")
    assert body["changed"] == ["full_name", "unit"] and body["sessions_ended"] is False
    assert person.get("/api/v1/exams").status_code == 200
    assert admin.patch(f"/api/v1/users/{person.user.id}", json={"unit": None}).get_json()["unit"] is None
    assert ledger.audit("user.update")[-1].details["changes"] == {"unit": ["CB2", None]}


def test_an_unchanged_patch_changes_and_audits_nothing(app, ledger, admin):
    person = make_user(app, "candidate")
    before = ledger.account(person.username)
    response = admin.patch(f"/api/v1/users/{person.id}", json={"roles": "candidate"})
    assert response.get_json()["changed"] == [] and ledger.account(person.username) == before
    assert ledger.audit("user.update") == []


@pytest.mark.parametrize("body,words", [
    ({"roles": "king"}, "unknown role 'king'"),
    ({"roles": ["trainer", "proctor"]}, "exactly one role"),
    ({"roles": []}, "exactly one role"),
    ({"unit": "NOPE", "name": "Someone Else"}, "unknown unit code 'NOPE'"),
    ({"name": "x" * 201}, "field 'name'"),
    ({"active": "false"}, "field 'active'"),
    ({"active": None}, "field 'active'"),
    ({"role": "trainer"}, "unknown field 'role'"),
])
def test_a_refused_change_writes_nothing(app, ledger, admin, body, words):
    make_unit(app, "CB1")
    person = make_user(app, "candidate", unit="CB1", full_name="Lê Văn Cường")
    before = ledger.account(person.username)
    response = admin.patch(f"/api/v1/users/{person.id}", json=body)
    assert response.status_code == 400 and words in response.get_json()["error"]["message"]
    assert ledger.account(person.username) == before
    assert ledger.audit("user.update") == []


def test_disabling_ends_the_sessions_and_refuses_login_until_enabled(app, ledger, admin):
    person = make_client(app, "trainer")
    token = make_token(app, person.user.username)
    response = admin.patch(f"/api/v1/users/{person.user.id}", json={"active": False})
    assert response.get_json()["active"] is False and response.get_json()["sessions_ended"] is True
    assert person.get("/api/v1/banks").status_code == 401
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/banks", headers=bearer).status_code == 401
    assert log_in(app.test_client(), person.user.username).status_code == 401
    admin.patch(f"/api/v1/users/{person.user.id}", json={"active": True})
    assert person.get("/api/v1/banks").status_code == 401  # enabling again does not revive old sessions
    assert log_in(app.test_client(), person.user.username).status_code == 200
    assert [e.details["changes"] for e in ledger.audit("user.update")] == [
        {"active": [True, False]}, {"active": [False, True]}]


@pytest.mark.parametrize("body", [{"active": False}, {"roles": "trainer"}])
def test_an_administrator_cannot_disable_or_demote_themselves(app, ledger, admin, body):
    make_user(app, "admin")  # another administrator exists: the refusal is about oneself
    before = ledger.account(admin.user.username)
    response = admin.patch(f"/api/v1/users/{admin.user.id}", json=body)
    assert response.status_code == 409 and "your own" in response.get_json()["error"]["message"]
    assert ledger.account(admin.user.username) == before
    assert admin.get("/api/v1/users").status_code == 200
    refused = ledger.audit("user.update.refused")
    assert [(e.actor_id, e.target) for e in refused] == [(admin.user.id, admin.user.username)]


def test_an_administrator_may_change_their_own_name(app, ledger, admin):
    response = admin.patch(f"/api/v1/users/{admin.user.id}", json={"name": "Quản trị viên"})
    assert response.status_code == 200 and response.get_json()["sessions_ended"] is False
    assert admin.get("/api/v1/users").status_code == 200


def test_another_administrator_can_be_disabled_and_demoted(app, ledger, admin):
    other = make_user(app, "admin")
    assert admin.patch(f"/api/v1/users/{other.id}", json={"roles": "leader"}).status_code == 200
    assert ledger.account(other.username)["role"] == "leader"


def test_the_last_active_administrator_stays_whoever_asks(app, ledger):
    only = make_user(app, "admin")
    someone = make_user(app, "leader")
    with app.app_context():
        s = db.session()
        user = s.get(User, only.id)
        with pytest.raises(AccountConflict, match="last active administrator"):
            change_account(s, user, AccountChange(active=False), Identity.of(s.get(User, someone.id)))
        s.rollback()
    assert ledger.account(only.username)["active"] is True


def test_a_password_reset_returns_a_working_one_time_password_and_ends_sessions(app, ledger, admin):
    person = make_client(app, "candidate")
    response = admin.post(f"/api/v1/users/{person.user.id}/password-reset", json={})
    assert response.status_code == 200
    body = response.get_json()
    assert body["username"] == person.user.username and len(body["password"]) >= 8
    assert person.get("/api/v1/exams").status_code == 401
    assert log_in(app.test_client(), person.user.username, PASSWORD).status_code == 401
    assert log_in(app.test_client(), person.user.username, body["password"]).status_code == 200
    assert body["password"] not in str([e.details for e in ledger.audit()])
    assert [e.target for e in ledger.audit("user.password_reset")] == [person.user.username]


def test_an_administrator_resets_their_own_password_on_the_password_page(app, ledger, admin):
    before = ledger.account(admin.user.username)
    response = admin.post(f"/api/v1/users/{admin.user.id}/password-reset", json={})
    assert response.status_code == 409 and "password page" in response.get_json()["error"]["message"]
    assert ledger.account(admin.user.username) == before


def test_an_unknown_account_is_404(admin):
    assert admin.patch("/api/v1/users/999999", json={"active": False}).status_code == 404
    assert admin.post("/api/v1/users/999999/password-reset", json={}).status_code == 404


@pytest.mark.parametrize("role", ["leader", "trainer", "proctor", "candidate"])
def test_only_administrators_change_accounts(app, ledger, role):
    caller = make_client(app, role)
    person = make_user(app, "candidate")
    before = ledger.account(person.username)
    assert caller.patch(f"/api/v1/users/{person.id}", json={"active": False}).status_code == 403
    assert caller.post(f"/api/v1/users/{person.id}/password-reset", json={}).status_code == 403
    assert caller.post("/api/v1/users", json={"username": "new.one", "role": "admin"}).status_code == 403
    data = {"file": (io.BytesIO(b"username,full name,role\nnew.two,New Two,admin\n"), "u.csv")}
    assert caller.post("/api/v1/users/import", data=data,
                       headers={"Authorization": f"Bearer {make_token(app, caller.user.username)}"}
                       ).status_code == 403
    assert ledger.account(person.username) == before
    with app.app_context():
        assert db.session().query(User).filter(User.username.like("new.%")).count() == 0
    assert (caller.get("/api/v1/users").status_code == 200) == (role == "leader")


def test_an_import_dry_run_says_how_many_accounts_it_would_create(app, admin):
    data = {"file": (io.BytesIO(b"username,full name,role\nha.pt,Pham Thu Ha,candidate\n"
                                b"an.nv,Nguyen Van An,candidate\n"), "u.csv"), "dry_run": "1"}
    response = admin.post("/api/v1/users/import", data=data,
                          headers={"Authorization": f"Bearer {make_token(app, admin.user.username)}"})
    assert response.status_code == 200 and response.get_json()["created"] == 2
    assert response.get_json()["generated_passwords"] == {}
    with app.app_context():
        assert db.session().query(User).filter(User.username.in_(["ha.pt", "an.nv"])).count() == 0

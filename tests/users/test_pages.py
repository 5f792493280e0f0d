"""The /users pages: administrators create, change, disable and import accounts and reset passwords;
leaders read the list. Generated passwords are shown once, in the answer to the form."""

from __future__ import annotations

import io
import re
from html import unescape

import openpyxl
import pytest

from examapp import db
from examapp.auth.models import User
from examapp.users.importing import MAX_WEB_ACCOUNTS
from tests.factories import PASSWORD, csrf_token, log_in, make_client, make_unit, make_user

VI = {"Accept-Language": "vi"}


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def shown_password(response) -> str:
    return unescape(re.search(r'class="code one-time">([^<]+)<', response.get_data(as_text=True)).group(1))


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def usernames(app) -> set[str]:
    with app.app_context():
        return set(db.session().scalars(db.session().query(User.username).statement))


@pytest.fixture
def admin(app):
    return make_client(app, "admin")


def test_an_administrator_creates_an_account_and_sees_its_generated_password_once(app, admin):
    make_unit(app, "CB1", "Chi bộ 1")
    form = {"username": "hoa.lt", "full_name": "Lê Thị Hoa", "role": "candidate", "unit": "CB1",
            "password": ""}
    response = admin.post("/users", data=form)
    assert response.status_code == 201
    password = shown_password(response)
    assert "shown only now" in text_of(response)
    assert log_in(app.test_client(), "hoa.lt", password).status_code == 200
    listing = text_of(admin.get("/users"))
    assert "Lê Thị Hoa" in listing and password not in listing


def test_an_account_created_with_a_typed_password_goes_to_its_page(app, admin):
    response = admin.post("/users", data={"username": "hoa.lt", "role": "trainer",
                                          "password": "Giang#vien26"})
    assert response.status_code == 302 and "/users/" in response.headers["Location"]
    assert log_in(app.test_client(), "hoa.lt", "Giang#vien26").status_code == 200


@pytest.mark.parametrize("form,words", [
    ({"username": "hoa.lt", "role": "candidate", "password": "abcdefghij"}, "mix letters with digits"),
    ({"username": "hoa lt", "role": "candidate"}, "Username must be"),
    ({"username": "hoa.lt", "role": "king"}, "Not a valid choice"),
    ({"username": "hoa.lt", "role": "candidate", "unit": "NOPE"}, "Not a valid choice"),
])
def test_a_refused_account_is_not_created_and_the_form_says_why(app, admin, form, words):
    response = admin.post("/users", data=form)
    assert response.status_code == 400 and words in text_of(response)
    assert not {"hoa.lt", "hoa lt"} & usernames(app)


def test_a_taken_username_is_refused_in_vietnamese(app, admin):
    taken = make_user(app, "candidate")
    response = admin.post("/users", data={"username": taken.username, "role": "candidate"}, headers=VI)
    assert response.status_code == 400 and "đã có người dùng" in text_of(response)


def test_leaders_read_the_list_but_change_nothing(app):
    leader = make_client(app, "leader")
    person = make_user(app, "candidate", full_name="Phạm Thu Hà")
    page = text_of(leader.get("/users"))
    assert "Phạm Thu Hà" in page and "New account" not in page and f"/users/{person.id}" not in page
    assert leader.post("/users", data={"username": "new.one", "role": "admin"}).status_code == 403
    for url in (f"/users/{person.id}", f"/users/{person.id}/password-reset", "/users/import"):
        assert leader.get(url).status_code == 403, url
    assert leader.post(f"/users/{person.id}/disable").status_code == 403
    assert leader.post(f"/users/{person.id}", data={"role": "admin"}).status_code == 403
    assert "new.one" not in usernames(app)
    with app.app_context():
        stored = db.session().get(User, person.id)
        assert (stored.role, stored.active) == ("candidate", True)


@pytest.mark.parametrize("role", ["trainer", "proctor", "candidate"])
def test_other_roles_do_not_see_accounts(app, role):
    assert make_client(app, role).get("/users").status_code == 403


def test_the_account_page_changes_name_role_and_unit_and_ends_sessions_on_a_new_role(app, admin):
    make_unit(app, "CB1")
    make_unit(app, "CB2")
    person = make_client(app, "candidate", unit="CB1")
    page = admin.get(f"/users/{person.user.id}")
    assert page.status_code == 200 and 'selected value="CB1"' in page.get_data(as_text=True)
    response = admin.post(f"/users/{person.user.id}",
                          data={"full_name": "Trần Văn Bình", "role": "proctor", "unit": "CB2"})
    assert response.status_code == 302
    with app.app_context():
        stored = db.session().get(User, person.user.id)
        assert (stored.full_name, stored.role, stored.unit.code) == ("Trần Văn Bình", "proctor", "CB2")
    assert person.get("/api/v1/exams").status_code == 401


def test_an_administrator_cannot_demote_themselves_on_the_page(app, admin):
    make_user(app, "admin")
    response = admin.post(f"/users/{admin.user.id}", data={"full_name": "X", "role": "candidate", "unit": ""},
                          headers=VI)
    assert response.status_code == 409 and "quản trị" in text_of(response)
    with app.app_context():
        assert db.session().get(User, admin.user.id).role == "admin"


def test_disable_and_enable_from_the_account_page(app, admin):
    person = make_client(app, "trainer")
    response = admin.post(f"/users/{person.user.id}/disable", follow_redirects=True)
    assert "disabled" in text_of(response)
    assert person.get("/banks").status_code == 302  # back to the login page
    assert log_in(app.test_client(), person.user.username).status_code == 401
    admin.post(f"/users/{person.user.id}/enable")
    assert log_in(app.test_client(), person.user.username).status_code == 200


def test_an_administrator_cannot_disable_themselves_on_the_page(app, admin):
    response = admin.post(f"/users/{admin.user.id}/disable", follow_redirects=True)
    assert "cannot disable your own account" in text_of(response)
    with app.app_context():
        assert db.session().get(User, admin.user.id).active is True


def test_a_password_reset_asks_first_then_shows_the_new_password_once(app, admin):
    person = make_client(app, "candidate")
    question = admin.get(f"/users/{person.user.id}/password-reset")
    assert question.status_code == 200 and "shown once" in text_of(question)
    assert log_in(app.test_client(), person.user.username, PASSWORD).status_code == 200  # not yet
    response = admin.post(f"/users/{person.user.id}/password-reset")
    password = shown_password(response)
    assert log_in(app.test_client(), person.user.username, password).status_code == 200
    assert log_in(app.test_client(), person.user.username, PASSWORD).status_code == 401
    assert person.get("/api/v1/exams").status_code == 401


def test_an_unknown_account_page_is_404(admin):
    assert admin.get("/users/999999").status_code == 404
    assert admin.post("/users/999999/disable").status_code == 404
    assert admin.post("/users/999999/password-reset").status_code == 404


def test_forms_without_their_csrf_token_change_nothing(csrf_on, app):
    admin = make_client(app, "admin")
    person = make_user(app, "candidate")
    assert admin.post(f"/users/{person.id}/disable").status_code == 400
    assert admin.post(f"/users/{person.id}/password-reset").status_code == 400
    assert admin.post("/users", data={"username": "new.one", "role": "admin"}).status_code == 400
    token = csrf_token(admin.get(f"/users/{person.id}").get_data(as_text=True))
    assert admin.post(f"/users/{person.id}/disable", data={"csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session().get(User, person.id).active is False
    assert "new.one" not in usernames(app)


VI_HEADER = ["Danh sách tài khoản"], ["Tên đăng nhập", "Họ và tên", "Đơn vị", "Vai trò"]


def _import(client, data, name="danh_sach.xlsx", headers=None, **form):
    return client.post("/users/import", data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data", headers=headers or {})


def test_an_import_with_bad_rows_lists_them_by_row_and_column_and_creates_nothing(app, admin):
    make_unit(app, "CB1")
    data = xlsx([*VI_HEADER, ["an.nv", "Nguyễn Văn An", "CB1", "thí sinh"],
                 ["binh.tt", "Trần Thị Bình", "ZZ9", "thí sinh"]])
    response = _import(admin, data, headers=VI)
    assert response.status_code == 400
    page = text_of(response)
    assert "Dòng 4" in page and "cột “Đơn vị”" in page and "ZZ9" in page
    assert not {"an.nv", "binh.tt"} & usernames(app)


def test_an_import_dry_run_counts_and_creates_nothing_then_the_import_shows_passwords(app, admin):
    make_unit(app, "CB1")
    data = xlsx([*VI_HEADER, ["an.nv", "Nguyễn Văn An", "CB1", "thí sinh"],
                 ["binh.tt", "Trần Thị Bình", "CB1", "candidate"]])
    checked = _import(admin, data, dry_run="y")
    assert checked.status_code == 200 and "2 account(s) would be created" in text_of(checked)
    assert not {"an.nv", "binh.tt"} & usernames(app)
    created = _import(admin, data)
    assert created.status_code == 201 and "2 account(s) created" in text_of(created)
    password = re.search(r"<td>an\.nv</td><td><span class=\"code\">([^<]+)<", created.get_data(as_text=True))
    assert log_in(app.test_client(), "an.nv", unescape(password.group(1))).status_code == 200


@pytest.mark.parametrize("name,data,status,words", [
    ("list.pdf", b"%PDF-1.4", 400, "Use a .xlsx"),
    ("list.csv", b"foo,bar\n1,2\n", 400, "No header row"),
    ("list.xlsx", b"not a workbook", 400, "not a valid xlsx"),
])
def test_an_unreadable_import_says_why(app, admin, name, data, status, words):
    before = usernames(app)
    response = _import(admin, data, name)
    assert response.status_code == status and words in text_of(response)
    assert usernames(app) == before


def test_a_page_import_of_more_accounts_than_a_request_can_hash_is_refused(app, admin):
    rows = "".join(f"user{n:04d},Người {n},candidate\n" for n in range(MAX_WEB_ACCOUNTS + 1))
    before = usernames(app)
    response = _import(admin, ("username,full name,role\n" + rows).encode(), "list.csv")
    assert response.status_code == 400
    assert f"at most {MAX_WEB_ACCOUNTS} can be read at once" in text_of(response)
    assert usernames(app) == before


@pytest.mark.parametrize("name,data,words,english", [
    ("list.xlsx", b"not a workbook", "Tệp không phải là sổ tính xlsx hợp lệ: có vẻ đây là tệp văn bản",
     "not a valid"),
    ("list.csv", b"username,full name,role\n" + b"\0" * 64,
     "Tệp không phải là tệp csv hợp lệ: đây là dữ liệu nhị phân", "binary"),
    ("list.csv", ("username,full name,role\n" + "an,An,candidate\n" * (MAX_WEB_ACCOUNTS + 1)).encode(),
     f"Danh sách có hơn {MAX_WEB_ACCOUNTS} người", "at most"),
], ids=["text named xlsx", "binary csv", "too many people"])
def test_an_unreadable_import_says_why_in_vietnamese(app, admin, name, data, words, english):
    before = usernames(app)
    response = _import(admin, data, name, headers=VI)
    assert response.status_code == 400
    assert words in text_of(response) and english not in text_of(response)
    assert usernames(app) == before

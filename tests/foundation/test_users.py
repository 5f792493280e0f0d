"""Accounts from the command line and from spreadsheets: all or nothing, errors by row."""

import io
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.auth.models import User
from examapp.users.importing import MAX_WEB_ACCOUNTS
from tests.factories import bearer_headers, log_in, make_unit, make_user


def user_count(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(User))


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


VI_HEADER = ["Danh sách đảng viên dự bị năm 2026"], [], ["Tên đăng nhập", "Họ và tên", "Đơn vị", "Vai trò"]


def test_cli_creates_a_user_and_prints_json(runner, app):
    make_unit(app, "TU")
    result = runner.invoke(args=["users", "create", "hoa.lt", "--role", "candidate", "--password",
                                 "Dang#vien26", "--name", "Lê Thị Hoa", "--unit", "TU", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["username"] == "hoa.lt"


def test_cli_reads_the_password_from_stdin(runner, app):
    result = runner.invoke(args=["users", "create", "hoa.lt", "--role", "candidate", "--password-stdin"],
                           input="Dang#vien26\n")
    assert result.exit_code == 0, result.output
    assert log_in(app.test_client(), "hoa.lt", "Dang#vien26").status_code == 200


def test_cli_rejects_a_weak_password_with_exit_1(runner, app):
    result = runner.invoke(args=["users", "create", "hoa.lt", "--role", "candidate", "--password", "123"])
    assert result.exit_code == 1 and "at least 8" in result.output
    assert user_count(app) == 0


def test_cli_unknown_role_is_a_usage_error(runner):
    result = runner.invoke(args=["users", "create", "x.y", "--role", "king", "--password", "Good#pass1"])
    assert result.exit_code == 2


def test_cli_token_prints_a_working_token(runner, app, client):
    user = make_user(app, "admin")
    result = runner.invoke(args=["users", "token", user.username])
    assert result.exit_code == 0
    token = result.stdout.strip()
    assert client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    revoked = runner.invoke(args=["users", "revoke-tokens", user.username, "--json"])
    assert json.loads(revoked.stdout)["revoked"] == 1
    assert client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_cli_token_for_unknown_user_exits_1(runner):
    assert runner.invoke(args=["users", "token", "ghost"]).exit_code == 1


def test_cli_list_json(runner, app):
    make_user(app, "trainer", username="lan.nt", full_name="Nguyễn Thị Lan")
    users = json.loads(runner.invoke(args=["users", "list", "--json"]).stdout)["users"]
    assert [u["username"] for u in users] == ["lan.nt"]


def test_import_xlsx_with_title_rows_and_vietnamese_headers(runner, app, tmp_path):
    make_unit(app, "CB1")
    path = tmp_path / "danh_sach.xlsx"
    path.write_bytes(xlsx([*VI_HEADER, ["an.nv", "Nguyễn Văn An", "CB1", "thí sinh"],
                           ["binh.tt", "Trần Thị Bình", "CB1", "candidate"]]))
    result = runner.invoke(args=["users", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["created"] == 2 and set(report["generated_passwords"]) == {"an.nv", "binh.tt"}
    password = report["generated_passwords"]["an.nv"]
    assert log_in(app.test_client(), "an.nv", password).status_code == 200


def test_import_is_all_or_nothing_with_row_errors(runner, app, tmp_path):
    make_unit(app, "CB1")
    taken = make_user(app)
    path = tmp_path / "danh_sach.xlsx"
    path.write_bytes(xlsx([*VI_HEADER,
                           ["an.nv", "Nguyễn Văn An", "CB1", "candidate"],
                           ["binh.tt", "Trần Thị Bình", "ZZ9", "candidate"],
                           [taken.username, "Someone", "CB1", "candidate"],
                           ["an.nv", "Nguyễn Văn An", "CB1", "vua"]]))
    before = user_count(app)
    result = runner.invoke(args=["users", "import", str(path), "--json"])
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    assert {"row": 5, "column": "Đơn vị", "message": "unknown unit code 'ZZ9'"} in errors
    assert any(e["row"] == 6 and e["column"] == "Tên đăng nhập" and "already taken" in e["message"]
               for e in errors)
    assert any(e["row"] == 7 and "also on row 4" in e["message"] for e in errors)
    assert any(e["row"] == 7 and e["column"] == "Vai trò" for e in errors)
    assert user_count(app) == before


def test_import_csv_with_passwords(runner, app, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("username;full name;role;password\nha.pt;Phạm Thu Hà;trainer;Giang#vien26\n",
                    encoding="utf-8-sig")
    result = runner.invoke(args=["users", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["generated_passwords"] == {}


def test_import_dry_run_creates_nothing(runner, app, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("username,full name,role\nha.pt,Phạm Thu Hà,trainer\n")
    assert runner.invoke(args=["users", "import", str(path), "--dry-run"]).exit_code == 0
    assert user_count(app) == 0


@pytest.mark.parametrize("name,data,words", [
    ("users.xlsx", b"just text, not a workbook", "not a valid xlsx"),
    ("users.csv", b"foo,bar\n1,2\n", "no header row"),
    ("users.pdf", b"%PDF-1.4", "xlsx, ods or csv"),
])
def test_import_unreadable_file_exits_2(runner, app, tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 2 and words in result.output
    assert user_count(app) == 0


def test_import_missing_file_exits_2(runner):
    assert runner.invoke(args=["users", "import", "/no/such/file.xlsx"]).exit_code == 2


def test_api_import_refuses_bad_rows_with_422(app, client):
    headers = bearer_headers(app, "admin")
    before = user_count(app)
    data = {"file": (io.BytesIO(b"username,full name,role\nx y,Bad Name,candidate\n"), "u.csv")}
    response = client.post("/api/v1/users/import", data=data, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["row"] == 2
    assert response.get_json()["error"] == {"code": "unprocessable",
                                            "message": "1 error(s); nothing was created"}
    assert user_count(app) == before


def test_api_import_creates_accounts(app, client):
    headers = bearer_headers(app, "admin")
    data = {"file": (io.BytesIO(b"username,full name,role\nha.pt,Pham Thu Ha,candidate\n"), "u.csv")}
    response = client.post("/api/v1/users/import", data=data, headers=headers)
    assert response.status_code == 201 and response.get_json()["created"] == 1


def test_invisible_and_direction_characters_are_dropped_from_names(app):
    from examapp import db
    from examapp.auth.service import NewUser, create_user
    from examapp.orgs.service import create_unit

    with app.app_context():
        s = db.session()
        unit = create_unit(s, "CB9", "Chi bộ\u202e 9\u200b")
        user = create_user(s, NewUser("lan.nt", "candidate", "Nguyễn\u200b Thị\u202e Lan\u2066"))
        assert (unit.name, user.full_name) == ("Chi bộ 9", "Nguyễn Thị Lan")


def test_each_error_names_the_column_of_the_field_it_is_about(runner, app, tmp_path):
    path = tmp_path / "users.xlsx"
    path.write_bytes(xlsx([["Tên đăng nhập", "Họ và tên", "Vai trò", "Mật khẩu"],
                           ["lan.nt", "Nguyễn Thị Lan", "candidate", "xlan.ntx#2026"],
                           ["hai.pv", "x" * 201, "candidate", "Giang#vien26"]]))
    result = runner.invoke(args=["users", "import", str(path), "--json"])
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    # "the password must not contain the username" is about the password, whatever words it uses
    assert [(e["row"], e["column"]) for e in errors] == [(2, "Mật khẩu"), (3, "Họ và tên")]
    assert "must not contain the username" in errors[0]["message"]
    assert json.loads(result.stdout)["error_count"] == 2


def test_api_import_of_more_accounts_than_a_request_can_hash_is_refused(app, client):
    rows = "".join(f"user{n:04d},Người {n},candidate\n" for n in range(MAX_WEB_ACCOUNTS + 1))
    data = {"file": (io.BytesIO(("username,full name,role\n" + rows).encode()), "u.csv")}
    response = client.post("/api/v1/users/import", data=data, headers=bearer_headers(app, "admin"))
    assert response.status_code == 400
    assert f"at most {MAX_WEB_ACCOUNTS} can be read at once" in response.get_json()["error"]["message"]
    assert user_count(app) == 1  # the admin alone

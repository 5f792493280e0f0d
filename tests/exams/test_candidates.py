"""Assigning candidates by usernames, by unit (with sub-units) and from a spreadsheet; extra time."""

from __future__ import annotations

import io
import sqlite3
from datetime import datetime

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import event, func, insert, select

from examapp import db
from examapp.auth.models import User
from examapp.exams import candidates as exam_candidates
from examapp.exams import errors
from examapp.exams.models import ExamCandidate
from examapp.orgs.models import OrgUnit
from tests.factories import bearer_headers, make_client, make_exam, make_unit, make_user
from tests.importers.hostile_files import question_rows, text_cell, xlsx_with_sheet


def candidates(app, exam_id) -> dict[str, float]:
    with app.app_context():
        rows = db.session().execute(select(User.username, ExamCandidate.extra_minutes)
                                    .join(User, User.id == ExamCandidate.user_id)
                                    .where(ExamCandidate.exam_id == exam_id)).all()
        return dict(rows)


def test_unknown_usernames_are_listed_and_nothing_is_assigned(app, bank_id):
    admin = make_client(app, "admin")
    alice = make_user(app, "candidate")
    exam_id = make_exam(app, bank_id)
    response = admin.post(f"/api/v1/exams/{exam_id}/candidates",
                          json={"usernames": [alice.username, "ghost1", "ghost2"]})
    assert response.status_code == 400
    assert "unknown usernames: ghost1, ghost2" in response.get_json()["error"]["message"]
    assert candidates(app, exam_id) == {}


def test_assigning_twice_adds_once_and_updates_extra_time(app, bank_id):
    admin = make_client(app, "admin")
    alice, bob = make_user(app, "candidate"), make_user(app, "candidate")
    exam_id = make_exam(app, bank_id)
    url = f"/api/v1/exams/{exam_id}/candidates"
    first = admin.post(url, json={"usernames": [alice.username, bob.username]}).get_json()
    assert first["added"] == 2 and first["total"] == 2
    second = admin.post(url, json={"usernames": [alice.username], "extra_minutes": 15}).get_json()
    assert second["added"] == 0 and second["updated"] == 1 and second["total"] == 2
    assert candidates(app, exam_id) == {alice.username: 15.0, bob.username: 0.0}


def test_assigning_a_unit_takes_its_sub_units(app, bank_id):
    admin = make_client(app, "admin")
    make_unit(app, "TOP")
    make_unit(app, "MID", parent="TOP")
    make_unit(app, "LOW", parent="MID")
    make_unit(app, "OTHER")
    inside = [make_user(app, "candidate", unit=u).username for u in ("TOP", "MID", "LOW")]
    make_user(app, "candidate", unit="OTHER")
    exam_id = make_exam(app, bank_id)
    response = admin.post(f"/api/v1/exams/{exam_id}/candidates", json={"unit": "MID"})
    assert response.status_code == 200 and response.get_json()["added"] == 2
    assert set(candidates(app, exam_id)) == set(inside[1:])
    unknown = admin.post(f"/api/v1/exams/{exam_id}/candidates", json={"unit": "NOPE"})
    assert unknown.status_code == 400 and "unknown unit code 'NOPE'" in unknown.get_json()["error"]["message"]


def spreadsheet(rows: list[dict], kind: str = "xlsx") -> bytes:
    buffer = io.BytesIO()
    frame = pd.DataFrame(rows)
    if kind == "csv":
        frame.to_csv(buffer, index=False)
    else:
        frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def test_assigning_from_a_spreadsheet(app, bank_id):
    admin = make_client(app, "admin")
    alice, bob = make_user(app, "candidate"), make_user(app, "candidate")
    exam_id = make_exam(app, bank_id)
    data = spreadsheet([{"Username": alice.username, "Extra minutes": 20},
                        {"Username": bob.username, "Extra minutes": None}])
    response = admin.post(f"/api/v1/exams/{exam_id}/candidates/file",
                          data={"file": (io.BytesIO(data), "list.xlsx")},
                          content_type="multipart/form-data", headers={"X-CSRFToken": "x"})
    assert response.status_code == 200, response.get_json()
    assert candidates(app, exam_id) == {alice.username: 20.0, bob.username: 0.0}


def test_a_spreadsheet_with_unknown_usernames_assigns_nothing(app, bank_id):
    admin = make_client(app, "admin")
    alice = make_user(app, "candidate")
    exam_id = make_exam(app, bank_id)
    data = spreadsheet([{"username": alice.username}, {"username": "nobody"}], "csv")
    response = admin.post(f"/api/v1/exams/{exam_id}/candidates/file",
                          data={"file": (io.BytesIO(data), "list.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400 and "nobody" in response.get_json()["error"]["message"]
    assert candidates(app, exam_id) == {}


def test_reading_candidate_files_names_bad_cells():
    rows = exam_candidates.read_candidate_file(
        spreadsheet([{"Tên đăng nhập": "an", "extra_minutes": "5"}], "csv"), "a.csv")
    assert rows == [exam_candidates.CandidateRow("an", 5.0)]
    for data, name, words in [
        (spreadsheet([{"name": "an"}], "csv"), "a.csv", "'username' column"),
        (spreadsheet([{"username": "an", "extra_minutes": "soon"}], "csv"), "a.csv",
         "row 2, column extra_minutes"),
        (b"whatever", "a.txt", ".xlsx, .ods or .csv"),
        (b"not a zip", "a.xlsx", "cannot read"),
    ]:
        try:
            exam_candidates.read_candidate_file(data, name)
        except errors.ExamInvalid as exc:
            assert words in str(exc)
        else:
            raise AssertionError(f"{name} should be refused")


def test_a_candidate_file_with_title_rows_and_vietnamese_headers_is_read(app, bank_id):
    admin = make_client(app, "admin")
    alice, bob = make_user(app, "candidate"), make_user(app, "candidate")
    exam_id = make_exam(app, bank_id)
    workbook = openpyxl.Workbook()
    for values in (["DANH SÁCH THÍ SINH KỲ THI"], [], ["STT", "Tên Đăng Nhập", "Số phút thêm"],
                   [1, alice.username, 10], [2, bob.username, None]):
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = admin.post(f"/api/v1/exams/{exam_id}/candidates/file",
                          data={"file": (io.BytesIO(buffer.getvalue()), "danh_sach.xlsx")},
                          content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert candidates(app, exam_id) == {alice.username: 10.0, bob.username: 0.0}


def test_a_bad_cell_below_title_rows_is_named_as_the_sheet_numbers_it():
    data = "Danh sách thí sinh\n\nusername,Số phút thêm\nan,5\nbinh,sớm\n".encode()
    try:
        exam_candidates.read_candidate_file(data, "a.csv")
    except errors.ExamInvalid as exc:
        assert "row 5, column Số phút thêm: 'sớm' is not a number of minutes" in str(exc)
    else:
        raise AssertionError("the bad cell should be refused")


def test_a_hostile_candidate_file_is_refused_by_the_shared_bounds():
    data = xlsx_with_sheet(question_rows().replace("question", "username")
                           + f'<row r="1048576">{text_cell("XFD1048576", "x")}</row>')
    try:
        exam_candidates.read_candidate_file(data, "list.xlsx")
    except errors.ExamInvalid as exc:
        assert "cannot read 'list.xlsx'" in str(exc) and "beyond the" in str(exc)
    else:
        raise AssertionError("the hostile file should be refused")


def test_extra_time_for_a_running_attempt_moves_its_deadline(app, bank_id):
    admin = make_client(app, "admin")
    alice = make_client(app, "candidate")
    exam_id = make_exam(app, bank_id, (alice.user.username,), duration_minutes=30)
    paper = alice.post(f"/api/v1/exams/{exam_id}/attempts", json={}).get_json()
    admin.post(f"/api/v1/exams/{exam_id}/candidates",
               json={"usernames": [alice.user.username], "extra_minutes": 15})
    state = alice.get(f"/api/v1/attempts/{paper['attempt_id']}").get_json()
    moved = datetime.fromisoformat(state["deadline"]) - datetime.fromisoformat(paper["deadline"])
    assert moved.total_seconds() == 15 * 60
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(ExamCandidate)) == 1


def lower_sqlite_bind_limit(app, limit: int) -> None:
    """This machine's SQLite takes 250,000 bound values a statement; many builds take 32,766, older
    ones 999: hold the app's connections to `limit` so the test covers those too."""
    engine = app.extensions["examapp.engine"]
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _limit(dbapi_conn, _record) -> None:
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)


def many_candidates(app, unit: str, count: int) -> list[str]:
    names = [f"c{n:06d}" for n in range(count)]
    with app.app_context():
        s = db.session()
        unit_id = s.scalar(select(OrgUnit.id).where(OrgUnit.code == unit))
        s.execute(insert(User), [{"username": name, "full_name": name, "role": "candidate",
                                  "unit_id": unit_id, "active": True} for name in names])
        s.commit()
    return names


@pytest.fixture
def bind_limit(app, database_url) -> int:
    """The most values a statement may bind on this backend (SQLite held to the oldest limit)."""
    if database_url.startswith("sqlite"):
        lower_sqlite_bind_limit(app, 999)
        return 999
    return 65_535  # psycopg's


def test_a_unit_with_more_candidates_than_the_bind_limit_is_assigned(app, bank_id, bind_limit):
    count = bind_limit + 500
    many_candidates(app, make_unit(app, "KCN"), count)
    exam_id = make_exam(app, bank_id)
    response = app.test_client().post(f"/api/v1/exams/{exam_id}/candidates", json={"unit": "KCN"},
                                      headers=bearer_headers(app, "admin"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["added"] == count


def test_username_lists_longer_than_sqlites_old_bind_limit_are_assigned_and_ticketed(app, bank_id,
                                                                                      bind_limit):
    names = many_candidates(app, make_unit(app, "KCN"), 2_500)
    admin, client = bearer_headers(app, "admin"), app.test_client()
    exam_id = make_exam(app, bank_id)
    response = client.post(f"/api/v1/exams/{exam_id}/candidates", json={"usernames": names}, headers=admin)
    assert response.status_code == 200 and response.get_json()["added"] == len(names)
    response = client.post(f"/api/v1/exams/{exam_id}/tickets", json={"usernames": names}, headers=admin)
    assert response.status_code == 201 and len(response.get_json()["tickets"]) == len(names)
    response = client.post(f"/api/v1/exams/{exam_id}/tickets", json={}, headers=admin)
    assert response.status_code == 201 and len(response.get_json()["tickets"]) == len(names)
    room = client.get(f"/api/v1/exams/{exam_id}/room", headers=admin).get_json()
    assert room["counts"]["not_started"] == len(names)

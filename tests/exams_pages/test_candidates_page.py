"""Assigning candidates on the page: by usernames, by unit (with sub-units), by spreadsheet; extra time."""

from __future__ import annotations

import io
from html import unescape

import openpyxl

from examapp import db
from examapp.exams.models import ExamCandidate
from tests.factories import make_unit, make_user


def _assigned(app, exam_id: int) -> dict[str, float]:
    with app.app_context():
        rows = db.session().query(ExamCandidate).filter_by(exam_id=exam_id).all()
        return {c.user.username: c.extra_minutes for c in rows}


def _post(client, exam_id: int, headers: dict | None = None, **data):
    data.setdefault("extra_minutes", "")
    return client.post(f"/exams/{exam_id}/candidates", data=data, content_type="multipart/form-data",
                       headers=headers or {})


def test_assign_by_usernames_with_extra_time(setup, app):
    a, b = make_user(app, "candidate"), make_user(app, "candidate")
    response = _post(setup.trainer, setup.exam_id, usernames=f"{a.username}\n{b.username}, {a.username}",
                     extra_minutes="10")
    assert response.status_code == 302
    page = setup.trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 candidates added, 0 updated; the exam has 3." in page
    assert a.username in page and b.username in page
    assert _assigned(app, setup.exam_id)[a.username] == 10


def test_unknown_usernames_are_listed_and_nobody_is_assigned(setup, app):
    known = make_user(app, "candidate")
    before = _assigned(app, setup.exam_id)
    response = _post(setup.trainer, setup.exam_id, usernames=f"{known.username} ghost1 ghost2")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Unknown usernames: ghost1, ghost2" in page
    assert f"{known.username} ghost1 ghost2" in page  # the text stays to be corrected
    assert _assigned(app, setup.exam_id) == before


def test_assign_by_unit_takes_the_sub_units_too(setup, app):
    make_unit(app, "TU", "Đảng bộ Khối")
    make_unit(app, "TU-STP", "Đảng bộ Sở Tư pháp", parent="TU")
    make_unit(app, "KCN", "Khu công nghiệp")
    inner = make_user(app, "candidate", unit="TU-STP")
    top = make_user(app, "candidate", unit="TU")
    outside = make_user(app, "candidate", unit="KCN")
    form = setup.trainer.get(f"/exams/{setup.exam_id}/candidates").get_data(as_text=True)
    assert "Đảng bộ Sở Tư pháp (TU-STP)" in form
    response = _post(setup.trainer, setup.exam_id, unit="TU")
    assert response.status_code == 302
    assigned = _assigned(app, setup.exam_id)
    assert inner.username in assigned and top.username in assigned
    assert outside.username not in assigned


def test_assign_from_a_csv_file(setup, app):
    a, b = make_user(app, "candidate"), make_user(app, "candidate")
    csv = f"Tên đăng nhập,extra_minutes\n{a.username},15\n{b.username},\n".encode()
    response = _post(setup.trainer, setup.exam_id, file=(io.BytesIO(csv), "ds.csv"))
    assert response.status_code == 302
    assigned = _assigned(app, setup.exam_id)
    assert assigned[a.username] == 15 and assigned[b.username] == 0


def test_assign_from_an_xlsx_file(setup, app):
    a = make_user(app, "candidate")
    book = openpyxl.Workbook()
    book.active.append(["STT", "username"])
    book.active.append([1, a.username])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    response = _post(setup.trainer, setup.exam_id, file=(data, "danh-sach.xlsx"))
    assert response.status_code == 302
    assert a.username in _assigned(app, setup.exam_id)


def test_a_file_without_a_username_column_is_refused(setup, app):
    before = _assigned(app, setup.exam_id)
    response = _post(setup.trainer, setup.exam_id, file=(io.BytesIO(b"name\nAn\n"), "ds.csv"))
    assert response.status_code == 400
    assert "needs a &#39;username&#39; column" in response.get_data(as_text=True)
    wrong_type = _post(setup.trainer, setup.exam_id, file=(io.BytesIO(b"x"), "ds.pdf"))
    assert wrong_type.status_code == 400
    assert "Upload an xlsx or csv file." in wrong_type.get_data(as_text=True)
    assert _assigned(app, setup.exam_id) == before


def test_an_empty_form_asks_for_someone(setup):
    response = _post(setup.trainer, setup.exam_id)
    assert response.status_code == 400
    assert "Type usernames, choose a unit or upload a file." in response.get_data(as_text=True)


def test_per_candidate_extra_time(setup, app):
    username = setup.candidate.user.username
    url = f"/exams/{setup.exam_id}/candidates/{username}/extra-time"
    assert setup.trainer.post(url, data={"minutes": "7.5"}).status_code == 303
    assert _assigned(app, setup.exam_id)[username] == 7.5
    refused = setup.trainer.post(url, data={"minutes": "-3"}, follow_redirects=True)
    assert "Extra time must be a number of minutes" in refused.get_data(as_text=True)
    assert _assigned(app, setup.exam_id)[username] == 7.5
    unknown = setup.trainer.post(f"/exams/{setup.exam_id}/candidates/ghost/extra-time", data={"minutes": "5"})
    assert unknown.status_code == 400


def test_an_unreadable_candidate_list_is_refused_in_vietnamese(setup, app):
    before = _assigned(app, setup.exam_id)
    response = _post(setup.trainer, setup.exam_id, file=(io.BytesIO(b"username\nan\n"), "ds.xlsx"),
                     headers={"Accept-Language": "vi"})
    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    assert ("Không đọc được tệp 'ds.xlsx': tệp không phải là sổ tính xlsx hợp lệ: có vẻ đây là tệp văn bản"
            in page)
    assert "not a valid" not in page
    assert _assigned(app, setup.exam_id) == before

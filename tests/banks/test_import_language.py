"""Import errors speak the page's language; the API and the CLI stay English."""

from __future__ import annotations

import io

import pytest

from importers import limits
from tests.banks.files import xlsx_bytes
from tests.factories import make_bank, make_client, make_token
from tests.importers.hostile_files import (
    ods_cell,
    ods_row,
    ods_with_table,
    question_rows,
    text_cell,
    xlsx_with_sheet,
)
from tests.test_messages import VI, text_of


def test_an_import_with_bad_rows_reads_vietnamese_on_the_preview_and_the_history_and_english_in_the_api(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    data = xlsx_bytes([["Thủ đô?", "a", "b", "c", "d", "F"], ["Điểm?", "a", "b", None, None, "A"]],
                      header=["Câu hỏi", "A", "B", "C", "D", "Đáp án"])
    preview = text_of(trainer.post(f"/banks/{bank_id}/import", headers=VI, content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(data), "bank.xlsx"), "format": "auto"}))
    assert "Đáp án F không thuộc các phương án A–D (tệp không có cột cho phương án F)" in preview
    assert "is not one of the options" not in preview
    history = text_of(trainer.get(f"/banks/{bank_id}/imports", headers=VI))
    assert "Đáp án F không thuộc các phương án A–D" in history
    bearer = {**VI, "Authorization": f"Bearer {make_token(app, trainer.user.username)}"}
    api = app.test_client().post(f"/api/v1/banks/{bank_id}/import", headers=bearer,
                                          data={"file": (io.BytesIO(data), "bank.xlsx")},
                                          content_type="multipart/form-data")
    assert api.status_code == 422
    assert api.get_json()["errors"][0]["message"] == (
        "answer F is not one of the options A–D (the file has no column for option F)")


def test_an_unreadable_file_is_refused_in_vietnamese_on_the_upload_page(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    page = text_of(trainer.post(f"/banks/{bank_id}/import", headers=VI, content_type="multipart/form-data",
                                data={"file": (io.BytesIO(b"   "), "bank.csv"), "format": "auto"}))
    assert "Tệp trống" in page and "the file is empty" not in page.lower()


def _upload(trainer, bank_id: int, data: bytes, name: str) -> str:
    page = trainer.post(f"/banks/{bank_id}/import", headers=VI, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(data), name), "format": "auto"})
    assert page.status_code == 400
    return text_of(page)


FAR_CELL = xlsx_with_sheet(question_rows() + f'<row r="1048576">{text_cell("XFD1048576", "x")}</row>')


@pytest.mark.parametrize("data,name,vietnamese,english", [
    (FAR_CELL, "bank.xlsx",
     "Trang 'Câu hỏi' có một dòng mang số 1,048,576: dòng 1,048,576 vượt quá giới hạn 50,000 dòng có thể "
     "đọc; hãy xóa các dòng bên dưới dữ liệu", "is beyond the"),
    (b"question,answer\nQ?,A\n", "bank.xlsx",
     "Tệp không phải là sổ tính xlsx hợp lệ: có vẻ đây là tệp văn bản", "not a valid"),
    (xlsx_bytes([["Q?", "a", "b", None, None, "A"]]), "bank.gift",
     "Tệp không phải là tệp GIFT hợp lệ: đây là tệp nén zip (sổ tính xlsx hoặc ods?)", "zip archive"),
    (ods_with_table(ods_row(ods_cell("x", repeat=16384), repeat=65536)), "bank.ods",
     "Trang 'Câu hỏi' kéo tới dòng 65,536, cột XFD khi tính cả các dòng và ô lặp lại", "once its repeated"),
], ids=["a cell far out", "text named xlsx", "workbook named gift", "repeated ods rows"])
def test_a_hostile_or_unreadable_file_is_refused_in_vietnamese_on_the_upload_page(
        app, data, name, vietnamese, english):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    page = _upload(trainer, bank_id, data, name)
    assert vietnamese in page
    assert english not in page
    history = text_of(trainer.get(f"/banks/{bank_id}/imports", headers=VI))
    assert vietnamese in history and english not in history


def test_a_file_over_the_size_limit_is_refused_in_vietnamese_on_the_upload_page(app, monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 5 * 1024 * 1024)
    trainer = make_client(app, "trainer")
    big = b"question,answer\n" + b"x" * 6 * 2**20
    page = _upload(trainer, make_bank(app, {}, owner=trainer.user), big, "bank.csv")
    assert "Tệp quá lớn (giới hạn 5 MB)" in page and "too large" not in page


def test_a_gift_question_of_a_kind_a_bank_cannot_hold_is_named_in_vietnamese_at_its_line(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    data = "// Moodle\nThủ đô? {=Hà Nội ~Huế}\n\n::Q5:: Một số từ 1 đến 5? {#3:2}\n".encode()
    page = text_of(trainer.post(f"/banks/{bank_id}/import", headers=VI, content_type="multipart/form-data",
                                data={"file": (io.BytesIO(data), "bank.gift"), "format": "auto"}))
    assert ('<a href="#row-4">Dòng 4</a>: Không hỗ trợ loại câu hỏi GIFT: điền số ({#…}); chỉ nhập được '
            "câu hỏi một đáp án, nhiều đáp án và đúng/sai") in page
    assert "unsupported" not in page

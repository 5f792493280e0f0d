"""Import errors speak the page's language; the API and the CLI stay English."""

from __future__ import annotations

import io

from tests.banks.files import xlsx_bytes
from tests.factories import make_bank, make_client, make_token
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

"""Bank pages: list, bank, upload -> preview -> confirm, edit, preview, retire, history, export."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.banks.importing import import_questions
from examapp.banks.models import ImportJob, Question, QuestionBank, StagedUpload
from importers import limits, read_questions
from tests.banks.files import good_rows, row, xlsx_bytes
from tests.factories import csrf_token, import_rows, make_bank, make_client, make_user


def _upload(client, bank_id, data, name="bank.xlsx", **form):
    payload = {"file": (io.BytesIO(data), name), "format": "auto", **form}
    return client.post(f"/banks/{bank_id}/import", data=payload, content_type="multipart/form-data")


def _token(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


def _questions(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Question))


def test_trainer_creates_a_bank_and_sees_only_own_banks(app):
    trainer = make_client(app, "trainer")
    make_bank(app, {}, name="Bank of someone else", owner=make_user(app, "trainer"))
    response = trainer.post("/banks", data={"name": "Điều lệ Đảng", "description": "Ôn tập"})
    assert response.status_code == 302
    page = trainer.get("/banks").get_data(as_text=True)
    assert "Điều lệ Đảng" in page and "Bank of someone else" not in page
    assert 'aria-current="page"' in page and "Question banks" in page
    again = trainer.post("/banks", data={"name": "điều lệ đảng"})
    assert again.status_code == 409 and "already exists" in again.get_data(as_text=True)


def test_admin_sees_every_bank(app):
    make_bank(app, {}, name="Trainer bank", owner=make_user(app, "trainer"))
    assert "Trainer bank" in make_client(app, "admin").get("/banks").get_data(as_text=True)


@pytest.mark.parametrize("role", ["candidate", "proctor", "leader"])
def test_other_roles_get_403_on_every_bank_page(app, role):
    bank_id = make_bank(app, {}, owner=make_user(app, "trainer"))
    import_rows(app, bank_id, good_rows(1))
    client = make_client(app, role)
    for url in [
        "/banks",
        f"/banks/{bank_id}",
        f"/banks/{bank_id}/import",
        f"/banks/{bank_id}/imports",
        f"/banks/{bank_id}/export.xlsx",
        "/banks/template.xlsx",
        f"/banks/{bank_id}/questions/1",
        f"/banks/{bank_id}/questions/1/edit",
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/banks/{bank_id}/questions/1/retire").status_code == 403


def test_another_trainers_bank_is_403(app):
    bank_id = make_bank(app, {}, owner=make_user(app, "trainer"))
    import_rows(app, bank_id, good_rows(1))
    intruder = make_client(app, "trainer")
    for url in [
        f"/banks/{bank_id}",
        f"/banks/{bank_id}/import",
        f"/banks/{bank_id}/export.xlsx",
        f"/banks/{bank_id}/questions/1",
    ]:
        assert intruder.get(url).status_code == 403, url
    assert _upload(intruder, bank_id, xlsx_bytes(good_rows(2))).status_code == 403
    assert intruder.post(f"/banks/{bank_id}/questions/1/retire").status_code == 403


def test_upload_preview_marks_bad_cells_then_confirm_imports(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    header = ["STT", "Câu hỏi", "Phương án A", "Phương án B", "Đáp án", "Mức độ"]
    rows = [
        [1, "Thủ đô?", "Hà Nội", "Huế", "A", "dễ"],
        [2, "Sông dài nhất?", "Hồng", "Mê Kông", "E", "khó"],
        [3, "Núi cao nhất?", "Fansipan", "Bà Đen", "A", "siêu khó"],
    ]
    data = xlsx_bytes(rows, header=header, title="NGÂN HÀNG CÂU HỎI")
    preview = _upload(trainer, bank_id, data, name="cau_hoi.xlsx")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Row 4" in html and "column “Đáp án”" in html and "column “Mức độ”" in html
    assert re.search(
        r'id="row-4" class="bad">.*?<td class="bad"><span class="visually-hidden">Error: </span>'
        r'<div class="cell" title="E">E</div></td>',
        html,
        re.S,
    )
    assert re.search(
        r'id="row-5" class="bad">.*?<td class="bad"><span class="visually-hidden">Error: </span>'
        r'<div class="cell" title="siêu khó">siêu khó',
        html,
        re.S,
    )
    assert 'id="row-3" class="ok"' in html and "Nothing will be imported" in html
    assert _questions(app) == 0
    # all-or-nothing: confirming the rejected file imports nothing, skipping the bad rows imports the rest
    token = _token(html)
    rejected = trainer.post(f"/banks/{bank_id}/import/confirm", data={"token": token})
    assert rejected.status_code == 302 and _questions(app) == 0
    preview = _upload(trainer, bank_id, data, name="cau_hoi.xlsx")
    done = trainer.post(
        f"/banks/{bank_id}/import/confirm",
        data={"token": _token(preview.get_data(as_text=True)), "skip_invalid": "1"},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/banks/{bank_id}")
    assert _questions(app) == 1
    with app.app_context():
        s = db.session()
        assert s.scalar(select(func.count()).select_from(StagedUpload)) == 0
        statuses = s.scalars(select(ImportJob.status).order_by(ImportJob.id)).all()
    assert statuses == ["dry_run", "rejected", "dry_run", "imported"]
    history = trainer.get(f"/banks/{bank_id}/imports").get_data(as_text=True)
    assert "cau_hoi.xlsx" in history and "siêu khó" in history
    assert "would import" in history and "nothing imported" in history
    assert "or import only the valid rows" in html, "said where the button to do so is there"


def test_a_file_already_in_the_bank_offers_nothing_to_import(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    data = xlsx_bytes(good_rows(3))
    import_rows(app, bank_id, good_rows(3))
    html = _upload(trainer, bank_id, data).get_data(as_text=True)
    assert "Nothing new to import" in html and "Import 0" not in html
    assert 'class="primary">Import' not in html


def test_a_rejected_file_without_valid_rows_does_not_offer_to_import_them(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    html = _upload(trainer, bank_id, xlsx_bytes([row("Thủ đô?", answer="E")])).get_data(as_text=True)
    assert "Nothing will be imported" in html and "import only the valid rows" not in html
    assert "Import the" not in html


def test_the_result_column_comes_right_after_the_row_number(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    html = _upload(trainer, bank_id, xlsx_bytes(good_rows(1))).get_data(as_text=True)
    assert re.search(r"<th scope=\"col\" class=\"num\">Row</th><th scope=\"col\">Result</th>", html)


def test_preview_and_history_say_how_many_errors_were_left_unlisted(app, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ERRORS", 2)
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    rows = [[f"Câu {n}?", "Hà Nội", "Huế", "Z"] for n in range(5)]
    html = _upload(trainer, bank_id, xlsx_bytes(rows, header=["Câu hỏi", "A", "B", "Đáp án"])).get_data(
        as_text=True)
    assert "Errors (5)" in html and "Only the first 2 errors are listed" in html
    assert html.count("is not one of the options A–B") == 4  # twice listed, twice beside their rows
    history = trainer.get(f"/banks/{bank_id}/imports").get_data(as_text=True)
    assert "5 error(s)" in history and "and 3 more" in history


def test_valid_upload_confirms_once(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    html = _upload(trainer, bank_id, xlsx_bytes(good_rows(3))).get_data(as_text=True)
    assert "Import 3 question(s)" in html
    token = _token(html)
    assert trainer.post(f"/banks/{bank_id}/import/confirm", data={"token": token}).status_code == 302
    assert _questions(app) == 3
    replay = trainer.post(f"/banks/{bank_id}/import/confirm", data={"token": token}, follow_redirects=True)
    assert "expired or was already imported" in replay.get_data(as_text=True) and _questions(app) == 3


def test_a_staged_upload_belongs_to_its_uploader(app):
    admin = make_client(app, "admin")
    owner = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=owner.user)
    token = _token(_upload(owner, bank_id, xlsx_bytes(good_rows(2))).get_data(as_text=True))
    admin.post(f"/banks/{bank_id}/import/confirm", data={"token": token})
    assert _questions(app) == 0


def test_upload_refuses_wrong_files_with_a_clear_message(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    fake = _upload(trainer, bank_id, b"plain text, not a workbook", name="bank.xlsx")
    assert fake.status_code == 400 and "not a valid xlsx workbook" in fake.get_data(as_text=True)
    exe = _upload(trainer, bank_id, b"MZ\x90\x00", name="virus.exe")
    assert exe.status_code == 400 and "Use a .xlsx" in exe.get_data(as_text=True)
    missing = trainer.post(
        f"/banks/{bank_id}/import", data={"format": "auto"}, content_type="multipart/form-data"
    )
    assert missing.status_code == 400 and "Choose a file" in missing.get_data(as_text=True)


def test_upload_over_the_limit_is_413(small_uploads, app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    response = _upload(trainer, bank_id, b"x" * 5000)
    assert response.status_code == 413 and "larger than the limit" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(csrf_on, app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    import_rows(app, bank_id, good_rows(1))
    assert trainer.post(f"/banks/{bank_id}/questions/1/retire").status_code == 400
    assert _upload(trainer, bank_id, xlsx_bytes(good_rows(1))).status_code == 400
    page = trainer.get(f"/banks/{bank_id}").get_data(as_text=True)
    ok = trainer.post(f"/banks/{bank_id}/questions/1/retire", data={"csrf_token": csrf_token(page)})
    assert ok.status_code == 302


def test_bank_page_searches_filters_and_pages(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    import_rows(app, bank_id,
                [*good_rows(30), row("Đảng Cộng sản ra đời năm nào?", topic="Đảng", difficulty="hard")])
    page = trainer.get(f"/banks/{bank_id}").get_data(as_text=True)
    assert "31 question(s) found." in page and 'rel="next"' in page
    found = trainer.get(f"/banks/{bank_id}?q=dang+cong&difficulty=hard").get_data(as_text=True)
    assert "1 question(s) found." in found and "Đảng Cộng sản" in found
    second = trainer.get(f"/banks/{bank_id}?page=2&bank_id=7&topic=x&status=nonsense").get_data(as_text=True)
    assert 'aria-current="page">2<' in second and "31 question(s) found." in second


def test_question_preview_edit_and_retire(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    import_rows(app, bank_id, good_rows(1))
    preview = trainer.get(f"/banks/{bank_id}/questions/1").get_data(as_text=True)
    assert 'class="right"' in preview and "correct" in preview and "disabled" in preview
    form = trainer.get(f"/banks/{bank_id}/questions/1/edit").get_data(as_text=True)
    assert 'value="Hà Nội"' in form
    truth = form[form.index('name="truth"'):form.index("</select>", form.index('name="truth"'))]
    assert '<option selected value="">' in truth, "a single question states no truth value"
    assert 'data-shown-for-type="true_false"' in form
    data = {
        "text": "Thủ đô nước ta?",
        "type": "single",
        "topic": "Địa lý",
        "difficulty": "medium",
        "points": "2",
        "explanation": "",
        "truth": "true",
        "options-0-text": "Hà Nội",
        "options-0-correct": "y",
        "options-1-text": "Huế",
    }
    saved = trainer.post(f"/banks/{bank_id}/questions/1/edit", data=data, follow_redirects=True)
    assert "Saved as version 2" in saved.get_data(as_text=True)
    assert "Version 1" in saved.get_data(as_text=True)
    bad = trainer.post(f"/banks/{bank_id}/questions/1/edit", data={**data, "options-0-correct": ""})
    assert bad.status_code == 400 and "Mark the correct option" in bad.get_data(as_text=True)
    retired = trainer.post(f"/banks/{bank_id}/questions/1/retire", follow_redirects=True)
    assert "Question retired" in retired.get_data(as_text=True)
    with app.app_context():
        assert db.session().get(Question, 1).status == "retired"
    assert trainer.get(f"/banks/{bank_id}/questions/999").status_code == 404


def test_a_question_page_says_which_file_and_row_it_came_from(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    import_rows(app, bank_id, good_rows(2), user_id=trainer.user.id)
    page = trainer.get(f"/banks/{bank_id}/questions/2").get_data(as_text=True)
    # The file's second question is on its row 3, under the header row.
    assert "Imported from bank.xlsx (row 3)" in page and f"by {trainer.user.username}" in page
    vi = trainer.get(f"/banks/{bank_id}/questions/2", headers={"Accept-Language": "vi"})
    assert "Nhập từ bank.xlsx (dòng 3)" in vi.get_data(as_text=True)


def test_a_question_from_a_text_file_names_its_line_and_a_command_line_import(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    gift = "// đề ôn tập\n\nThủ đô của Việt Nam là? {=Hà Nội ~Huế ~Đà Nẵng}\n"
    with app.app_context():
        s = db.session()
        import_questions(s, s.get(QuestionBank, bank_id), gift.encode(), "on-tap.gift")  # no user: the CLI
        s.commit()
    page = trainer.get(f"/banks/{bank_id}/questions/1").get_data(as_text=True)
    assert "Imported from on-tap.gift (line 3)" in page and "by the command line" in page


def test_export_download(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, name="Ôn tập 2026/2027: Đảng", owner=trainer.user)
    import_rows(app, bank_id, good_rows(2))
    response = trainer.get(f"/banks/{bank_id}/export.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "/" not in response.headers["Content-Disposition"].split("filename")[1]


@pytest.mark.parametrize("role", ["trainer", "admin"])
def test_the_upload_page_links_the_template_which_downloads_and_imports_cleanly(app, role):
    client = make_client(app, role)
    bank_id = make_bank(app, {}, owner=client.user)
    page = client.get(f"/banks/{bank_id}/import").get_data(as_text=True)
    assert 'href="/banks/template.xlsx"' in page
    response = client.get("/banks/template.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.data == (Path(__file__).parents[2] / "question_banks" / "template.xlsx").read_bytes()
    result = read_questions(response.data, "template.xlsx")
    assert result.errors == [] and {q.type for q in result.questions} == {"single", "multiple", "true_false"}


def test_text_format_and_headerless_files_preview_as_parsed_rows(app):
    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    gift = "::Q1:: Thủ đô Việt Nam? {=Hà Nội ~Huế}\n\n::Q2:: Câu hỏi không có đáp án đúng {~A ~B}\n"
    html = _upload(trainer, bank_id, gift.encode(), name="bank.gift").get_data(as_text=True)
    assert "Thủ đô Việt Nam?" in html and "A. Hà Nội" in html and "No option is marked correct" in html
    no_header = xlsx_bytes([["just", "some", "cells"]], header=["a", "b", "c"])
    html = _upload(trainer, bank_id, no_header).get_data(as_text=True)
    assert "No header row" in html and "Import the" not in html


def test_csv_preview_shows_the_sheet(app):
    from tests.banks.files import csv_bytes

    trainer = make_client(app, "trainer")
    bank_id = make_bank(app, {}, owner=trainer.user)
    html = _upload(
        trainer, bank_id, csv_bytes([*good_rows(2), row("Xấu", answer="K")]), name="b.csv"
    ).get_data(as_text=True)
    assert re.search(
        r'id="row-4" class="bad">.*?<td class="bad"><span class="visually-hidden">Error: </span>'
        r'<div class="cell" title="K">K</div></td>',
        html,
        re.S,
    )
    assert "Import the 2 valid question(s), skip 1 row(s)" in html

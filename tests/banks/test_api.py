"""/api/v1/banks: status codes and bodies as the CONTRACT says, ownership, limits, bad files."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from examapp import db
from examapp.audit.models import AuditLog
from examapp.banks.models import ImportJob, Question
from tests.banks.files import good_rows, row, xlsx_bytes
from tests.factories import bearer_headers, make_client, make_token


def _import(client, bank_id, data, name="bank.xlsx", headers=None, **form):
    payload = {"file": (io.BytesIO(data), name), **form}
    return client.post(
        f"/api/v1/banks/{bank_id}/import",
        data=payload,
        headers=headers or {},
        content_type="multipart/form-data",
    )


def _count(app, model=Question) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


@pytest.fixture
def trainer(app):
    return make_client(app, "trainer")


def _new_bank(client, name="Pháp luật") -> int:
    response = client.post("/api/v1/banks", json={"name": name})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_create_and_list_banks(trainer, app):
    created = trainer.post("/api/v1/banks", json={"name": "Pháp luật", "description": "Luật cơ bản"})
    assert created.status_code == 201
    body = created.get_json()
    assert (body["name"], body["owner"], body["questions"]) == ("Pháp luật", trainer.user.username, 0)
    duplicate = trainer.post("/api/v1/banks", json={"name": "PHÁP LUẬT"})
    assert duplicate.status_code == 409 and "already exists" in duplicate.get_json()["error"]["message"]
    assert trainer.post("/api/v1/banks", json={"name": ""}).status_code == 400
    assert trainer.post("/api/v1/banks", json={"name": "x", "colour": "red"}).status_code == 400
    make_client(app, "trainer").post("/api/v1/banks", json={"name": "Someone else's"})
    names = [b["name"] for b in trainer.get("/api/v1/banks").get_json()["banks"]]
    assert names == ["Pháp luật"]
    assert len(make_client(app, "admin").get("/api/v1/banks").get_json()["banks"]) == 2


def test_import_returns_the_contract_json(app, trainer):
    bank_id = _new_bank(trainer)
    response = _import(trainer, bank_id, xlsx_bytes(good_rows(3)))
    assert response.status_code == 200
    assert response.get_json() == {
        "bank": "Pháp luật",
        "imported": 3,
        "duplicates": 0,
        "skipped": 0,
        "errors": [],
        "error_count": 0,
    }
    again = _import(trainer, bank_id, xlsx_bytes(good_rows(3)))
    assert again.get_json()["duplicates"] == 3 and _count(app) == 3


def test_rejected_import_is_422_with_every_error_and_writes_nothing(app, trainer):
    bank_id = _new_bank(trainer)
    response = _import(
        trainer, bank_id, xlsx_bytes([*good_rows(2), row("x", answer="Q"), row("", answer="A")])
    )
    assert response.status_code == 422
    body = response.get_json()
    assert (body["bank"], body["imported"], body["skipped"]) == ("Pháp luật", 0, 2)
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(4, "answer"), (5, "question")}
    assert body["error"]["code"] == "unprocessable"
    assert _count(app) == 0 and _count(app, ImportJob) == 1


def test_skip_invalid_and_dry_run_flags(app, trainer):
    bank_id = _new_bank(trainer)
    data = xlsx_bytes([*good_rows(2), row("x", answer="Q")])
    dry = _import(trainer, bank_id, data, dry_run="true", skip_invalid="1")
    assert dry.status_code == 200 and dry.get_json()["imported"] == 2 and _count(app) == 0
    rejected_dry = _import(trainer, bank_id, data, dry_run="1")
    assert rejected_dry.status_code == 422 and _count(app) == 0
    done = _import(trainer, bank_id, data, skip_invalid="yes")
    assert done.status_code == 200 and (done.get_json()["imported"], done.get_json()["skipped"]) == (2, 1)
    assert _count(app) == 2
    assert _import(trainer, bank_id, data, dry_run="maybe").status_code == 400


def test_bad_files_and_bad_requests_are_4xx_not_500(app, trainer):
    bank_id = _new_bank(trainer)
    wrong = _import(trainer, bank_id, b"just some text\n", name="bank.xlsx")
    assert wrong.status_code == 400 and "not a valid xlsx workbook" in wrong.get_json()["error"]["message"]
    zipped_ods = _import(trainer, bank_id, xlsx_bytes(good_rows(1)), name="bank.ods")
    assert zipped_ods.status_code == 400
    assert _import(trainer, bank_id, b"MZ", name="tool.exe").status_code == 400
    assert _import(trainer, bank_id, b"", name="empty.csv").status_code == 400
    no_file = trainer.post(
        f"/api/v1/banks/{bank_id}/import", data={"dry_run": "1"}, content_type="multipart/form-data"
    )
    assert no_file.status_code == 400 and "'file'" in no_file.get_json()["error"]["message"]
    as_json = trainer.post(f"/api/v1/banks/{bank_id}/import", json={"file": "x"})
    assert as_json.status_code == 415
    malformed = trainer.post(
        f"/api/v1/banks/{bank_id}/import",
        data=b"--XX\r\nContent-Disposition: form-data; na",
        content_type="multipart/form-data; boundary=XX",
    )
    assert malformed.status_code == 400 and "error" in malformed.get_json()
    bad_format = _import(trainer, bank_id, xlsx_bytes(good_rows(1)), format="docx")
    assert bad_format.status_code == 400
    assert _count(app) == 0
    with app.app_context():
        statuses = db.session().scalars(select(ImportJob.status)).all()
    assert "unreadable" in statuses  # rejected files stay in the history


def test_upload_over_the_limit_is_413(small_uploads, app):
    client = make_client(app, "trainer")
    bank_id = _new_bank(client)
    response = _import(client, bank_id, b"x" * 5000)
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"


def test_candidates_and_other_trainers_are_refused(app, trainer):
    bank_id = _new_bank(trainer)
    _import(trainer, bank_id, xlsx_bytes(good_rows(1)))
    for role in ("candidate", "proctor", "leader"):
        headers = bearer_headers(app, role)
        client = app.test_client()
        assert client.get("/api/v1/banks", headers=headers).status_code == 403
        assert client.post("/api/v1/banks", json={"name": "x"}, headers=headers).status_code == 403
        assert client.get(f"/api/v1/banks/{bank_id}/questions", headers=headers).status_code == 403
        assert _import(client, bank_id, xlsx_bytes(good_rows(1)), headers=headers).status_code == 403
        assert client.get(f"/api/v1/banks/{bank_id}/export.xlsx", headers=headers).status_code == 403
    other = app.test_client()
    headers = bearer_headers(app, "trainer")
    assert other.get(f"/api/v1/banks/{bank_id}/questions", headers=headers).status_code == 403
    assert _import(other, bank_id, xlsx_bytes(good_rows(2)), headers=headers).status_code == 403
    assert other.get("/api/v1/banks/9999/questions", headers=headers).status_code == 404
    assert app.test_client().get("/api/v1/banks").status_code == 401
    assert _count(app) == 1


def test_bearer_token_import_needs_no_csrf(csrf_on, app):
    client = make_client(app, "trainer")
    bank_id = _new_bank(client)
    headers = {"Authorization": f"Bearer {make_token(app, client.user.username)}"}
    assert _import(client, bank_id, xlsx_bytes(good_rows(1)), headers=headers).status_code == 200
    assert _import(client, bank_id, xlsx_bytes(good_rows(2))).status_code == 400  # cookie + multipart: CSRF


def test_questions_list_filters_pages_and_shows_the_key_to_the_owner(trainer):
    bank_id = _new_bank(trainer)
    rows = [*good_rows(5), row("Đảng Cộng sản Việt Nam ra đời năm nào?", topic="Đảng", difficulty="hard")]
    _import(trainer, bank_id, xlsx_bytes(rows))
    page = trainer.get(f"/api/v1/banks/{bank_id}/questions?per_page=4&page=2").get_json()
    assert (page["total"], page["pages"], page["page"], len(page["questions"])) == (6, 2, 2, 2)
    found = trainer.get(
        f"/api/v1/banks/{bank_id}/questions?q=dang%20cong&difficulty=hard&topic=Đảng"
    ).get_json()
    assert [q["text"] for q in found["questions"]] == [rows[-1][0]]
    options = found["questions"][0]["options"]
    assert [o["is_correct"] for o in options] == [True, False, False, False]
    assert [o["position"] for o in options] == [1, 2, 3, 4]
    all_ids = [o["id"] for q in page["questions"] for o in q["options"]]
    assert len(set(all_ids)) == len(all_ids), "option ids are unique across questions"
    assert trainer.get(f"/api/v1/banks/{bank_id}/questions?topic=Nope").get_json()["total"] == 0
    assert trainer.get(f"/api/v1/banks/{bank_id}/questions?difficulty=extreme").status_code == 400
    assert trainer.get(f"/api/v1/banks/{bank_id}/questions?per_page=0").status_code == 400
    assert trainer.get(f"/api/v1/banks/{bank_id}/questions?colour=red").status_code == 400


def test_openapi_lists_the_bank_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/banks", "/api/v1/banks/{bank_id}/import", "/api/v1/banks/{bank_id}/questions"} <= set(
        paths
    )
    upload = paths["/api/v1/banks/{bank_id}/import"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert upload["schema"]["properties"]["file"]["format"] == "binary"


def test_a_bank_name_longer_than_the_audit_target_is_created_and_audited_whole(app, client):
    name = "Ngân hàng câu hỏi " + "x" * 182
    response = client.post("/api/v1/banks", json={"name": name}, headers=bearer_headers(app, "trainer"))
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        entry = db.session().scalar(select(AuditLog).where(AuditLog.action == "bank.create"))
    assert entry.target == f"bank:{response.get_json()['id']}" and entry.details["name"] == name

"""Service refusals: plain English for the API, the CLI and str(); the reader's language on pages."""

from __future__ import annotations

import ast
import copy
import io
import json
import pickle
import re
import zipfile
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import examapp
import importers
from examapp import db
from examapp.auth.service import AccountError
from examapp.exams.errors import ExamInvalid, RuleProblem, rule_problem
from examapp.exams.models import Attempt
from examapp.messages import Message, is_message, msg, msg_join, translated
from importers.roster import CANDIDATES, read_roster
from tests.factories import PASSWORD, make_client, make_party_exam, make_unit, make_user
from tests.importers.hostile_files import (
    ODS_NAMESPACES,
    ods_cell,
    ods_question_rows,
    ods_row,
    ods_with_table,
    question_rows,
    text_cell,
    xlsx_with_sheet,
)
from tests.importers.importer_files import ENGLISH_HEADER, ods_bytes, xlsx_bytes

VI = {"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
CATALOG = Path(examapp.__file__).parent / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


# ---- a Message is its English text ----

def test_a_message_is_its_english_text_for_str_json_and_exceptions():
    message = msg("unknown unit code '%(code)s'", code="CB01")
    assert isinstance(message, str) and isinstance(message, Message)
    assert message == "unknown unit code 'CB01'"
    assert message.template == "unknown unit code '%(code)s'" and message.values == {"code": "CB01"}
    assert json.dumps({"error": message}) == '{"error": "unknown unit code \'CB01\'"}'
    assert str(AccountError(message)) == "unknown unit code 'CB01'"
    assert msg("the room code is not correct") == "the room code is not correct"


def test_joined_problems_read_as_one_english_text_and_keep_each_part():
    first, second = msg("name is required"), msg("unknown kind '%(kind)s'; use one of %(kinds)s",
                                                  kind="x", kinds="cell, other")
    joined = msg_join([first, second])
    assert joined == "name is required; unknown kind 'x'; use one of cell, other"
    assert joined.parts == [first, second]
    assert msg_join([first]) == "name is required"


def test_a_message_keeps_its_parts_when_pickled_or_copied():
    problem = rule_problem(2, msg("rule %(n)s: count must be at least 1", n=2))
    joined = msg_join([problem, msg("title is required")])
    for again in (pickle.loads(pickle.dumps(joined)), copy.deepcopy(joined)):  # noqa: S301 (made here)
        assert again == joined and again.parts == joined.parts
        assert isinstance(again.parts[0], RuleProblem) and again.parts[0].rule == 2


def test_exam_invalid_lists_each_problem_and_the_rule_it_is_about():
    exc = ExamInvalid([msg("title is required"),
                       rule_problem(1, msg("rule %(n)s: count must be at least 1", n=1))])
    assert str(exc) == "title is required; rule 1: count must be at least 1"
    assert [getattr(p, "rule", None) for p in exc.problems] == [None, 1]
    single = ExamInvalid(msg("give at least one username"))
    assert str(single) == "give at least one username" and single.problems == ["give at least one username"]


# ---- translated() on pages ----

def test_translated_speaks_the_request_language(app):
    message = msg("unknown unit code '%(code)s'", code="CB01")
    with app.test_request_context("/", headers=VI):
        assert translated(message) == "Không có đơn vị nào mang mã 'CB01'"
        assert translated(AccountError(message)) == "Không có đơn vị nào mang mã 'CB01'"
        assert translated(msg_join([msg("name is required"), message])) == (
            "Hãy nhập tên; không có đơn vị nào mang mã 'CB01'")
        assert translated("not a Message") == "Not a Message"
        assert translated(ValueError("plain")) == "Plain"
    with app.test_request_context("/", headers=EN):
        assert translated(message) == "Unknown unit code 'CB01'"


def test_messages_inside_a_message_are_translated_too(app):
    rule = msg("%(topic)s, %(difficulty)s", topic=msg("topic '%(topic)s'", topic="Lịch sử Đảng"),
               difficulty=msg("easy"))
    problem = msg("rule %(n)s (%(rule)s) asks for %(count)s questions; the bank has %(available)s active",
                  n=1, rule=rule, count=9, available=3)
    assert problem == "rule 1 (topic 'Lịch sử Đảng', easy) asks for 9 questions; the bank has 3 active"
    with app.test_request_context("/", headers=VI):
        assert translated(problem) == (
            "Dòng 1 (chủ đề 'Lịch sử Đảng', dễ) cần 9 câu hỏi; ngân hàng chỉ có 3 câu đang sử dụng")


def test_every_service_message_has_a_vietnamese_translation():
    """A msg() added without `make translations` and a Vietnamese entry fails here."""
    found = {message for package in (Path(examapp.__file__).parent, Path(importers.__file__).parent)
             for _, _, message, _, _ in extract_from_dir(
                 package, method_map=[("**.py", "python")], keywords={"msg": None})}
    with CATALOG.open("rb") as fh:
        translations = {m.id: m.string for m in read_po(fh, locale="vi") if m.id and not m.fuzzy}
    assert len(found) > 100
    assert "no option is marked correct" in found  # the importers' messages are looked at too
    assert sorted(m for m in found if not translations.get(m)) == []


# ---- pages in Vietnamese, the API in English ----

def _exam_with_room_code(app):
    candidate = make_client(app, "candidate")
    _, exam_id = make_party_exam(app, make_user(app, "trainer"), (candidate.user.username,), room_code="P101")
    return exam_id, candidate


def test_a_vietnamese_candidate_with_a_wrong_room_code_reads_vietnamese_while_the_api_stays_english(app):
    exam_id, candidate = _exam_with_room_code(app)
    candidate.post("/language", data={"lang": "vi", "next": "/"})
    page = candidate.post(f"/my-exams/{exam_id}", data={"room_code": "WRONG"}, headers=VI)
    assert page.status_code == 403
    assert "Mã phòng thi không đúng" in text_of(page)
    assert "the room code is not correct" not in text_of(page)

    api = candidate.post(f"/api/v1/exams/{exam_id}/attempts", json={"room_code": "WRONG"}, headers=VI)
    assert api.status_code == 403
    assert api.get_json()["error"]["message"] == "the room code is not correct"
    with app.app_context():
        assert db.session().query(Attempt).count() == 0


def test_an_error_page_from_a_service_refusal_is_in_vietnamese(app):
    candidate = make_client(app, "candidate")
    page = candidate.get("/my-exams/999999", headers=VI)
    assert page.status_code == 404
    assert "Bạn không có tên trong kỳ thi 999999" in text_of(page)
    api = candidate.post("/api/v1/exams/999999/attempts", json={}, headers=VI)
    assert api.get_json()["error"]["message"] == "exam 999999 is not assigned to you"


def test_a_weak_new_password_is_refused_in_vietnamese(app):
    client = make_client(app, "candidate")
    form = {"current": PASSWORD, "new": "abcdefghij", "confirm": "abcdefghij"}
    vi = text_of(client.post("/account/password", data=form, headers=VI))
    assert "Mật khẩu phải kết hợp chữ cái với chữ số hoặc ký hiệu" in vi
    assert "must mix letters" not in vi
    en = text_of(client.post("/account/password", data=form, headers=EN))
    assert "The password must mix letters with digits or symbols" in en
    wrong = {"current": "not-my-password", "new": "Khac#2026x", "confirm": "Khac#2026x"}
    assert "Mật khẩu hiện tại không đúng" in text_of(client.post("/account/password", data=wrong, headers=VI))


def test_the_units_page_refuses_in_vietnamese_and_the_api_in_english(app):
    admin = make_client(app, "admin")
    make_unit(app, "CB01", "Chi bộ Văn phòng")
    taken = text_of(admin.post("/units", data={"code": "CB01", "name": "Trùng mã", "kind": "cell"},
                               headers=VI))
    assert "Mã đơn vị 'CB01' đã tồn tại" in taken
    spaced = text_of(admin.post("/units", data={"code": "CB 02", "name": "Có dấu cách", "kind": "cell"},
                                headers=VI))
    assert "Mã phải dài 1-40 ký tự, gồm chữ cái, chữ số hoặc . _ - (không có dấu cách)" in spaced
    api = admin.post("/api/v1/units", json={"code": "CB01", "name": "Trùng mã"}, headers=VI)
    assert api.status_code == 409
    assert api.get_json()["error"]["message"] == "unit code 'CB01' already exists"


def test_a_taken_bank_name_is_refused_in_vietnamese(app):
    trainer = make_client(app, "trainer")
    assert trainer.post("/banks", data={"name": "Ngân hàng A"}, headers=VI).status_code == 302
    again = trainer.post("/banks", data={"name": "Ngân hàng A"}, headers=VI)
    assert again.status_code == 409
    assert "Đã có ngân hàng câu hỏi tên 'Ngân hàng A'; hãy chọn tên khác" in text_of(again)



# ---- the importers' refusals of a whole file ----

# Whatever builds a refusal of a file (or a part of one) from its message: its arguments at
# these positions are the message (None: every argument).
_REFUSALS = {"ImportFileError": None, "NotASpreadsheet": None, "RowError": None, "FieldError": None,
             "AnswerError": None, "_Malformed": None, "_Unsupported": None,
             "refuse_sheet": (1,), "refuse_extent": (1,), "not_valid": (1,), "not_valid_text": (1,)}


def _plain_text(node: ast.AST) -> bool:
    """English written into the code: a string, an f-string, or strings added together."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, ast.BinOp) and (_plain_text(node.left) or _plain_text(node.right))


def test_every_refusal_of_the_importers_is_a_message_the_catalog_holds():
    """An f-string raised as an ImportFileError would read English on a Vietnamese page."""
    plain = []
    for path in sorted(Path(importers.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            if name == "msg" and not (node.args and isinstance(node.args[0], ast.Constant)):
                plain.append(f"{path.name}:{node.lineno} msg() of a computed template")
            if name in _REFUSALS:
                positions = _REFUSALS[name] or range(len(node.args))
                if any(at < len(node.args) and _plain_text(node.args[at]) for at in positions):
                    plain.append(f"{path.name}:{node.lineno} {name}() of plain text")
    assert plain == []


def _templates(message) -> list[str]:
    """The template of `message` and of every message inside it."""
    found = [message.template]
    for value in message.values.values():
        if is_message(value):
            found += _templates(value)
    return found


def _prose_values(message) -> list[str]:
    """Values inside `message` that read as English words rather than data (names, numbers, cells)."""
    found = []
    for value in message.values.values():
        if is_message(value):
            found += _prose_values(value)
        elif isinstance(value, str) and re.search(r"[a-z]+ [a-z]+ [a-z]+", value):
            found.append(value)
    return found


_SHARED_STRINGS = '<sst count="2000000000"><si><t>q</t></si></sst>'


def _hostile_files() -> dict[str, tuple[bytes, str]]:
    """One file for each way the importers refuse a whole file: (bytes, file name)."""
    workbook = xlsx_bytes([ENGLISH_HEADER, ["Q?", "x", "y", None, None, "A"]])
    spaces = ('<table:table-cell office:value-type="string"><text:p>a<text:s text:c="1000000000"/>'
              "</text:p></table:table-cell>")
    bomb = io.BytesIO(workbook)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (20 * 1024 * 1024))
    return {
        "text named xlsx": (b"question,answer\nQ?,A\n", "bank.xlsx"),
        "ods named xlsx": (ods_bytes([ENGLISH_HEADER]), "bank.xlsx"),
        "old xls or with a password": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "bank.xlsx"),
        "truncated workbook": (workbook[: len(workbook) // 2], "bank.xlsx"),
        "zip bomb": (bomb.getvalue(), "bank.xlsx"),
        "cell at XFD1048576": (xlsx_with_sheet(question_rows() + f'<row r="1048576">'
                                               f'{text_cell("XFD1048576", "x")}</row>'), "bank.xlsx"),
        "declared dimension": (xlsx_with_sheet(question_rows(), before='<dimension ref="A1:XFD1048576"/>'),
                               "bank.xlsx"),
        "shared-string count": (xlsx_with_sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
                                                shared_strings=_SHARED_STRINGS), "bank.xlsx"),
        "repeated ods rows": (ods_with_table(ods_row(ods_cell("x", repeat=16384), repeat=65536)), "bank.ods"),
        "ods runs of spaces": (ods_with_table(ods_question_rows() + ods_row(spaces)), "bank.ods"),
        "ods prefixes": (ods_with_table(ods_question_rows(),
                                        namespaces=ODS_NAMESPACES.replace("xmlns:table=", "xmlns:t=")),
                         "bank.ods"),
        "workbook named csv": (workbook, "bank.csv"),
        "binary named gift": (bytes(range(1, 32)) * 50, "bank.gift"),
        "pdf named txt": (b"%PDF-1.4\n\0\0", "bank.txt"),
        "empty": (b"", "bank.csv"),
        "csv too wide": (("question,answer" + ",x" * 300 + "\n").encode(), "bank.csv"),
    }


def _assert_vietnamese(app, refusal: Exception) -> None:
    message = refusal.args[0]
    assert is_message(message), str(refusal)
    with CATALOG.open("rb") as fh:
        translations = {m.id: m.string for m in read_po(fh, locale="vi") if m.id}
    assert [template for template in _templates(message) if not translations.get(template)] == []
    assert _prose_values(message) == []
    with app.test_request_context("/", headers=VI):
        vietnamese = translated(refusal).lower()
    assert [words for words in _ENGLISH if words in vietnamese] == [], vietnamese


_ENGLISH = ("file is", "sheet '", "it is", "the file", " has ", " rows", "delete", "split", "save it")


@pytest.mark.parametrize("case", sorted(_hostile_files()))
def test_a_file_the_importers_refuse_is_refused_in_vietnamese_on_a_page(app, case):
    data, name = _hostile_files()[case]
    with pytest.raises(importers.ImportFileError) as caught:
        importers.read_questions(data, name)
    _assert_vietnamese(app, caught.value)


def test_a_file_over_the_size_limit_is_refused_in_vietnamese(app, monkeypatch):
    monkeypatch.setattr(importers.limits, "MAX_FILE_BYTES", 10)
    with pytest.raises(importers.ImportFileError) as caught:
        importers.read_questions(b"question,answer\nQ?,true\n", "bank.csv")
    _assert_vietnamese(app, caught.value)


@pytest.mark.parametrize("name,data,max_rows", [
    ("list.pdf", b"%PDF-1.4", None),
    ("list.csv", b"foo,bar\n1,2\n", None),
    ("list.csv", b"username\nan\nbinh\n", 1),
    ("list.xlsx", b"not a workbook", None),
], ids=["not a spreadsheet", "no header", "too many people", "not a workbook"])
def test_a_people_list_the_importers_refuse_is_refused_in_vietnamese(app, name, data, max_rows):
    with pytest.raises(importers.ImportFileError) as caught:
        read_roster(data, name, CANDIDATES, max_rows)
    _assert_vietnamese(app, caught.value)

"""People lists: one reader with the question files' header rules and the same bounds."""

from __future__ import annotations

import pytest

from importers import ImportFileError, limits
from importers.roster import ACCOUNTS, CANDIDATES, MissingColumns, NotASpreadsheet, read_roster
from tests.importers.hostile_files import question_rows, text_cell, xlsx_with_sheet
from tests.importers.importer_files import csv_bytes, ods_bytes, xlsx_bytes

ACCOUNT_ROWS = [
    ["DANH SÁCH TÀI KHOẢN"],
    ["Đơn vị: Đảng uỷ Khối"],
    ["TÊN ĐĂNG NHẬP", "Ho va ten", "Vai Trò", "Don vi"],
    ["an.nv", "Nguyễn Văn An", "thí sinh", "CB1"],
    [None, None, None, None],
    ["binh.tt", "Trần Thị Bình", "candidate", None],
]


@pytest.mark.parametrize("build,name", [(xlsx_bytes, "list.xlsx"), (ods_bytes, "list.ods"),
                                        (csv_bytes, "list.csv")])
def test_title_rows_accents_and_case_are_as_in_question_files(build, name):
    roster = read_roster(build(ACCOUNT_ROWS), name, ACCOUNTS)
    assert [(p.row, p.values["username"], p.values["unit"]) for p in roster.rows] == [
        (4, "an.nv", "CB1"), (6, "binh.tt", "")]
    assert roster.rows[0].values["password"] == ""  # no such column: blank, not missing
    assert (roster.title("username"), roster.title("unit"), roster.title("password")) == (
        "TÊN ĐĂNG NHẬP", "Don vi", None)


def test_a_list_on_a_later_sheet_after_instructions_is_found():
    data = xlsx_bytes([["username"], ["lan.nt"]], sheets={"Hướng dẫn": [["Điền tên vào sheet sau"]]})
    assert [p.values["username"] for p in read_roster(data, "list.xlsx", CANDIDATES).rows] == ["lan.nt"]


def test_a_list_without_the_required_columns_says_which():
    with pytest.raises(MissingColumns, match="username, full_name, role") as caught:
        read_roster(xlsx_bytes([["username", "name"], ["an", "An"]]), "list.xlsx", ACCOUNTS)
    assert caught.value.required == ("username", "full_name", "role")


def test_only_spreadsheets_are_read():
    with pytest.raises(NotASpreadsheet, match=r"\.xlsx, \.xlsm, \.ods or \.csv"):
        read_roster(b"username\nan\n", "list.txt", CANDIDATES)


def test_a_list_longer_than_the_cap_is_refused_naming_it(monkeypatch):
    rows = [["username"], *[[f"user{n}"] for n in range(6)]]
    assert len(read_roster(xlsx_bytes(rows), "list.xlsx", CANDIDATES, max_rows=6).rows) == 6
    with pytest.raises(ImportFileError, match="more than 5 people; at most 5 can be read at once"):
        read_roster(xlsx_bytes(rows), "list.xlsx", CANDIDATES, max_rows=5)
    monkeypatch.setattr(limits, "MAX_ROSTER_ROWS", 4)
    with pytest.raises(ImportFileError, match="at most 4"):
        read_roster(xlsx_bytes(rows), "list.xlsx", CANDIDATES)


def test_a_hostile_list_meets_the_same_bounds_as_a_question_file():
    data = xlsx_with_sheet(question_rows().replace("question", "username")
                           + f'<row r="1048576">{text_cell("XFD1048576", "x")}</row>')
    with pytest.raises(ImportFileError, match="beyond the"):
        read_roster(data, "list.xlsx", CANDIDATES)

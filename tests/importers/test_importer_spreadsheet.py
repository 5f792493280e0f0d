"""Reading xlsx, xlsm and ods question banks: header detection, cell display, row numbers."""

from __future__ import annotations

import datetime as dt
import gc
import io
import zipfile
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
import python_calamine

from importers import ImportFileError, Option, read_questions
from tests.importers.importer_files import xlsx_bytes

VI_HEADER = ["STT", "Nội dung câu hỏi", "Phương án A", "Phương án B", "Phương án C",
             "Phương án D", "Đáp án đúng", "Loại câu hỏi", "Chủ đề", "Mức độ", "Điểm",
             "Giải thích"]


def vietnamese_bank() -> bytes:
    rows = [
        ["NGÂN HÀNG CÂU HỎI THI TÌM HIỂU LỊCH SỬ ĐẢNG BỘ TỈNH"],
        ["(Kèm theo Kế hoạch số 12-KH/BTG)"],
        VI_HEADER,
        [1, "Đảng Cộng sản Việt Nam ra đời năm nào?", 1930, 1945, 1954, 1975, "A", None,
         "Lịch sử Đảng", "Nhận biết", 1, "Ngày 3/2/1930."],
        [2, "Ngày Quốc khánh nước ta là ngày nào?", dt.datetime(1945, 9, 2),
         dt.datetime(1945, 8, 19), dt.datetime(1945, 12, 19), None, "a", None, "Lịch sử",
         "Dễ", 1, None],
        [3, "Những nội dung nào là nguyên tắc tổ chức của Đảng?", "Tập trung dân chủ",
         "Tập thể lãnh đạo, cá nhân phụ trách", "Tự phê bình và phê bình", "Tùy tiện",
         "A, B, C", "Nhiều đáp án", "Điều lệ Đảng", "Thông hiểu", 2, None],
        [4, "Đảng viên dự bị có quyền biểu quyết.", None, None, None, None, "Sai",
         "Đúng/Sai", "Điều lệ Đảng", "Vận dụng", 1, "Đảng viên dự bị không biểu quyết."],
        [5, "Thời hạn dự bị của đảng viên là bao lâu?", "6 tháng", "12 tháng", "18 tháng",
         "24 tháng", "B", "Một đáp án", "Điều lệ Đảng", 2, 1.5, None],
        [6, "Đại hội đại biểu toàn quốc lần thứ XIII họp năm nào?", 2016, 2020, 2021, 2022,
         "c", None, None, None, None, None],
        [7, "Chủ tịch Hồ Chí Minh sinh năm 1890.", None, None, None, None, True, None,
         "Lịch sử", "dễ", None, None],
        [8, "Chọn các đức tính Bác Hồ dạy cán bộ", "Cần", "Kiệm", "Liêm", "Chính", "ABCD",
         None, None, "3", 4, None],
        [9, "Cơ quan lãnh đạo cao nhất của Đảng là gì?", "Ban Chấp hành Trung ương",
         "Đại hội đại biểu toàn quốc", "Bộ Chính trị", "Ban Bí thư", "B", None, None,
         "Vận dụng cao", 1, None],
        [10, "Chi bộ họp thường kỳ mỗi tháng một lần.", None, None, None, None, "Đ", None,
         None, "trung bình", "0,5", None],
    ]
    return xlsx_bytes(rows)


def test_vietnamese_bank_with_title_rows_reads_ten_questions():
    result = read_questions(vietnamese_bank(), "ngan-hang.xlsx")
    assert result.errors == []
    assert result.format == "xlsx"
    assert result.rows_read == 10
    assert [q.row for q in result.questions] == list(range(4, 14))
    first, second, third, fourth = result.questions[:4]
    assert first.text == "Đảng Cộng sản Việt Nam ra đời năm nào?"
    assert [o.text for o in first.options] == ["1930", "1945", "1954", "1975"]
    assert first.options[0].correct and not any(o.correct for o in first.options[1:])
    assert (first.topic, first.difficulty, first.points) == ("Lịch sử Đảng", "easy", Decimal(1))
    assert first.explanation == "Ngày 3/2/1930."
    assert second.options[0].text == "02/09/1945"
    assert third.type == "multiple"
    assert [o.correct for o in third.options] == [True, True, True, False]
    assert (third.difficulty, third.points) == ("medium", Decimal(2))
    assert fourth.type == "true_false"
    assert fourth.options == (Option("True", False), Option("False", True))
    assert fourth.difficulty == "hard"
    types = [q.type for q in result.questions]
    assert types == ["single", "single", "multiple", "true_false", "single", "single",
                     "true_false", "multiple", "single", "true_false"]
    assert result.questions[4].points == Decimal("1.5")
    assert result.questions[5].topic is None
    assert result.questions[9].points == Decimal("0.5")
    assert result.questions[8].difficulty == "hard"


def test_header_row_below_title_rows_is_found_and_rows_count_from_the_top(header):
    rows = [["Question bank"], [], ["made by the trainer"], header,
            ["Capital of France?", "Paris", "Rome", None, None, "A"]]
    result = read_questions(xlsx_bytes(rows), "bank.xlsx")
    assert result.errors == []
    assert result.questions[0].row == 5


@pytest.mark.parametrize(
    ("question", "option", "answer"),
    [
        ("QUESTION", "Option A", "Answer"),
        ("Câu hỏi", "A", "Đáp án"),
        ("CÂU HỎI", "phương án a", "ĐÁP ÁN ĐÚNG"),
        ("cau hoi", "Phuong an A", "dap an dung"),
        ("Nội dung  câu hỏi", "Đáp án A", "đáp_án"),
        ("question", "option_a", "correct answer"),
    ],
)
def test_headers_match_in_english_or_vietnamese_any_case_or_accents(question, option, answer):
    option_b = option[:-1] + ("B" if option[-1].isupper() else "b")
    rows = [[question, option, option_b, answer], ["2 + 2 = ?", 4, 5, "A"]]
    result = read_questions(xlsx_bytes(rows), "bank.xlsx")
    assert result.errors == []
    assert [o.text for o in result.questions[0].options] == ["4", "5"]


def test_dap_an_a_is_an_option_while_dap_an_alone_is_the_answer():
    rows = [["Câu hỏi", "Đáp án A", "Đáp án B", "Đáp án C", "Đáp án"],
            ["Thủ đô của Việt Nam?", "Huế", "Hà Nội", "Sài Gòn", "B"]]
    question = read_questions(xlsx_bytes(rows), "bank.xlsx").questions[0]
    assert [o.text for o in question.options] == ["Huế", "Hà Nội", "Sài Gòn"]
    assert [o.correct for o in question.options] == [False, True, False]


def test_unknown_and_trailing_empty_columns_are_ignored():
    rows = [["STT", "question", "a", "b", "answer", "Người soạn", None, None],
            [1, "Sky colour?", "blue", "green", "A", "Lan", None, None]]
    result = read_questions(xlsx_bytes(rows), "bank.xlsx")
    assert result.errors == []
    assert [o.text for o in result.questions[0].options] == ["blue", "green"]


def test_empty_rows_are_skipped_but_keep_their_row_numbers(header):
    rows = [header, ["Q1?", "x", "y", None, None, "A"], [], [None] * 6,
            ["Q2?", "x", "z", None, None, "B"]]
    result = read_questions(xlsx_bytes(rows), "bank.xlsx")
    assert result.errors == []
    assert result.rows_read == 2
    assert [q.row for q in result.questions] == [2, 5]


def test_row_with_only_an_unrecognised_column_filled_counts_as_empty():
    rows = [["STT", "question", "a", "b", "answer"], [1, "Q?", "x", "y", "A"], [2], [3]]
    result = read_questions(xlsx_bytes(rows), "bank.xlsx")
    assert result.errors == [] and result.rows_read == 1


def test_number_cell_keeps_the_text_trainer_sees(header):
    rows = [header, ["Năm Cách mạng tháng Tám?", 1945, 1930, 2.5, 1e-3, "A"]]
    question = read_questions(xlsx_bytes(rows), "bank.xlsx").questions[0]
    assert [o.text for o in question.options] == ["1945", "1930", "2.5", "0.001"]


def test_float_cell_holding_a_whole_number_reads_without_decimals(header):
    rows = [header, ["Which?", 1945.0, 0.1 + 0.2, None, None, "A"]]
    question = read_questions(xlsx_bytes(rows), "bank.xlsx").questions[0]
    assert [o.text for o in question.options] == ["1945", "0.3"]


def test_date_cell_reads_day_first_as_in_the_sheet(header):
    rows = [header, ["Quốc khánh?", dt.datetime(1945, 9, 2), dt.date(1945, 8, 19),
                     dt.datetime(1945, 9, 2, 14, 30), None, "A"]]
    question = read_questions(xlsx_bytes(rows), "bank.xlsx").questions[0]
    assert [o.text for o in question.options] == ["02/09/1945", "19/08/1945", "02/09/1945 14:30"]


def test_boolean_answer_cells_make_true_false_questions():
    rows = [["question", "answer"], ["Water is wet.", True], ["Fire is cold.", False]]
    questions = read_questions(xlsx_bytes(rows), "bank.xlsx").questions
    assert [q.type for q in questions] == ["true_false", "true_false"]
    assert questions[0].options == (Option("True", True), Option("False", False))
    assert questions[1].options == (Option("True", False), Option("False", True))


def test_libreoffice_dung_sai_answer_text_is_true_false(ods):
    rows = [["Câu hỏi", "Đáp án"], ["Hà Nội là thủ đô.", "Đúng"], ["Huế là thủ đô.", "SAI"]]
    questions = read_questions(ods(rows), "bank.ods").questions
    assert [q.options[0].correct for q in questions] == [True, False]
    assert {q.type for q in questions} == {"true_false"}


def test_ods_written_by_odfpy_reads_like_xlsx(ods):
    rows = [["Ngân hàng câu hỏi"], ["Câu hỏi", "A", "B", "C", "Đáp án", "Điểm"],
            ["Năm thành lập Đảng?", 1930, 1945, 1954, "A", 2.5],
            [None, None, None, None, None, None],
            ["Quốc khánh?", dt.datetime(1945, 9, 2), dt.datetime(1945, 8, 19), None, "A", 1]]
    result = read_questions(ods(rows), "bank.ods")
    assert result.errors == []
    assert result.format == "ods"
    assert [q.row for q in result.questions] == [3, 5]
    assert [o.text for o in result.questions[0].options] == ["1930", "1945", "1954"]
    assert result.questions[0].points == Decimal("2.5")
    assert result.questions[1].options[0].text == "02/09/1945"


def _as_macro_workbook(data: bytes) -> bytes:
    """Relabel an openpyxl workbook the way Excel labels a macro-enabled one."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "[Content_Types].xml":
                content = content.replace(b"spreadsheetml.sheet.main+xml",
                                          b"ms-excel.sheet.macroEnabled.main+xml")
            target.writestr(info.filename, content)
    return buffer.getvalue()


def test_xlsm_workbook_reads(header):
    data = _as_macro_workbook(xlsx_bytes([header, ["Q?", "x", "y", None, None, "B"]]))
    result = read_questions(data, "bank.xlsm")
    assert result.format == "xlsm"
    assert result.questions[0].options[1].correct


class _Calamine:
    """Stands in for python_calamine.CalamineWorkbook: fails where told, records sheets read."""

    real = python_calamine.CalamineWorkbook
    read: list[str] = []
    fail_at: int | None = 0  # index of the first sheet that cannot be read; 0: not even opened

    @classmethod
    def from_filelike(cls, handle):
        if cls.fail_at == 0:
            raise python_calamine.CalamineError("calamine cannot read this")
        return cls(cls.real.from_filelike(handle))

    def __init__(self, book):
        self.book = book
        self.sheets_metadata = book.sheets_metadata

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.book.close()

    def get_sheet_by_name(self, name):
        if self.fail_at is not None and len(self.read) >= self.fail_at:
            raise python_calamine.CalamineError(f"cannot read sheet {name}")
        self.read.append(name)
        return self.book.get_sheet_by_name(name)


@pytest.fixture
def calamine(monkeypatch):
    """Replace calamine's workbook with _Calamine; set fail_at on the returned class."""
    monkeypatch.setattr(_Calamine, "read", [])
    monkeypatch.setattr(_Calamine, "fail_at", 0)
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", _Calamine)
    return _Calamine


def test_openpyxl_reads_the_file_when_calamine_cannot(header, calamine, monkeypatch):
    real = pd.read_excel
    engines = []

    def recording(*args, **kwargs):
        engines.append(kwargs["engine"])
        return real(*args, **kwargs)

    monkeypatch.setattr(pd, "read_excel", recording)
    result = read_questions(xlsx_bytes([header, ["Q?", 1945, "y", None, None, "A"]]), "b.xlsx")
    assert engines == ["openpyxl"]
    assert result.questions[0].options[0].text == "1945"


def test_odf_reads_the_file_when_calamine_cannot(ods, calamine):
    result = read_questions(ods([["question", "a", "b", "answer"], ["Q?", 1, 2, "B"]]), "b.ods")
    assert [o.text for o in result.questions[0].options] == ["1", "2"]


def test_openpyxl_takes_over_at_the_sheet_calamine_cannot_read(header, calamine):
    calamine.fail_at = 1
    instructions = {"Hướng dẫn": [["Điền mỗi câu hỏi vào một dòng"]]}
    data = xlsx_bytes([header, ["Q?", 1945, "y", None, None, "A"]], sheets=instructions)
    result = read_questions(data, "bank.xlsx")
    assert calamine.read == ["Hướng dẫn"]
    assert result.errors == [] and [q.row for q in result.questions] == [2]
    assert result.questions[0].options[0].text == "1945"


def test_sheets_after_the_one_with_the_questions_are_not_read(header, calamine):
    calamine.fail_at = None
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes([header, ["Q?", "x", "y", None, None, "A"]])))
    workbook.create_sheet("Nhật ký").append(["a large log the import does not need"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = read_questions(buffer.getvalue(), "bank.xlsx")
    assert len(result.questions) == 1 and calamine.read == [workbook.sheetnames[0]]


def test_both_engines_failing_is_an_import_file_error(header, calamine, monkeypatch):
    def always_fails(*args, **kwargs):
        raise KeyError("There is no item named 'xl/sharedStrings.xml' in the archive")

    monkeypatch.setattr(pd, "read_excel", always_fails)
    with pytest.raises(ImportFileError, match="not a valid xlsx workbook: .*sharedStrings"):
        read_questions(xlsx_bytes([header]), "bank.xlsx")


def test_rows_keep_the_sheet_numbers_when_the_table_starts_lower_and_further_right():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["C4"], sheet["D4"], sheet["E4"], sheet["F4"] = "question", "a", "b", "answer"
    sheet["C6"], sheet["D6"], sheet["E6"], sheet["F6"] = "Q?", 1945, 2.5, "Z"
    sheet["C7"], sheet["D7"], sheet["E7"], sheet["F7"] = "R?", True, dt.date(1945, 9, 2), "b"
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = read_questions(buffer.getvalue(), "bank.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(6, "answer")]
    assert [q.row for q in result.questions] == [7]
    assert [o.text for o in result.questions[0].options] == ["true", "02/09/1945"]


def test_huge_whole_numbers_read_in_full_whichever_engine_reads_them(header, calamine):
    data = xlsx_bytes([header, ["Which?", 1e20, 2.5, None, None, "A"]])
    by_openpyxl = read_questions(data, "bank.xlsx").questions[0]
    calamine.fail_at = None
    by_calamine = read_questions(data, "bank.xlsx").questions[0]
    assert [o.text for o in by_calamine.options] == ["100000000000000000000", "2.5"]
    assert by_calamine == by_openpyxl


def test_missing_header_is_one_row_error_without_row_or_column():
    rows = [["Ngân hàng câu hỏi"], ["Nội dung", "Phương án A", "Phương án B"],
            ["Q?", "x", "y"]]
    result = read_questions(xlsx_bytes(rows), "bank.xlsx")
    assert result.questions == [] and result.rows_read == 0
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column) == (None, None)
    assert "no header row with the columns question and answer found in the first 30 rows" in (
        error.message
    )


def test_header_below_row_30_is_not_searched(header):
    rows = [["title"]] * 30 + [header, ["Q?", "x", "y", None, None, "A"]]
    result = read_questions(xlsx_bytes(rows), "bank.xlsx")
    assert result.questions == [] and result.errors[0].row is None


def test_first_sheet_with_a_header_row_is_read(header):
    instructions = {"Hướng dẫn": [["Điền mỗi câu hỏi vào một dòng"], ["Cột đáp án: A, B, C"]]}
    data = xlsx_bytes([header, ["Q?", "x", "y", None, None, "A"]], sheets=instructions)
    result = read_questions(data, "bank.xlsx")
    assert result.errors == [] and len(result.questions) == 1


def test_cells_reading_none_or_na_stay_text(header):
    rows = [header, ["Which is not a number?", "NA", "None", "null", "1", "A"]]
    question = read_questions(xlsx_bytes(rows), "bank.xlsx").questions[0]
    assert [o.text for o in question.options] == ["NA", "None", "null", "1"]


def test_questions_keep_file_order_and_progress_reaches_the_total(header):
    rows = [header] + [[f"Question {n}?", "x", "y", None, None, "A"] for n in range(250)]
    calls: list[tuple[int, int]] = []
    result = read_questions(xlsx_bytes(rows), "bank.xlsx", progress=lambda d, t: calls.append((d, t)))
    assert [q.text for q in result.questions] == [f"Question {n}?" for n in range(250)]
    assert calls[-1] == (250, 250)
    assert all(t == 250 for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert 2 <= len(calls) <= 250


def test_path_and_file_object_sources_read_the_same(header, tmp_path):
    data = xlsx_bytes([header, ["Q?", "x", "y", None, None, "A"]])
    path = tmp_path / "bank.xlsx"
    path.write_bytes(data)
    from_path = read_questions(path, path.name)
    from_str = read_questions(str(path), path.name)
    with path.open("rb") as handle:
        from_handle = read_questions(handle, path.name)
    assert from_path.questions == from_str.questions == from_handle.questions
    assert len(from_path.questions) == 1


def test_an_error_in_the_progress_callback_reaches_the_caller_unchanged(header):
    class Stop(Exception):
        pass

    def progress(done, total):
        raise Stop

    with pytest.raises(Stop):
        read_questions(xlsx_bytes([header, ["Q?", "x", "y", None, None, "A"]]), "b.xlsx",
                       progress=progress)


def test_calamine_and_openpyxl_read_the_same_questions(calamine):
    data = vietnamese_bank()
    by_openpyxl = read_questions(data, "bank.xlsx")
    calamine.fail_at = None
    by_calamine = read_questions(data, "bank.xlsx")
    assert len(by_calamine.questions) == 10
    assert (by_calamine.questions, by_calamine.errors, by_calamine.rows_read) == (
        by_openpyxl.questions, by_openpyxl.errors, by_openpyxl.rows_read)


def test_the_cycle_collector_is_as_the_caller_left_it_after_a_read(header):
    data = xlsx_bytes([header, ["Q?", "x", "y", None, None, "A"]])
    assert gc.isenabled()
    read_questions(data, "bank.xlsx")
    with pytest.raises(ImportFileError):
        read_questions(b"not a workbook", "bank.xlsx")
    assert gc.isenabled()
    gc.disable()
    try:
        read_questions(data, "bank.xlsx")
        assert not gc.isenabled()
    finally:
        gc.enable()

"""The spreadsheets in question_banks/: in step with their sources, and well-formed."""

from __future__ import annotations

import importlib.util
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from importers import read_questions

ROOT = Path(__file__).resolve().parent.parent
BANKS_DIR = ROOT / "question_banks"
SAMPLES = ("sample_vi.xlsx", "sample_en.xlsx")
ALL_FILES = ("template.xlsx", *SAMPLES)


def _load_build():
    spec = importlib.util.spec_from_file_location("question_banks_build", BANKS_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


build = _load_build()


# --- reading the sheets independently of build.py -------------------------------------------

HEADERS = {
    "question": {"question", "cau hoi", "noi dung cau hoi"},
    "answer": {"answer", "dap an", "dap an dung"},
    "type": {"type", "loai", "loai cau hoi"},
    "topic": {"topic", "chu de", "chuyen de"},
    "difficulty": {"difficulty", "muc do", "do kho"},
    "points": {"points", "diem"},
    "explanation": {"explanation", "giai thich"},
}
OPTION_HEADER = re.compile(r"^(?:option|phuong an) ([a-h])$")
TRUE_FALSE = {"dung", "sai", "true", "false"}
DIFFICULTIES = {
    "easy", "medium", "hard", "1", "2", "3",
    "de", "trung binh", "kho", "nhan biet", "thong hieu", "van dung",
}  # fmt: skip


def _plain(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.replace("_", " ").lower().split())


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_bank(path: Path) -> list[dict]:
    """Questions of the first sheet as dicts (``row`` is the spreadsheet row number)."""
    ws = load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header_index = next(
        i
        for i, row in enumerate(rows)
        if {_plain(v) for v in row} & HEADERS["question"] and {_plain(v) for v in row} & HEADERS["answer"]
    )
    columns: dict[str, int] = {}
    options: dict[str, int] = {}
    for index, name in enumerate(rows[header_index]):
        match = OPTION_HEADER.match(_plain(name))
        if match:
            options[match.group(1)] = index
            continue
        for field, aliases in HEADERS.items():
            if _plain(name) in aliases:
                columns[field] = index
    questions = []
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not any(_text(v) for v in row):
            continue
        question = {field: row[index] for field, index in columns.items()}
        question["options"] = {letter: _text(row[i]) for letter, i in sorted(options.items())}
        question["row"] = number
        questions.append(question)
    return questions


def answer_letters(answer: str) -> list[str]:
    answer = answer.strip().lower()
    if re.fullmatch(r"[a-h]+", answer):
        return list(answer)
    return [part for part in re.split(r"[\s,;]+", answer) if part]


# --- the committed files are what build.py makes from the sources ---------------------------


def test_sources_exist_for_every_workbook():
    for book in build.BOOKS:
        assert (build.SRC / book.source).is_file()
        if book.guide:
            assert (build.SRC / book.guide).is_file()
    assert sorted(book.filename for book in build.BOOKS) == sorted(ALL_FILES)


@pytest.mark.parametrize("filename", ALL_FILES)
def test_committed_xlsx_matches_sources(tmp_path, filename):
    build.build_all(tmp_path)
    fresh = load_workbook(tmp_path / filename)
    committed = load_workbook(BANKS_DIR / filename)
    assert committed.sheetnames == fresh.sheetnames, (
        f"{filename} is stale: run python question_banks/build.py"
    )
    for name in fresh.sheetnames:
        got = list(committed[name].iter_rows(values_only=True))
        want = list(fresh[name].iter_rows(values_only=True))
        assert got == want, f"{filename}/{name} is stale: run python question_banks/build.py"
        assert committed[name].freeze_panes == fresh[name].freeze_panes
        assert set(map(str, committed[name].merged_cells.ranges)) == set(
            map(str, fresh[name].merged_cells.ranges)
        )


def test_the_template_the_app_serves_is_the_committed_template():
    assert build.PACKAGED_TEMPLATE.read_bytes() == (BANKS_DIR / "template.xlsx").read_bytes(), (
        "examapp/banks/template.xlsx is stale: run python question_banks/build.py")


def test_build_is_reproducible(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    build.build_all(first)
    build.build_all(second)
    for filename in ALL_FILES:
        assert (first / filename).read_bytes() == (second / filename).read_bytes()


def test_build_rejects_a_ragged_source_row(tmp_path):
    (tmp_path / "bad.csv").write_text("question,option_a,answer\nQ?,x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.csv:2"):
        build.read_csv(tmp_path / "bad.csv")


# --- layout -------------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ALL_FILES)
def test_title_row_above_bold_frozen_header(filename):
    ws = load_workbook(BANKS_DIR / filename).worksheets[0]
    assert ws["A1"].value and _plain(ws["A1"].value) not in HEADERS["question"]
    assert _plain(ws["A2"].value) in HEADERS["question"]
    assert all(cell.font.bold for cell in ws[2] if cell.value is not None)
    assert ws.freeze_panes == "A3"
    assert ws["A3"].alignment.wrap_text
    assert ws.column_dimensions["A"].width >= 40


def test_template_has_one_example_per_type_and_a_guide():
    wb = load_workbook(BANKS_DIR / "template.xlsx")
    questions = read_bank(BANKS_DIR / "template.xlsx")
    assert Counter(_plain(q["type"]) for q in questions) == {
        "single": 1,
        "multiple": 1,
        "true false": 1,
    }
    assert wb.sheetnames == ["Câu hỏi", "Hướng dẫn"]
    guide_text = _plain(" ".join(_text(v) for row in wb["Hướng dẫn"].values for v in row))
    for header in wb.worksheets[0][2]:
        name = _plain(header.value)
        if not name.startswith("phuong an"):
            assert name in guide_text, f"guide does not explain {header.value!r}"
    for value in ("single", "multiple", "true false", "nhan biet", "easy", "dung"):
        assert value in guide_text


# --- content ----------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", SAMPLES)
def test_samples_have_at_least_60_questions_of_every_type(filename):
    questions = read_bank(BANKS_DIR / filename)
    assert len(questions) >= 60
    types = Counter(_plain(q["type"]) for q in questions)
    assert types["multiple"] >= 8
    assert types["true false"] >= 8
    assert types["single"] > len(questions) / 2
    assert len({_plain(q["topic"]) for q in questions}) >= 2
    assert len({_plain(q["difficulty"]) for q in questions}) == 3
    assert sum(1 for q in questions if _text(q.get("explanation"))) >= len(questions) / 3


@pytest.mark.parametrize("filename", ALL_FILES)
def test_every_answer_names_a_non_empty_option(filename):
    for q in read_bank(BANKS_DIR / filename):
        where = f"{filename} row {q['row']}"
        kind = _plain(q["type"])
        answer = _text(q["answer"])
        assert _text(q["question"]), where
        if kind == "true false":
            assert _plain(answer) in TRUE_FALSE, where
            assert not any(q["options"].values()), where
            continue
        filled = [letter for letter, text in q["options"].items() if text]
        assert len(filled) >= 2, where
        assert filled == list(q["options"])[: len(filled)], f"{where}: gap in options"
        letters = answer_letters(answer)
        assert letters and len(set(letters)) == len(letters), where
        for letter in letters:
            assert letter in q["options"] and q["options"][letter], f"{where}: {answer!r}"
        assert (len(letters) == 1) == (kind == "single"), f"{where}: {kind} with {answer!r}"
        assert kind in {"single", "multiple"}, where


@pytest.mark.parametrize("filename", ALL_FILES)
def test_difficulty_and_points_are_valid(filename):
    for q in read_bank(BANKS_DIR / filename):
        assert _plain(q["difficulty"]) in DIFFICULTIES, f"{filename} row {q['row']}"
        assert isinstance(q["points"], int | float) and q["points"] > 0


@pytest.mark.parametrize("filename", ALL_FILES)
def test_no_duplicate_stems(filename):
    stems = Counter(_plain(q["question"]) for q in read_bank(BANKS_DIR / filename))
    assert [stem for stem, n in stems.items() if n > 1] == []


@pytest.mark.parametrize("filename", ALL_FILES)
def test_no_duplicate_options_within_a_question(filename):
    for q in read_bank(BANKS_DIR / filename):
        filled = [_plain(text) for text in q["options"].values() if text]
        assert len(filled) == len(set(filled)), f"{filename} row {q['row']}"


# --- the importer reads every file without a single error ---------------------------------

DIFFICULTY_LEVEL = {
    "de": "easy", "nhan biet": "easy", "easy": "easy", "1": "easy",
    "trung binh": "medium", "thong hieu": "medium", "medium": "medium", "2": "medium",
    "kho": "hard", "van dung": "hard", "hard": "hard", "3": "hard",
}  # fmt: skip


@pytest.mark.parametrize("filename", ALL_FILES)
def test_importer_reads_each_file_with_zero_errors(filename):
    path = BANKS_DIR / filename
    result = read_questions(path, filename)
    assert result.errors == []
    expected = read_bank(path)
    assert len(result.questions) == len(expected)
    for parsed, q in zip(result.questions, expected, strict=True):
        where = f"{filename} row {q['row']}"
        assert parsed.row == q["row"], where
        assert parsed.text == _text(q["question"]), where
        assert parsed.type == _plain(q["type"]).replace(" ", "_"), where
        assert parsed.topic == _text(q["topic"]), where
        assert parsed.difficulty == DIFFICULTY_LEVEL[_plain(q["difficulty"])], where
        assert parsed.points == q["points"], where
        assert (parsed.explanation or "") == _text(q.get("explanation")), where
        correct = [option.text for option in parsed.options if option.correct]
        if parsed.type == "true_false":
            truth = _plain(q["answer"]) in {"dung", "true"}
            assert len(parsed.options) == 2 and len(correct) == 1, where
            assert _plain(correct[0]) in ({"true", "dung"} if truth else {"false", "sai"}), where
        else:
            # number cells (vĩ tuyến 17, 1945 …) come back as the text the trainer typed
            assert [option.text for option in parsed.options] == [
                text for text in q["options"].values() if text
            ], where
            letters = answer_letters(_text(q["answer"]))
            assert correct == [q["options"][letter] for letter in sorted(letters)], where

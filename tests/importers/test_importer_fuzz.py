"""Fuzzing: whatever the bytes, the importer answers with results, RowErrors or ImportFileError."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers import (
    AnswerError,
    ImportFileError,
    ImportResult,
    ParsedAnswer,
    ParsedQuestion,
    parse_answer,
    read_questions,
)
from tests.importers.importer_files import xlsx_bytes

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GIFT_ALPHABET = st.sampled_from(list("{}=~#:%\\$/->TFab1 \n\t.") + ["::", "####", "$CATEGORY:",
                                                                     "//", "TRUE", "%50%"])
AIKEN_ALPHABET = st.sampled_from(["A. ", "B) ", "C. ", "ANSWER: ", "Đáp án:", "\n", "\n\n", "x",
                                  "A", "B", ",", " ", "đúng", "Q?", "\r\n"])
CSV_ALPHABET = st.sampled_from(["question", "answer", "a", "b", "câu hỏi", "đáp án", ",", ";",
                                '"', "\n", "\r\n", "A", "B,C", "x", "", "\ufeff", "true", " ",
                                "loại", "multiple", "điểm", "-1", "1,5", "\x00"])


def text_from(alphabet) -> st.SearchStrategy[str]:
    return st.lists(alphabet | st.characters(codec="utf-8"), max_size=60).map("".join)


def assert_consistent(result: ImportResult) -> None:
    """Every question that comes out obeys the model's promises."""
    rows = [q.row for q in result.questions]
    assert rows == sorted(rows)
    for question in result.questions:
        assert isinstance(question, ParsedQuestion)
        assert question.text
        assert question.difficulty in ("easy", "medium", "hard")
        assert question.points > Decimal(0)
        correct = [option.correct for option in question.options]
        if question.type == "true_false":
            assert [o.text for o in question.options] == ["True", "False"]
            assert sum(correct) == 1
        else:
            assert 2 <= len(question.options) <= 8
            assert any(correct)
            if question.type == "single":
                assert sum(correct) == 1
    for error in result.errors:
        assert error.message
        assert error.row is None or error.row >= 1


def read_or_refuse(data: bytes, name: str) -> None:
    try:
        result = read_questions(data, name)
    except ImportFileError as exc:
        assert str(exc)
    else:
        assert_consistent(result)


@FUZZ
@given(text_from(GIFT_ALPHABET))
def test_gift_parser_never_raises(text):
    read_or_refuse(text.encode("utf-8"), "bank.gift")


@FUZZ
@given(text_from(AIKEN_ALPHABET))
def test_aiken_parser_never_raises(text):
    read_or_refuse(text.encode("utf-8"), "bank.aiken")


@FUZZ
@given(text_from(CSV_ALPHABET), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_csv_path_never_raises_on_text(text, encoding):
    read_or_refuse(text.encode(encoding, errors="replace"), "bank.csv")


@FUZZ
@given(st.binary(max_size=300))
def test_csv_path_never_raises_on_bytes(data):
    read_or_refuse(data, "bank.csv")


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["bank.xlsx", "bank.ods", "bank.txt"]))
def test_any_bytes_under_any_name_never_raise(data, name):
    read_or_refuse(data, name)


@FUZZ
@given(st.text(max_size=20), st.text(alphabet="ABCDEFGH", max_size=8))
def test_answer_parser_returns_or_raises_answer_error(cell, letters):
    try:
        answer = parse_answer(cell, letters)
    except AnswerError as exc:
        assert str(exc)
    else:
        assert isinstance(answer, ParsedAnswer)
        assert answer.is_truth != bool(answer.letters)
        assert all(letter in "ABCDEFGH" for letter in answer.letters)


@FUZZ
@given(st.lists(st.sampled_from("ABCDEFGH"), min_size=1, max_size=8, unique=True),
       st.sampled_from([",", ";", ", ", "; ", "", " "]), st.booleans())
def test_answer_parser_reads_letters_back_in_any_written_form(letters, separator, lower):
    cell = separator.join(letters)
    cell = cell.lower() if lower else cell
    assert parse_answer(cell, "ABCDEFGH").letters == tuple(letters)


CELL = st.one_of(
    st.none(),
    st.integers(-5, 3000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.sampled_from(["A", "B", "A,C", "AC", "đúng", "sai", "single", "multiple", "x", "Dễ", "0",
                     "", "E", "true_false", "Câu hỏi", "Đáp án"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2000), max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, min_size=0, max_size=9), max_size=6))
def test_xlsx_rows_of_anything_under_a_header_never_raise(rows):
    header = ["question", "a", "b", "c", "answer", "type", "difficulty", "points", "topic"]
    read_or_refuse(xlsx_bytes([header, *rows]), "bank.xlsx")


GOOD_XLSX = xlsx_bytes([["question", "a", "b", "answer"], ["Q?", "x", "y", "A"]])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(GOOD_XLSX) - 1), st.integers(0, 255)),
                min_size=1, max_size=8))
def test_damaged_xlsx_bytes_never_raise(flips):
    data = bytearray(GOOD_XLSX)
    for position, value in flips:
        data[position] = value
    read_or_refuse(bytes(data), "bank.xlsx")

"""Whole-file problems: wrong kind of file, empty files, zip bombs; always ImportFileError."""

from __future__ import annotations

import io
import os
import struct
import zipfile

import pytest

from importers import ImportFileError, limits, read_questions
from tests.importers.importer_files import ENGLISH_HEADER, ods_bytes, xlsx_bytes

WORKBOOK = [ENGLISH_HEADER, ["Q?", "x", "y", None, None, "A"]]


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    """Return the workbook with one more (deflated) member added."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def test_text_file_named_xlsx_is_refused():
    with pytest.raises(ImportFileError, match="file is not a valid xlsx workbook: it looks like a text"):
        read_questions(b"question,answer\nQ?,A\n", "bank.xlsx")


def test_text_file_named_ods_is_refused():
    with pytest.raises(ImportFileError, match="file is not a valid ods spreadsheet"):
        read_questions(b"hello", "bank.ods")


def test_xlsx_named_csv_is_refused_with_a_hint():
    with pytest.raises(ImportFileError, match="not a valid csv file: it is a zip archive"):
        read_questions(xlsx_bytes(WORKBOOK), "bank.csv")


def test_binary_garbage_named_csv_is_refused():
    with pytest.raises(ImportFileError, match="not a valid csv file"):
        read_questions(os.urandom(4096), "bank.csv")


def test_binary_garbage_without_nul_bytes_named_csv_is_refused():
    junk = bytes(range(1, 32)) * 50 + bytes(range(128, 256)) * 20
    with pytest.raises(ImportFileError, match="not a valid csv file"):
        read_questions(junk, "bank.csv")


@pytest.mark.parametrize("name", ["bank.xlsx", "bank.xlsm", "bank.ods", "bank.csv", "bank.gift",
                                  "bank.txt"])
def test_empty_file_is_refused(name):
    with pytest.raises(ImportFileError, match="the file is empty"):
        read_questions(b"", name)


def test_whitespace_only_file_is_refused():
    with pytest.raises(ImportFileError, match="the file is empty"):
        read_questions(b" \r\n\n ", "bank.csv")


def test_ods_named_xlsx_says_what_it_really_is():
    with pytest.raises(ImportFileError, match="OpenDocument spreadsheet; name it .ods"):
        read_questions(ods_bytes(WORKBOOK), "bank.xlsx")


def test_xlsx_named_ods_says_what_it_really_is():
    with pytest.raises(ImportFileError, match="Excel workbook; name it .xlsx"):
        read_questions(xlsx_bytes(WORKBOOK), "bank.ods")


def test_zip_without_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(ImportFileError, match="zip archive without a spreadsheet"):
        read_questions(buffer.getvalue(), "bank.xlsx")


def test_password_protected_or_old_xls_content_gets_a_hint():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    with pytest.raises(ImportFileError, match="password-protected"):
        read_questions(ole, "bank.xlsx")


def test_old_xls_extension_asks_for_xlsx():
    with pytest.raises(ImportFileError, match=r"save the file as \.xlsx"):
        read_questions(b"anything", "bank.xls")


def test_unknown_extension_is_refused():
    with pytest.raises(ImportFileError, match="cannot tell the format"):
        read_questions(b"anything", "bank.pdf")


def test_unknown_format_name_is_refused():
    with pytest.raises(ImportFileError, match="unknown format 'docx'"):
        read_questions(b"anything", "bank.xlsx", format="docx")


def test_explicit_format_wins_over_the_extension():
    result = read_questions(b"question,a,b,answer\nQ?,x,y,A\n", "upload.bin", format="csv")
    assert result.format == "csv" and len(result.questions) == 1


def test_member_with_a_huge_compression_ratio_is_a_zip_bomb():
    bomb = with_member(xlsx_bytes(WORKBOOK), "xl/media/padding.bin", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(ImportFileError, match="too large when unpacked"):
        read_questions(bomb, "bank.xlsx")


def test_total_unpacked_size_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_UNPACKED_BYTES", 2000)
    with pytest.raises(ImportFileError, match="too large when unpacked"):
        read_questions(xlsx_bytes(WORKBOOK), "bank.xlsx")


def test_zip_headers_lying_about_sizes_are_caught():
    name = b"xl/pad.bin"
    data = bytearray(with_member(xlsx_bytes(WORKBOOK), name.decode(), b"\0" * 500_000))
    local = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name.decode()).header_offset
    central = bytes(data).rfind(b"PK\x01\x02")  # the added member's entry comes last
    assert bytes(data[central + 46 : central + 46 + len(name)]) == name
    # Claim 100 bytes unpacked in both the local and the central directory header.
    struct.pack_into("<L", data, local + 22, 100)
    struct.pack_into("<L", data, central + 24, 100)
    with pytest.raises(ImportFileError, match="damaged"):
        read_questions(bytes(data), "bank.xlsx")


def test_ordinary_workbook_passes_the_zip_checks():
    assert len(read_questions(xlsx_bytes(WORKBOOK), "bank.xlsx").questions) == 1


def test_truncated_workbook_is_refused():
    data = xlsx_bytes(WORKBOOK)
    with pytest.raises(ImportFileError, match="not a valid xlsx workbook"):
        read_questions(data[: len(data) // 2], "bank.xlsx")


def test_file_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 10)
    with pytest.raises(ImportFileError, match="file is too large"):
        read_questions(b"question,answer\nQ?,true\n", "bank.csv")


def test_missing_file_is_an_import_file_error(tmp_path):
    with pytest.raises(ImportFileError, match="cannot read the file"):
        read_questions(tmp_path / "nope.xlsx", "nope.xlsx")


def test_text_mode_file_object_is_refused(tmp_path):
    path = tmp_path / "bank.csv"
    path.write_text("question,answer\nQ?,true\n")
    with path.open() as handle, pytest.raises(ImportFileError, match="binary mode"):
        read_questions(handle, "bank.csv")


def test_import_file_error_is_a_value_error():
    assert issubclass(ImportFileError, ValueError)


def test_an_unexpected_parser_failure_still_becomes_an_import_file_error(monkeypatch):
    from importers import reader

    def broken(text):
        raise TypeError("bug")

    monkeypatch.setattr(reader, "parse_gift", broken)
    with pytest.raises(ImportFileError, match="could not be read"):
        read_questions(b"Q? {=a ~b}", "bank.gift")

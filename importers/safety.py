"""Checks that run before any parser sees the bytes: size, zip bombs, binary-vs-text."""

from __future__ import annotations

import codecs
import io
import re
import struct
import unicodedata
import zipfile
import zlib

from importers.model import ImportFileError

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
# A member this small cannot hurt whatever its ratio; tiny blank parts compress very well.
RATIO_MIN_BYTES = 1024 * 1024
MAX_MEMBERS = 10_000
_CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def describe(data: bytes) -> str:
    """Say in a few words what the bytes look like, for error messages."""
    if not data:
        return "the file is empty"
    if data.startswith(_ZIP_MAGIC):
        return "it is a zip archive"
    if data.startswith(_OLE_MAGIC):
        return (
            "it looks like an old .xls workbook or a password-protected file; "
            "save it as .xlsx without a password"
        )
    if data.startswith(b"%PDF"):
        return "it is a PDF document"
    head = data[:4096]
    if b"\x00" in head:
        return "it is binary data, not a spreadsheet"
    return "it looks like a text file"


def zip_kind(archive: zipfile.ZipFile) -> str | None:
    """Return "xlsx", "ods", "xlsb" or None from what the archive holds."""
    names = set(archive.namelist())
    if "mimetype" in names:
        try:
            with archive.open("mimetype") as member:
                mimetype = member.read(len(_ODS_MIMETYPE) + 8)
            if mimetype.strip() == _ODS_MIMETYPE:
                return "ods"
        except (zipfile.BadZipFile, OSError, RuntimeError, zlib.error, NotImplementedError):
            return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    return None


def check_workbook_zip(data: bytes, fmt: str) -> None:
    """Raise ImportFileError unless data is a sane zip holding a workbook of format fmt."""
    what = "ods spreadsheet" if fmt == "ods" else f"{fmt} workbook"
    if not data.startswith(_ZIP_MAGIC) or not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError(f"file is not a valid {what}: {describe(data)}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            kind = zip_kind(archive)
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(f"file is not a valid {what}: the zip archive is damaged") from exc
    expected = "ods" if fmt == "ods" else "xlsx"
    if kind != expected:
        if kind == "xlsb":
            hint = "it is a binary .xlsb workbook; save it as .xlsx"
        elif kind == "ods":
            hint = "it is an OpenDocument spreadsheet; name it .ods or choose format ods"
        elif kind == "xlsx":
            hint = "it is an Excel workbook; name it .xlsx or choose format xlsx"
        else:
            hint = "it is a zip archive without a spreadsheet inside"
        raise ImportFileError(f"file is not a valid {what}: {hint}")
    check_zip_bomb(data, infos, what)


def check_zip_bomb(data: bytes, infos: list[zipfile.ZipInfo], what: str) -> None:
    """Inflate every member as a stream, counting bytes, so lying headers cannot fool us."""
    if len(infos) > MAX_MEMBERS:
        raise ImportFileError(f"file is not a valid {what}: it holds {len(infos)} parts")
    total = 0
    for info in infos:
        size = _unpacked_size(data, info, what, MAX_UNPACKED_BYTES - total)
        if size > info.file_size:
            raise ImportFileError(f"file is not a valid {what}: the zip archive is damaged")
        if size >= RATIO_MIN_BYTES and size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportFileError(
                f"file is too large when unpacked: part {info.filename} expands "
                f"{size // max(info.compress_size, 1)} times (limit {MAX_RATIO})"
            )
        total += size


def _too_large() -> ImportFileError:
    limit = MAX_UNPACKED_BYTES // (1024 * 1024)
    return ImportFileError(f"file is too large when unpacked (limit {limit} MB)")


def _unpacked_size(data: bytes, info: zipfile.ZipInfo, what: str, budget: int) -> int:
    """Return how many bytes the member really inflates to, stopping past budget."""
    damaged = ImportFileError(f"file is not a valid {what}: the zip archive is damaged")
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size > budget:
            raise _too_large()
        return info.compress_size
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise ImportFileError(f"file is not a valid {what}: it uses an unusual zip compression")
    offset = info.header_offset
    header = data[offset : offset + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        raise damaged
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _ZIP_MAGIC:
        raise damaged
    start = offset + _LOCAL_HEADER.size + fields[-2] + fields[-1]
    packed = memoryview(data)[start : start + info.compress_size]
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    try:
        for pos in range(0, len(packed), _CHUNK):
            pending = bytes(packed[pos : pos + _CHUNK])
            while pending and not inflater.eof:
                size += len(inflater.decompress(pending, _CHUNK * 16))
                if size > budget:
                    raise _too_large()
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error as exc:
        raise damaged from exc
    return size


def check_file_size(size: int) -> None:
    """Refuse files bigger than any question bank needs before reading them whole."""
    if size > MAX_FILE_BYTES:
        raise ImportFileError(f"file is too large (limit {MAX_FILE_BYTES // (1024 * 1024)} MB)")


def decode_text(data: bytes, what: str) -> str:
    """Decode a text file: UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1258; NFC."""
    if not data.strip():
        raise ImportFileError("the file is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"file is not a valid {what} file: broken UTF-16 text") from exc
    else:
        if data.startswith((_ZIP_MAGIC, _OLE_MAGIC, b"%PDF")) or b"\x00" in data:
            hint = describe(data)
            if data.startswith(_ZIP_MAGIC):
                hint += " (an xlsx or ods workbook?); choose the format that matches it"
            raise ImportFileError(f"file is not a valid {what} file: {hint}")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1258")
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"file is not a valid {what} file: it is neither UTF-8 nor "
                    "Windows-1258 text; save it as UTF-8"
                ) from exc
    # Binary junk that happens to decode as cp1258 is full of control characters.
    if len(_CONTROL.findall(text)) > 3 + len(text) // 100:
        raise ImportFileError(f"file is not a valid {what} file: it is binary data, not text")
    return unicodedata.normalize("NFC", text)

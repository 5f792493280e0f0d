"""Checks that run before any parser sees the bytes: size, zip bombs, binary-vs-text."""

from __future__ import annotations

import codecs
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable

from importers import limits
from importers.extent import XlsxScan
from importers.extent_ods import check_ods_content
from importers.messages import Message, msg
from importers.model import ImportFileError

_CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def describe(data: bytes) -> Message:
    """Say in a few words what the bytes look like, for error messages."""
    if not data:
        return msg("the file is empty")
    if data.startswith(_ZIP_MAGIC):
        return msg("it is a zip archive")
    if data.startswith(_OLE_MAGIC):
        return msg("it looks like an old .xls workbook or a password-protected file; "
                   "save it as .xlsx without a password")
    if data.startswith(b"%PDF"):
        return msg("it is a PDF document")
    head = data[:4096]
    if b"\x00" in head:
        return msg("it is binary data, not a spreadsheet")
    return msg("it looks like a text file")


def workbook_kind(fmt: str) -> Message:
    """"xlsx workbook" or "ods spreadsheet": what a file of format `fmt` should be, in messages."""
    return msg("ods spreadsheet") if fmt == "ods" else msg("%(format)s workbook", format=fmt)


def not_valid(what: str, reason: str) -> ImportFileError:
    """The workbook is not the `what` it should be, for `reason`."""
    return ImportFileError(msg("file is not a valid %(what)s: %(reason)s", what=what, reason=reason))


def not_valid_text(what: str, reason: str) -> ImportFileError:
    """The text file is not the `what` ("csv", "GIFT", ...) it should be, for `reason`."""
    return ImportFileError(msg("file is not a valid %(what)s file: %(reason)s", what=what, reason=reason))


_DAMAGED = msg("the zip archive is damaged")


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
    """Raise ImportFileError unless data is a sane zip holding a workbook of format fmt whose
    sheets stay within the limits on rows, columns and cells."""
    what = workbook_kind(fmt)
    if not data.startswith(_ZIP_MAGIC) or not zipfile.is_zipfile(io.BytesIO(data)):
        raise not_valid(what, describe(data))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            kind = zip_kind(archive)
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise not_valid(what, _DAMAGED) from exc
    expected = "ods" if fmt == "ods" else "xlsx"
    if kind != expected:
        if kind == "xlsb":
            hint = msg("it is a binary .xlsb workbook; save it as .xlsx")
        elif kind == "ods":
            hint = msg("it is an OpenDocument spreadsheet; name it .ods or choose format ods")
        elif kind == "xlsx":
            hint = msg("it is an Excel workbook; name it .xlsx or choose format xlsx")
        else:
            hint = msg("it is a zip archive without a spreadsheet inside")
        raise not_valid(what, hint)
    if expected == "ods":
        content: list[bytes] = []  # both readers take an ods's cells from content.xml alone
        _check_members(data, infos, what, lambda name: content.append if name == "content.xml" else None)
        if content:
            check_ods_content(b"".join(content))
        return
    scan = XlsxScan()
    _check_members(data, infos, what, scan.part)
    members = {info.filename: info for info in infos}
    scan.finish(lambda name: _text(data, members[name], what))


def _check_members(data: bytes, infos: list[zipfile.ZipInfo], what: str,
                   sink_for: Callable[[str], Callable[[bytes], None] | None]) -> None:
    """Inflate every member as a stream, counting bytes, so lying headers cannot fool us;
    `sink_for(name)` takes each XML member's text as it comes."""
    if len(infos) > limits.MAX_MEMBERS:
        raise not_valid(what, msg("it holds %(count)s parts", count=f"{len(infos):,}"))
    total = 0
    for info in infos:
        size = _inflate(data, info, what, limits.MAX_UNPACKED_BYTES - total, sink_for(info.filename))
        if size > info.file_size:
            raise not_valid(what, _DAMAGED)
        if size >= limits.RATIO_MIN_BYTES and size > limits.MAX_RATIO * max(info.compress_size, 1):
            raise ImportFileError(msg(
                "file is too large when unpacked: part %(part)s expands %(ratio)s times (limit %(limit)s)",
                part=info.filename, ratio=f"{size // max(info.compress_size, 1):,}", limit=limits.MAX_RATIO))
        total += size


def _text(data: bytes, info: zipfile.ZipInfo, what: str) -> bytes:
    """A member's whole text (one the checks already inflated once)."""
    chunks: list[bytes] = []
    _inflate(data, info, what, limits.MAX_UNPACKED_BYTES, chunks.append)
    return b"".join(chunks)


def _too_large() -> ImportFileError:
    limit = limits.MAX_UNPACKED_BYTES // (1024 * 1024)
    return ImportFileError(msg("file is too large when unpacked (limit %(limit)s MB)", limit=limit))


def _inflate(data: bytes, info: zipfile.ZipInfo, what: str, budget: int,
             sink: Callable[[bytes], None] | None) -> int:
    """Return how many bytes the member really inflates to, stopping past budget; when it is
    XML (what a reader parses, not an image), hand its text to `sink` piece by piece."""
    damaged = not_valid(what, _DAMAGED)
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size > budget:
            raise _too_large()
        start = _data_start(data, info, damaged)
        head = data[start : start + min(info.compress_size, _CHUNK)]
        if sink is not None and _text_kind(head, what) != _OTHER:
            sink(data[start : start + info.compress_size])
        return info.compress_size
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise not_valid(what, msg("it uses an unusual zip compression"))
    start = _data_start(data, info, damaged)
    packed = memoryview(data)[start : start + info.compress_size]
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    kind = None if sink is not None else _OTHER
    try:
        for pos in range(0, len(packed), _CHUNK):
            pending = bytes(packed[pos : pos + _CHUNK])
            while pending and not inflater.eof:
                # Pieces of a few _CHUNKs: malloc reuses their memory, where each 1 MB piece
                # would be a fresh mapping to fault in (half the time of inflating a sheet).
                chunk = inflater.decompress(pending, _CHUNK * 4)
                size += len(chunk)
                if size > budget:
                    raise _too_large()
                if kind is None:
                    kind = _text_kind(chunk, what)
                if kind == _XML:
                    sink(chunk)
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error as exc:
        raise damaged from exc
    return size


def _data_start(data: bytes, info: zipfile.ZipInfo, damaged: ImportFileError) -> int:
    offset = info.header_offset
    header = data[offset : offset + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        raise damaged
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _ZIP_MAGIC:
        raise damaged
    return offset + _LOCAL_HEADER.size + fields[-2] + fields[-1]


_XML, _OTHER = "xml", "other"
_BLANK = b" \t\r\n"
_WIDE_BOMS = (codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # UTF-32 LE starts as UTF-16 LE


def _text_kind(start: bytes, what: str) -> str | None:
    """XML, other, or None while only blanks have been seen, from the first bytes of a part.

    XML in UTF-16 or UTF-32 is refused: spreadsheet programs write UTF-8, and the checks of
    a sheet's cells read its bytes, which in a wider encoding would hide the cells from them.
    """
    body = start.lstrip(_BLANK)
    if body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :].lstrip(_BLANK)
    if not body:
        return None
    if body.startswith(_WIDE_BOMS) or (b"\0" in body[:4] and b"<" in body[:4]):
        raise not_valid(what, msg("a part of it is stored as UTF-16 or UTF-32 text; "
                                  "open it in Excel or LibreOffice and save it again"))
    return _XML if body[:1] == b"<" else _OTHER


def check_file_size(size: int) -> None:
    """Refuse files bigger than any question bank needs before reading them whole."""
    if size > limits.MAX_FILE_BYTES:
        limit = limits.MAX_FILE_BYTES // (1024 * 1024)
        raise ImportFileError(msg("file is too large (limit %(limit)s MB)", limit=limit))


def decode_text(data: bytes, what: str) -> str:
    """Decode a text file (`what` names its format in messages): UTF-8 (BOM or not), UTF-16 with
    BOM, else Windows-1258; NFC."""
    if not data.strip():
        raise ImportFileError(msg("the file is empty"))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise not_valid_text(what, msg("broken UTF-16 text")) from exc
    else:
        if data.startswith(_ZIP_MAGIC):
            raise not_valid_text(what, msg("it is a zip archive (an xlsx or ods workbook?); choose the "
                                           "format that matches it"))
        if data.startswith((_OLE_MAGIC, b"%PDF")) or b"\x00" in data:
            raise not_valid_text(what, describe(data))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1258")
            except UnicodeDecodeError as exc:
                raise not_valid_text(what, msg("it is neither UTF-8 nor Windows-1258 text; "
                                               "save it as UTF-8")) from exc
    # Binary junk that happens to decode as cp1258 is full of control characters.
    if len(_CONTROL.findall(text)) > 3 + len(text) // 100:
        raise not_valid_text(what, msg("it is binary data, not text"))
    return unicodedata.normalize("NFC", text)

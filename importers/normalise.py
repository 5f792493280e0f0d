"""Text clean-up and the content key used to spot duplicate questions."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii

# C0/C1 control characters other than tab and newline: PostgreSQL refuses NUL and the
# others only come from broken exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible format characters: zero-width spaces and joiners, soft hyphens, byte order marks and
# the bidirectional marks, embeddings, overrides and isolates. They make two texts that differ look
# the same ("A" and "A\u200b"), or reorder what a reader sees (U+202E); Vietnamese needs none.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_MARKS = re.compile("[\u0300-\u036f]+")  # combining diacritics: the accents and tones of Vietnamese


def clean_text(value: str) -> str:
    """Return cell or line text as stored: NFC, LF line ends, no control or invisible chars, trimmed."""
    if value.isprintable():  # the common case: no line breaks, tabs, control or format characters
        return unicodedata.normalize("NFC", value).strip()
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _INVISIBLE.sub("", _CONTROL.sub("", value))
    return unicodedata.normalize("NFC", value).strip()


def text_lines(text: str) -> list[str]:
    """Split into lines as editors count them (str.splitlines also splits on \\x0c, \\u2028 ...)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def collapse(value: str) -> str:
    """Return text with every run of whitespace turned into one space, trimmed."""
    # Printable text holds no whitespace but the plain space; without doubled spaces only the
    # ends can change. Otherwise str.split() splits on exactly what the regex \s matches.
    if "  " not in value and value.isprintable():
        return value.strip()
    return " ".join(value.split())


def strip_accents(value: str) -> str:
    """Return text without diacritics (đ -> d) so Vietnamese typed with or without marks match."""
    return _MARKS.sub("", unicodedata.normalize("NFKD", value.replace("đ", "d").replace("Đ", "D")))


@functools.lru_cache(maxsize=4096)  # headers and level/type cells repeat on every row
def fold(value: str) -> str:
    """Return a lookup key: accents stripped, casefolded, punctuation and spaces collapsed."""
    return collapse(_NON_ALNUM.sub(" ", strip_accents(value).casefold()))


def _key_text(value: str) -> str:
    return collapse(unicodedata.normalize("NFC", unicodedata.normalize("NFC", value).casefold()))


def content_key(text: str, options: Sequence[str]) -> str:
    """Return the sha256 hex that identifies a question's content, ignoring option order."""
    parts = sorted(map(_key_text, options))
    parts.insert(0, _key_text(text))
    # The JSON array json.dumps writes, built directly: it keeps the parts apart whatever
    # characters they contain.
    encoded = "[" + ", ".join(map(encode_basestring_ascii, parts)) + "]"
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()

"""Vietnamese text helpers shared by pages, exports and sorting."""

from __future__ import annotations

import re
import unicodedata

# Vietnamese alphabetical order: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, with the
# letters foreign names bring (f j w z) in their Latin places.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
# Tones rank after the letters: none, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_MODIFIERS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn are part of the letter
_PIECES = re.compile(r"\d+|\D[\u0300-\u036f]*")  # a run of digits, or one character with its marks

_PUNCTUATION, _NUMBER, _LETTER, _OTHER_LETTER = range(4)


def vi_sort_key(text: str) -> tuple:
    """Sort key that orders Vietnamese words as a Vietnamese dictionary does.

    Word by word: a word's letters first (ă, â after a; đ after d), then its tone, so "Nguyên Bình"
    comes before "Nguyễn Anh". Numbers compare by value: "Chi bộ 2" before "Chi bộ 10".
    """
    return tuple(_word_key(word) for word in unicodedata.normalize("NFC", text.casefold()).split())


def _word_key(word: str) -> tuple[tuple, tuple]:
    letters: list[tuple[int, int, str]] = []
    tones: list[int] = []  # only the marks present, so "hoà" and "hòa" are the same word
    for piece in _PIECES.findall(word):
        if piece.isdigit():
            letters.append((_NUMBER, int(piece), ""))
            continue
        base, *marks = unicodedata.normalize("NFD", piece)
        tones.extend(_TONES[m] for m in marks if m in _TONES)
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _MODIFIERS))
        if letter in _LETTER_RANK:
            letters.append((_LETTER, _LETTER_RANK[letter], ""))
        else:
            letters.append((_OTHER_LETTER if letter.isalpha() else _PUNCTUATION, 0, letter))
    return tuple(letters), tuple(tones)

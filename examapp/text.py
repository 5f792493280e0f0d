"""Vietnamese text helpers shared by pages, exports and sorting."""

from __future__ import annotations

import unicodedata

# Vietnamese alphabetical order: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y,
# tones ranking after the base letter (no tone, huyền, hỏi, ngã, sắc, nặng).
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_LETTER_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_MODIFIERS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn are part of the letter


def vi_sort_key(text: str) -> tuple:
    """Sort key that orders Vietnamese words as a Vietnamese dictionary does."""
    letters: list[tuple[int, int, str]] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFC", text.casefold()):
        decomposed = unicodedata.normalize("NFD", ch)
        base = decomposed[0]
        marks = decomposed[1:]
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _MODIFIERS))
        rank = _LETTER_RANK.get(letter)
        letters.append((0, rank, "") if rank is not None else (1, 0, letter))
        tones.append(tone)
    return (letters, tones)

"""The answer cell: option letters (B, A;C, AC ...) or a true/false word (đúng, sai, t, f ...)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from importers.headers import OPTION_LETTERS
from importers.messages import msg
from importers.normalise import collapse, strip_accents

_TRUE_WORDS = frozenset({"true", "t", "dung", "yes", "y", "co"})
_FALSE_WORDS = frozenset({"false", "f", "s", "sai", "no", "n", "khong"})
_SEPARATORS = re.compile(r"[\s,;/+&]+")
_LETTER_RUN = re.compile(r"[a-z]+")


class AnswerError(ValueError):
    """The answer cell cannot be read; the message says what to write instead."""


@dataclass(frozen=True)
class ParsedAnswer:
    """What an answer cell says: option letters, or a truth value for true/false questions."""

    letters: tuple[str, ...] = ()  # upper-case, in the order written, without repeats
    truth: bool | None = None  # set only for a true/false answer (letters is then empty)

    @property
    def is_truth(self) -> bool:
        """True when the cell held a true/false word rather than option letters."""
        return self.truth is not None


def truth_value(text: str) -> bool | None:
    """Return True/False for true/false words in English or Vietnamese, else None."""
    lowered = collapse(text).casefold().rstrip(".")
    # "đ" alone means đúng, but stripped of its stroke it would read as option D.
    if lowered == "đ":
        return True
    word = strip_accents(lowered)
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


def parse_answer(answer: str, option_letters: Sequence[str]) -> ParsedAnswer:
    """Read an answer cell; raise AnswerError with a user-facing message if unreadable.

    option_letters are the letters whose option is filled in on this row. A row with options
    is a choice question, so a single letter on it is an option letter ("F", "T" and "s" are
    not read as true/false there); without options it is a true/false word. Letters are not
    checked against option_letters here; the row rules report a letter naming an empty option.
    """
    return _parse_answer(answer, "".join(option_letters).upper())


@functools.lru_cache(maxsize=1024)  # a bank repeats the same few answers (B, A;C, Đúng) on every row
def _parse_answer(answer: str, option_letters: str) -> ParsedAnswer:
    text = collapse(answer)
    if not text:
        raise AnswerError(msg("answer is empty; write the letter of the correct option, e.g. B"))
    truth = truth_value(text)
    if truth is not None and not (option_letters and len(text.rstrip(".")) == 1):
        return ParsedAnswer(truth=truth)
    letters: list[str] = []
    for token in _SEPARATORS.split(text.casefold()):
        token = token.rstrip(".)")
        if not token:
            continue
        if not _LETTER_RUN.fullmatch(token) or any(ch.upper() not in OPTION_LETTERS for ch in token):
            raise AnswerError(_unreadable(text, option_letters))
        letters.extend(ch.upper() for ch in token if ch.upper() not in letters)
    if not letters:
        raise AnswerError(msg("answer '%(answer)s' names no option; write a letter such as B", answer=text))
    return ParsedAnswer(letters=tuple(letters))


def _unreadable(text: str, option_letters: str) -> str:
    if option_letters:
        return msg("answer '%(answer)s' is not one of the options A–%(last)s; write the letter of the "
                   "correct option, e.g. B, or letters such as A,C", answer=text, last=option_letters[-1])
    return msg("answer '%(answer)s' is not true or false; write true or false, or fill in the options",
               answer=text)

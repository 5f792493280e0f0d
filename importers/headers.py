"""Recognising the header row: English or Vietnamese names, any case, with or without accents."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from importers.normalise import fold

OPTION_LETTERS = "ABCDEFGH"
OPTION_FIELDS = tuple(f"option_{letter.lower()}" for letter in OPTION_LETTERS)
REQUIRED_FIELDS = ("question", "answer")
HEADER_SEARCH_ROWS = 30

_ALIASES: dict[str, tuple[str, ...]] = {
    "question": (
        "question",
        "questions",
        "question text",
        "stem",
        "câu hỏi",
        "nội dung câu hỏi",
        "nội dung",
        "đề bài",
    ),
    "answer": (
        "answer",
        "answers",
        "correct answer",
        "correct answers",
        "correct",
        "key",
        "answer key",
        "đáp án",
        "đáp án đúng",
        "đáp án chính xác",
        "câu trả lời đúng",
    ),
    "type": ("type", "question type", "kind", "loại", "loại câu hỏi", "kiểu", "kiểu câu hỏi", "dạng câu hỏi"),
    "topic": ("topic", "category", "subject", "chủ đề", "chuyên đề", "nhóm"),
    "difficulty": ("difficulty", "level", "mức độ", "độ khó", "cấp độ", "mức độ nhận thức"),
    "points": ("points", "point", "score", "marks", "mark", "điểm", "số điểm"),
    "explanation": ("explanation", "feedback", "giải thích", "lời giải", "ghi chú giải thích"),
}
_OPTION_PREFIXES = ("", "option", "options", "choice", "phương án", "đáp án", "lựa chọn", "câu trả lời")
_PARENTHESISED = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def header_lookup(aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """The table find_header matches header cells with: each field's name and aliases, folded."""
    return {fold(alias): name for name, names in aliases.items() for alias in (name, *names)}


def _build_lookup() -> dict[str, str]:
    lookup = header_lookup(_ALIASES)
    for number, (letter, name) in enumerate(zip(OPTION_LETTERS, OPTION_FIELDS, strict=True), 1):
        lookup[fold(name)] = name
        for prefix in _OPTION_PREFIXES:
            lookup[fold(f"{prefix} {letter}")] = name
            if prefix:
                # "Phương án 1" .. "Phương án 8" in templates that number the choices.
                lookup[fold(f"{prefix} {number}")] = name
    return lookup


_LOOKUP = _build_lookup()


def field_for(header: str, lookup: Mapping[str, str] = _LOOKUP) -> str | None:
    """Return the field a header cell names ("option_c", "answer", ...) or None if unknown;
    a note in brackets ("Điểm (1-10)") does not count."""
    return lookup.get(fold(_PARENTHESISED.sub(" ", header)))


@dataclass(frozen=True)
class HeaderRow:
    """Where the header row is and which column holds which field."""

    index: int  # 0-based position among the rows read
    columns: dict[str, int]  # field -> 0-based column position
    titles: dict[str, str]  # field -> header text as written in the file

    def title(self, name: str) -> str | None:
        """Return the header text the trainer wrote for a field, or None if absent."""
        return self.titles.get(name)


def find_header(rows: Sequence[Sequence[str]], lookup: Mapping[str, str] = _LOOKUP,
                required: Sequence[str] = REQUIRED_FIELDS) -> HeaderRow | None:
    """Return the first row within HEADER_SEARCH_ROWS naming every required field (for
    question files: question and answer), else None."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        titles: dict[str, str] = {}
        for position, cell in enumerate(row):
            name = field_for(cell, lookup) if cell else None
            # A repeated header keeps its first column; later copies are ignored.
            if name and name not in columns:
                columns[name] = position
                titles[name] = cell
        if all(name in columns for name in required):
            return HeaderRow(index=index, columns=columns, titles=titles)
    return None

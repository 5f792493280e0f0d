"""Plain result types of an import, shared by every file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from importers.normalise import content_key as make_content_key

QUESTION_TYPES = ("single", "multiple", "true_false")
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a question: as the file gave it, and as the bank keeps it."""

    text: str
    correct: bool


@dataclass(frozen=True)
class ParsedQuestion:
    """A question that passed every row rule, ready to be stored by the caller."""

    row: int
    text: str
    type: str
    options: tuple[Option, ...]
    topic: str | None
    difficulty: str = "medium"
    points: Decimal = Decimal(1)
    explanation: str | None = None
    # content_key(text, option texts): the duplicate check's hash, worked out once per question.
    content_key: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.content_key:
            key = make_content_key(self.text, [option.text for option in self.options])
            object.__setattr__(self, "content_key", key)


@dataclass(frozen=True)
class RowError:
    """One problem the trainer has to fix, located as the file shows it."""

    row: int | None
    column: str | None
    message: str


@dataclass
class ImportResult:
    """Everything one file yielded: valid questions and every problem found."""

    format: str
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is meant for the trainer."""

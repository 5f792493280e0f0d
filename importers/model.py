"""Plain result types of an import, shared by every file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

QUESTION_TYPES = ("single", "multiple", "true_false")
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True)
class ParsedOption:
    """One choice of a question, as the file gave it."""

    text: str
    correct: bool


@dataclass(frozen=True)
class ParsedQuestion:
    """A question that passed every row rule, ready to be stored by the caller."""

    row: int
    text: str
    type: str
    options: tuple[ParsedOption, ...]
    topic: str | None
    difficulty: str = "medium"
    points: Decimal = Decimal(1)
    explanation: str | None = None


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

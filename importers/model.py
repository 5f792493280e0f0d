"""Plain result types of an import, shared by every file format."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from importers import limits
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
    """Everything one file yielded: valid questions and the problems found.

    `errors` lists the first limits.MAX_ERRORS row errors (and every error of the file as a
    whole); `error_count` counts them all and `rows_with_errors` the rows they are on.
    """

    format: str
    questions: list[ParsedQuestion] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    error_count: int = 0
    rows_with_errors: int = 0

    def add_errors(self, errors: Sequence[RowError]) -> None:
        """Add the errors of one row, or of the file (row None)."""
        if not errors:
            return
        self.error_count += len(errors)
        if errors[0].row is not None:
            self.rows_with_errors += 1
            room = limits.MAX_ERRORS - len(self.errors)
            self.errors.extend(errors[:room] if room > 0 else ())
        else:
            self.errors.extend(errors)


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is meant for the trainer."""

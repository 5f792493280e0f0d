"""Reading question files (xlsx, xlsm, ods, csv, GIFT, Aiken) into plain dataclasses.

Pure library: no Flask, no database; usable from a notebook::

    from importers import read_questions
    result = read_questions("bank.xlsx", "bank.xlsx")
    result.questions, result.errors
"""

from importers.answers import AnswerError, ParsedAnswer, parse_answer
from importers.formats import SUPPORTED_FORMATS
from importers.model import (
    ImportFileError,
    ImportResult,
    ParsedOption,
    ParsedQuestion,
    RowError,
)
from importers.normalise import content_key
from importers.reader import read_questions

__all__ = [
    "SUPPORTED_FORMATS",
    "AnswerError",
    "ImportFileError",
    "ImportResult",
    "ParsedAnswer",
    "ParsedOption",
    "ParsedQuestion",
    "RowError",
    "content_key",
    "parse_answer",
    "read_questions",
]

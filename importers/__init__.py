"""Reading question files (xlsx, xlsm, ods, csv, GIFT, Aiken) into plain dataclasses.

Pure library: no Flask, no database; usable from a notebook::

    from importers import read_questions
    result = read_questions("bank.xlsx", "bank.xlsx")
    result.questions, result.errors

How problems are reported:

- ImportFileError (a ValueError, message meant for the trainer): the file as a whole cannot be
  read: empty, not what its name or `format` says (text named .xlsx, an xlsx named .csv),
  damaged zip, zip bomb, too large, unknown extension or format, or beyond a bound of
  importers.limits (rows, columns, cells of a sheet, declared sizes, lines): the message names
  the bound, the sheet and the cell or count over it, and what to do.
- ImportResult.errors: everything else, the first limits.MAX_ERRORS of them (error_count counts
  all, rows_with_errors the rows they are on). A missing header row is one
  RowError(None, None, "no header row with the columns question and answer found in the first
  30 rows; ..."); a header with no question rows under it, or a GIFT/Aiken file without a single
  question, is one RowError(None, None, "no questions found ...").
- Rows with errors are left out of `questions`; every row is checked and may have several errors.
  Spreadsheet `row` is the sheet row (title and header rows counted); GIFT/Aiken `row` is the
  line where the question starts. `column` is the header as written, None for text formats.

Every spreadsheet goes through spreadsheet.read_sheets, which measures it first (safety.py,
extent.py, extent_ods.py); people lists (candidates, accounts) are read by roster.read_roster.

Choices worth knowing:

- Workbooks: the first sheet holding a header row is read (an instructions sheet before it is
  skipped). A row counts as empty when every recognised column is blank.
- Duplicates inside the file are errors on the later copy ("duplicate of row 7"); content_key()
  is the same hash the caller uses against the database (for true_false pass "True", "False").
- At most 8 options (A–H) in every format, so an exported bank re-imports without loss.
- Points: > 0 and <= 1000, at most two decimals (banks store them so); "1,5" is read as 1.5.
- GIFT: per-answer feedback is dropped, general feedback (####) becomes the explanation, the
  last part of a $CATEGORY path becomes the topic; the title (::t::) is not kept.
- Aiken: ANSWER may name several letters (a multiple question) or true/false with no options;
  "ĐÁP ÁN:" is accepted for "ANSWER:".
- Explicit type values (any case, with or without accents): single (one, mcq, một đáp án),
  multiple (multi, nhiều đáp án), true_false (true/false, tf, đúng/sai). See fields.py.
"""

from importers.answers import AnswerError, ParsedAnswer, parse_answer
from importers.formats import SUPPORTED_FORMATS
from importers.model import (
    ImportFileError,
    ImportResult,
    Option,
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
    "Option",
    "ParsedAnswer",
    "ParsedQuestion",
    "RowError",
    "content_key",
    "parse_answer",
    "read_questions",
]

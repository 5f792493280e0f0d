"""Row rules shared by every format; each broken rule becomes a RowError saying what to fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from importers.answers import AnswerError, ParsedAnswer, parse_answer
from importers.fields import FieldError, parse_difficulty, parse_points, parse_type
from importers.headers import OPTION_FIELDS, OPTION_LETTERS, HeaderRow
from importers.messages import msg
from importers.model import Option, ParsedQuestion, RowError
from importers.normalise import collapse, content_key

MAX_STEM = 4000
MAX_OPTION = 1000
MAX_EXPLANATION = 4000
MAX_TOPIC = 200
MAX_OPTIONS = len(OPTION_LETTERS)  # the spreadsheet has columns A..H; exports must fit them
_OPTION_COLUMNS = tuple(zip(OPTION_LETTERS, OPTION_FIELDS, strict=True))


TRUE_FALSE_TEXTS = ("True", "False")
# What _too_long names, made once: a valid row builds no message.
_QUESTION, _TOPIC, _EXPLANATION = msg("question"), msg("topic"), msg("explanation")


def true_false_options(truth: bool) -> tuple[Option, ...]:
    """Return the fixed option pair every true_false question carries."""
    return (Option(TRUE_FALSE_TEXTS[0], truth), Option(TRUE_FALSE_TEXTS[1], not truth))


class DuplicateFinder:
    """Remembers content keys seen so far so a repeated question points at its first copy."""

    def __init__(self, unit: str) -> None:
        self._unit = unit  # "row" for spreadsheets, "line" for text formats
        self._seen: dict[str, int] = {}

    def check(self, row: int, key: str) -> str | None:
        """Return "duplicate of row N" if the content key was seen before, else remember it."""
        first = self._seen.setdefault(key, row)
        if first != row:
            if self._unit == "line":
                return msg("duplicate of line %(first)s; remove one of the two copies", first=first)
            return msg("duplicate of row %(first)s; remove one of the two copies", first=first)
        return None


def _too_long(what: str, text: str | None, limit: int) -> str | None:
    if text is not None and len(text) > limit:
        return msg("%(what)s is %(length)s characters long; shorten it to at most %(limit)s",
                   what=what, length=len(text), limit=limit)
    return None


@dataclass(frozen=True)
class _Shape:
    """What a row's type and answer cells say given which options are filled, texts aside."""

    kind: str | None
    correct: tuple[bool, ...]  # one per filled option, or the True/False pair; empty: no options
    problems: tuple[tuple[str | None, str], ...]  # (field, message) in the order found


class SheetRows:
    """Checks the rows under one header row; answers repeat, so each answer shape is worked out once."""

    def __init__(self, header: HeaderRow) -> None:
        self.header = header
        self.duplicates = DuplicateFinder("row")
        self._shapes: dict[tuple[str, str, str], _Shape] = {}

    def check(self, row: int, values: Mapping[str, str]) -> tuple[ParsedQuestion | None, list[RowError]]:
        """Check one row (values by field name); return the question or its errors."""
        header = self.header
        errors: list[RowError] = []

        def fail(field: str | None, message: str) -> None:
            errors.append(RowError(row, header.title(field) if field else None, message))

        stem = values.get("question", "")
        if not stem:
            fail("question", msg("question is empty; write the question text"))
        elif len(stem) > MAX_STEM:
            fail("question", _too_long(_QUESTION, stem, MAX_STEM))

        texts = {letter: values.get(name, "") for letter, name in _OPTION_COLUMNS}
        filled = "".join([letter for letter, text in texts.items() if text])
        _check_option_gaps(filled, header, fail)
        for letter in filled:
            if len(texts[letter]) > MAX_OPTION:
                what = msg("option %(letter)s", letter=letter)
                fail(f"option_{letter.lower()}", _too_long(what, texts[letter], MAX_OPTION))

        answer_text, type_text = values.get("answer", ""), values.get("type", "")
        shape = self._shapes.get((filled, answer_text, type_text))
        if shape is None:
            shape = _row_shape(filled, answer_text, type_text, header)
            self._shapes[filled, answer_text, type_text] = shape
        for field, message in shape.problems:
            fail(field, message)
        kind = shape.kind
        if kind == "true_false":
            option_texts = TRUE_FALSE_TEXTS
        else:
            option_texts = tuple([texts[letter] for letter in filled])

        # "Lịch  sử" and "Lịch sử" must not become two topics.
        topic = collapse(values.get("topic", "")) or None
        if topic is not None and len(topic) > MAX_TOPIC:
            fail("topic", _too_long(_TOPIC, topic, MAX_TOPIC))
        explanation = values.get("explanation") or None
        if explanation is not None and len(explanation) > MAX_EXPLANATION:
            fail("explanation", _too_long(_EXPLANATION, explanation, MAX_EXPLANATION))
        difficulty = "medium"
        if difficulty_text := values.get("difficulty", ""):
            try:
                difficulty = parse_difficulty(difficulty_text)
            except FieldError as exc:
                fail("difficulty", exc.args[0])
        points = Decimal(1)
        if points_text := values.get("points", ""):
            try:
                points = parse_points(points_text)
            except FieldError as exc:
                fail("points", exc.args[0])

        key = content_key(stem, option_texts) if stem else ""
        if key and (duplicate := self.duplicates.check(row, key)):
            fail("question", duplicate)
        if errors or not shape.correct:
            return None, errors
        assert kind is not None
        options = tuple([Option(text, correct)
                         for text, correct in zip(option_texts, shape.correct, strict=True)])
        return ParsedQuestion(
            row=row,
            text=stem,
            type=kind,
            options=options,
            topic=topic,
            difficulty=difficulty,
            points=points,
            explanation=explanation,
            content_key=key,
        ), []


def _row_shape(filled: str, answer_text: str, type_text: str, header: HeaderRow) -> _Shape:
    """The type, correct flags and problems that follow from the type and answer cells."""
    problems: list[tuple[str | None, str]] = []

    def fail(field: str | None, message: str) -> None:
        problems.append((field, message))

    kind: str | None = None
    if type_text:
        try:
            kind = parse_type(type_text)
        except FieldError as exc:
            fail("type", exc.args[0])

    answer: ParsedAnswer | None = None
    try:
        answer = parse_answer(answer_text, "" if kind == "true_false" else filled)
    except AnswerError as exc:
        fail("answer", exc.args[0])

    if answer is not None and kind is None:  # blank type, or unknown: check as inferred
        if len(answer.letters) >= 2:
            kind = "multiple"
        elif answer.is_truth and not filled:
            kind = "true_false"
        else:
            kind = "single"

    correct: tuple[bool, ...] = ()
    if kind == "true_false":
        if filled:
            fail(
                OPTION_FIELDS[OPTION_LETTERS.index(filled[0])],
                msg("a true_false question takes no options; clear columns %(columns)s or set the "
                    "type to single", columns=", ".join(_column(header, letter) for letter in filled)),
            )
        if answer is not None and answer.truth is None:
            fail("answer", msg("a true_false answer must be true or false, not '%(answer)s'",
                               answer=answer_text))
        elif answer is not None and answer.truth is not None:
            correct = (answer.truth, not answer.truth)
    elif kind in ("single", "multiple"):
        if len(filled) < 2:
            missing = next(letter for letter in "AB" if letter not in filled)
            fail(
                f"option_{missing.lower()}" if header.title(f"option_{missing.lower()}") else None,
                msg("a %(kind)s question needs at least two options; fill columns %(a)s and %(b)s",
                    kind=kind, a=_column(header, "A"), b=_column(header, "B")),
            )
        if answer is not None:
            correct = _choice_flags(kind, answer, filled, header, fail)
    return _Shape(kind, correct, tuple(problems))


def _letter_range(filled: str) -> str:
    return f"A–{filled[-1]}" if len(filled) > 1 else filled


def _column(header: HeaderRow, letter: str) -> str:
    return header.title(f"option_{letter.lower()}") or letter


def _check_option_gaps(filled: str, header: HeaderRow, fail) -> None:
    if not filled:
        return
    last = OPTION_LETTERS.index(filled[-1])
    if last + 1 == len(filled):  # A, B, ... without a gap: the usual row
        return
    gaps = [letter for letter in OPTION_LETTERS[:last] if letter not in filled]
    if gaps:
        first = gaps[0]
        field = f"option_{first.lower()}"
        fail(
            field if header.title(field) else None,
            msg("option %(empty)s is empty but option %(last)s after it is filled; fill the options "
                "from A without gaps", empty=first, last=filled[-1]),
        )


def _choice_flags(kind, answer, filled, header, fail) -> tuple[bool, ...]:
    if answer.is_truth:
        if filled:
            fail(
                "answer",
                msg("answer is true/false but the question has options; write the letter of the "
                    "correct option, or clear the options for a true_false question"),
            )
        else:
            fail("answer", msg("answer is true/false but the type is %(kind)s; set the type to true_false",
                               kind=kind))
        return ()
    if not filled:  # the missing options are reported already
        return ()
    missing = [letter for letter in answer.letters if letter not in filled]
    for letter in missing:
        if header.title(f"option_{letter.lower()}"):
            fail("answer", msg("answer %(letter)s is not one of the options %(options)s (column %(column)s "
                               "is empty)", letter=letter, options=_letter_range(filled),
                               column=_column(header, letter)))
        else:
            fail("answer", msg("answer %(letter)s is not one of the options %(options)s (the file has no "
                               "column for option %(letter)s)", letter=letter, options=_letter_range(filled)))
    if kind == "single" and len(answer.letters) > 1:
        fail(
            "answer",
            msg("a single question has one correct option but the answer names %(letters)s; keep one "
                "letter or set the type to multiple", letters=", ".join(answer.letters)),
        )
    if missing:
        return ()
    return tuple(letter in answer.letters for letter in filled)


def text_question(question: ParsedQuestion, duplicates: DuplicateFinder) -> list[RowError]:
    """Check a question a text format (GIFT, Aiken) produced; return its errors."""
    row = question.row
    messages: list[str] = []
    if not question.text:
        messages.append(msg("question text is empty"))
    elif message := _too_long(_QUESTION, question.text, MAX_STEM):
        messages.append(message)
    options = question.options
    if question.type != "true_false":
        if len(options) < 2:
            messages.append(msg("a %(kind)s question needs at least two options", kind=question.type))
        if len(options) > MAX_OPTIONS:
            messages.append(msg("the question has %(count)s options; at most %(limit)s are supported",
                                count=len(options), limit=MAX_OPTIONS))
        correct = sum(option.correct for option in options)
        if correct == 0:
            messages.append(msg("no option is marked correct"))
        elif question.type == "single" and correct > 1:
            messages.append(msg("a single question has one correct option but several are marked"))
        for number, option in enumerate(options, 1):
            if not option.text:
                messages.append(msg("option %(number)s is empty", number=number))
            elif len(option.text) > MAX_OPTION:
                messages.append(_too_long(msg("option %(number)s", number=number), option.text, MAX_OPTION))
    if message := _too_long(_TOPIC, question.topic, MAX_TOPIC):
        messages.append(message)
    if message := _too_long(_EXPLANATION, question.explanation, MAX_EXPLANATION):
        messages.append(message)
    if question.text and (duplicate := duplicates.check(row, question.content_key)):
        messages.append(duplicate)
    return [RowError(row, None, message) for message in messages]

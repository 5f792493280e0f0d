"""Aiken text: a stem, lettered options "A." or "A)", then an "ANSWER: B" line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from importers.answers import AnswerError, parse_answer
from importers.messages import msg
from importers.model import Option, ParsedQuestion, RowError
from importers.normalise import clean_text, text_lines
from importers.validate import true_false_options

# As Moodle reads Aiken: the space after "A)" or "A." may be missing ("A)Hà Nội"). Before a
# question's stem, only the spaced form counts as an option, so a stem such as "A.I. là gì?" stays a stem.
_OPTION = re.compile(r"^\s*([A-Za-z])\s*[.)]\s*(\S.*)$")
_SPACED_OPTION = re.compile(r"^\s*([A-Za-z])\s*[.)]\s+(.*)$")
_ANSWER = re.compile(r"^\s*(?:ANSWER|ĐÁP ÁN|DAP AN)\s*[:：]\s*(.*)$", re.IGNORECASE)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

AikenItem = ParsedQuestion | RowError


@dataclass
class _Draft:
    start: int
    stem: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)  # (letter, text)


def parse_aiken(text: str) -> list[AikenItem]:
    """Return, in file order, each question found or a RowError at the line concerned."""
    items: list[AikenItem] = []
    draft: _Draft | None = None
    skipping = False  # after a broken question, skip to its ANSWER line or a blank line
    gap = False  # a blank line came after the options: only ANSWER may still follow
    for number, raw in enumerate(text_lines(text), 1):
        line = clean_text(raw)
        if skipping:
            if not line or _ANSWER.match(line):
                skipping = False
            continue
        if not line:
            gap = draft is not None and bool(draft.options)
            continue
        if answer := _ANSWER.match(line):
            if draft is None:
                items.append(RowError(number, None, msg("ANSWER line without a question above it")))
            else:
                items.append(_finish(draft, number, answer.group(1)))
                draft = None
            gap = False
            continue
        if gap and draft is not None:
            items.append(
                RowError(draft.start, None, msg("the question has no 'ANSWER: X' line after its options"))
            )
            draft = None
        gap = False
        option = _OPTION.match(line) if draft is not None else _SPACED_OPTION.match(line)
        if draft is None:
            if option and option.group(1).upper() == "A":
                items.append(RowError(number, None, msg("option A without a question text above it")))
                skipping = True
                continue
            draft = _Draft(start=number)
        expected = _LETTERS[len(draft.options)] if len(draft.options) < len(_LETTERS) else None
        if option and option.group(1).upper() == expected:
            draft.options.append((expected, option.group(2)))
        elif not draft.options:
            draft.stem.append(line)
        else:
            found = (msg("option %(letter)s", letter=option.group(1).upper()) if option
                     else msg("'%(text)s'", text=line[:40]))
            items.append(RowError(draft.start, None, msg(
                "line %(line)s: expected option %(expected)s or 'ANSWER: X' but found %(found)s; letter the "
                "options A, B, C … in order, one per line", line=number, expected=expected or "?",
                found=found)))
            draft = None
            skipping = True
    if draft is not None:
        items.append(RowError(draft.start, None, msg("the question has no 'ANSWER: X' line")))
    return items


def _finish(draft: _Draft, line: int, answer_text: str) -> AikenItem:
    stem = "\n".join(draft.stem)
    letters = [letter for letter, _ in draft.options]
    try:
        answer = parse_answer(answer_text, letters)
    except AnswerError as exc:
        return RowError(draft.start, None, msg("line %(line)s: %(problem)s", line=line, problem=exc.args[0]))
    if answer.is_truth:
        if draft.options:
            return RowError(draft.start, None, msg(
                "line %(line)s: the answer is true/false but the question has options; write the letter of "
                "the correct option", line=line))
        return ParsedQuestion(
            row=draft.start,
            text=stem,
            type="true_false",
            options=true_false_options(bool(answer.truth)),
            topic=None,
        )
    missing = [letter for letter in answer.letters if letter not in letters]
    if missing:
        if not letters:
            return RowError(draft.start, None, msg("line %(line)s: the question has no options A, B, …",
                                                   line=line))
        return RowError(draft.start, None, msg("line %(line)s: answer %(letters)s is not one of the options "
                                               "A–%(last)s", line=line, letters=", ".join(missing),
                                               last=letters[-1]))
    options = tuple(Option(text, letter in answer.letters) for letter, text in draft.options)
    kind = "multiple" if len(answer.letters) > 1 else "single"
    return ParsedQuestion(row=draft.start, text=stem, type=kind, options=options, topic=None)

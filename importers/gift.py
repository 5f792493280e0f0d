"""Moodle GIFT text: multiple choice, multiple answer and true/false questions."""

from __future__ import annotations

import re

from importers.messages import msg
from importers.model import Option, ParsedQuestion, RowError
from importers.normalise import clean_text, collapse, text_lines
from importers.validate import true_false_options

# Escaped specials are swapped for private-use characters while parsing, then swapped back.
_ESCAPES = {
    "=": "\ue000",
    "~": "\ue001",
    "#": "\ue002",
    "{": "\ue003",
    "}": "\ue004",
    ":": "\ue005",
    "\\": "\ue006",
    "%": "\ue007",
}
_RESTORE = str.maketrans({mark: char for char, mark in _ESCAPES.items()})
_PRIVATE = re.compile("[\ue000-\ue007]")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_CATEGORY = re.compile(r"^\s*\$CATEGORY\s*:\s*(.*)$", re.IGNORECASE)
_FORMAT_MARK = re.compile(r"^\s*\[(?:html|moodle|plain|markdown)\]", re.IGNORECASE)
_TRUE_FALSE = re.compile(r"^\s*(TRUE|T|FALSE|F)\s*(?:#.*)?$", re.IGNORECASE | re.DOTALL)
_WEIGHT = re.compile(r"^\s*%\s*(-?\d+(?:[.,]\d+)?)\s*%")

GiftItem = ParsedQuestion | RowError


class _Unsupported(Exception):
    """Raised inside the parser for a well-formed but unsupported question kind."""


class _Malformed(Exception):
    """Raised inside the parser for a question block that is not valid GIFT."""


# Blanks inside a line only: "^\s*" would run on over every following blank line and back
# again at each line start, quadratic in a file of many empty lines.
_AIKEN_ANSWER = re.compile(r"^[^\S\n]*ANSWER[^\S\n]*[:：]", re.IGNORECASE | re.MULTILINE)
_GIFT_MARK = re.compile(r"\{[^{}]*\}|^[^\S\n]*::|^[^\S\n]*\$CATEGORY", re.MULTILINE)


def looks_like_gift(text: str) -> bool:
    """Guess whether a .txt file is GIFT rather than Aiken (linear in the text's length)."""
    if _AIKEN_ANSWER.search(text):
        return False
    return bool(_GIFT_MARK.search(text))


def _unescape(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        char = match.group(1)
        if char == "n":
            return "\n"
        return _ESCAPES.get(char, match.group(0))

    return _ESCAPE.sub(swap, text)


def _restore(text: str) -> str:
    return clean_text(_FORMAT_MARK.sub("", text).translate(_RESTORE))


def _blocks(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Split the file into blank-line separated blocks of (line number, line), comments dropped."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped:
            if current:
                blocks.append(current)
                current = []
            continue
        current.append((number, line))
    if current:
        blocks.append(current)
    return blocks


def parse_gift(text: str) -> list[GiftItem]:
    """Return, in file order, each question found or a RowError at its starting line."""
    items: list[GiftItem] = []
    topic: str | None = None
    text = _PRIVATE.sub("", text)
    for block in _blocks(text_lines(text)):
        while block and (match := _CATEGORY.match(block[0][1])):
            topic = _category_topic(match.group(1))
            block = block[1:]
        if not block:
            continue
        start = block[0][0]
        source = _unescape("\n".join(line for _, line in block))
        try:
            items.append(_question(start, source, topic))
        except _Unsupported as exc:
            items.append(RowError(start, None, msg("unsupported GIFT question type: %(kind)s",
                                                   kind=exc.args[0])))
        except _Malformed as exc:
            items.append(RowError(start, None, exc.args[0]))
    return items


def _category_topic(path: str) -> str | None:
    """Return the last part of a $CATEGORY path ("$course$/top/History" -> "History")."""
    parts = [part.strip() for part in _unescape(path).split("/")]
    parts = [part for part in parts if part and not re.fullmatch(r"\$\w+\$|top", part)]
    return (collapse(_restore(parts[-1])) or None) if parts else None


def _question(start: int, source: str, topic: str | None) -> ParsedQuestion:
    body = source.strip()
    if body.startswith("::"):
        end = body.find("::", 2)
        if end < 0:
            raise _Malformed(msg("the title opened with :: is not closed with ::"))
        body = body[end + 2 :]
    opening = body.find("{")
    if opening < 0:
        if "}" in body:
            raise _Malformed(msg("found } without an opening {; escape literal braces as \\}"))
        raise _Unsupported(msg("description (text without an answer block {…})"))
    closing = body.find("}", opening)
    if closing < 0:
        raise _Malformed(msg("the answer block opened with { is not closed with }"))
    before, answers, after = body[:opening], body[opening + 1 : closing], body[closing + 1 :]
    if "{" in after or "}" in after or "{" in answers:
        raise _Malformed(msg(
            "more than one answer block {…} in one question; escape literal braces as \\{ and \\}"
        ))
    stem = _restore(before)
    if _restore(after):
        # Missing-word format: the blank sits where the answer block was.
        stem = f"{stem} _____ {_restore(after)}".strip()
    answers, _, general = answers.partition("####")
    explanation = _restore(general) or None
    kind, options = _answers(answers)
    return ParsedQuestion(
        row=start, text=stem, type=kind, options=options, topic=topic, explanation=explanation
    )


def _answers(block: str) -> tuple[str, tuple[Option, ...]]:
    if not block.strip():
        raise _Unsupported(msg("essay"))
    if block.lstrip().startswith("#"):
        raise _Unsupported(msg("numerical"))
    if match := _TRUE_FALSE.match(block):
        return "true_false", true_false_options(match.group(1).upper().startswith("T"))
    first = min((pos for pos in (block.find("="), block.find("~")) if pos >= 0), default=-1)
    if first < 0 or block[:first].strip():
        raise _Malformed(msg("cannot read the answers: start each one with = (right) or ~ (wrong)"))
    tokens = re.findall(r"([=~])([^=~]*)", block[first:])
    if any(mark == "=" and "->" in body for mark, body in tokens):
        raise _Unsupported(msg("matching"))
    if all(mark == "=" for mark, _ in tokens):
        raise _Unsupported(msg("short answer"))
    options = []
    for mark, body in tokens:
        correct = mark == "="
        if weight := _WEIGHT.match(body):
            correct = float(weight.group(1).replace(",", ".")) > 0
            body = body[weight.end() :]
        text = body.split("#", 1)[0]  # per-answer feedback is not kept
        options.append(Option(_restore(text), correct))
    correct_count = sum(option.correct for option in options)
    return ("multiple" if correct_count >= 2 else "single"), tuple(options)

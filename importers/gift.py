r"""Moodle GIFT text: multiple choice, multiple answer and true/false questions.

Read as Moodle's qformat_gift reads it: blank-line separated questions, whole-line // comments,
$CATEGORY lines (the last part of the path is the topic), ::titles::, [html]/[moodle]/[plain]/
[markdown] marks (html is turned into plain text), the escapes \~ \= \# \{ \} \: \\ \n, answer
weights %50% and feedback #... (dropped; the general feedback after #### is the explanation).
The kinds Moodle reads that a bank cannot hold (short answer, numerical, matching, essay,
description) are each a row error naming the kind.
"""

from __future__ import annotations

import html
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
_FORMAT_MARK = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_TRUE_FALSE = re.compile(r"^\s*(TRUE|T|FALSE|F)\s*(?:#.*)?$", re.IGNORECASE | re.DOTALL)
_WEIGHT = re.compile(r"^\s*%\s*(-?\d+(?:[.,]\d+)?)\s*%")
# What html text needs to read as plain text: line breaks, tags, <pre> blocks, images.
_HTML_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|tr|h[1-6]|blockquote)\s*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^<>]*>")
_HTML_PRE = re.compile(r"<(/?)pre(?=[\s>])[^<>]*>", re.IGNORECASE)
_HTML_IMAGE = re.compile(r"<img(?=[\s/>])", re.IGNORECASE)
_BLANKS = re.compile(r"\s+")
_BLANKS_IN_LINE = re.compile(r" {2,}")
_LINE_END_BLANKS = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")

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


def _text(raw: str, default: str = "moodle") -> tuple[str, str]:
    """A text as the bank keeps it, and its format: the [format] mark it starts with, else
    `default` (an answer takes its question's format, as in Moodle)."""
    mark = _FORMAT_MARK.match(raw)
    fmt = mark.group(1).lower() if mark else default
    text = (raw[mark.end() :] if mark else raw).translate(_RESTORE)
    if fmt == "html":
        if _HTML_IMAGE.search(text):
            raise _Malformed(msg("the question has an image (<img>), which cannot be imported: remove it or "
                                 "describe it in words"))
        text = _html_text(text)
    return clean_text(text), fmt


def _html_text(text: str) -> str:
    """What html shows as plain text: runs of blanks read as one (except inside <pre>), a line
    break where a paragraph, a <pre> or a <br> ends, no tags, entities decoded."""
    pieces, start, depth = [], 0, 0
    for tag in _HTML_PRE.finditer(text):
        pieces.append(_html_piece(text[start : tag.start()], depth > 0))
        depth = max(0, depth + (-1 if tag.group(1) else 1))
        pieces.append("\n" if tag.group(1) else "")
        start = tag.end()
        if depth and text.startswith("\n", start):  # as browsers do, the line break after <pre>
            start += 1
    pieces.append(_html_piece(text[start:], depth > 0))
    return _BLANK_LINES.sub("\n\n", html.unescape("".join(pieces)).replace("\xa0", " "))


def _html_piece(piece: str, preformatted: bool) -> str:
    if preformatted:
        return _HTML_TAG.sub("", _HTML_BREAK.sub("\n", piece))
    piece = _HTML_TAG.sub("", _HTML_BREAK.sub("\n", _BLANKS.sub(" ", piece)))
    return _LINE_END_BLANKS.sub("\n", _BLANKS_IN_LINE.sub(" ", piece))


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
            items.append(RowError(start, None, msg(
                "unsupported GIFT question type: %(kind)s; only multiple choice, multiple answer and "
                "true/false questions can be imported", kind=exc.args[0])))
        except _Malformed as exc:
            items.append(RowError(start, None, exc.args[0]))
    return items


def _category_topic(path: str) -> str | None:
    """Return the last part of a $CATEGORY path ("$course$/top/History" -> "History")."""
    parts = [part.strip() for part in _unescape(path).split("/")]
    parts = [part for part in parts if part and not re.fullmatch(r"\$\w+\$|top", part)]
    return (collapse(_text(parts[-1])[0]) or None) if parts else None


def _question(start: int, source: str, topic: str | None) -> ParsedQuestion:
    body = source.strip()
    if body.startswith("::"):
        # As Moodle: a title that is not closed is no title; the text goes on after the "::".
        end = body.find("::", 2)
        body = body[end + 2 :] if end >= 0 else body[2:]
    opening = body.find("{")
    if opening < 0:
        if "}" in body:
            raise _Malformed(msg("found } without an opening {; escape literal braces as \\}"))
        raise _Unsupported(msg("description (text without an answer block {…})"))
    closing = body.find("}", opening)
    if closing < 0:
        raise _Malformed(msg("the answer block opened with { is not closed with }"))
    before, answers, after = body[:opening], body[opening + 1 : closing], body[closing + 1 :]
    if "}" in before:
        raise _Malformed(msg("found } without an opening {; escape literal braces as \\}"))
    if "{" in after or "}" in after or "{" in answers:
        raise _Malformed(msg(
            "more than one answer block {…} in one question; escape literal braces as \\{ and \\}"
        ))
    # Missing-word format: the blank sits where the answer block was.
    stem, fmt = _text(before + "_____" + after if after.strip() else before)
    answers, _, general = answers.rpartition("####") if "####" in answers else (answers, "", "")
    explanation = _text(general, fmt)[0] or None
    kind, options = _answers(answers, fmt)
    return ParsedQuestion(
        row=start, text=stem, type=kind, options=options, topic=topic, explanation=explanation
    )


def _answers(block: str, fmt: str) -> tuple[str, tuple[Option, ...]]:
    """The kind and options of an answer block, told apart in Moodle's order."""
    if not block.strip():
        raise _Unsupported(msg("essay (an empty answer block {})"))
    if block.lstrip().startswith("#"):
        raise _Unsupported(msg("numerical ({#…})"))
    if "~" not in block:
        if "=" in block and "->" in block:
            raise _Unsupported(msg("matching (=… -> …)"))
        if match := _TRUE_FALSE.match(block):
            return "true_false", true_false_options(match.group(1).upper().startswith("T"))
        raise _Unsupported(msg("short answer (answers given with = only, no ~ wrong answer)"))
    first = min(pos for pos in (block.find("="), block.find("~")) if pos >= 0)
    if block[:first].strip():
        raise _Malformed(msg("cannot read the answers: start each one with = (right) or ~ (wrong)"))
    tokens = re.findall(r"([=~])([^=~]*)", block[first:])
    # With an = answer, Moodle's question is single-answer: only = (or 100%) answers are right,
    # a partial weight is not. Without one, every answer of positive weight is right.
    single_answer = any(mark == "=" for mark, _ in tokens)
    options = []
    for mark, body in tokens:
        weight = None
        if found := _WEIGHT.match(body):
            weight = float(found.group(1).replace(",", "."))
            body = body[found.end() :]
        if mark == "=":
            correct = True
        elif single_answer:
            correct = weight is not None and weight >= 100
        else:
            correct = weight is not None and weight > 0
        text = body.split("#", 1)[0]  # per-answer feedback is not kept
        options.append(Option(_text(text, fmt)[0], correct))
    correct_count = sum(option.correct for option in options)
    return ("multiple" if correct_count >= 2 else "single"), tuple(options)

"""What the app takes from outside at all, on every route, before any feature looks at it.

- Text holds no NUL character: PostgreSQL cannot store one in a text column. A NUL in a path,
  a query string, a form field or the Authorization header is refused here for every route;
  in a JSON body the request models refuse it (examapp.api.openapi).
- Integers fit the 32-bit id columns: a URL id outside 1..2^31-1 is a 404;
  body and query models refuse integers outside the 32-bit range.
- Moments lie between 1900 and 2999: far from years 1 and 9999, where a time zone shift or a
  few added minutes overflow Python's datetime.
- A JSON body is nested at most MAX_JSON_DEPTH levels.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, abort, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from examapp.api.errors import ApiError
from examapp.messages import Message, msg, translated

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
MAX_JSON_DEPTH = 32

NUL_IN_TEXT = msg("text may not contain the NUL character (\\0)")
INT_OUT_OF_RANGE = msg("must be between %(min)s and %(max)s", min=INT32_MIN, max=INT32_MAX)
MOMENT_OUT_OF_RANGE = msg("must be a time between %(earliest)s and %(latest)s",
                          earliest="1900-01-01T00:00:00Z", latest="2999-12-31T23:59:59Z")
NUL_IN_REQUEST = msg("the request contains the NUL character (\\0), which no text may hold; "
                     "remove it and send the request again")


class IdConverter(IntegerConverter):
    """`<int:...>` in a route: a database id, 1..2^31-1. Another number is a 404 for every method
    (werkzeug would answer 405 when a route of another method shares the path)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if not 1 <= number <= INT32_MAX:
            raise NotFound()
        return number


def int32(text: str) -> int:
    """`text` as an integer of the 32-bit range; ValueError otherwise (for `request.args.get(type=...)`)."""
    value = int(text)
    if not INT32_MIN <= value <= INT32_MAX:
        raise ValueError(str(INT_OUT_OF_RANGE))
    return value


def moment_in_range(moment: datetime) -> bool:
    """Whether an aware datetime lies in the years the app accepts (compared without converting,
    so a moment near year 1 or 9999 does not overflow on the way)."""
    return EARLIEST <= moment <= LATEST


def problem_with(value: Any) -> Message | None:
    """Why a value parsed from a request body breaks the policy above, or None; looks inside
    lists, tuples and dicts (keys too)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return NUL_IN_TEXT
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not INT32_MIN <= item <= INT32_MAX:
                return INT_OUT_OF_RANGE
        elif isinstance(item, datetime):
            if item.tzinfo is not None and not moment_in_range(item):
                return MOMENT_OUT_OF_RANGE
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            pending.extend(item)
    return None


def json_depth(value: Any) -> int:
    """How deeply a parsed JSON document nests (a scalar is 0), without recursing."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            pending.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _texts() -> Iterable[str]:
    yield request.path
    yield request.headers.get("Authorization", "")
    # Only a form body has fields: asking a JSON request for its form costs a parse of nothing.
    sources = (request.args, request.form) if request.mimetype in FORM_TYPES else (request.args,)
    for source in sources:
        for name, values in source.lists():
            yield name
            yield from values
    if request.mimetype == "multipart/form-data":
        for name, upload in request.files.items(multi=True):
            yield name
            yield upload.filename or ""


def refuse_nul() -> None:
    """Answer 400 to a request with a NUL in its path, query, form fields or Authorization header."""
    if any(isinstance(text, str) and "\x00" in text for text in _texts()):
        if request.path.startswith("/api/"):
            raise ApiError(400, str(NUL_IN_REQUEST))
        abort(400, description=translated(NUL_IN_REQUEST))


def init_app(app: Flask) -> None:
    """Before any blueprint adds its routes (the id converter) and before the other request hooks."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)

"""Messages the services raise: English text for the API and the CLI, translatable by the pages.

A `Message` is the English `str` (so `str(exc)`, JSON and the terminal see plain English) that also
keeps its template and values; `translated()` turns it into the reader's language on a page.
The templates are extracted into the catalog through the `msg` keyword (see the Makefile).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class Message(str):
    """English text made from `template % values`; keeps both so a page can translate it."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, values: Mapping[str, Any] | None = None) -> Message:
        values = dict(values or {})
        self = super().__new__(cls, template % values if values else template)
        self.template = template
        self.values = values
        return self

    def __reduce__(self):
        return _restore, (type(self), str(self), dict(self.__dict__))


def _restore(cls: type[Message], text: str, state: dict[str, Any]) -> Message:
    self = str.__new__(cls, text)
    self.__dict__.update(state)
    return self


class Problems(Message):
    """Several messages joined by `separator` into one English text; keeps each part."""

    parts: list[Message]
    separator: str

    def __new__(cls, parts: Iterable[str], separator: str = "; ") -> Problems:
        parts = [part if isinstance(part, Message) else Message(part) for part in parts]
        self = str.__new__(cls, separator.join(parts))
        self.template = str(self)
        self.values = {}
        self.parts = parts
        self.separator = separator
        return self


def msg(template: str, **values: Any) -> Message:
    """A user-facing message: `template` is the English %-format catalog entry, `values` fill it."""
    return Message(template, values)


def msg_join(parts: Iterable[str], separator: str = "; ") -> Problems:
    """Several problems reported at once, e.g. every reason a form was refused."""
    return Problems(parts, separator)


def translated(value: object) -> str:
    """`value` in the reader's language, as a sentence (first letter upper case): a Message (or an
    exception carrying one) goes through the catalog, anything else is shown as it is. For views and
    pages only: it needs a request."""
    text = _in_language(value)
    return text[:1].upper() + text[1:]


def _in_language(value: object) -> str:
    from flask_babel import gettext

    if isinstance(value, BaseException) and value.args and is_message(value.args[0]):
        value = value.args[0]
    if isinstance(value, Problems):
        return value.separator.join(_in_language(part) for part in value.parts)
    if not is_message(value):
        return str(value)
    text = gettext(value.template)
    if not value.values:
        return text
    return text % {name: _in_language(v) if is_message(v) else v for name, v in value.values.items()}


def is_message(value: object) -> bool:
    """A translatable message: a Message, or any str keeping `template` and `values` the same way
    (importers' messages, which cannot import examapp)."""
    return isinstance(value, str) and hasattr(value, "template") and hasattr(value, "values")

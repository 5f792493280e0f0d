"""Messages for the trainer: English text that keeps its template and values, so an application can
translate it (examapp's pages do, through their catalog) while str(), JSON and the CLI read English.

The templates are extracted into the catalog through the `msg` keyword (see the Makefile). Only
errors build one: a valid row makes no message.
"""

from __future__ import annotations

from typing import Any


class Message(str):
    """English text made from `template % values`; keeps both."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, values: dict[str, Any]) -> Message:
        self = super().__new__(cls, template % values if values else template)
        self.template = template
        self.values = values
        return self

    def __reduce__(self):
        return _restore, (str(self), self.template, self.values)


def _restore(text: str, template: str, values: dict[str, Any]) -> Message:
    self = str.__new__(Message, text)
    self.template = template
    self.values = values
    return self


def msg(template: str, **values: Any) -> Message:
    """A message: `template` is the English %-format catalog entry, `values` fill it."""
    return Message(template, values)

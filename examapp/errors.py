"""The one refusal type every service raises: a user-facing message, the HTTP status and a code.

A route lets a Refusal go, and `api.errors` answers it once: JSON for the API, the error page in the
reader's language for pages. A page that shows the problem on its form catches it instead.
Whether the request's changes are kept after a refusal is `keep_changes` (see `db.settle`).
Nobody decides a status by reading a message's text: the class says it.
"""

from __future__ import annotations

from examapp.messages import Message, msg


class Refusal(Exception):
    """What the rules refuse; the message says what to fix.

    `status` is the HTTP status the API answers with, `code` the machine-readable reason (None: the
    status's own, see api.errors.CODES). `field` names the input at fault, when one is.
    """

    status = 400
    code: str | None = None
    # Seconds the client should wait before trying again (a rate limit), sent as Retry-After.
    retry_after: int | None = None
    # True when the session holds a change the caller must still commit (a lazily finalised attempt).
    keep_changes = False

    def __init__(self, message: str, *, field: str | None = None, keep_changes: bool | None = None) -> None:
        super().__init__(message if isinstance(message, Message) else msg(message))
        self.field = field
        if keep_changes is not None:
            self.keep_changes = keep_changes

    @property
    def message(self) -> Message:
        return self.args[0]


class Invalid(Refusal):
    """Bad input: nothing was written."""

    status = 400


class NotFound(Refusal):
    """No such thing for this user; also answered for someone else's data, so it is not revealed."""

    status = 404


class Forbidden(Refusal):
    """The user may see it but not do this."""

    status = 403


class Conflict(Refusal):
    """The input is fine but the current state forbids it: a name taken, an attempt already submitted."""

    status = 409

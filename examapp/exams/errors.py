"""Refusals of the exams feature: a user-facing message and the HTTP status the API answers with."""

from __future__ import annotations

from examapp.errors import Refusal
from examapp.messages import Message, msg, msg_join


class ExamError(Refusal):
    """A refusal of the exams feature; `status` is the HTTP status the API answers with."""


class RuleProblem(Message):
    """A problem with one rule of an exam's blueprint; `rule` is the rule's number, from 1."""

    rule: int


def rule_problem(rule: int, message: Message) -> RuleProblem:
    """`message` marked as being about rule number `rule`, so a page can show it on that rule's row."""
    problem = RuleProblem(message.template, message.values)
    problem.rule = rule
    return problem


class ExamInvalid(ExamError):
    """Bad input (definition, usernames, file): nothing was written.

    `problems` holds each problem as a Message (a RuleProblem when it is about one rule); the
    message is all of them joined by "; ".
    """

    def __init__(self, problems: str | list[Message], *, keep_changes: bool | None = None) -> None:
        if isinstance(problems, str):
            problems = [problems if isinstance(problems, Message) else msg(problems)]
        self.problems: list[Message] = list(problems)
        message = self.problems[0] if len(self.problems) == 1 else msg_join(self.problems)
        super().__init__(message, keep_changes=keep_changes)


class ExamNotFound(ExamError):
    """No such exam/attempt for this user (also used for someone else's attempt)."""

    status = 404


class ExamForbidden(ExamError):
    """Not allowed: wrong or missing room code, a trainer on another's bank."""

    status = 403


class WrongRoomCode(ExamForbidden):
    """A room code that is not the exam's; counted, see room_codes.py."""

    code = "wrong_room_code"


class TooManyRoomCodes(ExamError):
    """Too many wrong room codes from this candidate for this exam; `retry_after` in seconds."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyTickets(ExamError):
    """Too many wrong tickets of this prefix from this address (see ticket_login.py)."""

    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(msg("too many wrong tickets from this address; try again in %(seconds)s seconds",
                             seconds=retry_after))
        self.retry_after = retry_after


class TicketRefused(ExamError):
    """A ticket that is unknown, used, or outside its exam's window."""

    status = 401


class ExamConflict(ExamError):
    """The state forbids it: outside the window, no attempts left, already submitted."""

    status = 409


class ExamStarted(ExamConflict):
    """A change to what drawn papers depend on, once candidates have started; `fields` names them."""

    def __init__(self, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.fields = fields


class DeadlinePassed(ExamConflict):
    """An answer after deadline + grace; the attempt has been finalised with what was saved."""

    code = "deadline_passed"
    keep_changes = True


class AnswerInvalid(ExamError):
    """A question not on the paper, or an option that does not belong to the question."""

    status = 422

"""Candidate ticket pages: issuing and printing tickets (admins, proctors) and logging in with one.

Plain tickets exist only in the response to issuing them (the database keeps only their keyed digests), so the
printable page is that response, and its CSV download posts the list back to be checked and formatted.
Nothing keeps the plain tickets on the server or in the session.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from examapp import access, admission, db
from examapp.auth import policy
from examapp.auth.forms import LoginForm
from examapp.exams import definitions, errors
from examapp.exams import tickets as exam_tickets
from examapp.exams.errors import ExamError
from examapp.exams.forms import IssueTicketsForm, TicketLoginForm
from examapp.exams.models import Exam
from examapp.exams.ticket_login import app_ticket_key, log_in_with_ticket
from examapp.exams.ticket_sheet import tickets_csv
from examapp.exams.tickets import IssuedTicket, TicketLine
from examapp.messages import translated

bp = Blueprint("ticket_pages", __name__)

NO_STORE = {"Cache-Control": "no-store"}  # pages and files that carry plain tickets
SLIPS_PER_PAGE = 10
MAX_DOWNLOAD = 20_000


def _room_exam(exam_id: int) -> Exam:
    return definitions.exam_for_staff(db.session(), exam_id, current_user, room=True)


def _issued_mark(lines: list[TicketLine]) -> str:
    """When the latest ticket was issued: a form shown before a newer issue is out of date."""
    latest = max((line.issued_at for line in lines if line.issued_at), default=None)
    return latest.isoformat() if latest else ""


def _refusal(form: IssueTicketsForm, lines: list[TicketLine]) -> tuple[str, int] | None:
    """Why the posted form must not issue tickets (message, status), or None."""
    if form.issued_mark.data != _issued_mark(lines):
        return _("Tickets were issued after this page was shown (was the page reloaded?), so nothing "
                 "was issued now. Check the list below and issue again if needed."), 409
    if form.scope.data == "selected" and not request.form.getlist("username"):
        return _("Tick the candidates who need a new ticket."), 400
    holding = sum(1 for line in lines if line.issued_at and not line.used_at)
    if form.scope.data == "all" and holding and not form.replace.data:
        return _("%(n)s candidates already hold a ticket. Tick “Replace the tickets already issued” to "
                 "give everyone a new one.", n=holding), 400
    return None


@bp.route("/exams/<int:exam_id>/tickets", methods=["GET", "POST"])
@access.allow(policy.can_run_rooms)
def tickets_page(exam_id: int):
    exam = _room_exam(exam_id)
    s = db.session()
    lines = exam_tickets.ticket_lines(s, exam)
    form = IssueTicketsForm()
    problem, status = None, 200
    if form.validate_on_submit():
        refusal = _refusal(form, lines)
        if refusal is not None:
            problem, status = refusal
        else:
            usernames = None if form.scope.data == "all" else request.form.getlist("username")
            try:
                issued = exam_tickets.issue_tickets(s, exam, current_user.id, usernames,
                                                     key=app_ticket_key())
            except ExamError as exc:
                db.settle(exc)
                problem, status = translated(exc), exc.status
            else:
                return _print_page(exam, issued)
    elif form.is_submitted():
        problem, status = _("The form was not understood; nothing was issued. Reload the page and try "
                            "again."), 400
    return render_template("exams/tickets.html", exam=exam, lines=lines, form=form, problem=problem,
                           issued_mark=_issued_mark(lines),
                           holding=sum(1 for line in lines if line.issued_at and not line.used_at),
                           used=sum(1 for line in lines if line.used_at)), status


def _print_page(exam: Exam, issued: list[IssuedTicket]):
    html = render_template("exams/tickets_print.html", exam=exam, tickets=issued,
                           per_page=SLIPS_PER_PAGE,
                           login_url=url_for(".ticket_login", _external=True))
    return html, 200, NO_STORE


@bp.route("/exams/<int:exam_id>/tickets.csv", methods=["POST"])
@access.allow(policy.can_run_rooms)
def tickets_download(exam_id: int):
    exam = _room_exam(exam_id)
    usernames, tickets = request.form.getlist("username"), request.form.getlist("ticket")
    if len(usernames) != len(tickets) or len(usernames) > MAX_DOWNLOAD:
        abort(400, _("The list of tickets was not sent whole; download it from the page shown after "
                     "issuing."))
    checked = exam_tickets.current_tickets(db.session(), exam, list(zip(usernames, tickets, strict=True)),
                                           key=app_ticket_key())
    # The byte order mark tells Excel the file is UTF-8, so Vietnamese names show as written.
    return Response("\ufeff" + tickets_csv(checked), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="exam-{exam.id}-tickets.csv"', **NO_STORE})


def _login_page(form: TicketLoginForm, problem: str | None):
    """The login page with the ticket box in focus and, after a refusal, why (as a sentence)."""
    return render_template("auth/login.html", form=LoginForm(formdata=None),
                           ticket_problem=problem,
                           ticket_value=form.ticket.data or "", ticket_focus=True)


@bp.route("/login/ticket", methods=["GET", "POST"])
@admission.sheds_when_busy
@access.public
def ticket_login():
    form = TicketLoginForm()
    if form.validate_on_submit():
        try:
            _user, exam = log_in_with_ticket(form.ticket.data)
        except errors.TooManyTickets as exc:
            problem = _("Too many wrong tickets from this computer. Try again in %(s)s seconds.",
                        s=exc.retry_after)
            return _login_page(form, problem), 429, {"Retry-After": str(exc.retry_after)}
        except errors.TicketRefused as exc:
            return _login_page(form, translated(exc)), 401
        return redirect(url_for("paper_pages.start_page", exam_id=exam.id), 303)
    if form.is_submitted():
        return _login_page(form, " ".join(form.ticket.errors) or None), 400
    return _login_page(form, None)

"""One error shape for the whole JSON API: {"error": {"code", "message"}} with a 4xx/5xx status."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from examapp import db
from examapp.errors import Refusal
from examapp.messages import translated

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 410: "gone", 413: "too_large",
    415: "unsupported_media_type", 422: "unprocessable", 429: "too_many_requests",
    500: "internal_error", 503: "unavailable",
}
UNAUTHORIZED = ("log in first (POST /api/v1/auth/login) or send a valid API token in the header "
                "Authorization: Bearer <token>")
# What an error page says when the view gave no message of its own.
PAGE_MESSAGES = {
    400: _l("The request could not be understood. Go back and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("This page does not exist."),
    405: _l("This page cannot be used this way."),
    410: _l("This is no longer available."),
    429: _l("Too many requests. Wait a moment and try again."),
    500: _l("Something went wrong on the server. It has been logged; try again later."),
}


class ApiError(Refusal):
    """A refusal decided by an API view itself (a malformed body, a field the route does not take)."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or {}


def error_body(status: int, message: str, code: str | None = None):
    response = jsonify({"error": {"code": code or CODES.get(status, "error"), "message": message}})
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(exc: HTTPException):
    status = exc.code or 500
    message = exc.description or exc.name
    if status == 400 and "JSON" in message:
        message = "the request body is not valid JSON"
    if status == 413:
        limit = request.max_content_length or 0
        message = f"the upload is larger than the limit of {limit / (1024 * 1024):g} MB"
    if _wants_json():
        if status == 401 and exc.description == type(exc).description:
            message = UNAUTHORIZED  # Werkzeug's default speaks of browsers and passwords
        response = error_body(status, message)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="examapp"'
    else:
        page = render_template("error.html", status=status, message=_page_message(exc, status))
        response = make_response(page, status)
    for name, value in exc.get_headers():
        if name in ("Retry-After", "Allow"):
            response.headers[name] = value
    return response


def _page_message(exc: HTTPException, status: int) -> str:
    """Pages speak the reader's language; a view's own abort() message is already translated."""
    if status == 413:
        limit = (request.max_content_length or 0) / (1024 * 1024)
        return _("The file is larger than the limit of %(mb)s MB.", mb=format_decimal(round(limit, 1)))
    if exc.description and exc.description != type(exc).description:
        return exc.description
    return str(PAGE_MESSAGES.get(status, _l("The request could not be completed.")))


def _refused(exc: Refusal):
    """Every refusal a route lets go: JSON with its status on the API, the error page on pages.
    The request keeps its changes only if the refusal says so (db.settle)."""
    db.settle(exc)
    if _wants_json():
        response = error_body(exc.status, str(exc), exc.code)
    else:
        page = render_template("error.html", status=exc.status, message=translated(exc),
                               retry_after=exc.retry_after)
        response = make_response(page, exc.status)
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    response.headers.update(getattr(exc, "headers", {}))
    return response


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    current_app.logger.exception("unhandled error")
    if _wants_json():
        return error_body(500, "internal error; it has been logged")
    return render_template("error.html", status=500, message=PAGE_MESSAGES[500]), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Refusal, _refused)
    if not app.testing:
        app.register_error_handler(Exception, _unexpected)

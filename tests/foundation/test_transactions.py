"""One transaction policy for every request: commit once if it succeeded, roll back once if it did
not, and a refusal decides for itself only through keep_changes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from examapp import access, db
from examapp.errors import Conflict, Refusal
from examapp.orgs.models import OrgUnit
from examapp.orgs.service import create_unit

PACKAGE = Path(__file__).resolve().parents[2] / "examapp"


class KeptRefusal(Conflict):
    keep_changes = True


@pytest.fixture
def routes(app):
    """Routes that write a unit, then answer in each way a view can."""

    def write(code: str) -> None:
        create_unit(db.session(), code, code, None, "other")
        db.session().flush()

    @app.route("/_t/ok", methods=["POST"])
    @access.public
    def ok():
        write("ok")
        return "", 204

    @app.route("/_t/error", methods=["POST"])
    @access.public
    def error():
        write("error")
        return "refused", 400

    @app.route("/_t/refusal", methods=["POST"])
    @access.public
    def refusal():
        write("refusal")
        raise Conflict("it is taken")

    @app.route("/api/v1/_t/kept", methods=["POST"])
    @access.public
    def kept():
        write("kept")
        raise KeptRefusal("it ended on the way")

    @app.route("/_t/kept-error", methods=["POST"])
    @access.public
    def kept_error():
        write("history")
        db.keep_changes()
        return "rejected", 422

    return app.test_client()


def _units(app) -> set[str]:
    with app.app_context():
        return set(db.session().scalars(select(OrgUnit.code)))


def test_a_request_that_succeeds_is_committed(app, routes):
    assert routes.post("/_t/ok").status_code == 204
    assert _units(app) == {"ok"}


def test_a_request_that_answers_an_error_changes_nothing(app, routes):
    assert routes.post("/_t/error").status_code == 400
    assert _units(app) == set()


def test_a_refusal_answers_its_status_in_json_on_the_api_and_a_page_elsewhere(app, routes):
    page = routes.post("/_t/refusal")
    assert page.status_code == 409 and page.mimetype == "text/html"
    assert "It is taken" in page.get_data(as_text=True)
    api = routes.post("/api/v1/_t/kept")
    assert api.status_code == 409
    assert api.get_json() == {"error": {"code": "conflict", "message": "it ended on the way"}}


def test_a_refusal_rolls_back_unless_it_keeps_its_changes(app, routes):
    routes.post("/_t/refusal")
    assert _units(app) == set()
    routes.post("/api/v1/_t/kept")
    assert _units(app) == {"kept"}


def test_a_view_may_keep_what_an_error_answer_recorded(app, routes):
    assert routes.post("/_t/kept-error").status_code == 422
    assert _units(app) == {"history"}


def test_every_service_refusal_is_a_refusal():
    from examapp.auth.ratelimit import TooManyAttempts
    from examapp.auth.service import AccountError
    from examapp.banks.service import BankError
    from examapp.exams.errors import ExamError
    from examapp.orgs.service import UnitError

    for kind in (AccountError, BankError, ExamError, UnitError, TooManyAttempts):
        assert issubclass(kind, Refusal) and not issubclass(kind, ValueError), kind


def test_no_view_commits_or_rolls_back_by_itself():
    """Pages and API views leave the transaction to the request (db._finish_transaction)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        name = path.name
        is_view = name in ("views.py", "pages.py", "api.py") or name.endswith(("_pages.py", "_api.py"))
        if not is_view:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback"):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []

"""The API document is true: Schemathesis sends every operation requests generated from
/api/v1/openapi.json, valid and invalid ones, and each answer must be no 5xx and exactly what the
document says (status code, content type, and the response schema where one is declared).

Staff operations run as an admin, a candidate's own attempt operations as that candidate. Half
the examples aim their path ids at seeded rows (a bank with questions, an exam with candidates,
an attempt in progress) so the operations answer from data, not only with 404. The examples are
derandomised so a run is repeatable; EXAMAPP_SCHEMA_EXAMPLES raises their number (per operation
and kind of example) for a longer search by hand.
"""

from __future__ import annotations

import os
import re

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from examapp import db
from examapp.db import utcnow
from examapp.exams import attempts
from tests.factories import (
    bearer_headers,
    make_attempt,
    make_bank,
    make_contest,
    make_exam,
    make_token,
    make_unit,
    make_user,
    register_participant,
)

EXAMPLES = int(os.environ.get("EXAMAPP_SCHEMA_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CANDIDATE_OPERATIONS = {
    "POST /api/v1/exams/{exam_id}/attempts", "GET /api/v1/attempts/{attempt_id}",
    "PUT /api/v1/attempts/{attempt_id}/answers/{question_id}", "POST /api/v1/attempts/{attempt_id}/submit",
}
# A contest participant's own operations, run with the seeded participant's registration token.
PARTICIPANT_OPERATIONS = {
    "POST /api/v1/contests/{contest_id}/prediction", "GET /api/v1/contests/{contest_id}/leaderboard/me",
}
# Operations that end what the others work on (the attempt, the room, the exam) go last.
ENDINGS = ("submit", "force-submit", "close")


def seed(app) -> tuple[dict[str, object], str, dict[str, str]]:
    """The seeded rows' path values, the username of the candidate whose attempt is running, and
    the headers of a contest participant."""
    bank_id = make_bank(app)
    unit = make_unit(app, "CB1")
    sitter, assigned, other = (make_user(app, "candidate", unit=unit) for _ in range(3))
    exam_id = make_exam(app, bank_id, (sitter.username, assigned.username, other.username))
    with app.app_context():
        attempt = make_attempt(app, exam_id, sitter)
        question_id = attempts.attempt_paper(db.session(), attempt, utcnow()).questions[0].id
    contest_id = make_contest(app, bank_id, prediction_question="Bao nhiêu?",
                              prediction_target="participants")
    participant = register_participant(app.test_client(), contest_id)
    ids = {"bank_id": bank_id, "exam_id": exam_id, "attempt_id": attempt.id, "question_id": question_id,
           "username": assigned.username, "user_id": other.id, "contest_id": contest_id}
    return ids, sitter.username, participant["headers"]


def _order(operation) -> tuple[bool, str]:
    ends = operation.method.upper() == "DELETE" or operation.path.rsplit("/", 1)[-1] in ENDINGS
    return ends, operation.label


def cases(operation, seeded: dict[str, object]):
    """Valid and invalid requests, half of them (where the path has ids) on the seeded rows."""
    strategies = []
    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(mode))
        if seeded:
            strategies.append(operation.as_strategy(mode, path_parameters=seeded))
    return st.one_of(strategies), len(strategies)


def check(operation, seeded: dict[str, object], headers: dict[str, str]) -> str | None:
    """What Schemathesis found wrong with the operation's answers, or None."""
    strategy, kinds = cases(operation, seeded)

    @settings(max_examples=EXAMPLES * kinds, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def answers_as_documented(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        answers_as_documented()
    except (Exception, BaseExceptionGroup) as exc:  # Schemathesis' FailureGroup is a BaseExceptionGroup
        return f"{operation.label}: {exc}"
    return None


def test_every_operation_answers_as_the_document_says(csrf_on, app):
    ids, candidate, participant = seed(app)
    staff = bearer_headers(app, "admin")
    own = {"Authorization": f"Bearer {make_token(app, candidate)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The board's event stream is no JSON answer: tests/contests/test_pages.py reads its events.
    operations = sorted((op for op in (result.ok() for result in schema.get_all_operations())
                         if not op.path.endswith("/leaderboard/stream")), key=_order)
    assert len(operations) > 25

    def caller(label: str) -> dict[str, str]:
        if label in CANDIDATE_OPERATIONS:
            return own
        return participant if label in PARTICIPANT_OPERATIONS else staff

    found = [check(operation, {name: ids[name] for name in re.findall(r"{(\w+)}", operation.path)},
                   caller(operation.label))
             for operation in operations]
    failures = [failure for failure in found if failure]
    assert not failures, "\n\n".join(failures)

"""What /api/v1/openapi.json says about particular routes matches what they do."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from examapp.api.openapi import documented
from examapp.auth.roles import ROLES
from examapp.exams.responses import AnswerReceipt
from tests.factories import make_bank, make_client, make_exam
from tests.foundation.test_api import assert_error


@pytest.fixture
def spec(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def operation(spec: dict, method: str, path: str) -> dict:
    return spec["paths"][f"/api/v1{path}"][method]


def body_schema(spec: dict, method: str, path: str) -> dict:
    ref = operation(spec, method, path)["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]


def parameter(spec: dict, method: str, path: str, name: str) -> dict:
    return next(p for p in operation(spec, method, path)["parameters"] if p["name"] == name)


def test_query_parameters_have_their_types(spec):
    assert parameter(spec, "get", "/banks/{bank_id}/questions", "page")["schema"]["type"] == "integer"
    assert parameter(spec, "get", "/banks/{bank_id}/questions", "difficulty")["schema"]["enum"] == [
        "easy", "medium", "hard"]
    assert parameter(spec, "get", "/banks/{bank_id}/export.xlsx", "retired")["schema"]["type"] == "boolean"
    assert parameter(spec, "get", "/users", "role")["schema"]["enum"] == list(ROLES)


def test_ids_are_bounded_to_the_32_bit_columns(spec):
    assert parameter(spec, "get", "/exams/{exam_id}", "exam_id")["schema"] == {
        "type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    bank_id = body_schema(spec, "post", "/exams")["properties"]["bank_id"]
    assert (bank_id["minimum"], bank_id["maximum"]) == (-(2**31), 2**31 - 1)


def test_text_fields_say_no_nul_and_not_blank(spec):
    title = body_schema(spec, "post", "/exams")["properties"]["title"]
    assert title["pattern"] == r"^[^\x00]*$" and title["not"] == {"pattern": r"^\s*$"}
    assert body_schema(spec, "post", "/users")["properties"]["role"]["enum"] == list(ROLES)


def test_patch_fields_are_nullable_only_where_null_clears(spec):
    props = body_schema(spec, "patch", "/exams/{exam_id}")["properties"]
    assert props["title"]["type"] == "string" and "anyOf" not in props["title"]
    assert {"type": "null"} in props["opens_at"]["anyOf"]


def test_candidates_take_usernames_or_a_unit(spec):
    assert body_schema(spec, "post", "/exams/{exam_id}/candidates")["oneOf"] == [
        {"required": ["usernames"]}, {"required": ["unit"]}]
    assert body_schema(spec, "put", "/attempts/{attempt_id}/answers/{question_id}")["anyOf"] == [
        {"required": ["options"]}, {"required": ["flagged"]}]
    assert body_schema(spec, "patch", "/exams/{exam_id}")["minProperties"] == 1


def test_uploads_require_their_file(spec):
    form = operation(spec, "post", "/banks/{bank_id}/import")["requestBody"]["content"]["multipart/form-data"]
    assert form["schema"]["required"] == ["file"]
    assert form["schema"]["properties"]["file"] == {"type": "string", "format": "binary"}


def test_responses_say_their_statuses_and_content(spec):
    export = operation(spec, "get", "/banks/{bank_id}/export.xlsx")["responses"]["200"]["content"]
    assert list(export) == ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    start = operation(spec, "post", "/exams/{exam_id}/attempts")["responses"]
    assert {"200", "201", "403", "404", "409"} <= set(start)
    assert start["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Paper"}
    assert "4XX" not in start and "500" not in start
    assert "204" in operation(spec, "delete", "/exams/{exam_id}")["responses"]
    assert set(operation(spec, "get", "/health")["responses"]) == {"200"}


def test_an_anonymous_post_without_a_body_is_a_401_not_a_csrf_400(csrf_on, app):
    exam_id = make_exam(app, make_bank(app))
    assert_error(app.test_client().post(f"/api/v1/exams/{exam_id}/close"), 401)
    assert_error(app.test_client().post("/api/v1/users/import", data={"dry_run": "1"}), 401)


def test_a_cookie_session_post_without_its_csrf_token_is_still_refused(csrf_on, app):
    exam_id = make_exam(app, make_bank(app))
    admin = make_client(app, "admin")
    assert_error(admin.post(f"/api/v1/exams/{exam_id}/close"), 400, "CSRF")


def success_schemas(spec: dict):
    """(operation, status, schema) of every 2xx JSON answer the document declares."""
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            for status, answer in op["responses"].items():
                schema = answer.get("content", {}).get("application/json", {}).get("schema")
                if status.startswith("2") and schema is not None:
                    yield f"{method.upper()} {path}", status, schema


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_json_answer_has_a_schema_of_its_fields(spec):
    answers = list(success_schemas(spec))
    assert len(answers) > 25
    bare = [f"{label} {status}" for label, status, schema in answers
            if resolve(spec, schema) == {"type": "object"} or "$ref" not in schema]
    assert not bare, "answers without a response model: " + ", ".join(bare)


def test_an_answer_declares_every_field_it_may_carry(spec):
    loose = [f"{label} {status}" for label, status, schema in answers_of_objects(spec)
             if schema.get("additionalProperties") is not False]
    assert not loose, "answers that allow undeclared fields: " + ", ".join(loose)


def answers_of_objects(spec: dict):
    for label, status, schema in success_schemas(spec):
        schema = resolve(spec, schema)
        for option in schema.get("anyOf", [schema]):
            yield label, status, resolve(spec, option)


def test_a_candidates_paper_cannot_carry_the_answer_key(spec):
    schemas = spec["components"]["schemas"]
    for name in ("Paper", "PaperQuestion", "PaperOption", "CandidateExamView"):
        fields = set(schemas[name]["properties"])
        assert not fields & {"is_correct", "correct", "key", "answer"}, name
    assert schemas["PaperOption"]["additionalProperties"] is False
    paper = operation(spec, "post", "/exams/{exam_id}/attempts")["responses"]["201"]
    assert paper["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Paper"}


def test_moments_are_date_times_and_nullable_ones_say_so(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["Paper"]["properties"]["deadline"] == {
        "type": "string", "format": "date-time", "title": "Deadline"}
    assert schemas["ExamDefinition"]["properties"]["opens_at"]["anyOf"] == [
        {"type": "string", "format": "date-time"}, {"type": "null"}]
    assert "score" not in schemas["AttemptState"]["required"]
    assert "default" not in schemas["AttemptState"]["properties"]["score"]


def test_under_test_an_answer_beyond_its_model_fails_the_request(app):
    @documented("a receipt with the key on it", response=AnswerReceipt)
    def leaky():
        return {"saved_at": "2026-01-01T00:00:00.000+00:00", "revision": 1, "is_correct": True}

    @documented("a receipt", response=AnswerReceipt)
    def exact():
        return {"saved_at": "2026-01-01T00:00:00.000+00:00", "revision": 1}, 200

    with app.test_request_context():
        with pytest.raises(ValidationError, match="is_correct"):
            leaky()
        assert exact()[1] == 200

"""API routes describe themselves once; request bodies are validated and the spec is built from that.

`@documented(...)` on a JSON view records its summary, its pydantic models and the answers it
gives; the same models parse the request, so /api/v1/openapi.json cannot drift from what the
code accepts. Every request model applies the input policy of examapp.inputs (no NUL, 32-bit
integers, moments in range) and its document says so.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from flask import Flask, current_app, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import PydanticCustomError, core_schema

from examapp import inputs
from examapp.api.errors import CODES, ApiError

JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"type": "string", "format": "binary"}
# No NUL anywhere; a stripped field with a minimum length also needs one character that is not a space.
NO_NUL = r"^[^\x00]*$"
BLANK = r"^\s*$"


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused so a typo does not pass silently, and
    numbers and booleans must have their JSON type ("5" is not 5)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _follows_input_policy(cls, value: Any) -> Any:
        problem = inputs.problem_with(value)
        if problem is not None:
            raise PydanticCustomError("input_policy", str(problem))
        return value


def _without_defaults(schema: dict[str, Any]) -> None:
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class Reply(BaseModel):
    """Base of response models. A field the model does not declare breaks the document (no
    additional properties), so the schema test, and under test every request, catches a view that
    answers more than it says, an answer key on a candidate's paper included. A field with a
    default is one the answer may leave out; its default means nothing to a client and is not shown."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_without_defaults)


# Moments as the API writes them: ISO 8601 with the UTC offset.
Moment = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


def schema_rules(*, nullable: tuple[str, ...] = (), one_of: tuple[str, ...] = (),
                 any_of: tuple[str, ...] = (), non_empty: bool = False) -> Callable[[dict[str, Any]], None]:
    """`json_schema_extra` of a body whose optional fields mean "left out" rather than "null":
    only the `nullable` ones may be sent as null (the view refuses null for the others, or takes
    it as left out); of the `one_of` fields exactly one must be given, of `any_of` at least one;
    a `non_empty` body names at least one field."""

    def narrow(schema: dict[str, Any]) -> None:
        for name, prop in schema.get("properties", {}).items():
            options = prop.get("anyOf")
            if name in nullable or not options:
                continue
            kept = [option for option in options if option.get("type") != "null"]
            if len(kept) == 1:
                del prop["anyOf"]
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept
            if prop.get("default", "") is None:
                del prop["default"]
        if one_of:
            schema["oneOf"] = [{"required": [name]} for name in one_of]
        if any_of:
            schema["anyOf"] = [{"required": [name]} for name in any_of]
        if non_empty:
            schema["minProperties"] = 1

    return narrow


class _RequestSchema(GenerateJsonSchema):
    """JSON Schema of a request model as the input policy narrows it."""

    def str_schema(self, schema: core_schema.StringSchema) -> dict[str, Any]:
        json_schema = super().str_schema(schema)
        json_schema.setdefault("pattern", NO_NUL)
        if self._config.str_strip_whitespace and json_schema.get("minLength", 0) >= 1:
            json_schema["not"] = {"pattern": BLANK}
        return json_schema

    def int_schema(self, schema: core_schema.IntSchema) -> dict[str, Any]:
        json_schema = super().int_schema(schema)
        if "minimum" not in json_schema and "exclusiveMinimum" not in json_schema:
            json_schema["minimum"] = inputs.INT32_MIN
        if "maximum" not in json_schema and "exclusiveMaximum" not in json_schema:
            json_schema["maximum"] = inputs.INT32_MAX
        return json_schema

    def datetime_schema(self, schema: core_schema.DatetimeSchema) -> dict[str, Any]:
        json_schema = super().datetime_schema(schema)
        json_schema["description"] = f"with a time zone; {inputs.MOMENT_OUT_OF_RANGE}"
        return json_schema


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "body"
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown field '{field}'")
        elif err["type"] == "missing":
            parts.append(f"field '{field}' is required")
        else:
            parts.append(f"field '{field}': {err['msg']}")
    return "; ".join(parts)


def parse(model: type[BaseModel], data: Any, *, from_text: bool = False) -> BaseModel:
    """Validate a body; `from_text` for query strings, whose numbers necessarily arrive as text."""
    try:
        return model.model_validate(data, strict=False if from_text else None)
    except ValidationError as exc:
        raise ApiError(400, describe_validation_error(exc)) from None


def _json_number(text: str) -> float | int:
    """A JSON number with a fraction or exponent, as JSON Schema reads it: 5.0 is the integer 5."""
    value = float(text)
    return int(value) if value.is_integer() else value


def json_body() -> Any:
    if not request.is_json:
        raise ApiError(415, "send the body as JSON with Content-Type: application/json")
    too_deep = ApiError(400, f"the JSON body is nested more than {inputs.MAX_JSON_DEPTH} levels deep")
    try:
        data = json.loads(request.get_data(), parse_float=_json_number)
    except RecursionError:  # deeper than the parser goes
        raise too_deep from None
    except ValueError:
        raise ApiError(400, "the request body is not valid JSON") from None
    if inputs.json_depth(data) > inputs.MAX_JSON_DEPTH:
        raise too_deep
    return data


def _hold_to_model(model: type[BaseModel], answer: Any) -> None:
    """Under test, a JSON success answer must be what its model says, on every test's request and
    not only on the schema test's."""
    body, status = (answer[0], answer[1]) if isinstance(answer, tuple) else (answer, 200)
    if isinstance(body, dict) and 200 <= status < 300:
        model.model_validate_json(json.dumps(body), strict=True)


def documented(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    media_type: str = JSON,
    also: Mapping[int, str] | None = None,
    errors: Mapping[int, str] | None = None,
    multipart: Mapping[str, dict[str, Any]] | None = None,
) -> Callable:
    """Describe an API view; a `body`/`query` model is parsed and passed as a keyword argument.

    `status` and `media_type` are the success answer (`response` its model, which a JSON success
    answer is validated against under test), `also` other success statuses with the same content,
    `errors` the refusals particular to the route (the generic ones, such as 401 and 404, follow
    from the route's access rule, path and inputs), `multipart` the form fields of an upload (JSON
    Schemas; `file` is required).
    """

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def run(*args: Any, **kwargs: Any):
            if body is not None:
                kwargs["body"] = parse(body, json_body())
            if query is not None:
                kwargs["query"] = parse(query, request.args.to_dict(), from_text=True)
            answer = view(*args, **kwargs)
            if response is not None and current_app.testing:
                _hold_to_model(response, answer)
            return answer

        run.openapi = {
            "summary": summary, "body": body, "query": query, "response": response, "status": status,
            "media_type": media_type, "also": dict(also or {}), "errors": dict(errors or {}),
            "multipart": dict(multipart) if multipart else None,
        }
        return run

    return wrap


def _schema(model: type[BaseModel], components: dict, generator: type[GenerateJsonSchema]) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", schema_generator=generator)
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """One parameter per field; a query string has no null, so an optional field is just left out."""
    schema = model.model_json_schema(schema_generator=_RequestSchema)
    schema_rules()(schema)
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop,
             "description": prop.get("description", "")}
            for name, prop in schema["properties"].items()]


def _path_parameter(rule, name: str) -> dict[str, Any]:
    if isinstance(rule._converters[name], inputs.IdConverter):
        schema = {"type": "integer", "minimum": 1, "maximum": inputs.INT32_MAX}
    else:
        schema = {"type": "string", "minLength": 1, "pattern": r"^[^/\x00]+$"}
    return {"name": name, "in": "path", "required": True, "schema": schema}


# What any route may answer, by what it declares.
GENERIC_ERRORS = {
    "input": (400, "the input breaks the schema or the server's checks; the message says which"),
    "csrf": (400, "a call riding on a session cookie without its CSRF token (X-CSRFToken)"),
    "login": (401, "not logged in"),
    "role": (403, "the caller's role may not do this"),
    "path": (404, "no such resource (or an id outside 1..2147483647)"),
    "size": (413, "the body is larger than the upload limit"),
    "json": (415, "the body is not sent as application/json"),
}


def _error_statuses(doc: dict, method: str, access: Any, has_path_id: bool) -> dict[int, str]:
    kinds = []
    if doc["body"] or doc["query"] or doc["multipart"]:
        kinds.append("input")
    if method != "GET":
        kinds.append("csrf")
    if access != "public":
        kinds.append("login")
    if isinstance(access, frozenset):
        kinds.append("role")
    if has_path_id:
        kinds.append("path")
    if doc["body"] or doc["multipart"]:
        kinds.append("size")
    if doc["body"]:
        kinds.append("json")
    statuses: dict[int, str] = {}
    for kind in kinds:
        code, description = GENERIC_ERRORS[kind]
        statuses.setdefault(code, description)
    statuses.update(doc["errors"])
    return statuses


def _responses(doc: dict, errors: dict[int, str], components: dict) -> dict[str, Any]:
    if doc["media_type"] == JSON:
        schema = (_schema(doc["response"], components, GenerateJsonSchema) if doc["response"]
                  else {"type": "object"})
    else:
        schema = BINARY
    success = {"content": {doc["media_type"]: {"schema": schema}}} if doc["status"] != 204 else {}
    responses = {str(doc["status"]): {"description": "success", **success}}
    for code, description in doc["also"].items():
        responses[str(code)] = {"description": description, **success}
    for code, description in sorted(errors.items()):
        responses[str(code)] = {"description": description, "content": {JSON: {
            "schema": {"$ref": "#/components/schemas/Error"}}}}
    return responses


def _error_component() -> dict[str, Any]:
    return {
        "type": "object", "required": ["error"],
        "properties": {"error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string", "enum": sorted(set(CODES.values()))},
                           "message": {"type": "string"}}}},
    }


def build_spec(app: Flask) -> dict:
    paths: dict[str, dict] = {}
    components: dict[str, dict] = {"Error": _error_component()}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        doc = getattr(view, "openapi", None)
        if not rule.rule.startswith("/api/v1") or doc is None:
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for conv in ("int:", "string:", "path:"):
            path = path.replace("{" + conv, "{")
        access = getattr(view, "access", None)
        parameters = [_path_parameter(rule, arg) for arg in sorted(rule.arguments)]
        if doc["query"]:
            parameters += _query_parameters(doc["query"])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            errors = _error_statuses(doc, method, access, bool(rule.arguments))
            op: dict[str, Any] = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": doc["summary"],
                "tags": [rule.endpoint.split(".")[0]],
                "parameters": parameters,
                "responses": _responses(doc, errors, components),
                "security": [] if access == "public" else [{"bearer": []}, {"session": []}],
            }
            if doc["body"]:
                op["requestBody"] = {"required": True, "content": {
                    JSON: {"schema": _schema(doc["body"], components, _RequestSchema)}}}
            if doc["multipart"]:
                op["requestBody"] = {"required": True, "content": {"multipart/form-data": {
                    "schema": {"type": "object", "properties": doc["multipart"], "required": ["file"]}}}}
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "examapp API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }

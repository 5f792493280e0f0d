"""API routes describe themselves once; request bodies are validated and the spec is built from that.

`@documented(...)` on a JSON view records its summary and pydantic models; the same models
parse the request, so /api/v1/openapi.json cannot drift from what the code accepts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, request
from pydantic import BaseModel, ConfigDict, ValidationError

from examapp.api.errors import ApiError


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused so a typo does not pass silently, and
    numbers and booleans must have their JSON type ("5" is not 5)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


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


def json_body() -> Any:
    if not request.is_json:
        raise ApiError(415, "send the body as JSON with Content-Type: application/json")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "the request body is not valid JSON")
    return data


def documented(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    multipart: dict[str, str] | None = None,
) -> Callable:
    """Describe an API view; a `body`/`query` model is parsed and passed as a keyword argument."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def run(*args: Any, **kwargs: Any):
            if body is not None:
                kwargs["body"] = parse(body, json_body())
            if query is not None:
                kwargs["query"] = parse(query, request.args.to_dict(), from_text=True)
            return view(*args, **kwargs)

        run.openapi = {
            "summary": summary, "body": body, "query": query, "response": response,
            "status": status, "multipart": multipart,
        }
        return run

    return wrap


def _schema(model: type[BaseModel], components: dict) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def build_spec(app: Flask) -> dict:
    paths: dict[str, dict] = {}
    components: dict[str, dict] = {
        "Error": {
            "type": "object",
            "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string"}, "message": {"type": "string"}}}},
        }
    }
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        doc = getattr(view, "openapi", None)
        if not rule.rule.startswith("/api/v1") or doc is None:
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for conv in ("int:", "string:", "path:"):
            path = path.replace("{" + conv, "{")
        access = getattr(view, "access", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": doc["summary"],
                "tags": [rule.endpoint.split(".")[0]],
                "parameters": [
                    {"name": arg, "in": "path", "required": True,
                     "schema": {"type": "integer" if rule._converters[arg].__class__.__name__
                                == "IntegerConverter" else "string"}}
                    for arg in rule.arguments
                ],
                "responses": {
                    str(doc["status"]): {"description": "success", "content": {
                        "application/json": {"schema": _schema(doc["response"], components)
                                             if doc["response"] else {"type": "object"}}}},
                    "4XX": {"description": "error", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}}}},
                },
            }
            if access != "public":
                op["security"] = [{"bearer": []}, {"session": []}]
            else:
                op["security"] = []
            if doc["query"]:
                for name, field in doc["query"].model_fields.items():
                    op["parameters"].append({"name": name, "in": "query",
                                             "required": field.is_required(),
                                             "schema": {"type": "string"},
                                             "description": field.description or ""})
            if doc["body"]:
                op["requestBody"] = {"required": True, "content": {
                    "application/json": {"schema": _schema(doc["body"], components)}}}
            if doc["multipart"]:
                op["requestBody"] = {"required": True, "content": {"multipart/form-data": {
                    "schema": {"type": "object", "properties": {
                        name: ({"type": "string", "format": "binary"} if kind == "file"
                               else {"type": kind}) for name, kind in doc["multipart"].items()}}}}}
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

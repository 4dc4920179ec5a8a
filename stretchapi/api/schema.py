"""drf-spectacular hooks: document the error contract and conditional GET on every operation."""

from __future__ import annotations

from typing import Any

from .errors import PROBLEM_CONTENT_TYPE

PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "properties": {
        "type": {
            "type": "string",
            "description": "URI naming the kind of problem.",
            "example": "urn:stretchapi:problem:not_found",
        },
        "title": {"type": "string", "description": "Short, human-readable summary of the kind of problem."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong in this occurrence."},
        "code": {"type": "string", "description": "Stable machine-readable code; clients switch on it."},
        "instance": {"type": "string", "description": "The request path that failed."},
    },
    "required": ["type", "title", "status", "detail", "code"],
}

FIELD_ERROR = {
    "type": "object",
    "properties": {
        "field": {
            "type": "string",
            "nullable": True,
            "description": "Path of the offending input, e.g. `holds[3].intensity`; null for whole-request errors.",
        },
        "code": {"type": "string", "description": "Stable machine-readable code, e.g. `required`, `max_value`."},
        "message": {"type": "string"},
    },
    "required": ["field", "code", "message"],
}

VALIDATION_PROBLEM = {
    "allOf": [
        {"$ref": "#/components/schemas/Problem"},
        {
            "type": "object",
            "properties": {"errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}}},
            "required": ["errors"],
        },
    ]
}

DESCRIPTIONS = {
    "400": "Invalid input: the `errors` list names each offending field.",
    "401": "No valid credentials: send `Authorization: Bearer <token>` (see `WWW-Authenticate`).",
    "404": "No such resource (another user's objects are reported as missing too).",
    "406": "None of the media types in `Accept` can be served.",
    "413": "The request body is larger than the service accepts.",
    "415": "The request body is not `application/json`.",
    "500": "The service failed; the problem was logged.",
    "503": "The database cannot be reached (`database_unavailable`): retry after `Retry-After` seconds.",
}

RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."},
}


def _problem_response(code: str, schema: str = "Problem", description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or DESCRIPTIONS[code],
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _requires_auth(operation: dict[str, Any]) -> bool:
    security = operation.get("security")
    return bool(security) and {} not in security


def add_problem_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """Postprocessing hook: add the problem components and responses, and the ETag contract."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM
    schemas["FieldError"] = FIELD_ERROR
    schemas["ValidationProblem"] = VALIDATION_PROBLEM

    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            params = operation.get("parameters", [])
            takes_input = "requestBody" in operation or any(p.get("in") == "query" for p in params)
            if takes_input:
                responses.setdefault("400", _problem_response("400", "ValidationProblem"))
            if "requestBody" in operation:
                responses.setdefault("413", _problem_response("413"))
                responses.setdefault("415", _problem_response("415"))
            if _requires_auth(operation):
                responses.setdefault("401", _problem_response("401"))
            if "{" in path or any(p.get("name") == "page" for p in params):
                responses.setdefault("404", _problem_response("404"))
            responses.setdefault("406", _problem_response("406"))
            responses.setdefault("500", _problem_response("500"))
            responses.setdefault("503", {**_problem_response("503"), "headers": RETRY_AFTER})
            for code, response in responses.items():
                # Errors declared by a view with only a description get the problem body.
                if code[0] in "45" and "content" not in response:
                    response.update(_problem_response(code, description=response.get("description")))
            if "catalog" in operation.get("tags", []) and method == "get":
                _add_conditional_get(operation)
            if operation.get("operationId") in SESSION_ETAG_OPERATIONS:
                for code in ("200", "201"):
                    if code in responses:
                        responses[code].setdefault("headers", {}).update(SESSION_ETAG)
    return result


SESSION_ETAG_OPERATIONS = {"session_upload", "session_retrieve", "session_update"}
SESSION_ETAG = {
    "ETag": {
        "schema": {"type": "string"},
        "description": "The session's version; send it back in If-Match to change or delete the session.",
    }
}


def _add_conditional_get(operation: dict[str, Any]) -> None:
    operation.setdefault("parameters", []).append(
        {
            "in": "header",
            "name": "If-None-Match",
            "required": False,
            "schema": {"type": "string"},
            "description": "An ETag from an earlier response; 304 when the catalog has not changed since.",
        }
    )
    etag = {"ETag": {"schema": {"type": "string"}, "description": "Changes whenever the catalog changes."}}
    for code, response in operation["responses"].items():
        if code == "200":
            response.setdefault("headers", {}).update(etag)
    operation["responses"]["304"] = {
        "description": "Not modified: the copy the client holds is current.",
        "headers": etag,
    }

"""drf-spectacular hooks: document the error contract and conditional GET on every operation."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import is_list_serializer
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated

from .errors import PROBLEM_CONTENT_TYPE
from .parsers import JSON_MAX_DEPTH
from .serializers import RejectUnknownFieldsMixin

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(openapi.AutoSchema):
    """Adds the 403 and 429 answers an operation can give, read from its view's permissions and throttles.

    A 403 comes from a permission beyond "signed in" (its message is the
    description), or, on writes, from a browser session without its CSRF token.
    The postprocessing hook below gives these answers their problem body.

    A public operation (every permission `AllowAny`, or none) declares `security: []`, so that
    generated clients call it without credentials. Where the view still reads a token (the
    catalog: a signed-in caller's plan carries their health warnings), a token that is sent
    must be valid: a 401 otherwise, documented as such.
    """

    def _map_basic_serializer(self, serializer, direction):
        """A strict input serializer refuses unknown fields: its component says so (`additionalProperties:
        false`), so that generated clients offer no free-form extras and fuzzers send none as valid data.
        Its description is its own docstring, never the one it inherits from `StrictSerializer`."""
        schema = super()._map_basic_serializer(serializer, direction)
        if isinstance(serializer, RejectUnknownFieldsMixin):
            schema["additionalProperties"] = False
            if type(serializer).__doc__ is None:
                schema.pop("description", None)
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A nested list (`Serializer(many=True, min_length=…, max_length=…)`) states its bounds, which the
        generator leaves out: `holds` takes at most 300 rows, a program at least one item."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if is_list_serializer(field) and schema and schema.get("type") == "array":
            low = field.min_length if field.min_length is not None else (0 if field.allow_empty else 1)
            if low:
                schema["minItems"] = low
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema

    def _insert_field_validators(self, field, schema):
        """A field whose rule lives outside DRF's validators (Django's password validators) names the bound to
        document as `documented_min_length`."""
        super()._insert_field_validators(field, schema)
        if getattr(field, "documented_min_length", None):
            schema["minLength"] = field.documented_min_length

    def is_public(self) -> bool:
        return all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if not operation:
            return operation
        responses = operation.setdefault("responses", {})
        if self.is_public():
            operation["security"] = []
            if self.view.get_authenticators():
                responses.setdefault("401", {"description": STALE_CREDENTIALS_ON_PUBLIC})
        refusals = [
            str(getattr(permission, "message", "You may not do this."))
            for permission in self.view.get_permissions()
            if not isinstance(permission, (AllowAny, IsAuthenticated))
        ]
        if self.method in UNSAFE_METHODS and any(
            isinstance(authenticator, SessionAuthentication) for authenticator in self.view.get_authenticators()
        ):
            refusals.append("A browser session (cookie) sent this write without its CSRF token.")
        if refusals:
            responses.setdefault("403", {"description": " Or: ".join(refusals)})
        if self.view.get_throttles():
            responses.setdefault("429", {"description": "Too many requests: wait for `Retry-After` seconds."})
        return operation


STALE_CREDENTIALS_ON_PUBLIC = (
    "Only when an `Authorization` header is sent and its token is not valid (expired, revoked, mistyped): "
    "no credentials are needed here, but a stale token is refused rather than silently ignored."
)

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
        "request_id": {
            "type": "string",
            "description": "The request's id, as in its `X-Request-ID` header and the log: quote it in a report.",
        },
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

BAD_REQUEST = {
    "description": (
        "A validation problem (`code` `validation_error`, with an `errors` entry per offending field) or another "
        "request the service cannot take, such as a body that is not JSON (`parse_error`), nests arrays and "
        f"objects deeper than {JSON_MAX_DEPTH} levels (`json_too_deep`) or writes a key twice in one object "
        "(`duplicate_key`, with an `errors` entry naming the key's path)."
    ),
    "anyOf": [{"$ref": "#/components/schemas/ValidationProblem"}, {"$ref": "#/components/schemas/Problem"}],
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
    "400": "Invalid input: for a validation problem, the `errors` list names each offending field.",
    "401": "No valid credentials: send `Authorization: Bearer <token>` (see `WWW-Authenticate`).",
    "404": "No such resource (another user's objects are reported as missing too).",
    "406": "None of the media types in `Accept` can be served.",
    "413": "The request body is larger than the service accepts.",
    "415": "The request body is not `application/json`.",
    "500": "The service failed; the problem was logged.",
    "503": (
        "The database cannot be reached (`database_unavailable`) or took longer than the service allows "
        "(`statement_timeout`): retry after `Retry-After` seconds."
    ),
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
    schemas["BadRequestProblem"] = BAD_REQUEST

    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            params = operation.get("parameters", [])
            takes_input = "requestBody" in operation or any(p.get("in") == "query" for p in params)
            if takes_input:
                responses.setdefault("400", _problem_response("400", "BadRequestProblem"))
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
            for code, links in SESSION_LINKS.get(operation.get("operationId"), {}).items():
                responses[code]["links"] = {name: LINKS[name] for name in links}
    return result


# OpenAPI links: what a client can do next with a session it just stored, read or changed (its id, and its
# ETag for If-Match). Generated clients and stateful testing follow them.
_SESSION_ID = {"path.id": "$response.body#/id"}
_SESSION_ID_AND_ETAG = {**_SESSION_ID, "header.If-Match": "$response.header.ETag"}
LINKS = {
    "ReadSession": {"operationId": "session_retrieve", "parameters": _SESSION_ID},
    "ChangeSession": {"operationId": "session_update", "parameters": _SESSION_ID_AND_ETAG},
    "DeleteSession": {"operationId": "session_delete", "parameters": _SESSION_ID_AND_ETAG},
    "LogHold": {"operationId": "session_hold_append", "parameters": _SESSION_ID},
    "LogStopEvent": {"operationId": "session_stop_event_append", "parameters": _SESSION_ID},
}
_AFTER_UPLOAD = ["ReadSession", "ChangeSession", "DeleteSession", "LogHold", "LogStopEvent"]
SESSION_LINKS = {
    "session_upload": {"201": _AFTER_UPLOAD, "200": _AFTER_UPLOAD},
    "session_retrieve": {"200": ["ChangeSession", "DeleteSession", "LogHold", "LogStopEvent"]},
    "session_update": {"200": ["ReadSession", "DeleteSession"]},
}


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


def request_defaults_are_optional(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """Postprocessing hook: in a component that only requests use, a field the server fills in is optional.

    Such a field is already left out of `required`, but OpenAPI's `default` makes generators such as
    openapi-typescript 7 (`defaultNonNullable`, on by default) type it as a property the client must send.
    The server's value moves from `default` into the description, where every reader still finds it;
    the answers always carry the field (their components list it as required).
    """
    schemas = result.get("components", {}).get("schemas", {})
    in_responses = _referenced(
        [response for ops in result.get("paths", {}).values() for op in ops.values() if isinstance(op, dict)
         for response in op.get("responses", {}).values()],
        schemas,
    )  # fmt: skip
    for name in _referenced(
        [op["requestBody"] for ops in result.get("paths", {}).values() for op in ops.values() if "requestBody" in op],
        schemas,
    ):
        if name in in_responses:
            continue
        for field in schemas[name].get("properties", {}).values():
            if "default" in field:
                default = field.pop("default")
                said = f"Left out, the server uses `{default}`."
                field["description"] = f"{field['description']}\n\n{said}" if field.get("description") else said
    return result


def _referenced(roots: list[Any], schemas: dict[str, Any]) -> set[str]:
    """The names of the components reachable from `roots` through `$ref`s."""
    found: set[str] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in found and name in schemas:
                    found.add(name)
                    stack.append(schemas[name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found

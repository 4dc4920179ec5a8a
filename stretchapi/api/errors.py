"""One error contract for the whole API: RFC 9457 problem details.

Every error leaves as `application/problem+json`:

    {"type": "urn:stretchapi:problem:validation_error", "title": "Invalid input.",
     "status": 400, "detail": "…", "code": "validation_error", "instance": "/api/v1/…",
     "errors": [{"field": "holds[3].intensity", "code": "max_value", "message": "…"}]}

`code` is stable: mobile clients switch on it.

`problem_exception_handler` is the one place errors become problems:

- the domain's errors (`stretchapi/errors.py`), which know nothing of DRF:
  `InvalidData` is the same 400 `validation_error` a serializer's
  `ValidationError` gives, one `errors` entry per `FieldProblem`; any other
  `DomainError` leaves with its own `status`, `code`, `title`, `detail` and
  `extra` members;
- DRF's `APIException`s, and `ApiError`, the few errors only the API knows
  (`RequestTooLarge`, `DatabaseUnavailable`, `StatementTimeout`);
- Django's 404, 403 and oversized bodies, and a database that cannot be
  reached or timed out (503 with Retry-After).

Anything else is a bug and is left to Django's 500 handling.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from stretchapi.errors import DomainError, InvalidData

from .observability import current_request_id

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:stretchapi:problem:"

TITLES = {
    400: "Invalid request.",
    401: "Authentication required.",
    403: "Permission denied.",
    404: "Not found.",
    405: "Method not allowed.",
    406: "Not acceptable.",
    409: "Conflict.",
    412: "Precondition failed.",
    413: "Request body too large.",
    415: "Unsupported media type.",
    429: "Too many requests.",
    500: "Internal server error.",
    503: "Service unavailable.",
}


class ProblemJSONRenderer(JSONRenderer):
    """Renders problem documents with their own media type."""

    media_type = PROBLEM_CONTENT_TYPE
    format = "problem+json"


class ApiError(exceptions.APIException):
    """Base of the errors only the API raises (the domain's are `stretchapi.errors.DomainError`).

    Subclasses set `status_code`, `default_code` (the stable machine code),
    `title` and `default_detail`; `extra` adds members to the problem document.
    """

    status_code = 400
    default_code = "bad_request"
    title = "Invalid request."
    default_detail = "The request cannot be processed."

    def __init__(self, detail: str | None = None, *, extra: dict[str, Any] | None = None):
        super().__init__(detail=detail, code=self.default_code)
        self.extra = extra or {}


class RequestTooLarge(ApiError):
    """The body is over DATA_UPLOAD_MAX_MEMORY_SIZE; Django would call it a plain 400."""

    status_code = 413
    default_code = "request_too_large"
    title = "Request body too large."
    default_detail = "The request body is larger than the service accepts."


class DatabaseUnavailable(ApiError):
    """The database cannot be reached (down, restarting, connection lost): a retry will do."""

    status_code = 503
    default_code = "database_unavailable"
    title = "Service unavailable."
    default_detail = "The database cannot be reached. Try again shortly."
    wait = 5  # seconds, sent as Retry-After


# What a lost, refused or broken database connection raises: Django's wrappers,
# and psycopg's own classes for anything that escapes them.
DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


class StatementTimeout(ApiError):
    """PostgreSQL cancelled a statement that ran past DATABASE_STATEMENT_TIMEOUT (SQLSTATE 57014)."""

    status_code = 503
    default_code = "statement_timeout"
    title = "Service unavailable."
    default_detail = "The database took too long to answer and the request was stopped. Try again shortly."
    wait = 5  # seconds, sent as Retry-After


def _is_statement_timeout(exc: Exception) -> bool:
    return isinstance(exc, DatabaseError) and getattr(exc.__cause__, "sqlstate", None) == "57014"


def problem(status: int, code: str, detail: str, *, title: str | None = None, **extra: Any) -> dict[str, Any]:
    """The body of one problem document."""
    body = {
        "type": f"{TYPE_PREFIX}{code}",
        "title": title or TITLES.get(status, "Error."),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if (request_id := current_request_id()) is not None:
        body["request_id"] = request_id  # the same id as the request's log line and X-Request-ID
    body.update(extra)
    return body


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str | None]]:
    """Turn DRF's nested error detail into `[{field, code, message}]`.

    Nested serializers become dotted paths and list items get an index, so a
    client can point at the exact input: `holds[3].intensity`.
    """
    out: list[dict[str, str | None]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                out.extend(flatten_errors(value, prefix))
            elif isinstance(key, int):  # DRF reports list items by index: {"holds": {3: {...}}}
                out.extend(flatten_errors(value, f"{prefix}[{key}]"))
            else:
                out.extend(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list)):
                out.extend(flatten_errors(item, f"{prefix}[{index}]"))
            else:
                out.extend(flatten_errors(item, prefix))
    else:
        code = getattr(detail, "code", None) or "invalid"
        out.append({"field": prefix or None, "code": str(code), "message": str(detail)})
    return out


def validation_error(exc: InvalidData) -> exceptions.ValidationError:
    """The domain's refused input as DRF's `ValidationError`: each problem under its field path, in order."""
    return exceptions.ValidationError(
        {
            field or api_settings.NON_FIELD_ERRORS_KEY: [
                exceptions.ErrorDetail(message, code=code) for code, message in problems
            ]
            for field, problems in exc.errors.items()
        }
    )


def _domain_problem(exc: DomainError, request) -> dict[str, Any]:
    instance = request.get_full_path() if request is not None else None
    body = problem(exc.status, exc.code, str(exc.detail), title=exc.title, instance=instance)
    body.update(exc.extra)
    return body


def _problem_for(exc: exceptions.APIException, request) -> dict[str, Any]:
    status = exc.status_code
    instance = request.get_full_path() if request is not None else None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        fields = sorted({e["field"] for e in errors if e["field"]})
        detail = f"Invalid value for: {', '.join(fields)}." if fields else errors[0]["message"]
        return problem(status, "validation_error", detail, title="Invalid input.", instance=instance, errors=errors)
    detail = exc.detail
    if isinstance(detail, (list, dict)):
        detail = "; ".join(e["message"] for e in flatten_errors(detail))
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    body = problem(status, str(code), str(detail), title=getattr(exc, "title", None), instance=instance)
    body.update(getattr(exc, "extra", {}))
    return body


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every handled error becomes a problem document."""
    if isinstance(exc, InvalidData):
        exc = validation_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(f"The body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif _is_statement_timeout(exc):
        exc = StatementTimeout()
    elif isinstance(exc, DATABASE_UNAVAILABLE_ERRORS):
        exc = database_unavailable(exc, context.get("request"))
    if not isinstance(exc, exceptions.APIException | DomainError):
        return None  # a bug: let it reach Django's 500 handling (and the middleware)

    request = context.get("request")
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        view = context.get("view")
        auth_header = view.get_authenticate_header(request) if view is not None and request is not None else None
        if auth_header:
            headers["WWW-Authenticate"] = auth_header
    if request is not None:
        # Errors are always JSON, whatever renderer the client negotiated
        # (or failed to negotiate, for a 406).
        request.accepted_renderer = ProblemJSONRenderer()
        request.accepted_media_type = PROBLEM_CONTENT_TYPE
    set_rollback()
    if isinstance(exc, DomainError):
        return Response(_domain_problem(exc, request), status=exc.status, headers=headers)
    return Response(_problem_for(exc, request), status=exc.status_code, headers=headers)


def database_unavailable(exc: Exception, request) -> DatabaseUnavailable:
    """Log a database failure (without a traceback: it is the database, not a bug) and name it for the client."""
    logger.warning("Database unavailable for %s: %s", request.get_full_path() if request else "?", exc)
    return DatabaseUnavailable()


def problem_response(request: HttpRequest, status: int, code: str, detail: str) -> JsonResponse:
    """A problem document outside DRF (Django's own 404/500, the middleware)."""
    return JsonResponse(
        problem(status, code, detail, instance=request.get_full_path()),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def database_unavailable_response(request: HttpRequest, exc: Exception) -> JsonResponse:
    """The 503 for a database failure outside DRF's views, with the same body and Retry-After."""
    error = database_unavailable(exc, request)
    response = problem_response(request, error.status_code, error.default_code, str(error.detail))
    response["Retry-After"] = str(error.wait)
    return response

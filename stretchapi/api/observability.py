"""Each request's id, time and query count, and the one log line that reports them.

`RequestContextMiddleware` runs outermost. It takes the caller's `X-Request-ID` when it is
a plausible id (`REQUEST_ID_PATTERN`) and makes one otherwise, returns it in the
`X-Request-ID` response header, holds it for the problem documents (`current_request_id`,
read by `stretchapi.api.errors.problem`), and counts the SQL statements the request runs on
every database alias with `execute_wrapper`.

django-structlog's `RequestMiddleware`, next inside, writes the request line
(`request_finished`, or `request_failed` with the traceback of an exception no view
handled). The receivers below give it this request id and the fields of the line:
method, path (never the query string), status, duration in milliseconds and queries.
Its `request_started` line is logged at DEBUG (settings), so at INFO there is one line
per request. Statements a streamed export runs after the response has left the view are
not counted.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from contextvars import ContextVar

import structlog
from django.db import connections
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty
from django_structlog import signals

REQUEST_ID_HEADER = "X-Request-ID"
# What a caller's id may be: 8 to 128 letters, digits, `.`, `_`, `:` or `-` (a UUID, a
# proxy's or a tracer's id). Anything else is replaced, so that no log line or header
# carries what a caller typed.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{8,128}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this thread is answering, None outside a request."""
    return _request_id.get()


def accepted_request_id(value: str | None) -> str:
    """The caller's id when it is acceptable, else a new one."""
    if value and REQUEST_ID_PATTERN.fullmatch(value):
        return value
    return uuid.uuid4().hex


class QueryCounter:
    """An `execute_wrapper`: counts each statement (each batch of `executemany`) it lets through."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.started = time.perf_counter()
        request.queries = QueryCounter()
        token = _request_id.set(request.request_id)
        try:
            with ExitStack() as stack:
                for alias in connections:
                    stack.enter_context(connections[alias].execute_wrapper(request.queries))
                response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


def user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, if authentication already looked; never a lookup of its own.

    Reading a user nobody asked for would cost a session query after the answer, and fail
    outside every error handler when the database is down.
    """
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    return getattr(user, "pk", None)


def request_fields(request: HttpRequest, status: int) -> dict[str, object]:
    """The request line's own fields (the request id comes from the log context)."""
    started = getattr(request, "started", None)
    queries = getattr(request, "queries", None)
    return {
        "user_id": user_id(request),
        "method": request.method,
        "path": request.path,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
        "queries": queries.count if queries is not None else None,
    }


@receiver(signals.bind_extra_request_metadata, dispatch_uid="stretchapi.request_id")
def _bind_request_id(request: HttpRequest, log_kwargs: dict, **kwargs) -> None:
    if getattr(request, "request_id", None):
        structlog.contextvars.bind_contextvars(request_id=request.request_id)
    log_kwargs.clear()
    log_kwargs.update(method=request.method, path=request.path)


@receiver(signals.bind_extra_request_finished_metadata, dispatch_uid="stretchapi.request_finished")
def _request_finished_fields(request: HttpRequest, response: HttpResponse, log_kwargs: dict, **kwargs) -> None:
    log_kwargs.clear()
    log_kwargs.update(request_fields(request, response.status_code))


@receiver(signals.bind_extra_request_failed_metadata, dispatch_uid="stretchapi.request_failed")
def _request_failed_fields(request: HttpRequest, log_kwargs: dict, **kwargs) -> None:
    log_kwargs.clear()
    log_kwargs.update(request_fields(request, 500))

"""The safety net that keeps every /api/ error in the problem+json contract.

DRF's exception handler covers errors raised inside API views. Some errors
never reach a view: a URL that matches nothing (404), an exception that
escapes a view (500), a request Django refuses before routing (400 for a bad
Host, 413 for an oversized body). Django answers those with HTML pages; this
middleware replaces such answers under /api/ with problem documents.

A database that cannot be reached is a 503 with Retry-After, not a 500,
wherever the failure happens: in a DRF view (the exception handler), in any
other view (`process_exception`), or in a middleware (`server_error`, the
project's handler500).
"""

import sys
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from .errors import DATABASE_UNAVAILABLE_ERRORS, PROBLEM_CONTENT_TYPE, database_unavailable_response, problem_response

CODES = {
    400: ("bad_request", "The request could not be understood."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "No resource exists at this address."),
    405: ("method_not_allowed", "This method is not allowed at this address."),
    413: ("request_too_large", "The request body is larger than the service accepts."),
    500: ("server_error", "The service failed to handle this request. It has been logged."),
}


class ProblemDetailsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
        ):
            code, detail = CODES.get(response.status_code, ("error", "The request failed."))
            replacement = problem_response(request, response.status_code, code, detail)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/") and isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
            return database_unavailable_response(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it inside the `except` of an exception no view handled."""
    exception = sys.exc_info()[1]
    if request.path.startswith("/api/") and isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
        return database_unavailable_response(request, exception)
    return defaults.server_error(request)

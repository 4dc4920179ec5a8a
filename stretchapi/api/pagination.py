"""Pagination with strict parameters and a capped page size.

DRF is forgiving here: `page_size=abc` silently becomes the default, `page=last`
means the last page, and a forged cursor is a 404. A caller who sends a
malformed value is told so instead: a 400 naming `page`, `page_size` or
`cursor`. A `page_size` above the cap is served at the cap (the documented
limit), and a page past the end stays a 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError


def _invalid(parameter: str, message: str) -> ValidationError:
    return ValidationError({parameter: [ErrorDetail(message, code="invalid")]})


def _positive_int(request, parameter: str) -> int | None:
    """The parameter as a whole number of 1 or more; None when absent."""
    raw = request.query_params.get(parameter)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise _invalid(parameter, "A whole number of 1 or more is required.")
    return int(raw)


class StrictPageSizeMixin:
    page_size_query_param = "page_size"

    def get_page_size(self, request) -> int:
        requested = _positive_int(request, self.page_size_query_param)
        return self.page_size if requested is None else min(requested, self.max_page_size)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page: {self.page_size} by default, at most {self.max_page_size} "
                    "(a larger value is served as the maximum)."
                )
                parameter["schema"]["minimum"] = 1
        return parameters


class PageNumberPagination(StrictPageSizeMixin, pagination.PageNumberPagination):
    page_size = 20
    max_page_size = 100

    def get_page_number(self, request, paginator) -> int:
        number = _positive_int(request, self.page_query_param)
        return 1 if number is None else number

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["description"] = "Page number, from 1; a page past the last one is a 404."
                parameter["schema"]["minimum"] = 1
        return parameters


class CursorPagination(StrictPageSizeMixin, pagination.CursorPagination):
    """Cursor pagination whose cursor is checked: one this service did not hand out is a 400."""

    page_size = 20
    max_page_size = 100

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise _invalid(self.cursor_query_param, "This cursor is not one the service handed out.") from exc

    def paginate_queryset(self, queryset, request, view=None):
        if self.cursor_query_param not in request.query_params:
            return super().paginate_queryset(queryset, request, view)
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, OverflowError) as exc:
            # A well-encoded cursor whose position is not a value of the ordering field.
            raise _invalid(self.cursor_query_param, "This cursor is not one the service handed out.") from exc

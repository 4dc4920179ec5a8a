"""Pagination with strict parameters and a capped page size.

DRF is forgiving here: `page_size=abc` silently becomes the default, `page=last`
means the last page, a forged cursor is a 404, and a cursor that is blank or
not base64 at all (`%00`, `====`) reads as the first page. A caller who sends a
malformed value is told so instead: a 400 naming `page`, `page_size` or
`cursor`. A `page_size` above the cap is served at the cap (the documented
limit), and a page past the end stays a 404.

Cursors are signed (`django.core.signing`, keyed by SECRET_KEY): the service
reads only a cursor it handed out, unchanged; anything else is a 400.
"""

from __future__ import annotations

from base64 import b64decode
from urllib import parse

from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.utils.urls import replace_query_param


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


NOT_HANDED_OUT = "This cursor is not one the service handed out."


class CursorPagination(StrictPageSizeMixin, pagination.CursorPagination):
    """Cursor pagination whose cursor is signed: one this service did not hand out, or changed, is a 400."""

    page_size = 20
    max_page_size = 100
    signer = signing.Signer(salt="stretchapi.api.pagination.cursor")

    def encode_cursor(self, cursor):
        url = super().encode_cursor(cursor)
        encoded = parse.parse_qs(parse.urlsplit(url).query, keep_blank_values=True)[self.cursor_query_param][0]
        return replace_query_param(url, self.cursor_query_param, self.signer.sign(encoded))

    def decode_cursor(self, request):
        """DRF's reading of the cursor, once its signature holds."""
        signed = request.query_params.get(self.cursor_query_param)
        if signed is None:
            return None
        try:
            querystring = b64decode(self.signer.unsign(signed).encode("ascii")).decode("ascii")
            tokens = parse.parse_qs(querystring, keep_blank_values=True)
            offset = pagination._positive_int(tokens.get("o", ["0"])[0], cutoff=self.offset_cutoff)
            reverse = bool(int(tokens.get("r", ["0"])[0]))
            position = tokens.get("p", [None])[0]
        except (signing.BadSignature, TypeError, ValueError) as exc:
            raise _invalid(self.cursor_query_param, NOT_HANDED_OUT) from exc
        return pagination.Cursor(offset=offset, reverse=reverse, position=position)

    def paginate_queryset(self, queryset, request, view=None):
        if self.cursor_query_param not in request.query_params:
            return super().paginate_queryset(queryset, request, view)
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, OverflowError) as exc:
            # A well-encoded cursor whose position is not a value of the ordering field.
            raise _invalid(self.cursor_query_param, NOT_HANDED_OUT) from exc

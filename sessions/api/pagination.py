"""Cursor paginations of the sessions API: stable under inserts, one per ordering."""

from __future__ import annotations

from stretchapi.api.pagination import CursorPagination


class SessionCursorPagination(CursorPagination):
    """Newest first; with `updated_since`, oldest change first so a sync can resume where it stopped."""

    ordering = ("-started_at", "-id")

    def get_ordering(self, request, queryset, view):
        return ("updated_at", "id") if "updated_since" in request.query_params else self.ordering


class AccessLogPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("-at", "-id")


class AlertPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("-occurred_at", "-id")

"""Paginations of the sessions API: cursors, stable under inserts, one per ordering; pages where
the ordering is one a cursor cannot hold."""

from __future__ import annotations

from stretchapi.api.pagination import CursorPagination, PageNumberPagination


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


class AlertGroupPagination(PageNumberPagination):
    """Numbered pages: the grouped feed is ordered by aggregates (the most urgent open reason, the
    latest reason), which a cursor cannot hold (see `TrainerAlertGroupViewSet`)."""

    page_size = 20
    max_page_size = 100

"""Analytics exports' records in the admin, for staff, read-only."""

from __future__ import annotations

from django.contrib import admin

from sessions.models import ExportRecord

from .scoping import RecordAdmin


@admin.register(ExportRecord)
class ExportRecordAdmin(RecordAdmin):
    """Every analytics export, for staff, read-only: who exported which rows, when, and how much."""

    list_display = ("started_at", "user", "via", "audience", "dataset", "format", "rows", "bytes", "status")
    list_filter = ("status", "audience", "dataset", "format", "via")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    date_hierarchy = "started_at"
    show_full_result_count = False

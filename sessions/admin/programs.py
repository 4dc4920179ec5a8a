"""Programs in the admin, read-only: trainers assign them through the API."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from sessions.models import Program, ProgramItem

from .scoping import AccessLoggedAdmin, ReadOnlyInline, RecordAdmin


class ProgramItemInline(ReadOnlyInline):
    model = ProgramItem
    fields = ("position", "exercise", "goal", "holds_per_side", "hold_seconds", "override_reason")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("exercise")


@admin.register(Program)
class ProgramAdmin(AccessLoggedAdmin, RecordAdmin):
    """Programs, read-only here: trainers assign them through the API, which checks each dose
    against the catalog's range (or takes the stated override) and ends the client's previous one."""

    for_trainers = True
    client_lookup = "client"
    access_resource = "programs"
    list_display = ("client", "trainer", "sessions_per_week", "item_count", "created_at", "ended_at")
    list_filter = (("ended_at", admin.EmptyFieldListFilter),)
    list_select_related = ("client", "trainer")
    search_fields = ("client__email", "client__display_name", "trainer__email")
    fields = ("client", "trainer", "sessions_per_week", "notes", "created_at", "ended_at")
    readonly_fields = fields
    inlines = [ProgramItemInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(description="exercises", ordering="item_count")
    def item_count(self, program: Program) -> int:
        return program.item_count

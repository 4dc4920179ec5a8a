"""The trainer roster's records in the admin, for staff, read-only: links, invitations, the access log."""

from __future__ import annotations

from django.contrib import admin

from sessions.models import AccessLogEntry, TrainerInvitation, TrainerLink

from .scoping import RecordAdmin


@admin.register(TrainerLink)
class TrainerLinkAdmin(RecordAdmin):
    """Consent links, for staff, read-only: only the client makes or ends one."""

    list_display = ("trainer", "client", "created_at", "ended_at")
    list_filter = (("ended_at", admin.EmptyFieldListFilter),)
    list_select_related = ("trainer", "client")
    search_fields = ("trainer__email", "client__email")


@admin.register(TrainerInvitation)
class TrainerInvitationAdmin(RecordAdmin):
    """Invitation codes, for staff, read-only."""

    list_display = ("code", "trainer", "created_at", "expires_at", "accepted_by", "accepted_at")
    list_select_related = ("trainer", "accepted_by")
    search_fields = ("code", "trainer__email", "accepted_by__email")


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(RecordAdmin):
    """Who read which client's data, for staff, read-only: the client's record of it."""

    list_display = ("at", "trainer", "client", "resource", "path")
    list_filter = ("resource",)
    list_select_related = ("trainer", "client")
    search_fields = ("trainer__email", "client__email")
    date_hierarchy = "at"
    show_full_result_count = False

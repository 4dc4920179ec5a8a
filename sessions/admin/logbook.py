"""Logged sessions in the admin.

Sessions are the client's own record and their safety flags are computed by
the services that store them, so the admin shows holds, stop events and
measurements read-only and lets staff change only what the owner could change
through the API (end, outcome, notes), through the same service and rules, so
that the session's version and ETag move and the owner's other devices sync.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils import timezone

from sessions.access import TRAINER, panel_role
from sessions.logbook import selectors, services
from sessions.models import Hold, Measurement, StopEvent, StretchSession
from sessions.rules import records

from . import panel
from .badges import session_badges
from .scoping import AccessLoggedAdmin, ReadOnlyInline


class HoldInline(ReadOnlyInline):
    model = Hold
    fields = (
        "position", "exercise", "side", "set_number", "target_seconds", "held_seconds", "intensity", "pain",
        "contract_seconds", "relax_seconds", "assisted_hold_seconds", "started_at", "above_target", "outside_dose",
    )  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("exercise")


class StopEventInline(ReadOnlyInline):
    model = StopEvent
    fields = ("occurred_at", "stop_sign", "side", "pain", "action", "note", "hold")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("stop_sign", "hold__exercise")


class MeasurementInline(ReadOnlyInline):
    model = Measurement
    fields = ("kind", "side", "value", "unit", "zero_offset_cm", "measured_at")


class StretchSessionForm(forms.ModelForm):
    class Meta:
        model = StretchSession
        fields = ("ended_at", "outcome", "notes")

    def clean_ended_at(self):
        """The same rule as the API's (`rules.records.check_new_end`): in the past, not before the session's
        start nor before its last hold or stop event."""
        ended_at = self.cleaned_data["ended_at"]
        if ended_at is not None:
            problems: records.Problems = {}
            records.check_new_end(
                problems,
                ended_at=ended_at,
                started_at=self.instance.started_at,
                latest_row_at=selectors.session_latest_moment(self.instance),
                now=timezone.now(),
            )
            if "ended_at" in problems:
                code, message = problems["ended_at"]
                raise forms.ValidationError(message, code=code)
        return ended_at


@admin.register(StretchSession)
class StretchSessionAdmin(AccessLoggedAdmin):
    """Every session, for staff; a trainer's clients' sessions (not the deleted ones), read-only."""

    for_trainers = True
    client_lookup = "owner"
    access_resource = "sessions"
    form = StretchSessionForm
    list_display = ("owner", "started_at", "goal", "outcome", "safety", "deleted_at")
    list_filter = ("goal", "outcome", "has_stop_event", ("deleted_at", admin.EmptyFieldListFilter))
    list_select_related = ("owner",)
    search_fields = ("owner__email",)
    show_full_result_count = False  # the largest table: one COUNT per page view is enough
    fieldsets = (
        (None, {"fields": ("owner", "started_at", "ended_at", "goal", "outcome", "notes")}),
        ("Assistance", {"fields": ("assisted_by", "assisting_trainer", "partner_name")}),
        ("Safety flags", {"fields": ("has_stop_event", "holds_above_target", "holds_outside_dose", "max_pain")}),
        (
            "Record",
            {"fields": ("id", "app_version", "content_hash", "version", "created_at", "updated_at", "deleted_at")},
        ),
    )
    readonly_fields = (
        "owner", "started_at", "goal", "assisted_by", "assisting_trainer", "partner_name",
        "has_stop_event", "holds_above_target", "holds_outside_dose", "max_pain",
        "id", "app_version", "content_hash", "version", "created_at", "updated_at", "deleted_at",
    )  # fmt: skip
    inlines = (HoldInline, StopEventInline, MeasurementInline)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("owner", "assisting_trainer")
        if panel_role(request.user) == TRAINER:
            queryset = queryset.filter(deleted_at__isnull=True)  # as the API shows them to trainers
        return queryset

    def get_list_display(self, request):
        if panel_role(request.user) == TRAINER:
            return tuple(name for name in self.list_display if name != "deleted_at")
        return super().get_list_display(request)

    def get_list_filter(self, request):
        if panel_role(request.user) == TRAINER:
            return tuple(name for name in self.list_filter if not isinstance(name, tuple))
        return super().get_list_filter(request)

    def has_add_permission(self, request) -> bool:
        return False  # sessions are uploaded by the owner's phone

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Trainers read the session (`panel.session_page`); staff get the form that edits it."""
        if panel_role(request.user) == TRAINER and request.method == "GET":
            session = self.get_object(request, object_id)  # scoped: a 404 outside the trainer's clients
            return panel.session_page(self, request, session)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="safety")
    def safety(self, session: StretchSession):
        """Red badges for a stop event and high pain, amber for holds above the cap: never a boolean icon."""
        return session_badges(session)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the owner deletes through the API, which keeps the tombstone that sync needs

    def save_model(self, request, obj: StretchSession, form, change: bool) -> None:
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        if changed:
            services.session_update(session=obj, if_match=obj.etag, data=changed)

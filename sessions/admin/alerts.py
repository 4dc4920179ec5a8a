"""The safety feed in the admin: trainers (their clients' alerts) and staff acknowledge alerts here."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html

from sessions.access import panel_role
from sessions.alerts import services
from sessions.alerts.summaries import what_happened
from sessions.models import Alert

from .badges import alert_kind_badge
from .scoping import AccessLoggedAdmin


class AcknowledgedFilter(admin.SimpleListFilter):
    """Open alerts by default: the feed is a to-do list; acknowledged ones and all are one click away."""

    title = "status"
    parameter_name = "acknowledged"

    def lookups(self, request, model_admin):
        return (("no", "Open"), ("yes", "Acknowledged"), ("all", "All"))

    def value(self):
        return super().value() or "no"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(acknowledged_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(acknowledged_at__isnull=True)
        return queryset


class AlertAcknowledgeForm(forms.ModelForm):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What you did about it. Saving acknowledges the alert; it cannot be undone.",
    )

    class Meta:
        model = Alert
        fields = ("note",)


@admin.register(Alert)
class AlertAdmin(AccessLoggedAdmin):
    """The safety feed. Alerts are raised by the services that store sessions, so nobody adds,
    edits or deletes one here: trainers (their clients' alerts) and staff acknowledge them,
    with a note, through `services.alert_acknowledge`, from the list or the alert's page."""

    for_trainers = True
    client_lookup = "client"
    access_resource = "alerts"
    form = AlertAcknowledgeForm
    list_display = ("kind_badge", "client", "source", "occurred_at", "session_link", "acknowledged_at")
    list_display_links = ("kind_badge",)
    list_filter = (AcknowledgedFilter, "kind")
    search_fields = ("client__email",)
    show_full_result_count = False  # a feed that only grows: one COUNT per page view is enough
    actions = ("acknowledge_alerts",)
    fieldsets = (
        (None, {"fields": ("client", "kind", "occurred_at", "session_link", "source")}),
        ("Acknowledgement", {"fields": ("note", "acknowledged_at", "acknowledged_by_email")}),
    )
    readonly_fields = (
        "client", "kind", "occurred_at", "session_link", "source", "acknowledged_at", "acknowledged_by_email",
    )  # fmt: skip

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "client", "session", "hold__exercise", "stop_event__stop_sign", "stop_event__hold__exercise",
                "acknowledged_by",
            )
        )  # fmt: skip

    def has_change_permission(self, request, obj=None) -> bool:
        """Changing an alert is acknowledging it: once, by a trainer of the client or by staff."""
        return panel_role(request.user) is not None and (obj is None or obj.acknowledged_at is None)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a safety record

    def save_model(self, request, obj: Alert, form, change: bool) -> None:
        services.alert_acknowledge(alert=obj, by=request.user, note=form.cleaned_data.get("note", ""))

    @admin.action(description="Acknowledge selected alerts", permissions=["change"])
    def acknowledge_alerts(self, request, queryset) -> None:
        alerts = list(queryset.filter(acknowledged_at__isnull=True))
        for alert in alerts:
            services.alert_acknowledge(alert=alert, by=request.user, note="")
        self.message_user(
            request, f"Acknowledged {len(alerts)} alert{'' if len(alerts) == 1 else 's'}.", messages.SUCCESS
        )

    @admin.display(description="session", ordering="session__started_at")
    def session_link(self, alert: Alert) -> str:
        url = reverse("admin:stretch_sessions_stretchsession_change", args=[alert.session_id])
        started = formats.date_format(timezone.localtime(alert.session.started_at), "DATETIME_FORMAT")
        return format_html('<a href="{}">{}</a>', url, started)

    @admin.display(description="acknowledged by")
    def acknowledged_by_email(self, alert: Alert) -> str:
        """Text, not a link: a trainer may not open another account's page."""
        return alert.acknowledged_by.email if alert.acknowledged_by_id else "-"

    @admin.display(description="alert", ordering="kind")
    def kind_badge(self, alert: Alert):
        return alert_kind_badge(alert.kind)

    @admin.display(description="what happened")
    def source(self, alert: Alert) -> str:
        return what_happened(alert)

"""The admin: staff look after every account and record here; trainers use it as their panel.

Who sees what is decided by role, not by Django's model permissions:

- **staff** (a superuser, or an active `staff` account) see every row of every model
  below; what they may change, add or delete is still what the model's admin allows
  and, for accounts other than superusers, what their Django permissions grant
  (except acknowledging an alert, which staff may do as in the API).
- **trainers** see only their clients (the clients whose consent link is active,
  `selectors.trainer_client_ids`), those clients' sessions with their rows, and
  their alerts, which they acknowledge here through the same service as the API,
  and their programs (read-only: a program is assigned through the API, which
  checks each dose against the catalog).
  They need no Django permissions for that, and no Django permission opens any
  other model of this app to them (device tokens, links, invitations, the access
  log, other people's accounts). Rows outside a trainer's clients are missing
  from lists, searches and autocompletes, and their pages (change, history,
  password) answer 404, as the API does. Like the API, every read of a client's
  sessions, alerts or programs lands in that client's access log. The catalog's
  admin opens exercises to catalog editors (`catalog.edit_catalog`, the "Catalog
  editors" group) and otherwise keeps Django's permissions.

Sessions are the client's own record and their safety flags are computed by
the services that store them, so the admin shows holds, stop events and
measurements read-only and lets staff change only what the owner could change
through the API (end, outcome, notes), through the same service, so that the
session's version and ETag move and the owner's other devices sync the change.

knox's own admin (knox/admin.py) registers `knox.AuthToken`; that model is
swapped out for `DeviceToken` (KNOX_TOKEN_MODEL), and Django's AdminSite
ignores registrations of swapped models, so there is no stale token page.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm
from django.db.models import Count
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html

from . import selectors, services
from .choices import Role
from .models import (
    AccessLogEntry,
    Alert,
    DeviceToken,
    ExportRecord,
    Hold,
    Measurement,
    Program,
    ProgramItem,
    StopEvent,
    StretchSession,
    TrainerInvitation,
    TrainerLink,
    User,
)

# Who is asking -------------------------------------------------------------------

STAFF = "staff"
TRAINER = "trainer"


def panel_role(user) -> str | None:
    """`STAFF`, `TRAINER`, or None for anyone the admin serves nothing of this app."""
    if not (user.is_active and user.is_staff):
        return None
    if user.is_superuser or user.role == Role.STAFF:
        return STAFF
    if user.role == Role.TRAINER:
        return TRAINER
    return None


class RoleScopedAdmin(admin.ModelAdmin):
    """Visibility by role: staff see every row; trainers, when `for_trainers`, only the rows
    of their clients (`client_lookup` names the row's client), read-only unless a subclass
    says otherwise; anyone else nothing."""

    for_trainers = False
    client_lookup = "client"

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        role = panel_role(request.user)
        return role == STAFF or (role == TRAINER and self.for_trainers)

    def has_change_permission(self, request, obj=None) -> bool:
        return panel_role(request.user) == STAFF and super().has_change_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return panel_role(request.user) == STAFF and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return panel_role(request.user) == STAFF and super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        role = panel_role(request.user)
        if role == STAFF:
            return queryset
        if role == TRAINER and self.for_trainers:
            return queryset.filter(**{f"{self.client_lookup}__in": selectors.trainer_client_ids(request.user)})
        return queryset.none()

    def get_object(self, request, object_id, from_field=None):
        """A trainer asking for a row outside their clients gets a 404, as from the API
        (Django's own answer is a redirect to the index saying the row may have been deleted)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None and panel_role(request.user) == TRAINER:
            raise Http404
        return obj


def _record_trainer_reads(request, clients: set[int], resource: str) -> None:
    """A trainer's read of clients' data goes to those clients' access logs, as in the API."""
    if clients and panel_role(request.user) == TRAINER:
        services.access_records(
            trainer=request.user, client_ids=clients, resource=resource, path=request.get_full_path()
        )


def _shown_rows(response) -> list:
    """The rows a changelist response is about to render (none for a redirect)."""
    context = getattr(response, "context_data", None) or {}
    return list(context["cl"].result_list) if "cl" in context else []


def _shown_object(request, response):
    """The object a change page response is about to render (None for a redirect or a POST)."""
    context = getattr(response, "context_data", None) or {}
    return context.get("original") if request.method == "GET" else None


class AccessLoggedAdmin(RoleScopedAdmin):
    """Client data shown to trainers: each page a trainer opens goes to the shown clients' access logs,
    under `access_resource`, as reads through the API do."""

    access_resource = ""

    def _client_id(self, obj) -> int:
        return getattr(obj, f"{self.client_lookup}_id")

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        clients = {self._client_id(obj) for obj in _shown_rows(response)}
        _record_trainer_reads(request, clients, self.access_resource)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = _shown_object(request, response)
        _record_trainer_reads(request, {self._client_id(obj)} if obj else set(), self.access_resource)
        return response


# Accounts -----------------------------------------------------------------------


def _normalized_email(email: str) -> str:
    """As the manager and sign-up store it (a database constraint requires lowercase)."""
    return User.objects.normalize_email(email).lower()


class UserCreationForm(DjangoUserCreationForm):
    """Email, role and a password that passes the validators; trainer and staff accounts may use the admin."""

    class Meta:
        model = User
        fields = ("email", "role", "display_name")

    def clean_email(self) -> str:
        return _normalized_email(self.cleaned_data["email"])

    def save(self, commit: bool = True) -> User:
        self.instance.is_staff = self.instance.role in (Role.TRAINER, Role.STAFF)  # as UserManager.create_user does
        return super().save(commit=commit)


class UserChangeForm(DjangoUserChangeForm):
    """A change of role carries the admin sign-in with it (trainers and staff sign in, clients do not),
    unless the same save sets "staff status" by hand."""

    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return _normalized_email(self.cleaned_data["email"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if "role" in self.changed_data and "is_staff" not in self.changed_data and "role" in cleaned:
            cleaned["is_staff"] = cleaned["role"] in (Role.TRAINER, Role.STAFF)
        return cleaned


@admin.register(User)
class UserAdmin(RoleScopedAdmin, DjangoUserAdmin):
    """Every account, for staff; for a trainer, "Clients": the people who consented, with
    their activity and open alerts, read-only, and nothing of their account settings."""

    for_trainers = True
    client_lookup = "pk"
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "role")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "role", "display_name", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("email", "display_name", "role", "is_active", "is_staff", "date_joined")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("email", "display_name")
    ordering = ("email",)

    trainer_fieldsets = ((None, {"fields": ("email", "display_name", "date_joined")}),)
    trainer_list_display = (
        "email", "display_name", "last_session_at", "sessions_last_7_days", "sessions_last_28_days", "open_alerts",
    )  # fmt: skip

    def get_queryset(self, request):
        if panel_role(request.user) == TRAINER:
            return selectors.trainer_clients(trainer=request.user)  # scoped by trainer_client_ids
        return super().get_queryset(request)

    def get_fieldsets(self, request, obj=None):
        if panel_role(request.user) == TRAINER:
            return self.trainer_fieldsets
        return super().get_fieldsets(request, obj)

    def get_list_display(self, request):
        if panel_role(request.user) == TRAINER:
            return self.trainer_list_display
        return super().get_list_display(request)

    def get_list_filter(self, request):
        return () if panel_role(request.user) == TRAINER else super().get_list_filter(request)

    def changelist_view(self, request, extra_context=None):
        if panel_role(request.user) == TRAINER:
            extra_context = {"title": "Your clients", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if panel_role(request.user) == TRAINER:
            extra_context = {"title": "Client", **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    # The activity columns of a trainer's client list (annotations of selectors.trainer_clients).

    @admin.display(description="last session", ordering="last_session_at")
    def last_session_at(self, user: User):
        return user.last_session_at

    @admin.display(description="sessions, 7 days", ordering="sessions_last_7_days")
    def sessions_last_7_days(self, user: User) -> int:
        return user.sessions_last_7_days

    @admin.display(description="sessions, 28 days", ordering="sessions_last_28_days")
    def sessions_last_28_days(self, user: User) -> int:
        return user.sessions_last_28_days

    @admin.display(description="open alerts", ordering="open_alerts")
    def open_alerts(self, user: User) -> int:
        return user.open_alerts or 0


@admin.register(DeviceToken)
class DeviceTokenAdmin(RoleScopedAdmin):
    """Signed-in devices, for staff. Read-only: tokens are issued by signing in; deleting one revokes it.

    The digest and the token key are not shown: they add nothing for staff.
    """

    list_display = ("user", "device_name", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("user__email", "device_name")
    fields = ("user", "device_name", "created", "expiry")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj: DeviceToken) -> None:
        services.token_revoke(token=obj)

    def delete_queryset(self, request, queryset) -> None:
        for token in queryset:
            services.token_revoke(token=token)


# Sessions -----------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    """Rows as the phone recorded them; changing one would leave the session's flags wrong.

    Shown to whoever may open the session: the session admin has already scoped it.
    """

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return panel_role(request.user) is not None

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
        ended_at = self.cleaned_data["ended_at"]
        if ended_at is not None and ended_at < self.instance.started_at:
            raise forms.ValidationError("Must not be before the session started.", code="ends_before_start")
        return ended_at


@admin.register(StretchSession)
class StretchSessionAdmin(AccessLoggedAdmin):
    """Every session, for staff; a trainer's clients' sessions (not the deleted ones), read-only."""

    for_trainers = True
    client_lookup = "owner"
    access_resource = "sessions"
    form = StretchSessionForm
    list_display = ("owner", "started_at", "goal", "outcome", "has_stop_event", "holds_above_target", "deleted_at")
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

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the owner deletes through the API, which keeps the tombstone that sync needs

    def save_model(self, request, obj: StretchSession, form, change: bool) -> None:
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        if changed:
            services.session_update(session=obj, if_match=obj.etag, data=changed)


# The trainer's side ------------------------------------------------------------


class AcknowledgedFilter(admin.SimpleListFilter):
    title = "acknowledged"
    parameter_name = "acknowledged"

    def lookups(self, request, model_admin):
        return (("yes", "Yes"), ("no", "No"))

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
    list_display = ("client", "kind", "occurred_at", "session_link", "acknowledged_at")
    list_filter = ("kind", AcknowledgedFilter)
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

    @admin.display(description="what happened")
    def source(self, alert: Alert) -> str:
        if alert.stop_event_id:
            event = alert.stop_event
            pain = f", pain {event.pain}/10" if event.pain is not None else ""
            side = f" ({event.get_side_display().lower()})" if event.side else ""
            note = f": {event.note}" if event.note else ""
            sign = event.stop_sign.name if event.stop_sign_id else "Other"
            return f"{sign}{side}{pain}, {event.get_action_display().lower()}{note}"
        hold = alert.hold
        pain = f", pain {hold.pain}/10" if hold.pain is not None else ""
        return f"{hold.exercise.name}, {hold.get_side_display().lower()}, intensity {hold.intensity}/10{pain}"


class RecordAdmin(RoleScopedAdmin):
    """A record that the service writes and nobody edits: shown read-only, never added or deleted here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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


@admin.register(ExportRecord)
class ExportRecordAdmin(RecordAdmin):
    """Every analytics export, for staff, read-only: who exported which rows, when, and how much."""

    list_display = ("started_at", "user", "via", "audience", "dataset", "format", "rows", "bytes", "status")
    list_filter = ("status", "audience", "dataset", "format", "via")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    date_hierarchy = "started_at"
    show_full_result_count = False


# Programs -----------------------------------------------------------------------


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

"""Staff look after accounts, signed-in devices and logged sessions here.

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
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm

from . import services
from .choices import Role
from .models import DeviceToken, Hold, Measurement, StopEvent, StretchSession, User

# Accounts -----------------------------------------------------------------------


def _normalized_email(email: str) -> str:
    """As the manager and sign-up store it (a database constraint requires lowercase)."""
    return User.objects.normalize_email(email).lower()


class UserCreationForm(DjangoUserCreationForm):
    """Email, role and a password that passes the validators; staff accounts may use the admin."""

    class Meta:
        model = User
        fields = ("email", "role", "display_name")

    def clean_email(self) -> str:
        return _normalized_email(self.cleaned_data["email"])

    def save(self, commit: bool = True) -> User:
        self.instance.is_staff = self.instance.role == Role.STAFF  # as UserManager.create_user does
        return super().save(commit=commit)


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return _normalized_email(self.cleaned_data["email"])


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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


@admin.register(DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin):
    """Signed-in devices. Read-only: tokens are issued by signing in; deleting one revokes it.

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
    """Rows as the phone recorded them; changing one would leave the session's flags wrong."""

    extra = 0
    can_delete = False

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
class StretchSessionAdmin(admin.ModelAdmin):
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
        return super().get_queryset(request).select_related("owner", "assisting_trainer")

    def has_add_permission(self, request) -> bool:
        return False  # sessions are uploaded by the owner's phone

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the owner deletes through the API, which keeps the tombstone that sync needs

    def save_model(self, request, obj: StretchSession, form, change: bool) -> None:
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        if changed:
            services.session_update(session=obj, if_match=obj.etag, data=changed)

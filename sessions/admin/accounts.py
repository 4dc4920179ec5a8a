"""Accounts in the admin: every account for staff; a trainer's consented clients, read-only, as "Clients"."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm
from django.urls import reverse
from django.utils.html import format_html

from sessions import access
from sessions.access import TRAINER, panel_role
from sessions.accounts import services
from sessions.accounts.emails import EmailRefused, email_normalize
from sessions.models import DeviceToken, User
from sessions.progress.selectors import progression_freeze
from sessions.trainers import selectors

from . import panel
from .badges import badge
from .scoping import RoleScopedAdmin


def _normalized_email(email: str) -> str:
    """As sign-up stores it (`sessions.accounts.emails`: normalised, no look-alikes, lowercase)."""
    try:
        return email_normalize(email)
    except EmailRefused as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from exc


class UserCreationForm(DjangoUserCreationForm):
    """Email, role and a password that passes the validators; trainer and staff accounts may use the admin."""

    class Meta:
        model = User
        fields = ("email", "role", "display_name")

    def clean_email(self) -> str:
        return _normalized_email(self.cleaned_data["email"])

    def save(self, commit: bool = True) -> User:
        self.instance.is_staff = access.signs_in_to_panel(self.instance.role)
        return super().save(commit=commit)


class UserChangeForm(DjangoUserChangeForm):
    """A change of role carries the admin sign-in with it (trainers and staff sign in, clients do not),
    unless the same save sets "staff status" by hand."""

    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        if "email" not in self.changed_data:  # an account made before today's rules keeps its address
            return self.cleaned_data["email"]
        return _normalized_email(self.cleaned_data["email"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if "role" in self.changed_data and "is_staff" not in self.changed_data and "role" in cleaned:
            cleaned["is_staff"] = access.signs_in_to_panel(cleaned["role"])
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
    readonly_fields = ("last_login", "date_joined", "progression")
    list_display = ("email", "display_name", "role", "is_active", "is_staff", "date_joined")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("email", "display_name")
    ordering = ("email",)

    trainer_fieldsets = ((None, {"fields": ("email", "display_name", "date_joined", "progression")}),)
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
        """Trainers get the client page (`panel.client_page`); staff the account's form."""
        if panel_role(request.user) == TRAINER:
            client = self.get_object(request, object_id)  # scoped: a 404 outside the trainer's clients
            return panel.client_page(self, request, client)
        return super().change_view(request, object_id, form_url, extra_context)

    # The activity columns of a trainer's client list (annotations of selectors.trainer_clients).

    @admin.display(description="progression")
    def progression(self, user: User) -> str:
        """Whether the client's progression is frozen and by which event: the same rule as the API's next step."""
        frozen = progression_freeze(client_id=user.pk)
        return frozen.reason if frozen else "Not frozen: each exercise follows its next step."

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
    def open_alerts(self, user: User):
        """A red badge linking to the client's open alerts; a grey "none" without any."""
        if not user.open_alerts:
            return badge("none", "grey")
        url = reverse("admin:stretch_sessions_alert_changelist") + f"?client__id__exact={user.pk}&acknowledged=no"
        return format_html('<a href="{}">{}</a>', url, badge(f"{user.open_alerts} open", "red"))


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

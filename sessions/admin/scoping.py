"""Who sees what in the admin panel: visibility by role, never by Django's model permissions alone.

- **staff** (a superuser, or an active `staff` account) see every row of every model
  of this app; what they may change, add or delete is still what the model's admin
  allows and, for accounts other than superusers, what their Django permissions grant
  (except acknowledging an alert, which staff may do as in the API).
- **trainers** see only their clients (`sessions.access.consented_client_ids`), those
  clients' sessions, alerts and programs. Rows outside their clients are missing from
  lists, searches and autocompletes, and their pages answer 404, as the API does. Every
  page a trainer opens of a client's data lands in that client's access log.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404

from sessions import access
from sessions.access import STAFF, TRAINER, panel_role


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
            return queryset.filter(**{f"{self.client_lookup}__in": access.consented_client_ids(request.user)})
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
        access.log_access(trainer=request.user, client_ids=clients, resource=resource, path=request.get_full_path())


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


class RecordAdmin(RoleScopedAdmin):
    """A record that the service writes and nobody edits: shown read-only, never added or deleted here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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

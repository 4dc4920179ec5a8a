"""The admin site as the trainer's panel: a "needs attention" home, acknowledging from it, a time zone.

Staff keep Django's index (every model their role allows). Trainers land on who
needs them now (`sessions.trainers.selectors.trainer_attention`): clients with open
safety alerts, then clients whose adherence dropped, then everyone else. "View
site" leads to the API docs, the only site there is.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from sessions.access import TRAINER, panel_role
from sessions.alerts import selectors as alert_selectors
from sessions.alerts import services as alert_services
from sessions.models import User
from sessions.models.accounts import time_zone_names
from sessions.trainers import selectors as trainer_selectors


class AcknowledgeForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TimeZoneForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        required=False, help_text="Every time in the panel is shown in this zone; empty: the server's default."
    )

    class Meta:
        model = User
        fields = ("time_zone",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", "— the server's default —"), *((n, n) for n in time_zone_names())]


class PanelSite(admin.AdminSite):
    site_header = "StretchAPI panel"
    site_title = "StretchAPI panel"
    index_title = "Site administration"
    site_url = reverse_lazy("swagger-ui")

    def get_urls(self):
        return [
            path(
                "attention/<uuid:session_id>/acknowledge/",
                self.admin_view(require_POST(self.acknowledge_session)),
                name="attention_acknowledge",
            ),
            path("preferences/time-zone/", self.admin_view(self.time_zone_view), name="time_zone"),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None):
        if panel_role(request.user) != TRAINER:
            return super().index(request, extra_context)
        home = trainer_selectors.trainer_attention(trainer=request.user)
        context = {
            **self.each_context(request),
            "title": "Needs attention",
            "subtitle": None,
            "home": home,
            "acknowledge_form": AcknowledgeForm(),
            "now": timezone.now(),
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, "stretch_panel/home.html", context)

    def acknowledge_session(self, request, session_id):
        """Acknowledge every open reason of one of the trainer's clients' sessions, with one note."""
        if panel_role(request.user) is None:
            raise Http404
        session = get_object_or_404(alert_selectors.trainer_open_alert_groups(trainer=request.user), pk=session_id)
        form = AcknowledgeForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The note is too long (2000 characters at most); nothing was acknowledged.")
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        count = alert_services.alert_group_acknowledge(
            client=session.owner, session=session, by=request.user, note=form.cleaned_data["note"]
        )
        who = session.owner.display_name or session.owner.email
        messages.success(request, f"Acknowledged {count} alert{'' if count == 1 else 's'} of {who}'s session.")
        return HttpResponseRedirect(reverse("admin:index", current_app=self.name))

    def time_zone_view(self, request):
        """The signed-in account's own time zone, for every time the panel shows."""
        form = TimeZoneForm(request.POST or None, instance=request.user)
        if request.method == "POST" and form.is_valid():
            form.save()
            messages.success(request, f"Times are now shown in {request.user.zone.key}.")
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        context = {**self.each_context(request), "title": "Your time zone", "subtitle": None, "form": form}
        request.current_app = self.name
        return TemplateResponse(request, "stretch_panel/time_zone.html", context)

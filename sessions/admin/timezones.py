"""The panel shows times in the signed-in account's own time zone (`User.zone`).

Only under the admin: the API's times stay in UTC whoever asks.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone


class PanelTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if request.path.startswith(reverse("admin:index")) and user is not None and user.is_authenticated:
            timezone.activate(user.zone)
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()
        return self.get_response(request)

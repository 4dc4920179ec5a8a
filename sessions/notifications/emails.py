"""The emails: an alert email (one session's alerts), a trainer's daily digest, and the notice that
a webhook endpoint was disabled. They say what the panel says (`alert_summary_line`) and link to
the client's page in the panel; never a note, never more health detail than the panel shows."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from ..alerts.summaries import alert_summary_line
from ..logbook.selectors import without_exercise_json
from ..models import Alert, AlertNotification, User, WebhookEndpoint
from ..rules.safety import urgency_rank

FOOTER = (
    "You get this email as the client's trainer. To get one digest a day instead, or no alert "
    "emails, change your preference: PUT /api/v1/notifications/preferences/."
)


def client_page_url(client: User) -> str:
    return settings.PANEL_BASE_URL.rstrip("/") + reverse("admin:stretch_sessions_user_change", args=[client.pk])


def _name(user: User) -> str:
    return user.display_name or user.email


def _alerts(notification: AlertNotification) -> Sequence[Alert]:
    alerts = notification.alerts.select_related("hold__exercise", "stop_event__stop_sign", "stop_event__hold__exercise")
    return list(
        without_exercise_json(alerts, "hold__exercise", "stop_event__hold__exercise").order_by(
            urgency_rank(), "occurred_at", "id"
        )
    )


def _session_block(notification: AlertNotification) -> str:
    started = timezone.localtime(notification.session.started_at).strftime("%Y-%m-%d %H:%M %Z")
    lines = "\n".join(f"- {alert_summary_line(alert)}" for alert in _alerts(notification))
    return f"{_name(notification.client)}, session of {started}:\n{lines}\n{client_page_url(notification.client)}"


def alert_email(notification: AlertNotification) -> EmailMessage:
    """One email for the alerts one write raised on one client's session."""
    count = notification.alerts.count()
    subject = f"Safety alert: {_name(notification.client)} ({count} reason{'' if count == 1 else 's'})"
    body = f"{_session_block(notification)}\n\n{FOOTER}\n"
    return EmailMessage(subject=subject, body=body, to=[notification.trainer.email])


def digest_email(trainer: User, notifications: Sequence[AlertNotification]) -> EmailMessage:
    """A trainer's daily digest: every session's alerts since the last one, oldest first."""
    blocks = "\n\n".join(_session_block(notification) for notification in notifications)
    count = len(notifications)
    subject = f"Safety alerts of your clients: {count} session{'' if count == 1 else 's'}"
    return EmailMessage(subject=subject, body=f"{blocks}\n\n{FOOTER}\n", to=[trainer.email])


def endpoint_disabled_email(endpoint: WebhookEndpoint) -> EmailMessage:
    body = (
        f"Your webhook endpoint {endpoint.url} (id {endpoint.pk}) was disabled: {endpoint.disabled_reason}\n\n"
        "Deliveries not yet made were given up; its delivery log is at "
        f"GET /api/v1/webhooks/{endpoint.pk}/deliveries/. Once it answers again, turn it back on with "
        f'PATCH /api/v1/webhooks/{endpoint.pk}/ {{"enabled": true}}.\n'
    )
    return EmailMessage(subject="Webhook endpoint disabled", body=body, to=[endpoint.owner.email])

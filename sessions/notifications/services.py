"""Writes of notifications. The `*_notify` functions run inside the transaction of the write that
calls for them (the outbox): they write the rows to deliver and enqueue their tasks for after
commit, so a rolled-back upload sends nothing and a stopped worker loses nothing. The rest are
the worker's side: one email attempt, the sweep, the daily digests; and a trainer's preference."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from stretchapi.compiled import Reading

from ..access import client_trainers, consented_links
from ..background import outbox
from ..choices import AlertEmails, AlertKind, DeliveryStatus, WebhookEventType
from ..models import Alert, AlertNotification, NotificationPreference, StretchSession, User
from ..webhooks.services import endpoints_subscribed, events_record
from . import emails, tasks

logger = logging.getLogger(__name__)

# The alerts worth an email: the trainer must act. Holds above the goal's cap wait for the panel.
EMAILED_ALERT_KINDS = frozenset({AlertKind.ESCALATION, AlertKind.STOP_EVENT, AlertKind.HIGH_PAIN})


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _raised_event(session: StretchSession, alerts: Sequence[Alert]) -> tuple[str, dict]:
    return WebhookEventType.ALERT_RAISED, {
        "client_id": session.owner_id,
        "session_id": str(session.pk),
        "alerts": [{"id": alert.pk, "kind": alert.kind, "occurred_at": _stamp(alert.occurred_at)} for alert in alerts],
    }


def session_stored_reading(*, client_id: int) -> Reading:
    """What `session_stored_notify` reads (the webhook endpoints to tell), for an upload that reads
    it in the statement that stores the session."""
    return endpoints_subscribed(client_id=client_id)


def session_stored_notify(*, session: StretchSession, alerts: Sequence[Alert], read: Reading | None = None) -> None:
    """A session uploaded: `session.uploaded`, and what its alerts call for (`alerts_raised_notify`).
    `read`: its `session_stored_reading`, when the caller read it already."""
    uploaded = (
        WebhookEventType.SESSION_UPLOADED,
        {"client_id": session.owner_id, "session_id": str(session.pk), "started_at": _stamp(session.started_at)},
    )
    _alert_emails_record(session, alerts)
    events = [uploaded, *([_raised_event(session, alerts)] if alerts else [])]
    events_record(client_id=session.owner_id, events=events, endpoints=read)


def alerts_raised_notify(*, session: StretchSession, alerts: Sequence[Alert]) -> None:
    """Alerts raised on a client's session: one email owed to each consented trainer who wants them
    (escalation, stop-event and high-pain alerts only), and the `alert.raised` webhook event."""
    if alerts:
        _alert_emails_record(session, alerts)
        events_record(client_id=session.owner_id, events=[_raised_event(session, alerts)])


def alerts_acknowledged_notify(*, client_id: int, session_id, alert_ids: Sequence[int], at: datetime) -> None:
    """Alerts of a client's session acknowledged: the `alert.acknowledged` webhook event."""
    if alert_ids:
        data = {"client_id": client_id, "session_id": str(session_id), "alert_ids": sorted(alert_ids)}
        event = (WebhookEventType.ALERT_ACKNOWLEDGED, {**data, "acknowledged_at": _stamp(at)})
        events_record(client_id=client_id, events=[event])


def _alert_emails_record(session: StretchSession, alerts: Sequence[Alert]) -> None:
    emailed = [alert for alert in alerts if alert.kind in EMAILED_ALERT_KINDS]
    if not emailed:
        return
    preference = NotificationPreference.objects.filter(trainer=OuterRef("pk")).values("alert_emails")
    trainers = (
        client_trainers(session.owner).annotate(alert_emails=Subquery(preference)).values_list("pk", "alert_emails")
    )
    now = timezone.now()
    notifications = [
        AlertNotification(
            trainer_id=trainer_id,
            client_id=session.owner_id,
            session=session,
            digest=choice == AlertEmails.DIGEST,
            created_at=now,
            next_attempt_at=now,
        )
        for trainer_id, choice in trainers
        if choice != AlertEmails.OFF
    ]
    if not notifications:
        return
    AlertNotification.objects.bulk_create(notifications)
    AlertNotification.alerts.through.objects.bulk_create(
        AlertNotification.alerts.through(alertnotification_id=notification.pk, alert_id=alert.pk)
        for notification in notifications
        for alert in emailed
    )
    for notification in notifications:
        if not notification.digest:
            outbox.enqueue_on_commit(tasks.alert_email_deliver, notification.pk)


def _still_consented(notification: AlertNotification) -> bool:
    return client_trainers(notification.client).filter(pk=notification.trainer_id).exists()


def alert_email_deliver(*, notification_id: int) -> None:
    """One attempt of one alert email, if it is due and nobody else holds it. A trainer whose
    consent link ended since is told nothing."""
    notification = outbox.claim(AlertNotification, notification_id)
    if notification is None:
        return
    if not _still_consented(notification):
        outbox.give_up(notification, "The client withdrew the trainer's consent.")
        return
    try:
        emails.alert_email(notification).send()
    except Exception as failure:  # SMTP refused, timed out, …: retried like any delivery
        logger.warning("alert email %s failed: %s", notification.pk, failure)
        with transaction.atomic():
            next_attempt_at = outbox.attempt_failed(notification, f"{type(failure).__name__}: {failure}")
            if next_attempt_at is not None:
                outbox.enqueue_on_commit(tasks.alert_email_deliver, notification.pk, at=next_attempt_at)
        return
    outbox.delivered(notification)


def alert_emails_sweep() -> int:
    """Enqueue again the alert emails whose attempt is overdue and unclaimed; returns how many."""
    ids = outbox.due_for_sweep(AlertNotification.objects.filter(digest=False))
    for notification_id in ids:
        tasks.alert_email_deliver.enqueue(notification_id)
    return len(ids)


def alert_digests_send(*, now: datetime | None = None) -> int:
    """Send each trainer who chose the digest, once a day from `ALERT_DIGEST_HOUR` (UTC), one email
    with every session's alerts waiting for it. Safe to run on several workers at once (each
    trainer's preference row is locked, SKIP LOCKED). Returns how many digests were sent."""
    now = now or timezone.now()
    due_from = now.replace(hour=settings.ALERT_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if now < due_from:
        return 0
    waiting = AlertNotification.objects.filter(digest=True, status=DeliveryStatus.PENDING)
    sent = 0
    for trainer_id in waiting.values_list("trainer_id", flat=True).distinct().order_by("trainer_id"):
        with transaction.atomic():
            preference = (
                NotificationPreference.objects.select_for_update(skip_locked=True)
                .select_related("trainer")
                .filter(trainer_id=trainer_id)
                .first()
            )
            if preference is None or (preference.last_digest_at and preference.last_digest_at >= due_from):
                continue
            notifications = list(
                waiting.filter(trainer_id=trainer_id).select_related("client", "session").order_by("created_at", "id")
            )
            client_ids = {notification.client_id for notification in notifications}
            consented = set(
                consented_links(preference.trainer).filter(client_id__in=client_ids).values_list("client_id", flat=True)
            )
            included = [notification for notification in notifications if notification.client_id in consented]
            if included:
                emails.digest_email(preference.trainer, included).send()  # raises: the whole digest waits
                sent += 1
            AlertNotification.objects.filter(pk__in=[n.pk for n in included]).update(
                status=DeliveryStatus.DELIVERED, delivered_at=now, attempts=1
            )
            AlertNotification.objects.filter(pk__in=[n.pk for n in notifications if n not in included]).update(
                status=DeliveryStatus.FAILED, last_error="The client withdrew the trainer's consent."
            )
            preference.last_digest_at = now
            preference.save(update_fields=["last_digest_at"])
    return sent


def preference_set(*, trainer: User, alert_emails: str) -> NotificationPreference:
    """Set how the trainer wants alert emails; later alerts follow it."""
    preference, _ = NotificationPreference.objects.update_or_create(
        trainer=trainer, defaults={"alert_emails": alert_emails}
    )
    return preference

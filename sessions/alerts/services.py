"""Writes of safety alerts: raising them with the rows that call for them, and acknowledging them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from stretchapi.bulk import Builder, bulk_insert

from ..models import Alert, Hold, StopEvent, StretchSession, User
from ..notifications.services import alerts_acknowledged_notify
from ..rules import safety

_new_alert = Builder(Alert)


def alerts_raise(session: StretchSession, *, holds: list[Hold], stop_events: list[StopEvent]) -> list[Alert]:
    """The safety alerts of newly stored rows, as the rules call for them, in the caller's transaction
    (one insert); the caller tells the trainers (`sessions.notifications.services`)."""
    return bulk_insert(Alert, alerts_called_for(session, holds=holds, stop_events=stop_events))


def alerts_called_for(session: StretchSession, *, holds: list[Hold], stop_events: list[StopEvent]) -> list[Alert]:
    """The safety alerts new rows call for, by the rules, not yet stored: for a caller that inserts
    them with the rows themselves (the upload), in the same transaction, before it tells anyone."""
    alerts = [
        _new_alert(client=session.owner, session=session, kind=kind, stop_event=event, occurred_at=event.occurred_at)
        for event in stop_events
        for kind in safety.stop_event_alert_kinds(event)
    ]
    alerts += [
        _new_alert(
            client=session.owner,
            session=session,
            kind=kind,
            hold=hold,
            occurred_at=hold.started_at or session.started_at,
        )
        for hold in holds
        for kind in safety.hold_alert_kinds(hold)
    ]
    return alerts


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, note: str) -> Alert:
    """Mark an alert as seen and handled. Acknowledging again keeps the first acknowledgement."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by, alert.note = timezone.now(), by, note
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "note"])
        alerts_acknowledged_notify(
            client_id=alert.client_id, session_id=alert.session_id, alert_ids=[alert.pk], at=alert.acknowledged_at
        )
    return alert


@transaction.atomic
def alert_group_acknowledge(*, client: User, session: StretchSession, by: User, note: str) -> int:
    """Acknowledge every open alert of the client's session at once, with one note; the reasons
    acknowledged earlier keep their first acknowledgement. Returns how many were acknowledged now."""
    open_alerts = Alert.objects.select_for_update().filter(client=client, session=session, acknowledged_at__isnull=True)
    ids = list(open_alerts.values_list("pk", flat=True))
    now = timezone.now()
    acknowledged = Alert.objects.filter(pk__in=ids).update(acknowledged_at=now, acknowledged_by=by, note=note)
    alerts_acknowledged_notify(client_id=client.pk, session_id=session.pk, alert_ids=ids, at=now)
    return acknowledged

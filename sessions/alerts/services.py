"""Writes of safety alerts: raising them with the rows that call for them, and acknowledging them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import Alert, Hold, StopEvent, StretchSession, User
from ..rules import safety


def alerts_raise(session: StretchSession, *, holds: list[Hold], stop_events: list[StopEvent]) -> None:
    """The safety alerts of newly stored rows, as the rules call for them, in the caller's transaction (one insert)."""
    alerts = [
        Alert(client=session.owner, session=session, kind=kind, stop_event=event, occurred_at=event.occurred_at)
        for event in stop_events
        for kind in safety.stop_event_alert_kinds(event)
    ]
    alerts += [
        Alert(
            client=session.owner,
            session=session,
            kind=kind,
            hold=hold,
            occurred_at=hold.started_at or session.started_at,
        )
        for hold in holds
        for kind in safety.hold_alert_kinds(hold)
    ]
    Alert.objects.bulk_create(alerts)


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, note: str) -> Alert:
    """Mark an alert as seen and handled. Acknowledging again keeps the first acknowledgement."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by, alert.note = timezone.now(), by, note
        alert.save(update_fields=["acknowledged_at", "acknowledged_by", "note"])
    return alert

"""Writes of webhooks: endpoints registered, changed and removed; events recorded for delivery in
the caller's transaction (the outbox); one delivery attempted, retried or given up; an endpoint
failing for `WEBHOOK_DISABLE_AFTER_SECONDS` disabled and its owner told."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from stretchapi.compiled import CompiledQuery, Reading
from stretchapi.errors import FieldProblem, InvalidData

from ..access import client_readers
from ..background import outbox
from ..choices import DeliveryStatus, WebhookEventType
from ..models import User, WebhookDelivery, WebhookEndpoint
from . import tasks
from .addresses import AddressRefused, target, url_check
from .sending import SendFailed, post
from .signing import secret_generate, signed_headers

logger = logging.getLogger(__name__)


def _event_types_check(event_types: Sequence[str]) -> list[str]:
    unknown = [value for value in event_types if value not in WebhookEventType.values]
    if not event_types or unknown:
        raise InvalidData(
            [
                FieldProblem(
                    "event_types",
                    "invalid_choice" if unknown else "required",
                    f"Choose one or more of {', '.join(WebhookEventType.values)}"
                    + (f"; unknown: {', '.join(map(str, unknown))}." if unknown else "."),
                )
            ]
        )
    return sorted(set(event_types))


def endpoint_create(*, owner: User, url: str, event_types: Sequence[str], description: str = "") -> WebhookEndpoint:
    """Register an endpoint with a new secret (the caller shows it once)."""
    event_types = _event_types_check(event_types)
    url_check(url)
    return WebhookEndpoint.objects.create(
        owner=owner, url=url, event_types=event_types, description=description, secret=secret_generate()
    )


@transaction.atomic
def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given; `enabled=True` turns a disabled endpoint back on with a clean slate."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if event_types is not None:
        endpoint.event_types = _event_types_check(event_types)
    if url is not None:
        url_check(url)
        endpoint.url = url
    if description is not None:
        endpoint.description = description
    if enabled is True:
        endpoint.disabled_at, endpoint.disabled_reason, endpoint.failing_since = None, "", None
    elif enabled is False and endpoint.disabled_at is None:
        endpoint.disabled_at, endpoint.disabled_reason = timezone.now(), "Disabled by its owner."
    endpoint.save()
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint and its delivery log; deliveries not yet made are dropped."""
    endpoint.delete()


# The enabled endpoints whose owner may read the client's data (`access.client_readers`): every
# upload asks, and the ORM spent ten times the database's time building the nested query.
_SUBSCRIBED = CompiledQuery(
    lambda client_id: WebhookEndpoint.objects.filter(
        owner__in=client_readers(client_id), disabled_at__isnull=True
    ).values_list("pk", "event_types"),
    client_id=-7_001,
)


def endpoints_subscribed(*, client_id: int) -> Reading:
    """The enabled endpoints that may hear of `client_id`'s events, as `events_record` reads them: for a
    caller that reads them with a statement of its own (`bulk.insert_unless_taken(reading=...)`)."""
    return _SUBSCRIBED.reading(client_id=client_id)


def events_record(
    *, client_id: int, events: Iterable[tuple[str, dict[str, Any]]], endpoints: Reading | None = None
) -> None:
    """Write a delivery of each event to every enabled endpoint subscribed to its type whose owner
    may read the client's data (staff; the client's consented trainers), in the caller's transaction;
    each is enqueued when it commits. One query (none when the caller read `endpoints_subscribed`
    already), plus one insert when anything is to be sent."""
    events = list(events)
    subscribed = (endpoints or endpoints_subscribed(client_id=client_id)).rows
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_type=event_type,
            payload={"type": event_type, "timestamp": now.isoformat().replace("+00:00", "Z"), "data": data},
            created_at=now,
            next_attempt_at=now,
        )
        for endpoint_id, event_types in subscribed
        for event_type, data in events
        if event_type in event_types
    ]
    if deliveries:
        WebhookDelivery.objects.bulk_create(deliveries)
        for delivery in deliveries:
            outbox.enqueue_on_commit(tasks.webhook_deliver, delivery.pk)


def webhook_deliver(*, delivery_id: int) -> None:
    """One attempt of one delivery, if it is due and nobody else holds it (`outbox.claim`)."""
    delivery = outbox.claim(WebhookDelivery, delivery_id)
    if delivery is None:
        return
    endpoint = delivery.endpoint
    if endpoint.disabled_at is not None:
        outbox.give_up(delivery, "The endpoint is disabled.")
        return
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
    status, error = None, ""
    try:
        headers = signed_headers(
            secret=endpoint.secret, webhook_id=delivery.webhook_id, sent_at=timezone.now(), body=body
        )
        status, answer = post(target(endpoint.url), body=body.encode(), headers=headers)
        if not 200 <= status < 300:
            error = f"HTTP {status}" + (f": {answer.strip()[:150]}" if answer.strip() else "")
    except AddressRefused as refused:
        error = str(refused)
    except SendFailed as failure:
        error = str(failure)
    with transaction.atomic():
        if status is not None:
            delivery.last_status_code = status
            delivery.save(update_fields=["last_status_code"])
        if not error:
            outbox.delivered(delivery)
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(failing_since=None)
            return
        next_attempt_at = outbox.attempt_failed(delivery, error)
        if next_attempt_at is not None:
            outbox.enqueue_on_commit(tasks.webhook_deliver, delivery.pk, at=next_attempt_at)
        _endpoint_failed(endpoint, error)


def _endpoint_failed(endpoint: WebhookEndpoint, error: str) -> None:
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    endpoint.refresh_from_db(fields=["failing_since", "disabled_at"])
    failing_for = now - endpoint.failing_since
    if endpoint.disabled_at is None and failing_for >= timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS):
        endpoint_disable(endpoint=endpoint, reason=f"Every delivery failed for {failing_for.days} days; last: {error}")


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> None:
    """Turn a failing endpoint off, give up its waiting deliveries and tell its owner by email (after commit)."""
    from ..notifications.emails import endpoint_disabled_email

    endpoint.disabled_at, endpoint.disabled_reason = timezone.now(), reason[:200]
    endpoint.save(update_fields=["disabled_at", "disabled_reason"])
    endpoint.deliveries.filter(status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, claimed_until=None, last_error="The endpoint was disabled."
    )
    message = endpoint_disabled_email(endpoint)
    transaction.on_commit(lambda: _send_quietly(message))


def _send_quietly(message) -> None:
    try:
        message.send()
    except Exception:  # the endpoint stays disabled and says why in the API; the email is a courtesy
        logger.exception("could not email the owner of a disabled webhook endpoint")


def webhooks_sweep() -> int:
    """Enqueue again the deliveries whose attempt is overdue and unclaimed; returns how many."""
    ids = outbox.due_for_sweep(WebhookDelivery.objects.all())
    for delivery_id in ids:
        tasks.webhook_deliver.enqueue(delivery_id)
    return len(ids)

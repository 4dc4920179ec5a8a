"""The transactional outbox, written once for every kind of delivery (alert emails, webhooks).

A service that must tell someone writes an `OutboxRecord` row in its own transaction and calls
`enqueue_on_commit`: the task is enqueued only if the transaction commits (nothing is sent for a
rolled-back upload), and the row stays pending until an attempt succeeds, so nothing is lost when
the worker is down or killed. An attempt:

1. `claim` takes the row for `OUTBOX_CLAIM_SECONDS` with one conditional UPDATE (two tasks for
   the same row — the first and the sweep's — never both send it while the claim holds);
2. the caller sends it, then records `delivered` or `attempt_failed`; a failed attempt is retried
   after the next of `OUTBOX_RETRY_DELAYS_SECONDS`, then given up.

`due_for_sweep` is the periodic sweep's half: rows whose attempt has been due for
`OUTBOX_SWEEP_GRACE_SECONDS` and that nobody holds, taken with SKIP LOCKED (several workers sweep
at once) and handed back to be enqueued again. A worker killed after sending and before recording
makes the next attempt send the same message again: delivery is at least once, and receivers
deduplicate by the message's id (a webhook's `webhook-id`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..choices import DeliveryStatus
from ..models.outbox import OutboxRecord

SWEEP_BATCH = 500


def enqueue_on_commit(task, pk: int, *, at: datetime | None = None) -> None:
    """Enqueue `task(pk)` once the current transaction commits (at once outside one), to run at `at`."""
    transaction.on_commit(lambda: (task.using(run_after=at) if at else task).enqueue(pk))


def claim(model: type[OutboxRecord], pk: int) -> OutboxRecord | None:
    """Take the row for one attempt, or None when it is delivered, given up, not yet due or held by another."""
    now = timezone.now()
    taken = (
        model.objects.filter(pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS), attempts=F("attempts") + 1)
    )
    return model.objects.get(pk=pk) if taken else None


def delivered(record: OutboxRecord) -> None:
    record.status, record.delivered_at, record.claimed_until, record.last_error = (
        DeliveryStatus.DELIVERED, timezone.now(), None, ""
    )  # fmt: skip
    record.save(update_fields=["status", "delivered_at", "claimed_until", "last_error"])


def attempt_failed(record: OutboxRecord, error: str) -> datetime | None:
    """Record a failed attempt; returns when the next one is due, or None when the row is given up."""
    delays = settings.OUTBOX_RETRY_DELAYS_SECONDS
    record.last_error, record.claimed_until = error[:500], None
    if record.attempts > len(delays):
        record.status = DeliveryStatus.FAILED
        next_attempt_at = None
    else:
        next_attempt_at = record.next_attempt_at = timezone.now() + timedelta(seconds=delays[record.attempts - 1])
    record.save(update_fields=["last_error", "claimed_until", "status", "next_attempt_at"])
    return next_attempt_at


def give_up(record: OutboxRecord, error: str) -> None:
    record.status, record.claimed_until, record.last_error = DeliveryStatus.FAILED, None, error[:500]
    record.save(update_fields=["status", "claimed_until", "last_error"])


def due_for_sweep(queryset) -> list[int]:
    """The ids of pending rows of `queryset` left behind (due for the grace period, held by nobody),
    marked as handed out now so that the next sweep leaves them to the tasks it enqueues."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            queryset.filter(
                status=DeliveryStatus.PENDING,
                next_attempt_at__lte=now - timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS),
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        queryset.model.objects.filter(pk__in=ids).update(next_attempt_at=now)
    return ids

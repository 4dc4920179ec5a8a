"""The transactional outbox's rows: what must be delivered, written in the transaction that calls
for it, and delivered by the worker after commit (`sessions.background.outbox`)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from ..choices import DeliveryStatus


class OutboxRecord(models.Model):
    """Abstract: one thing to deliver, with its attempts. A worker claims it until
    `claimed_until`; a claim that expires (the worker died) makes it due again."""

    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True

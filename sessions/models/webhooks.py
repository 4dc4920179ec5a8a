"""Webhooks: the endpoints trainers and staff register, and each delivery to one (an outbox row)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from ..choices import DeliveryStatus
from .accounts import User
from .outbox import OutboxRecord


class WebhookEndpoint(models.Model):
    """A URL that receives signed events of the owner's clients (Standard Webhooks)."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    event_types = models.JSONField()  # a list of `WebhookEventType` values
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100)  # "whsec_" + base64 of 32 random bytes; shown once
    created_at = models.DateTimeField(auto_now_add=True)
    failing_since = models.DateTimeField(null=True, blank=True)  # the first failure since the last success
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.url} ({self.owner})"


class WebhookDelivery(OutboxRecord):
    """One event sent to one endpoint; `message_id` is its `webhook-id`, the same on every attempt."""

    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status=DeliveryStatus.PENDING), name="webhook_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
        ]

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.message_id.hex}"

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint.url} ({self.status})"

"""Alert emails: a trainer's preference, and each email owed to a trainer (an outbox row)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ..choices import AlertEmails, DeliveryStatus
from .accounts import User
from .logged import StretchSession
from .outbox import OutboxRecord
from .trainers import Alert


class NotificationPreference(models.Model):
    """How one trainer wants alert emails (no row: at once)."""

    trainer = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="+")
    alert_emails = models.CharField(max_length=10, choices=AlertEmails.choices, default=AlertEmails.IMMEDIATE)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.trainer}: {self.get_alert_emails_display()}"


class AlertNotification(OutboxRecord):
    """One trainer's email about the alerts one write raised on one client's session: sent on its
    own (`digest` false) or gathered into the trainer's daily digest."""

    trainer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="alert_notifications")
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(StretchSession, on_delete=models.CASCADE, related_name="+")
    alerts = models.ManyToManyField(Alert, related_name="+")
    digest = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["digest", "next_attempt_at"],
                condition=Q(status=DeliveryStatus.PENDING),
                name="alertnotification_due",
            )
        ]

    def __str__(self) -> str:
        return f"alert email to {self.trainer} about {self.client} ({self.status})"

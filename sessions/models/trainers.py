"""The trainer's side: invitations, consent links, the access log and safety alerts."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ..choices import AlertKind
from .accounts import User
from .logged import Hold, StopEvent, StretchSession


class TrainerInvitation(models.Model):
    """A short code a trainer gives a client; accepting it links the two."""

    trainer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations_sent")
    code = models.CharField(max_length=12, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations_accepted"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code} from {self.trainer}"


class TrainerLink(models.Model):
    """A client's consent for one trainer to see their data; `ended_at` set when the client ends it."""

    trainer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="client_links")
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trainer_links")
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainer", "client"], condition=Q(ended_at__isnull=True), name="trainerlink_one_active"
            ),
            models.CheckConstraint(condition=~Q(trainer=F("client")), name="trainerlink_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.trainer} → {self.client}"


class AccessLogEntry(models.Model):
    """One read of a client's data by a trainer: who, what, when. Shown to the client."""

    trainer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_log")
    resource = models.CharField(max_length=40)
    path = models.CharField(max_length=500)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "access log entries"

    def __str__(self) -> str:
        return f"{self.trainer} read {self.resource} of {self.client}"


class Alert(models.Model):
    """One safety signal from a client's session that a trainer must see: a stop event, a hold
    above the cap of its goal, high pain, or an escalation (`sessions.rules.safety` decides which)."""

    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="alerts")
    session = models.ForeignKey(StretchSession, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    hold = models.ForeignKey(Hold, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    stop_event = models.ForeignKey(StopEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts_acknowledged"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["client", "-occurred_at"], name="alert_client_occurred")]
        constraints = [
            models.UniqueConstraint(fields=["stop_event", "kind"], name="alert_one_per_stop_event"),
            models.UniqueConstraint(fields=["hold", "kind"], name="alert_one_per_hold_kind"),
            models.CheckConstraint(
                condition=Q(stop_event__isnull=False) | Q(hold__isnull=False), name="alert_has_a_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.client}"

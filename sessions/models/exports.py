"""The record of every analytics export."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from ..choices import ExportAudience, ExportStatus, ExportVia
from .accounts import User


class ExportRecord(models.Model):
    """One export of analytics data: who asked for which rows, when, and how much of it left.

    Written when the export starts (`running`) and finished when its stream ends:
    `completed`, `aborted` when the client went away mid-stream (`rows` and `bytes`
    then say what had been sent), or `failed`.
    """

    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exports",
        help_text="Empty for exports made on the command line.",
    )
    via = models.CharField(max_length=20, choices=ExportVia.choices)
    audience = models.CharField(max_length=10, choices=ExportAudience.choices)
    dataset = models.CharField(max_length=20)
    format = models.CharField(max_length=10)
    filters = models.JSONField(help_text="The filters as applied: since, until, exercise, client, trainer.")
    rows = models.PositiveBigIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.RUNNING)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [("export_analytics", "Can export every client's data, pseudonymized")]

    def __str__(self) -> str:
        who = self.user or "command line"
        return f"{self.dataset} as {self.format} by {who} ({self.status})"

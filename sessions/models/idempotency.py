"""The first answers to keyed POSTs, kept for replay (the HTTP logic: `sessions/api/idempotency.py`)."""

from __future__ import annotations

from django.db import models

from .accounts import User


class IdempotencyRecord(models.Model):
    """The first response to a POST that carried an `Idempotency-Key`, replayed on retries.

    Kept at least 24 hours (`purge_idempotency_records` removes older ones).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.user} {self.method} {self.path} [{self.key}]"

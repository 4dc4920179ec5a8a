"""A client's health: the catalog's contraindications they have recorded for themselves."""

from __future__ import annotations

from django.db import models

from catalog.models import Contraindication

from .accounts import User


class HealthFlag(models.Model):
    """One contraindication (a catalog slug) a client has told us they have."""

    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="health_flags")
    contraindication = models.ForeignKey(Contraindication, on_delete=models.PROTECT, related_name="health_flags")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client", "contraindication__slug"]
        constraints = [
            models.UniqueConstraint(fields=["client", "contraindication"], name="healthflag_unique_per_client"),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.contraindication}"

"""Programs: what a trainer asks one client to do, item by item."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from catalog.choices import Goal
from catalog.models import Exercise

from ..limits import HELD_SECONDS, PROGRAM_HOLDS_PER_SIDE, PROGRAM_SESSIONS_PER_WEEK, between, validators
from .accounts import User


class Program(models.Model):
    """What a trainer asks one client to do, and how often; a client follows one program at a time."""

    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="programs")
    trainer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="programs_assigned")
    sessions_per_week = models.PositiveSmallIntegerField(validators=validators(PROGRAM_SESSIONS_PER_WEEK))
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Set when a newer program replaced it.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=Q(ended_at__isnull=True), name="program_one_current_per_client"
            ),
            models.CheckConstraint(
                condition=between("sessions_per_week", PROGRAM_SESSIONS_PER_WEEK), name="program_frequency_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} by {self.trainer} ({self.sessions_per_week}/week)"


class ProgramItem(models.Model):
    """One exercise of a program with its goal and dose (within the catalog's range, or overridden with a reason)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="program_items")
    goal = models.CharField(max_length=30, choices=Goal.choices)
    holds_per_side = models.PositiveSmallIntegerField(validators=validators(PROGRAM_HOLDS_PER_SIDE))
    hold_seconds = models.PositiveSmallIntegerField(validators=validators(HELD_SECONDS))
    override_reason = models.TextField(blank=True, help_text="Why the dose leaves the catalog's range, if it does.")

    class Meta:
        ordering = ["program", "position"]
        constraints = [
            models.UniqueConstraint(fields=["program", "position"], name="programitem_unique_position"),
            models.CheckConstraint(condition=between("hold_seconds", HELD_SECONDS), name="programitem_hold_range"),
            models.CheckConstraint(
                condition=between("holds_per_side", PROGRAM_HOLDS_PER_SIDE), name="programitem_holds_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} · {self.holds_per_side} × {self.hold_seconds} s"

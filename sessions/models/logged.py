"""Logged stretching sessions and their rows: holds, stop events and flexibility measurements.

Ids of sessions and of their rows are UUIDs that the phone may choose, so an
offline phone can name what it records before it uploads it.
"""

from __future__ import annotations

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from catalog.choices import Goal, Side
from catalog.models import Exercise, StopSign

from .. import choices
from ..limits import ANGLE_DEGREES, HELD_SECONDS, INTENSITY, SIT_AND_REACH_CM, between, validators
from ..rules.safety import is_flagged
from .accounts import User


class StretchSession(models.Model):
    """One stretching session a user logged, as uploaded by their phone.

    A deleted session stays as a tombstone (`deleted_at` set) so that other
    devices learn of the deletion when they sync. The safety flags are written
    by the service that stores the holds and stop events, in the same
    transaction, never recomputed behind the caller's back.
    """

    id = models.UUIDField(primary_key=True)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="stretch_sessions")
    assisted_by = models.CharField(max_length=10, choices=choices.AssistedBy.choices, default=choices.AssistedBy.SELF)
    # PROTECT, not SET_NULL: who assisted is part of the client's safety
    # record, and `session_trainer_set` forbids a trainer-assisted session
    # without its trainer. A trainer with assisted sessions is deactivated
    # (is_active=False), not deleted.
    assisting_trainer = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assisted_sessions",
        help_text="The trainer account that assisted; a trainer with assisted sessions cannot be deleted.",
    )
    partner_name = models.CharField(max_length=80, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Empty while the session is in progress.")
    goal = models.CharField(max_length=30, choices=Goal.choices)
    outcome = models.CharField(max_length=20, choices=choices.Outcome.choices, default=choices.Outcome.COMPLETED)
    notes = models.TextField(blank=True)
    app_version = models.CharField(max_length=40, blank=True)
    content_hash = models.CharField(max_length=64, help_text="Hash of the upload, to recognise retries.")
    version = models.PositiveIntegerField(default=1, help_text="Grows on every change; keys the ETag.")
    has_stop_event = models.BooleanField(default=False)
    holds_above_target = models.PositiveSmallIntegerField(default=0)
    holds_outside_dose = models.PositiveSmallIntegerField(default=0)
    max_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    # Set when the session is built, not by the insert (as `auto_now_add` would): an upload writes its
    # answer, and the record of a keyed one, before the statement that stores them all.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["owner", "-started_at"], name="session_owner_started"),
            models.Index(fields=["owner", "updated_at"], name="session_owner_updated"),
            # Exports over every client read a date range in start order.
            models.Index(fields=["started_at", "id"], name="session_started"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__gte=F("started_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(goal__in=Goal.values), name="session_goal_valid"),
            models.CheckConstraint(
                condition=~Q(assisted_by=choices.AssistedBy.PARTNER) | ~Q(partner_name=""),
                name="session_partner_named",
            ),
            models.CheckConstraint(
                condition=~Q(assisted_by=choices.AssistedBy.TRAINER) | Q(assisting_trainer__isnull=False),
                name="session_trainer_set",
            ),
            models.CheckConstraint(condition=between("max_pain", INTENSITY, nullable=True), name="session_pain_range"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_flagged(self) -> bool:
        return is_flagged(
            has_stop_event=self.has_stop_event,
            holds_above_target=self.holds_above_target,
            holds_outside_dose=self.holds_outside_dose,
            max_pain=self.max_pain,
        )

    @property
    def etag(self) -> str:
        return f'"{self.id}-{self.version}"'


class Hold(models.Model):
    """One timed hold of one exercise on one side, with how intense it felt."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    # No index of its own: `hold_unique_position` (session, position) serves every lookup by session,
    # and a second index only cost each upload 40 more index entries to write.
    session = models.ForeignKey(StretchSession, on_delete=models.CASCADE, related_name="holds", db_index=False)
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="holds")
    side = models.CharField(max_length=5, choices=Side.choices)
    position = models.PositiveSmallIntegerField(help_text="1 for the session's first hold.")
    set_number = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    target_seconds = models.PositiveSmallIntegerField(null=True, blank=True, validators=validators(HELD_SECONDS))
    held_seconds = models.PositiveSmallIntegerField(validators=validators(HELD_SECONDS))
    intensity = models.PositiveSmallIntegerField(validators=validators(INTENSITY))
    pain = models.PositiveSmallIntegerField(null=True, blank=True, validators=validators(INTENSITY))
    contract_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    relax_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    assisted_hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    above_target = models.BooleanField(
        default=False,
        help_text="Intensity above the cap of the dose for the session's goal (above the exercise's target maximum "
        "when the exercise has no dose for that goal).",
    )
    outside_dose = models.BooleanField(
        default=False, help_text="Held seconds outside the goal's dose, or a PNF phase outside the protocol."
    )
    outside_dose_phases = models.CharField(
        max_length=40, blank=True, help_text="The PNF phases outside the protocol, comma-separated (empty if none)."
    )

    class Meta:
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="hold_unique_position"),
            models.CheckConstraint(condition=between("held_seconds", HELD_SECONDS), name="hold_held_seconds_range"),
            models.CheckConstraint(condition=between("intensity", INTENSITY), name="hold_intensity_range"),
            models.CheckConstraint(condition=between("pain", INTENSITY, nullable=True), name="hold_pain_range"),
            models.CheckConstraint(condition=Q(position__gte=1), name="hold_position_positive"),
            models.CheckConstraint(condition=Q(set_number__gte=1), name="hold_set_number_positive"),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="hold_side_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} {self.side} {self.held_seconds}s @ {self.intensity}/10"

    @property
    def outside_dose_phase_list(self) -> list[str]:
        return self.outside_dose_phases.split(",") if self.outside_dose_phases else []


class StopEvent(models.Model):
    """One moment a stop sign appeared during a session, and what was done about it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    session = models.ForeignKey(StretchSession, on_delete=models.CASCADE, related_name="stop_events")
    hold = models.ForeignKey(Hold, null=True, blank=True, on_delete=models.SET_NULL, related_name="stop_events")
    stop_sign = models.ForeignKey(
        StopSign, null=True, blank=True, on_delete=models.PROTECT, help_text="Empty for kind 'other'."
    )
    side = models.CharField(max_length=5, choices=Side.choices, blank=True)
    occurred_at = models.DateTimeField()
    pain = models.PositiveSmallIntegerField(null=True, blank=True, validators=validators(INTENSITY))
    action = models.CharField(max_length=20, choices=choices.StopAction.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["session", "occurred_at"]
        constraints = [
            models.CheckConstraint(condition=between("pain", INTENSITY, nullable=True), name="stopevent_pain_range"),
            models.CheckConstraint(condition=Q(stop_sign__isnull=False) | ~Q(note=""), name="stopevent_other_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.occurred_at:%H:%M:%S}"

    @property
    def kind(self) -> str:
        return self.stop_sign.slug if self.stop_sign_id else choices.STOP_KIND_OTHER


class Measurement(models.Model):
    """One flexibility test result: an angle in degrees or a reach in centimetres."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    session = models.ForeignKey(StretchSession, on_delete=models.CASCADE, related_name="measurements")
    kind = models.CharField(max_length=30, choices=choices.MeasurementKind.choices)
    side = models.CharField(max_length=5, choices=Side.choices, blank=True)
    value = models.DecimalField(max_digits=5, decimal_places=1)
    unit = models.CharField(max_length=3, choices=choices.Unit.choices)
    zero_offset_cm = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Sit-and-reach only: where the scale's zero sits relative to the soles (e.g. 23 on a standard box).",
    )
    measured_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "measured_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=choices.MeasurementKind.SIT_AND_REACH, unit=choices.Unit.CENTIMETRES)
                    & between("value", SIT_AND_REACH_CM)
                )
                | (
                    Q(
                        kind__in=[
                            choices.MeasurementKind.STRAIGHT_LEG_RAISE,
                            choices.MeasurementKind.ACTIVE_KNEE_EXTENSION,
                        ],
                        unit=choices.Unit.DEGREES,
                    )
                    & between("value", ANGLE_DEGREES)
                    & Q(zero_offset_cm__isnull=True)
                ),
                name="measurement_unit_and_range_fit_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.side} {self.value} {self.unit}"

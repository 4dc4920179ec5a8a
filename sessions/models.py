"""Accounts and logged stretching sessions: holds, stop-events and measurements.

Accounts live here because a session is what an account exists to own; the
app list is fixed by the product's design card (stretchapi, catalog, sessions).
Ids of sessions and of their rows are UUIDs that the phone may choose, so an
offline phone can name what it records before it uploads it.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from knox.models import AbstractAuthToken

from catalog.choices import Goal, Side
from catalog.models import Exercise, StopSign

from . import choices

INTENSITY = (0, 10)
HELD_SECONDS = (1, 600)  # a hold is at most ten minutes
MAX_HOLDS_PER_SESSION = 300
ANGLE_DEGREES = (0, 180)
SIT_AND_REACH_CM = (-100, 100)


def _between(field: str, bounds: tuple[int, int], *, nullable: bool = False) -> Q:
    condition = Q(**{f"{field}__gte": bounds[0], f"{field}__lte": bounds[1]})
    return condition | Q(**{f"{field}__isnull": True}) if nullable else condition


def _validators(bounds: tuple[int, int]) -> list:
    return [MinValueValidator(bounds[0]), MaxValueValidator(bounds[1])]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        role = fields.setdefault("role", choices.Role.CLIENT)
        fields.setdefault("is_staff", role in (choices.Role.TRAINER, choices.Role.STAFF))  # trainers use the panel
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(role=choices.Role.STAFF, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """One person who signs in: a client who stretches, a trainer, or staff."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    role = models.CharField(max_length=10, choices=choices.Role.choices, default=choices.Role.CLIENT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=choices.Role.values), name="stretch_sessions_user_role_valid"),
            models.CheckConstraint(condition=Q(email=models.functions.Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.email


class DeviceToken(AbstractAuthToken):
    """One signed-in device of a user: a hashed bearer token with its expiry."""

    device_name = models.CharField(max_length=80)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["user", "device_name"], name="devicetoken_one_per_device"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.device_name}"


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
    created_at = models.DateTimeField(auto_now_add=True)
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
            models.CheckConstraint(condition=_between("max_pain", INTENSITY, nullable=True), name="session_pain_range"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_flagged(self) -> bool:
        return self.has_stop_event or self.holds_above_target > 0 or self.holds_outside_dose > 0

    @property
    def etag(self) -> str:
        return f'"{self.id}-{self.version}"'


class Hold(models.Model):
    """One timed hold of one exercise on one side, with how intense it felt."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    session = models.ForeignKey(StretchSession, on_delete=models.CASCADE, related_name="holds")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="holds")
    side = models.CharField(max_length=5, choices=Side.choices)
    position = models.PositiveSmallIntegerField(help_text="1 for the session's first hold.")
    set_number = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    target_seconds = models.PositiveSmallIntegerField(null=True, blank=True, validators=_validators(HELD_SECONDS))
    held_seconds = models.PositiveSmallIntegerField(validators=_validators(HELD_SECONDS))
    intensity = models.PositiveSmallIntegerField(validators=_validators(INTENSITY))
    pain = models.PositiveSmallIntegerField(null=True, blank=True, validators=_validators(INTENSITY))
    contract_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    relax_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    assisted_hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    above_target = models.BooleanField(default=False, help_text="Intensity above the exercise's target maximum.")
    outside_dose = models.BooleanField(default=False, help_text="Held seconds outside the goal's dose.")

    class Meta:
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="hold_unique_position"),
            models.CheckConstraint(condition=_between("held_seconds", HELD_SECONDS), name="hold_held_seconds_range"),
            models.CheckConstraint(condition=_between("intensity", INTENSITY), name="hold_intensity_range"),
            models.CheckConstraint(condition=_between("pain", INTENSITY, nullable=True), name="hold_pain_range"),
            models.CheckConstraint(condition=Q(position__gte=1), name="hold_position_positive"),
            models.CheckConstraint(condition=Q(set_number__gte=1), name="hold_set_number_positive"),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="hold_side_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} {self.side} {self.held_seconds}s @ {self.intensity}/10"


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
    pain = models.PositiveSmallIntegerField(null=True, blank=True, validators=_validators(INTENSITY))
    action = models.CharField(max_length=20, choices=choices.StopAction.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["session", "occurred_at"]
        constraints = [
            models.CheckConstraint(condition=_between("pain", INTENSITY, nullable=True), name="stopevent_pain_range"),
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
                    & _between("value", SIT_AND_REACH_CM)
                )
                | (
                    Q(
                        kind__in=[
                            choices.MeasurementKind.STRAIGHT_LEG_RAISE,
                            choices.MeasurementKind.ACTIVE_KNEE_EXTENSION,
                        ],
                        unit=choices.Unit.DEGREES,
                    )
                    & _between("value", ANGLE_DEGREES)
                    & Q(zero_offset_cm__isnull=True)
                ),
                name="measurement_unit_and_range_fit_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.side} {self.value} {self.unit}"


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


# The trainer's side ----------------------------------------------------------------


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
    above the exercise's target intensity, or a pain rating of 7 or more."""

    class Kind(models.TextChoices):
        STOP_EVENT = "stop_event", "Stop event"
        ABOVE_TARGET = "above_target", "Intensity above target"
        HIGH_PAIN = "high_pain", "Pain 7/10 or more"

    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="alerts")
    session = models.ForeignKey(StretchSession, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
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


class Program(models.Model):
    """What a trainer asks one client to do, and how often; a client follows one program at a time."""

    client = models.ForeignKey(User, on_delete=models.CASCADE, related_name="programs")
    trainer = models.ForeignKey(User, on_delete=models.CASCADE, related_name="programs_assigned")
    sessions_per_week = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(14)])
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
                condition=Q(sessions_per_week__gte=1, sessions_per_week__lte=14), name="program_frequency_range"
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
    holds_per_side = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(20)])
    hold_seconds = models.PositiveSmallIntegerField(validators=_validators(HELD_SECONDS))
    override_reason = models.TextField(blank=True, help_text="Why the dose leaves the catalog's range, if it does.")

    class Meta:
        ordering = ["program", "position"]
        constraints = [
            models.UniqueConstraint(fields=["program", "position"], name="programitem_unique_position"),
            models.CheckConstraint(condition=_between("hold_seconds", HELD_SECONDS), name="programitem_hold_range"),
            models.CheckConstraint(
                condition=Q(holds_per_side__gte=1, holds_per_side__lte=20), name="programitem_holds_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} · {self.holds_per_side} × {self.hold_seconds} s"


# Analytics exports -----------------------------------------------------------------


class ExportRecord(models.Model):
    """One export of analytics data: who asked for which rows, when, and how much of it left.

    Written when the export starts (`running`) and finished when its stream ends:
    `completed`, `aborted` when the client went away mid-stream (`rows` and `bytes`
    then say what had been sent), or `failed`.
    """

    class Audience(models.TextChoices):
        ANALYST = "analyst", "Analyst (all clients, pseudonymized)"
        TRAINER = "trainer", "Trainer (consented clients, with names)"

    class Via(models.TextChoices):
        API = "api", "The API"
        COMMAND_LINE = "command_line", "The command line"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        ABORTED = "aborted", "Aborted by the client"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exports",
        help_text="Empty for exports made on the command line.",
    )
    via = models.CharField(max_length=20, choices=Via.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    dataset = models.CharField(max_length=20)
    format = models.CharField(max_length=10)
    filters = models.JSONField(help_text="The filters as applied: since, until, exercise, client, trainer.")
    rows = models.PositiveBigIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [("export_analytics", "Can export every client's data, pseudonymized")]

    def __str__(self) -> str:
        who = self.user or "command line"
        return f"{self.dataset} as {self.format} by {who} ({self.status})"

"""Values of the logged-session API contract. Stable: clients switch on them."""

from django.db import models

from .rules.values import HIGH_PAIN


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    TRAINER = "trainer", "Trainer"
    STAFF = "staff", "Staff"


# The roles whose accounts sign in to the admin panel (trainers use it as theirs).
PANEL_ROLES = (Role.TRAINER, Role.STAFF)


class AssistedBy(models.TextChoices):
    SELF = "self", "Nobody (self)"
    PARTNER = "partner", "A named partner"
    TRAINER = "trainer", "A trainer account"


class Outcome(models.TextChoices):
    COMPLETED = "completed", "Completed"
    STOPPED_EARLY = "stopped_early", "Stopped early"


class StopAction(models.TextChoices):
    STOPPED_SESSION = "stopped_session", "Stopped the session"
    EASED_OFF = "eased_off", "Eased off"
    CONTINUED = "continued", "Continued"


class MeasurementKind(models.TextChoices):
    STRAIGHT_LEG_RAISE = "straight_leg_raise", "Straight-leg raise angle"
    ACTIVE_KNEE_EXTENSION = "active_knee_extension", "Active knee extension angle"
    SIT_AND_REACH = "sit_and_reach", "Sit-and-reach"


class Unit(models.TextChoices):
    DEGREES = "deg", "Degrees"
    CENTIMETRES = "cm", "Centimetres"


class NextStepAction(models.TextChoices):
    """What the progression rule suggests for the next session."""

    START = "start", "Start at the goal's starting dose"
    HOLD_LONGER = "hold_longer", "Hold longer"
    INCREASE_INTENSITY = "increase_intensity", "Increase intensity"
    REPEAT = "repeat", "Repeat the current dose"
    FROZEN = "frozen", "Frozen after a stop event"


class AlertKind(models.TextChoices):
    """Why a trainer is alerted about a client's session."""

    ESCALATION = "escalation", "Continued through a stop sign or high pain"
    STOP_EVENT = "stop_event", "Stop event"
    HIGH_PAIN = "high_pain", f"Pain {HIGH_PAIN}/10 or more"
    ABOVE_TARGET = "above_target", "Intensity above the goal's cap"


class ExportAudience(models.TextChoices):
    """Whom an export was made for, as recorded."""

    ANALYST = "analyst", "Analyst (all clients, pseudonymized)"
    TRAINER = "trainer", "Trainer (consented clients, with names)"


class ExportVia(models.TextChoices):
    API = "api", "The API"
    COMMAND_LINE = "command_line", "The command line"


class ExportStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    ABORTED = "aborted", "Aborted by the client"
    FAILED = "failed", "Failed"


STOP_KIND_OTHER = "other"


class AlertEmails(models.TextChoices):
    """How a trainer wants the alert emails of their clients' sessions."""

    IMMEDIATE = "immediate", "One email per session's alerts, at once"
    DIGEST = "digest", "One email a day with every session's alerts"
    OFF = "off", "No alert emails"


class DeliveryStatus(models.TextChoices):
    """Where an outgoing notification (an alert email, a webhook delivery) stands."""

    PENDING = "pending", "Waiting for its next attempt"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Given up"


class WebhookEventType(models.TextChoices):
    """What a webhook endpoint can subscribe to (the `type` of each delivery's payload)."""

    ALERT_RAISED = "alert.raised", "Safety alerts raised on a client's session"
    ALERT_ACKNOWLEDGED = "alert.acknowledged", "Alerts of a client's session acknowledged"
    SESSION_UPLOADED = "session.uploaded", "A client's session uploaded"

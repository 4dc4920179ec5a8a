"""Catalog vocabularies that are part of the API contract.

The values are stable lowercase identifiers: clients switch on them, so a value
is never renamed once published.
"""

from django.db import models


class Difficulty(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class Position(models.TextChoices):
    SUPINE = "supine", "Lying on the back"
    PRONE = "prone", "Lying face down"
    SEATED = "seated", "Seated"
    STANDING = "standing", "Standing"


class Technique(models.TextChoices):
    PASSIVE_STATIC = "passive_static", "Passive static"
    ACTIVE_STATIC = "active_static", "Active static"
    PNF_CONTRACT_RELAX = "pnf_contract_relax", "PNF contract-relax"
    DYNAMIC = "dynamic", "Dynamic"
    WARMUP_CARDIO = "warmup_cardio", "Warm-up cardio"


class Assistance(models.TextChoices):
    PARTNER = "partner", "Partner"
    SELF = "self", "Self"
    PROP = "prop", "Prop (strap, towel, surface)"


class Laterality(models.TextChoices):
    PER_SIDE = "per_side", "Each side in turn"
    BOTH_SIDES = "both_sides", "Both sides at once"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"


class Goal(models.TextChoices):
    GENERAL_FLEXIBILITY = "general_flexibility", "General flexibility"
    POST_WORKOUT_RECOVERY = "post_workout_recovery", "Post-workout recovery"
    MOBILITY_WARM_UP = "mobility_warm_up", "Mobility warm-up"
    REHAB_CONTROL = "rehab_control", "Rehab-style control"


class UseCase(models.TextChoices):
    WARM_UP = "warm_up", "Warm-up"
    COOLDOWN = "cooldown", "Cooldown"
    RECOVERY = "recovery", "Recovery"
    REHAB = "rehab", "Rehab"
    FLEXIBILITY = "flexibility", "Flexibility"


class StopSeverity(models.TextChoices):
    """What a stop sign asks of the pair: end the stretch at once, or ease off and watch."""

    STOP = "stop", "Stop now"
    CAUTION = "caution", "Ease off and watch"


class StepPhase(models.TextChoices):
    SETUP = "setup", "Setup"
    EXECUTION = "execution", "Execution"
    RELEASE = "release", "Release"


class Relation(models.TextChoices):
    EASIER = "easier", "Easier"
    HARDER = "harder", "Harder"
    VARIATION = "variation", "Variation"
    ALTERNATIVE_WITHOUT_PARTNER = "alternative_without_partner", "Alternative without a partner"


class MuscleRole(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class TimerPhase(models.TextChoices):
    """One segment of the timeline a mobile timer plays."""

    CONTRACT = "contract", "Contract"
    RELAX = "relax", "Relax"
    ASSISTED_HOLD = "assisted_hold", "Assisted hold"
    HOLD = "hold", "Hold"
    REST = "rest", "Rest"


class EditSource(models.TextChoices):
    """Where a change to an exercise came from, as its history records it."""

    LOAD_CATALOG = "load_catalog", "load_catalog (data files)"
    API = "api", "The API"
    ADMIN = "admin", "The admin"
    MIGRATION = "migration", "A migration (first snapshot)"

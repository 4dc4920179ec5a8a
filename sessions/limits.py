"""The bounds of every logged value: the models mirror them as CheckConstraints, the input
serializers as min/max values, so the database and the API refuse the same things."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q

from catalog.models import INTENSITY as CATALOG_INTENSITY

INTENSITY = CATALOG_INTENSITY  # one 0–10 scale for intensity and pain, the catalog's and the log's
HELD_SECONDS = (1, 600)  # a hold is at most ten minutes
MAX_HOLDS_PER_SESSION = 300
MAX_STOP_EVENTS = 100
MAX_MEASUREMENTS = 50
ANGLE_DEGREES = (0, 180)
SIT_AND_REACH_CM = (-100, 100)
PROGRAM_SESSIONS_PER_WEEK = (1, 14)
PROGRAM_HOLDS_PER_SIDE = (1, 20)


def between(field: str, bounds: tuple[int, int], *, nullable: bool = False) -> Q:
    """The condition of a CheckConstraint holding `field` within `bounds`."""
    condition = Q(**{f"{field}__gte": bounds[0], f"{field}__lte": bounds[1]})
    return condition | Q(**{f"{field}__isnull": True}) if nullable else condition


def validators(bounds: tuple[int, int]) -> list:
    """Django validators holding a field within `bounds` (forms and the admin)."""
    return [MinValueValidator(bounds[0]), MaxValueValidator(bounds[1])]

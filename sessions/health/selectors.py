"""Reads of health flags: a client's flags, and which contraindications of given exercises a client has.

`plan_warnings` is the catalog's `CATALOG_PLAN_WARNINGS` hook: the plan
endpoint calls it by name, so the catalog never imports this app.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from catalog.models import Contraindication, Exercise

from ..access import is_client
from ..models import HealthFlag, User

WARNING_CODE = "contraindicated"


def health_flags(*, client: User) -> QuerySet[HealthFlag]:
    """The client's flags with their contraindication, by slug."""
    return (
        HealthFlag.objects.filter(client=client).select_related("contraindication").order_by("contraindication__slug")
    )


def flagged_contraindications(
    *, client: User | int, exercises: Iterable[Exercise]
) -> dict[int, list[Contraindication]]:
    """For each exercise (by id), the contraindications it lists that the client has flagged, by slug.

    One query whatever the number of exercises; exercises with none are left out.
    """
    ids = {exercise.pk for exercise in exercises}
    if not ids:
        return {}
    rows = (
        Exercise.contraindications.through.objects.filter(
            exercise_id__in=ids, contraindication__health_flags__client=client
        )
        .select_related("contraindication")
        .order_by("contraindication__slug")
    )
    found: dict[int, list[Contraindication]] = {}
    for row in rows:
        found.setdefault(row.exercise_id, []).append(row.contraindication)
    return found


def warning(contraindication: Contraindication) -> dict[str, str]:
    """The warning a flagged contraindication puts on a plan; `code` is stable."""
    return {
        "code": WARNING_CODE,
        "contraindication": contraindication.slug,
        "message": (
            f"You recorded '{contraindication.name}', which this exercise lists as a contraindication: "
            "do it only if a professional has cleared you, and stop at any stop sign."
        ),
    }


def plan_warnings(*, user: Any, exercise: Exercise) -> list[dict[str, str]]:
    """The warnings on `exercise`'s plan for `user`: one per flagged contraindication; none for anyone not a client."""
    if not is_client(user):
        return []
    flagged = flagged_contraindications(client=user, exercises=[exercise])
    return [warning(contraindication) for contraindication in flagged.get(exercise.pk, [])]

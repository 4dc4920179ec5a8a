"""Writes of programs: a trainer gives a client a new program, checked against the catalog's doses."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.models import Dose, Exercise
from stretchapi.errors import InvalidData

from ..errors import Contraindicated
from ..health.selectors import flagged_contraindications
from ..models import Program, ProgramItem, User


@transaction.atomic
def program_assign(
    *, trainer: User, client: User, sessions_per_week: int, items: list[dict[str, Any]], notes: str = ""
) -> Program:
    """Give the client a new program; the one they followed ends now.

    Items name their exercise by slug (or give it). Each item's dose must lie within the
    catalog's range for its goal, unless the trainer states why it does not
    (`override_reason`). An exercise listing a contraindication the client has flagged
    is refused (`Contraindicated`, 409) unless the item states an `override_reason` too;
    the client sees the reason in their program.
    """
    problems: dict[str, list[tuple[str, str]]] = {}
    for item in items:
        if isinstance(item["exercise"], Exercise):
            item["exercise"] = item["exercise"].slug
    exercises = {e.slug: e for e in Exercise.objects.filter(slug__in={item["exercise"] for item in items})}
    for index, item in enumerate(items):
        if item["exercise"] not in exercises:
            problems[f"items[{index}].exercise"] = [("invalid", f"Unknown exercise '{item['exercise']}'.")]
        else:
            item["exercise"] = exercises[item["exercise"]]
    if problems:
        raise InvalidData(problems)
    doses = {(d.exercise_id, d.goal): d for d in Dose.objects.filter(exercise__in=exercises.values())}
    for index, item in enumerate(items):
        exercise, goal = item["exercise"], item["goal"]
        dose = doses.get((exercise.pk, goal))
        if dose is None:
            problems[f"items[{index}].goal"] = [("goal_not_available", f"'{exercise.slug}' has no dose for '{goal}'.")]
            continue
        if item.get("override_reason", "").strip():
            continue
        for key, low, high in (
            ("holds_per_side", dose.holds_per_side_min, dose.holds_per_side_max),
            ("hold_seconds", dose.hold_seconds_min, dose.hold_seconds_max),
        ):
            if not low <= item[key] <= high:
                problems[f"items[{index}].{key}"] = [
                    ("outside_dose", f"The catalog's range is {low}–{high}; state an override_reason to leave it.")
                ]
    if problems:
        raise InvalidData(problems)
    flagged = flagged_contraindications(client=client, exercises=exercises.values())
    refused = [
        {
            "field": f"items[{index}].exercise",
            "code": Contraindicated.code,
            "contraindication": contraindication.slug,
            "message": f"'{item['exercise'].slug}' lists '{contraindication.name}', which the client has recorded.",
        }
        for index, item in enumerate(items)
        if not item.get("override_reason", "").strip()
        for contraindication in flagged.get(item["exercise"].pk, [])
    ]
    if refused:
        raise Contraindicated(
            "; ".join(f"{problem['field']}: {problem['message']}" for problem in refused)
            + " State an override_reason to assign it anyway.",
            extra={"errors": refused},
        )
    now = timezone.now()
    Program.objects.filter(client=client, ended_at__isnull=True).update(ended_at=now)
    program = Program.objects.create(client=client, trainer=trainer, sessions_per_week=sessions_per_week, notes=notes)
    ProgramItem.objects.bulk_create(
        ProgramItem(
            program=program,
            position=position,
            exercise=item["exercise"],
            goal=item["goal"],
            holds_per_side=item["holds_per_side"],
            hold_seconds=item["hold_seconds"],
            override_reason=item.get("override_reason", "").strip(),
        )
        for position, item in enumerate(items, 1)
    )
    return program

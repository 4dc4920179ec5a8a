"""Reads of programs: the client's current one as they follow it, and a client's programs for the trainer."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from catalog.models import Dose
from catalog.rules import intensity_ceiling
from catalog.selectors import exercise_plan

from ..models import Program, ProgramItem, User
from ..progress.selectors import goal_holds, progression_freeze
from ..rules.progression import next_step
from ..rules.safety import dose_for


def client_programs(*, client: User) -> QuerySet[Program]:
    """A client's programs, newest first, with their items."""
    return (
        Program.objects.filter(client=client)
        .select_related("trainer")
        .prefetch_related(Prefetch("items", queryset=ProgramItem.objects.select_related("exercise")))
    )


def program_current(*, client: User) -> Program | None:
    """The client's current program with what its plans and next steps need."""
    items = ProgramItem.objects.select_related("exercise__pnf").prefetch_related(
        "exercise__doses", "exercise__stop_signs"
    )
    return (
        Program.objects.filter(client=client, ended_at__isnull=True)
        .select_related("trainer")
        .prefetch_related(Prefetch("items", queryset=items.order_by("position")))
        .first()
    )


def program_view(*, program: Program) -> dict[str, Any]:
    """Each item with its timer plan (the item's own dose) and the progression rule's next step at the
    item's goal; progression is frozen by the one freeze rule (`progress.selectors.progression_freeze`)."""
    client = program.client_id
    exercises = {item.exercise_id for item in program.items.all()}
    holds = goal_holds(owner_id=client, exercise_ids=exercises, goal=None)
    frozen = progression_freeze(client_id=client)
    items = []
    for item in program.items.all():
        exercise = item.exercise
        catalog_dose = dose_for(exercise, item.goal)
        own_dose = Dose(
            exercise=exercise,
            goal=item.goal,
            holds_per_side_min=item.holds_per_side,
            holds_per_side_max=item.holds_per_side,
            hold_seconds_min=item.hold_seconds,
            hold_seconds_max=item.hold_seconds,
            rest_seconds=catalog_dose.rest_seconds if catalog_dose else 15,
            intensity_cap=intensity_ceiling(exercise, catalog_dose),
        )
        items.append(
            {
                "position": item.position,
                "exercise": exercise.slug,
                "goal": item.goal,
                "holds_per_side": item.holds_per_side,
                "hold_seconds": item.hold_seconds,
                "override_reason": item.override_reason,
                "plan": exercise_plan(exercise=exercise, dose=own_dose, side=None),
                "next_step": next_step(
                    exercise=exercise,
                    dose=catalog_dose,
                    holds=[h for h in holds if h.exercise_id == exercise.pk and h.session.goal == item.goal],
                    frozen=frozen,
                ).as_dict(),
            }
        )
    return {
        "id": program.pk,
        "trainer": program.trainer,
        "sessions_per_week": program.sessions_per_week,
        "notes": program.notes,
        "created_at": program.created_at,
        "items": items,
    }

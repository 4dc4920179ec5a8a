"""Reads of programs: the client's current one as they follow it, and a client's programs for the trainer."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from catalog.models import Dose
from catalog.selectors import exercise_plan

from ..choices import AlertKind
from ..health.selectors import flagged_contraindications, warning
from ..models import Alert, Hold, Program, ProgramItem, StopEvent, User
from ..rules.progression import next_step
from ..rules.values import FREEZE_WINDOW


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
    """Each item with its timer plan (the item's own dose), the progression rule's next step, and a warning
    per contraindication of its exercise the client has flagged (its `override_reason` says why it stands).

    Progression freezes after a stop event until the trainer has acknowledged
    it and a clean session has followed.
    """
    client = program.client_id
    exercises = {item.exercise_id for item in program.items.all()}
    holds = list(
        Hold.objects.filter(session__owner_id=client, session__deleted_at__isnull=True, exercise_id__in=exercises)
        .select_related("session")
        .order_by("session__started_at", "position")
    )
    stop_events = list(
        StopEvent.objects.filter(
            session__owner_id=client, session__deleted_at__isnull=True, occurred_at__gte=timezone.now() - FREEZE_WINDOW
        )
    )
    flagged = flagged_contraindications(client=client, exercises=[item.exercise for item in program.items.all()])
    awaiting = Alert.objects.filter(client_id=client, kind=AlertKind.STOP_EVENT, acknowledged_at__isnull=True).exists()
    items = []
    for item in program.items.all():
        exercise = item.exercise
        catalog_dose = next((d for d in exercise.doses.all() if d.goal == item.goal), None)
        own_dose = Dose(
            exercise=exercise,
            goal=item.goal,
            holds_per_side_min=item.holds_per_side,
            holds_per_side_max=item.holds_per_side,
            hold_seconds_min=item.hold_seconds,
            hold_seconds_max=item.hold_seconds,
            rest_seconds=catalog_dose.rest_seconds if catalog_dose else 15,
            intensity_cap=catalog_dose.intensity_cap if catalog_dose else exercise.target_intensity_max,
        )
        items.append(
            {
                "position": item.position,
                "exercise": exercise.slug,
                "goal": item.goal,
                "holds_per_side": item.holds_per_side,
                "hold_seconds": item.hold_seconds,
                "override_reason": item.override_reason,
                "warnings": [warning(contraindication) for contraindication in flagged.get(exercise.pk, [])],
                "plan": exercise_plan(exercise=exercise, dose=own_dose, side=None),
                "next_step": next_step(
                    exercise=exercise,
                    dose=catalog_dose,
                    holds=[h for h in holds if h.exercise_id == exercise.pk],
                    stop_events=stop_events,
                    awaiting_acknowledgement=awaiting,
                ).__dict__,
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

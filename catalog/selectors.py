"""Reads from the catalog.

Each selector returns a queryset that already carries what its serializer
reads, so a list costs a fixed number of queries whatever its length.
"""

from django.db.models import Prefetch, QuerySet

from . import choices
from .models import (
    BodyRegion,
    CatalogVersion,
    Contraindication,
    Dose,
    Equipment,
    Exercise,
    ExerciseEquipment,
    ExerciseMuscle,
    ExerciseRelation,
    Muscle,
    StopSign,
)


def catalog_version_number() -> int:
    """The catalog's current version (0 before anything was loaded)."""
    return CatalogVersion.objects.filter(id=1).values_list("number", flat=True).first() or 0


def _muscle_links() -> Prefetch:
    return Prefetch(
        "muscle_links",
        queryset=ExerciseMuscle.objects.select_related("muscle").order_by("role", "muscle__name"),
    )


def _equipment_links() -> Prefetch:
    return Prefetch(
        "equipment_links",
        queryset=ExerciseEquipment.objects.select_related("equipment").order_by("-required", "equipment__name"),
    )


def exercise_list() -> QuerySet[Exercise]:
    """Exercises with what the compact list item shows."""
    return Exercise.objects.select_related("body_region").prefetch_related(
        _muscle_links(), _equipment_links(), "doses", "use_case_links"
    )


def exercise_detail() -> QuerySet[Exercise]:
    """Exercises with everything the detail page shows."""
    return Exercise.objects.select_related("body_region", "pnf").prefetch_related(
        _muscle_links(),
        _equipment_links(),
        "doses",
        "use_case_links",
        "steps",
        "tips",
        "common_mistakes",
        "faq_entries",
        "stop_signs",
        "contraindications",
        Prefetch(
            "relations",
            queryset=ExerciseRelation.objects.select_related("to_exercise").order_by("relation", "to_exercise__name"),
        ),
    )


def exercise_plan_source() -> QuerySet[Exercise]:
    """Exercises with what a timer plan needs: doses, PNF timings and stop signs."""
    return Exercise.objects.select_related("pnf").prefetch_related("doses", "stop_signs")


def muscle_list() -> QuerySet[Muscle]:
    return Muscle.objects.select_related("region").order_by("name")


def body_region_list() -> QuerySet[BodyRegion]:
    return BodyRegion.objects.order_by("name")


def equipment_list() -> QuerySet[Equipment]:
    return Equipment.objects.order_by("name")


def stop_sign_list() -> QuerySet[StopSign]:
    return StopSign.objects.order_by("name")


def contraindication_list() -> QuerySet[Contraindication]:
    return Contraindication.objects.order_by("name")


def exercise_plan(*, exercise: Exercise, dose: Dose, side: str | None) -> dict:
    """The timeline a mobile timer plays for one exercise at one goal's dose.

    The plan is the starting dose: the low end of every range (holds per side,
    hold seconds, PNF phase seconds). For a per-side exercise it covers the
    left then the right side unless `side` names one; a both-sides exercise
    has one `both` side. A rest follows every hold but the plan's last.
    `exercise` must come from `exercise_plan_source()`.
    """
    if exercise.laterality == choices.Laterality.BOTH_SIDES:
        sides = [choices.Side.BOTH]
    else:
        sides = [side] if side else [choices.Side.LEFT, choices.Side.RIGHT]

    cues = exercise.cues or {}
    if exercise.is_pnf:
        pnf = exercise.pnf
        work = [
            (choices.TimerPhase.CONTRACT, pnf.contract_seconds_min, cues.get("contract", "")),
            (choices.TimerPhase.RELAX, pnf.relax_seconds_min, cues.get("relax", "")),
            (
                choices.TimerPhase.ASSISTED_HOLD,
                pnf.assisted_hold_seconds_min,
                cues.get("assisted_hold") or cues.get("hold", ""),
            ),
        ]
        rest_seconds = pnf.rest_seconds
    else:
        work = [(choices.TimerPhase.HOLD, dose.hold_seconds_min, cues.get("hold", ""))]
        rest_seconds = dose.rest_seconds

    holds = dose.holds_per_side_min
    plan_sides = []
    for side_index, side_value in enumerate(sides):
        side_holds = []
        for number in range(1, holds + 1):
            phases = [{"phase": p, "seconds": s, "cue": c} for p, s, c in work]
            last = side_index == len(sides) - 1 and number == holds
            if rest_seconds and not last:
                phases.append({"phase": choices.TimerPhase.REST, "seconds": rest_seconds, "cue": cues.get("rest", "")})
            side_holds.append({"number": number, "phases": phases, "seconds": sum(p["seconds"] for p in phases)})
        plan_sides.append(
            {"side": side_value, "holds": side_holds, "total_seconds": sum(h["seconds"] for h in side_holds)}
        )
    return {
        "exercise": exercise.slug,
        "name": exercise.name,
        "goal": dose.goal,
        "technique": exercise.technique,
        "laterality": exercise.laterality,
        "holds_per_side": holds,
        "target_intensity": {"min": exercise.target_intensity_min, "max": exercise.target_intensity_max},
        "intensity_cap": dose.intensity_cap,
        "stop_signs": list(exercise.stop_signs.all()),
        "sides": plan_sides,
        "total_seconds": sum(s["total_seconds"] for s in plan_sides),
    }

"""Builders for catalog rows that tests need beyond the real catalog."""

from __future__ import annotations

import itertools

from catalog import choices
from catalog.models import (
    BodyRegion,
    Dose,
    Equipment,
    Exercise,
    ExerciseEquipment,
    ExerciseMuscle,
    ExerciseUseCase,
    Muscle,
    Step,
    StopSign,
)

_counter = itertools.count(1)


def exercise_factory(**overrides) -> Exercise:
    """A complete, valid exercise with a primary muscle, equipment, a dose, a step and a stop sign."""
    n = next(_counter)
    fields = {
        "slug": f"test-exercise-{n}",
        "name": f"Test exercise {n}",
        "summary": "A stretch made for a test.",
        "description": "Made for a test.",
        "difficulty": choices.Difficulty.BEGINNER,
        "position": choices.Position.SUPINE,
        "technique": choices.Technique.PASSIVE_STATIC,
        "assistance": choices.Assistance.SELF,
        "laterality": choices.Laterality.PER_SIDE,
        "body_region": BodyRegion.objects.get(slug="posterior-thigh"),
        "target_intensity_min": 4,
        "target_intensity_max": 6,
        "progression_rule": "Hold longer first.",
        "cues": {"hold": "Breathe.", "rest": "Rest."},
    }
    fields.update(overrides)
    exercise = Exercise.objects.create(**fields)
    ExerciseMuscle.objects.create(
        exercise=exercise, muscle=Muscle.objects.get(slug="biceps-femoris"), role=choices.MuscleRole.PRIMARY
    )
    ExerciseEquipment.objects.create(exercise=exercise, equipment=Equipment.objects.get(slug="mat"), required=False)
    ExerciseUseCase.objects.create(exercise=exercise, use_case=choices.UseCase.FLEXIBILITY)
    Dose.objects.create(
        exercise=exercise,
        goal=choices.Goal.GENERAL_FLEXIBILITY,
        holds_per_side_min=2,
        holds_per_side_max=3,
        hold_seconds_min=20,
        hold_seconds_max=30,
        rest_seconds=10,
        intensity_cap=6,
    )
    Step.objects.create(exercise=exercise, position=1, phase=choices.StepPhase.SETUP, instruction="Lie down.")
    exercise.stop_signs.add(StopSign.objects.get(slug="sharp-pain"))
    return exercise

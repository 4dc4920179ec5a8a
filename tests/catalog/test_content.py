"""The catalog holds every movement the source pages describe, with the facts they give."""

import pytest

from catalog import choices
from catalog.models import Dose, Exercise, PnfProtocol

pytestmark = pytest.mark.django_db

MOVEMENTS = [
    "assisted-lying-hamstring-stretch",
    "shoulder-supported-hamstring-stretch",
    "seated-single-leg-partner-push-stretch",
    "standing-crossed-feet-hamstring-stretch",
    "standing-crossed-feet-wrist-pull-stretch",
    "hamstring-anchor-stretch",
    "seated-hamstring-stretch",
    "seated-one-leg-bent-hamstring-stretch",
    "lying-hamstring-stretch",
    "heel-hold-assisted-hamstring-stretch",
    "pnf-hamstring-stretch",
    "partner-quad-stretch",
    "partner-chest-stretch",
    "assisted-lying-gluteus-maximus-stretch",
    "jumping-jacks",
    "jogging-in-place",
    "leg-lunges",
    "standing-knee-raises",
    "leg-swings",
]


def test_catalog_holds_exactly_the_nineteen_movements():
    assert sorted(Exercise.objects.values_list("slug", flat=True)) == sorted(MOVEMENTS)


@pytest.mark.parametrize("slug", MOVEMENTS)
def test_every_movement_is_complete(slug):
    exercise = Exercise.objects.get(slug=slug)

    assert exercise.muscle_links.filter(role=choices.MuscleRole.PRIMARY).exists()
    assert exercise.steps.filter(phase=choices.StepPhase.EXECUTION).exists()
    assert exercise.doses.exists()
    assert exercise.stop_signs.exists()
    assert 0 <= exercise.target_intensity_min <= exercise.target_intensity_max <= 10
    assert exercise.cues.get("hold") and exercise.cues.get("rest")
    if exercise.assistance == choices.Assistance.PARTNER:
        assert exercise.equipment_links.filter(equipment__slug="partner", required=True).exists()


def test_assisted_lying_hamstring_doses_follow_the_source():
    doses = {
        d.goal: (d.holds_per_side_min, d.holds_per_side_max, d.hold_seconds_min, d.hold_seconds_max)
        for d in Dose.objects.filter(exercise__slug="assisted-lying-hamstring-stretch")
    }

    assert doses == {
        "general_flexibility": (2, 4, 20, 40),
        "post_workout_recovery": (2, 3, 30, 45),
        "mobility_warm_up": (1, 2, 10, 20),
        "rehab_control": (2, 3, 15, 30),
    }


def test_assisted_lying_hamstring_targets_five_to_seven_and_lists_its_stop_signs():
    exercise = Exercise.objects.get(slug="assisted-lying-hamstring-stretch")

    assert (exercise.target_intensity_min, exercise.target_intensity_max) == (5, 7)
    assert set(exercise.stop_signs.values_list("slug", flat=True)) >= {
        "sharp-pain",
        "nerve-tingling",
        "numbness",
        "cramping",
        "pulling-behind-knee",
    }
    assert set(exercise.contraindications.values_list("slug", flat=True)) >= {
        "acute-hamstring-strain",
        "sciatic-nerve-irritation",
        "severe-low-back-pain",
    }


def test_pnf_hamstring_protocol_uses_the_source_timings():
    pnf = PnfProtocol.objects.get(exercise__slug="pnf-hamstring-stretch")

    assert (pnf.contract_seconds_min, pnf.contract_seconds_max) == (5, 10)
    assert (pnf.relax_seconds_min, pnf.relax_seconds_max) == (5, 10)
    assert (pnf.assisted_hold_seconds_min, pnf.assisted_hold_seconds_max) == (5, 10)
    assert pnf.rest_seconds == 30
    assert (pnf.repetitions_per_side_min, pnf.repetitions_per_side_max) == (3, 4)


def test_only_pnf_exercises_have_a_pnf_protocol():
    with_protocol = set(PnfProtocol.objects.values_list("exercise__slug", flat=True))
    pnf_exercises = set(
        Exercise.objects.filter(technique=choices.Technique.PNF_CONTRACT_RELAX).values_list("slug", flat=True)
    )

    assert with_protocol == pnf_exercises == {"pnf-hamstring-stretch"}


def test_wrist_pull_variation_is_recorded_as_the_harder_form():
    easy = Exercise.objects.get(slug="standing-crossed-feet-hamstring-stretch")

    relation = easy.relations.get(to_exercise__slug="standing-crossed-feet-wrist-pull-stretch")

    assert relation.relation == choices.Relation.HARDER

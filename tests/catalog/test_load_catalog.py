"""load_catalog: idempotent, strict, and all or nothing."""

import shutil
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from catalog.content import DEFAULT_DATA_DIR
from catalog.models import CatalogVersion, Dose, Exercise, Muscle, Step
from catalog.selectors import catalog_version_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A private copy of the real data files, safe to break."""
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def edit_exercise(data_dir: Path, slug: str, change) -> None:
    path = data_dir / "exercises" / f"{slug}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def snapshot() -> dict:
    """Everything a failed load could have touched."""
    return {
        "exercises": list(Exercise.objects.order_by("slug").values()),
        "doses": list(Dose.objects.order_by("id").values()),
        "steps": list(Step.objects.order_by("id").values()),
        "muscles": list(Muscle.objects.order_by("slug").values()),
        "version": catalog_version_number(),
    }


def load(data_dir: Path) -> str:
    out = StringIO()
    call_command("load_catalog", data_dir=data_dir, stdout=out)
    return out.getvalue()


def test_second_run_changes_nothing_and_says_so(data_dir):
    before = snapshot()

    output = load(data_dir)

    assert "Catalog unchanged: 19 exercises already up to date" in output
    assert snapshot() == before


def test_first_load_into_an_empty_database_creates_everything(data_dir):
    Exercise.objects.all().delete()
    CatalogVersion.objects.all().delete()

    output = load(data_dir)

    assert "19 created, 0 updated, 0 unchanged" in output
    assert Exercise.objects.count() == 19
    assert catalog_version_number() == 1


def test_changed_file_rewrites_only_that_exercise_and_moves_the_version(data_dir):
    version = catalog_version_number()
    untouched = Exercise.objects.get(slug="leg-swings").updated_at
    edit_exercise(data_dir, "partner-quad-stretch", lambda d: d.update(summary="A new summary."))

    output = load(data_dir)

    assert "exercise 'partner-quad-stretch' updated" in output
    assert "0 created, 1 updated, 18 unchanged" in output
    assert Exercise.objects.get(slug="partner-quad-stretch").summary == "A new summary."
    assert Exercise.objects.get(slug="leg-swings").updated_at == untouched
    assert catalog_version_number() == version + 1


def test_admin_edit_survives_a_reload_of_an_unchanged_file(data_dir):
    Exercise.objects.filter(slug="leg-swings").update(summary="Edited by a trainer.")

    load(data_dir)

    assert Exercise.objects.get(slug="leg-swings").summary == "Edited by a trainer."


@pytest.mark.parametrize(
    ("slug", "change", "expected"),
    [
        (
            "partner-chest-stretch",
            lambda d: d["primary_muscles"].append("biceps-femoriss"),
            "partner-chest-stretch.yaml (exercise 'partner-chest-stretch'): field 'primary_muscles[1]': "
            "unknown slug 'biceps-femoriss'",
        ),
        (
            "assisted-lying-hamstring-stretch",
            lambda d: d["doses"][0].update(hold_seconds={"min": 40, "max": 20}),
            "assisted-lying-hamstring-stretch.yaml (exercise 'assisted-lying-hamstring-stretch'): "
            "field 'doses[0].hold_seconds': min (40) must not be greater than max (20)",
        ),
        (
            "leg-swings",
            lambda d: d["doses"][0].update(intensity_cap=11),
            "leg-swings.yaml (exercise 'leg-swings'): field 'doses[0].intensity_cap': 11 is outside 0–10",
        ),
        (
            "jumping-jacks",
            lambda d: d.pop("steps"),
            "jumping-jacks.yaml (exercise 'jumping-jacks'): field 'steps': is required",
        ),
        (
            "pnf-hamstring-stretch",
            lambda d: d.pop("pnf"),
            "pnf-hamstring-stretch.yaml (exercise 'pnf-hamstring-stretch'): field 'pnf': "
            "is required for a PNF exercise",
        ),
        (
            "leg-lunges",
            lambda d: d.update(related=[{"exercise": "no-such-stretch", "relation": "easier"}]),
            "leg-lunges.yaml (exercise 'leg-lunges'): field 'related[0].exercise': unknown exercise 'no-such-stretch'",
        ),
        (
            "seated-hamstring-stretch",
            lambda d: d.update(difficulty="extreme"),
            "seated-hamstring-stretch.yaml (exercise 'seated-hamstring-stretch'): field 'difficulty': "
            "'extreme' is not one of: beginner, intermediate, advanced",
        ),
    ],
)
def test_broken_file_is_refused_with_a_precise_message_and_nothing_changes(data_dir, slug, change, expected):
    edit_exercise(data_dir, "partner-quad-stretch", lambda d: d.update(summary="A valid change."))
    edit_exercise(data_dir, slug, change)
    before = snapshot()

    with pytest.raises(CommandError) as raised:
        load(data_dir)

    assert expected in str(raised.value)
    assert "the database is unchanged" in str(raised.value)
    assert snapshot() == before


def test_malformed_yaml_is_refused_naming_the_file(data_dir):
    (data_dir / "exercises" / "leg-swings.yaml").write_text("slug: leg-swings\nsteps: [unclosed\n")
    before = snapshot()

    with pytest.raises(CommandError, match=r"leg-swings\.yaml: not valid YAML"):
        load(data_dir)

    assert snapshot() == before


def test_new_exercises_are_not_half_loaded_when_one_file_is_broken(data_dir):
    Exercise.objects.all().delete()
    edit_exercise(data_dir, "partner-chest-stretch", lambda d: d.update(target_intensity={"min": 8, "max": 3}))

    with pytest.raises(CommandError, match=r"field 'target_intensity': min \(8\) must not be greater than max \(3\)"):
        load(data_dir)

    assert Exercise.objects.count() == 0


def test_unknown_muscle_region_in_vocabularies_is_refused(data_dir):
    path = data_dir / "vocabularies.yaml"
    path.write_text(path.read_text().replace("region: lower-leg", "region: lower-legs", 1))

    with pytest.raises(CommandError, match=r"vocabularies\.yaml: field 'muscles\[3\]\.region': unknown body region"):
        load(data_dir)


def test_database_constraints_refuse_an_impossible_dose_written_around_the_loader():
    from django.db import IntegrityError, transaction

    dose = Dose.objects.filter(exercise__slug="leg-swings").first()

    with pytest.raises(IntegrityError), transaction.atomic():
        Dose.objects.filter(pk=dose.pk).update(hold_seconds_min=50, hold_seconds_max=10)


def test_a_broken_file_is_not_reported_again_by_the_files_linking_to_it(data_dir):
    edit_exercise(data_dir, "lying-hamstring-stretch", lambda d: d.update(difficulty="extreme"))

    with pytest.raises(CommandError) as raised:
        load(data_dir)

    assert "1 problem(s)" in str(raised.value)
    assert "unknown exercise" not in str(raised.value)


def test_pnf_dose_outside_its_protocol_is_refused(data_dir):
    edit_exercise(
        data_dir, "pnf-hamstring-stretch", lambda d: d["doses"][0].update(holds_per_side={"min": 3, "max": 8})
    )

    with pytest.raises(CommandError, match=r"field 'doses\[0\]\.holds_per_side': 3–8 is outside the PNF protocol"):
        load(data_dir)


def test_optional_cues_are_kept(data_dir):
    edit_exercise(
        data_dir, "pnf-hamstring-stretch", lambda d: d["cues"].update(assisted_hold="Partner takes it deeper.")
    )

    load(data_dir)

    assert Exercise.objects.get(slug="pnf-hamstring-stretch").cues["assisted_hold"] == "Partner takes it deeper."

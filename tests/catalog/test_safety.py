"""One safety rule set in the catalog: plans within their dose's cap, stop-sign severity, the disclaimer,
and `progress_by_intensity`, from the data files through the checks and the loader to the API."""

import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.content import ContentError, check_exercise, parse_catalog_file, parse_vocabularies
from catalog.models import CatalogDisclaimer, Dose, Exercise, StopSign
from catalog.selectors import catalog_version_number, catalog_vocabularies, exercise_plan, exercise_plan_source
from tests.catalog.test_editing import LIST, SLUG, as_editor, create, editor, etag_of, exercise_body, patch  # noqa: F401
from tests.catalog.test_load_catalog import data_dir  # noqa: F401

pytestmark = pytest.mark.django_db

DISCLAIMER = (
    "The exercises and plans in this catalog are general information, not medical advice. If you have pain, "
    "an injury, nerve symptoms or restricted movement, talk to a qualified health professional before you try "
    "assisted stretching."
)
SEVERITIES = {
    "sharp-pain": "stop",
    "nerve-tingling": "stop",
    "numbness": "stop",
    "cramping": "stop",
    "pulling-behind-knee": "stop",
    "hip-or-knee-pinching": "stop",
    "low-back-pain": "caution",
    "shoulder-pain": "stop",
    "dizziness": "stop",
}
OUT_OF_TEN = re.compile(r"\s*(?:out of|/)\s*10\b")


def problems(data) -> list[tuple[str | None, str]]:
    with pytest.raises(ContentError) as refused:
        check_exercise(data, catalog_vocabularies(), "test")
    return [(issue.field, issue.code) for issue in refused.value.issues]


# Plans stay within the dose's cap ---------------------------------------------------------------


def test_rehab_plan_of_the_assisted_lying_hamstring_stretch_targets_at_most_its_cap_of_four(api_client):
    body = api_client.get(
        f"{LIST}assisted-lying-hamstring-stretch/plan/", {"goal": "rehab_control", "side": "left"}
    ).json()

    assert body["intensity_cap"] == 4
    assert body["target_intensity"] == {"min": 4, "max": 4}
    assert {phase["phase"]: phase["cue"] for phase in body["sides"][0]["holds"][0]["phases"]} == {
        "hold": "Let the leg stay heavy and breathe slowly. Keep the pull at 4 out of 10 or below.",
        "rest": "Leg back down to the floor. Shake it out, then get ready for the next hold.",
    }


def test_flexibility_plan_of_the_same_stretch_keeps_its_whole_target(api_client):
    body = api_client.get(
        f"{LIST}assisted-lying-hamstring-stretch/plan/", {"goal": "general_flexibility", "side": "left"}
    ).json()

    assert body["target_intensity"] == {"min": 5, "max": 7}
    assert body["sides"][0]["holds"][0]["phases"][0]["cue"] == (
        "Let the leg stay heavy and breathe slowly. Keep the pull at 7 out of 10 or below."
    )


def test_no_plan_of_the_catalog_targets_or_cues_an_intensity_above_its_dose_cap():
    checked = []
    for exercise in exercise_plan_source():
        for dose in exercise.doses.all():
            plan = exercise_plan(exercise=exercise, dose=dose, side=None)
            cues = {phase["cue"] for side in plan["sides"] for hold in side["holds"] for phase in hold["phases"]}
            named = [int(n) for cue in cues for n in re.findall(r"\d+", OUT_OF_TEN.sub("", cue))]

            assert plan["target_intensity"]["min"] <= plan["target_intensity"]["max"] <= dose.intensity_cap
            assert [n for n in named if n > dose.intensity_cap] == [], (exercise.slug, dose.goal, cues)
            checked.append((exercise.slug, dose.goal))

    assert len(checked) == Dose.objects.count() == 33  # every exercise × every goal it has a dose for


def test_a_cue_with_an_unknown_placeholder_is_refused_at_its_field():
    body = exercise_body(cues={"hold": "Hold at {pain} out of 10.", "rest": "Rest."})

    assert problems(body) == [("cues.hold", "unknown_placeholder")]


def test_a_cue_with_a_stray_brace_is_refused_at_its_field():
    body = exercise_body(cues={"hold": "Hold at {intensity_max out of 10.", "rest": "Rest."})

    assert problems(body) == [("cues.hold", "unknown_placeholder")]


def test_a_cue_may_name_the_window_of_the_dose():
    body = exercise_body(cues={"hold": "Stay at {intensity_min} to {intensity_max}.", "rest": "Rest."})

    assert check_exercise(body, catalog_vocabularies(), "test")["cues"]["hold"] == (
        "Stay at {intensity_min} to {intensity_max}."
    )


# Stop-sign severity ------------------------------------------------------------------------------


def test_every_stop_sign_is_loaded_with_its_severity():
    assert dict(StopSign.objects.values_list("slug", "severity")) == SEVERITIES


def test_means_stop_follows_the_severity():
    assert StopSign.objects.get(slug="numbness").means_stop is True
    assert StopSign.objects.get(slug="low-back-pain").means_stop is False


def test_the_stop_sign_list_shows_each_severity(api_client):
    body = api_client.get("/api/v1/stop-signs/").json()

    assert {sign["slug"]: sign["severity"] for sign in body} == SEVERITIES


def test_the_detail_shows_the_severity_of_its_stop_signs(api_client):
    body = api_client.get(f"{LIST}assisted-lying-gluteus-maximus-stretch/").json()

    assert {sign["slug"]: sign["severity"] for sign in body["stop_signs"]} == {
        "sharp-pain": "stop",
        "numbness": "stop",
        "nerve-tingling": "stop",
        "hip-or-knee-pinching": "stop",
        "low-back-pain": "caution",
    }


def test_the_plan_shows_the_severity_of_its_stop_signs(api_client):
    body = api_client.get(f"{LIST}partner-chest-stretch/plan/", {"goal": "general_flexibility"}).json()

    assert sorted(body["stop_signs"], key=lambda s: s["slug"]) == [
        {"slug": "nerve-tingling", "name": "Nerve-like tingling", "severity": "stop"},
        {"slug": "numbness", "name": "Numbness", "severity": "stop"},
        {"slug": "sharp-pain", "name": "Sharp pain", "severity": "stop"},
        {"slug": "shoulder-pain", "name": "Pain in the shoulder", "severity": "stop"},
    ]


def _vocabularies_with(tmp_path: Path, change) -> Path:
    path = tmp_path / "vocabularies.yaml"
    data = yaml.safe_load((Path(__file__).resolve().parents[2] / "catalog/data/vocabularies.yaml").read_text())
    change(data["stop_signs"][0])
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_stop_sign_without_severity_is_refused_at_its_field(tmp_path):
    path = _vocabularies_with(tmp_path, lambda sign: sign.pop("severity"))

    with pytest.raises(ContentError) as refused:
        parse_vocabularies(path)

    assert [(i.field, i.code) for i in refused.value.issues] == [("stop_signs[0].severity", "required")]


def test_an_unknown_severity_is_refused_at_its_field(tmp_path):
    path = _vocabularies_with(tmp_path, lambda sign: sign.update(severity="panic"))

    with pytest.raises(ContentError) as refused:
        parse_vocabularies(path)

    assert [str(i) for i in refused.value.issues] == [
        "vocabularies.yaml: field 'stop_signs[0].severity': 'panic' is not one of: stop, caution"
    ]


# The disclaimer ----------------------------------------------------------------------------------


def test_the_disclaimer_is_loaded_from_the_data_files():
    assert CatalogDisclaimer.objects.get().text == DISCLAIMER


def test_every_exercise_detail_carries_the_disclaimer(api_client):
    assert api_client.get(f"{LIST}leg-swings/").json()["disclaimer"] == DISCLAIMER


def test_every_plan_carries_the_disclaimer(api_client):
    body = api_client.get(f"{LIST}leg-swings/plan/", {"goal": "mobility_warm_up"}).json()

    assert body["disclaimer"] == DISCLAIMER


def test_a_catalog_file_without_a_disclaimer_is_refused_at_its_field(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text("format_version: 1\nsources: [a page]\n")

    with pytest.raises(ContentError) as refused:
        parse_catalog_file(path)

    assert [(i.field, i.code) for i in refused.value.issues] == [("disclaimer", "required")]


def test_a_changed_disclaimer_is_loaded_and_moves_the_catalog_version(data_dir):  # noqa: F811
    path = data_dir / "catalog.yaml"
    path.write_text(path.read_text().replace("general information", "general guidance"))
    version = catalog_version_number()

    call_command("load_catalog", data_dir=data_dir, stdout=StringIO())

    assert CatalogDisclaimer.objects.get().text == DISCLAIMER.replace("general information", "general guidance")
    assert catalog_version_number() == version + 1


def test_a_catalog_without_its_catalog_file_is_refused(data_dir):  # noqa: F811
    (data_dir / "catalog.yaml").unlink()

    with pytest.raises(CommandError, match=r"catalog\.yaml: cannot be read"):
        call_command("load_catalog", data_dir=data_dir, stdout=StringIO())


# progress_by_intensity -----------------------------------------------------------------------------


def test_only_the_shoulder_supported_hamstring_stretch_progresses_without_more_intensity():
    assert list(Exercise.objects.filter(progress_by_intensity=False).values_list("slug", flat=True)) == [
        "shoulder-supported-hamstring-stretch"
    ]


def test_the_detail_shows_progress_by_intensity(api_client):
    assert api_client.get(f"{LIST}shoulder-supported-hamstring-stretch/").json()["progress_by_intensity"] is False
    assert api_client.get(f"{LIST}leg-swings/").json()["progress_by_intensity"] is True


def test_progress_by_intensity_left_out_is_true():
    body = exercise_body()

    assert check_exercise(body, catalog_vocabularies(), "test")["progress_by_intensity"] is True


@pytest.mark.parametrize("value", ["no", 0])
def test_progress_by_intensity_that_is_not_a_boolean_is_refused_at_its_field(value):
    assert problems(exercise_body(progress_by_intensity=value)) == [("progress_by_intensity", "invalid_type")]


def test_an_edit_sets_progress_by_intensity_and_the_history_keeps_it(as_editor):  # noqa: F811
    create(as_editor, exercise_body())

    response = patch(as_editor, SLUG, {"progress_by_intensity": False}, etag_of(SLUG))

    exercise = Exercise.objects.get(slug=SLUG)
    assert response.json()["progress_by_intensity"] is False
    assert exercise.progress_by_intensity is False
    assert exercise.content["progress_by_intensity"] is False
    assert exercise.history.first().content["progress_by_intensity"] is False
    changes = as_editor.get(f"{LIST}{SLUG}/history/").json()["results"][0]
    assert (changes["changed_fields"], changes["changed_content"]) == (
        ["progress_by_intensity"],
        ["progress_by_intensity"],
    )


def test_an_edit_that_removes_progress_by_intensity_sets_it_back_to_true(as_editor):  # noqa: F811
    create(as_editor, exercise_body(progress_by_intensity=False))

    response = patch(as_editor, SLUG, {"progress_by_intensity": None}, etag_of(SLUG))

    assert response.json()["progress_by_intensity"] is True
    assert Exercise.objects.get(slug=SLUG).content["progress_by_intensity"] is True


def test_an_edited_cue_template_is_filled_by_the_plan(as_editor, api_client):  # noqa: F811
    create(as_editor, exercise_body())
    cue = "Breathe slowly, {intensity_min} to {intensity_max} out of 10."

    patch(as_editor, SLUG, {"cues": {"hold": cue}}, etag_of(SLUG))

    plan = api_client.get(f"{LIST}{SLUG}/plan/", {"goal": "general_flexibility", "side": "left"}).json()
    assert api_client.get(f"{LIST}{SLUG}/").json()["cues"]["hold"] == cue
    assert plan["sides"][0]["holds"][0]["phases"][0]["cue"] == "Breathe slowly, 4 to 6 out of 10."

"""Staff edit the whole catalog in the admin."""

import pytest
from django.urls import reverse

from catalog.models import Exercise, PnfProtocol
from catalog.selectors import catalog_version_number
from tests.admin_forms import unchanged_change_form

pytestmark = pytest.mark.django_db


def test_exercise_list_searches_and_filters(admin_client):
    url = reverse("admin:catalog_exercise_changelist")

    by_search = admin_client.get(url, {"q": "quad"})
    by_filter = admin_client.get(url, {"technique__exact": "pnf_contract_relax"})

    assert [e.slug for e in by_search.context["cl"].result_list] == ["partner-quad-stretch"]
    assert [e.slug for e in by_filter.context["cl"].result_list] == ["pnf-hamstring-stretch"]


def test_exercise_change_page_shows_every_inline(admin_client):
    exercise = Exercise.objects.get(slug="pnf-hamstring-stretch")

    response = admin_client.get(reverse("admin:catalog_exercise_change", args=[exercise.pk]))

    assert response.status_code == 200
    inline_models = {formset.opts.model.__name__ for formset in response.context["inline_admin_formsets"]}
    assert inline_models == {
        "ExerciseMuscle", "ExerciseEquipment", "ExerciseUseCase", "Step", "Dose", "PnfProtocol", "Tip",
        "CommonMistake", "FaqEntry", "ExerciseRelation",
    }  # fmt: skip


def test_editing_a_dose_in_the_admin_saves_it_and_moves_the_catalog_version(admin_client):
    exercise = Exercise.objects.get(slug="leg-swings")
    url = reverse("admin:catalog_exercise_change", args=[exercise.pk])
    data = unchanged_change_form(admin_client.get(url))
    data["doses-0-hold_seconds_max"] = 35
    version = catalog_version_number()

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert exercise.doses.first().hold_seconds_max == 35
    assert catalog_version_number() == version + 1


def test_admin_refuses_an_impossible_dose(admin_client):
    exercise = Exercise.objects.get(slug="leg-swings")
    url = reverse("admin:catalog_exercise_change", args=[exercise.pk])
    data = unchanged_change_form(admin_client.get(url))
    data["doses-0-hold_seconds_min"] = 50
    data["doses-0-hold_seconds_max"] = 10

    response = admin_client.post(url, data)

    doses = next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "doses")
    assert response.status_code == 200
    assert "Hold seconds: min and max must lie within 1–600, min not above max." in str(doses.errors)
    assert exercise.doses.first().hold_seconds_min != 50


def test_admin_refuses_to_leave_an_exercise_without_a_primary_muscle_and_stores_nothing(admin_client):
    exercise = Exercise.objects.get(slug="leg-swings")
    url = reverse("admin:catalog_exercise_change", args=[exercise.pk])
    data = unchanged_change_form(admin_client.get(url))
    for index in range(int(data["muscle_links-TOTAL_FORMS"])):
        data[f"muscle_links-{index}-DELETE"] = "on"
    data["summary"] = "Edited together with the muscles."
    version, muscles = catalog_version_number(), exercise.muscle_links.count()

    response = admin_client.post(url, data)

    exercise.refresh_from_db()
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == ["primary_muscles: needs at least 1 item(s)"]
    assert muscles and exercise.muscle_links.count() == muscles
    assert exercise.summary != "Edited together with the muscles."
    assert (exercise.version, exercise.history.count()) == (1, 1)
    assert catalog_version_number() == version


def test_admin_refuses_to_remove_the_pnf_timings_of_a_pnf_stretch(admin_client):
    exercise = Exercise.objects.get(slug="pnf-hamstring-stretch")
    url = reverse("admin:catalog_exercise_change", args=[exercise.pk])
    data = unchanged_change_form(admin_client.get(url))
    data["pnf-0-DELETE"] = "on"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "pnf: is required for a PNF exercise" in response.context["adminform"].form.non_field_errors()
    assert PnfProtocol.objects.filter(exercise=exercise).exists()
    assert "pnf: is required for a PNF exercise" in response.content.decode()

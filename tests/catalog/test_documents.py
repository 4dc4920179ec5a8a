"""The catalog's read path builds its documents without DRF serializers: they must agree, key for key."""

import json
from datetime import UTC, datetime

import pytest

from catalog import selectors
from catalog.api import documents
from catalog.api.serializers import ExerciseDetailSerializer, ExerciseListSerializer
from catalog.models import Exercise, ExerciseMuscle, Muscle
from tests.factories import exercise_factory

pytestmark = pytest.mark.django_db


def rendered(document) -> str:
    return json.dumps(document)  # key order included


def every_slug() -> list[str]:
    return list(Exercise.objects.order_by("slug").values_list("slug", flat=True))


def test_the_catalog_is_loaded():
    assert len(every_slug()) >= 19


def test_every_detail_matches_the_detail_serializer():
    for slug in every_slug():
        expected = ExerciseDetailSerializer(selectors.exercise_detail().get(slug=slug)).data
        built = documents.exercise_document(selectors.exercise_detail_rows().get(slug=slug))
        assert rendered(built) == rendered(expected), slug


def test_every_list_item_matches_the_list_serializer():
    expected = ExerciseListSerializer(selectors.exercise_list().order_by("slug"), many=True).data
    built = [documents.exercise_list_item(row) for row in selectors.exercise_list_values().order_by("slug")]

    assert rendered(built) == rendered(expected)


def test_an_exercise_with_few_rows_a_retirement_and_names_that_sort_by_code_point():
    retired = datetime(2026, 11, 20, 8, 0, 0, 123456, tzinfo=UTC)
    exercise = exercise_factory(retired_at=retired, cues={"rest": "Rest.", "contract": "Push."}, sources=[])
    for slug in ("semitendinosus", "gastrocnemius", "soleus"):
        ExerciseMuscle.objects.create(exercise=exercise, muscle=Muscle.objects.get(slug=slug), role="secondary")
    Muscle.objects.filter(slug="soleus").update(name="Zz soleus")
    Muscle.objects.filter(slug="gastrocnemius").update(name="aa gastrocnemius")  # lowercase sorts after capitals

    expected = ExerciseDetailSerializer(selectors.exercise_detail().get(pk=exercise.pk)).data
    built = documents.exercise_document(selectors.exercise_detail_rows().get(pk=exercise.pk))

    assert rendered(built) == rendered(expected)
    assert built["retired_at"] == "2026-11-20T08:00:00.123456Z"
    assert [m["slug"] for m in built["muscles"]][-3:] == ["semitendinosus", "soleus", "gastrocnemius"]


def test_an_exercise_without_any_child_row_reads_empty_lists():
    exercise = exercise_factory()
    for relation in ("muscle_links", "equipment_links", "doses", "use_case_links", "steps", "stop_signs"):
        getattr(exercise, relation).all().delete() if relation != "stop_signs" else exercise.stop_signs.clear()

    listed = selectors.exercise_list_values().get(pk=exercise.pk)
    detailed = selectors.exercise_detail_rows().get(pk=exercise.pk)

    assert [listed[name] for name in ("muscle_rows", "equipment_rows", "dose_rows", "use_case_rows")] == [[]] * 4
    assert (detailed.muscle_rows, detailed.equipment_rows, detailed.dose_rows, detailed.use_case_rows) == ([],) * 4

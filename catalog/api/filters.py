"""Filters of the exercise list (a django-filter `FilterSet`, with its OpenAPI types)."""

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

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
)
from stretchapi.filters import StrictChoiceFilter


class SlugListField(forms.CharField):
    """A comma-separated list of slugs that must all exist in `queryset`."""

    def __init__(self, *args, queryset: QuerySet, **kwargs):
        self.queryset = queryset
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        slugs = [part.strip() for part in value.split(",") if part.strip()]
        known = set(self.queryset.filter(slug__in=slugs).values_list("slug", flat=True))
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            raise forms.ValidationError(
                f"Unknown slug(s): {', '.join(unknown)}.", code="invalid_choice", params={"value": value}
            )
        return slugs


@extend_schema_field(OpenApiTypes.STR)
class SlugListFilter(filters.Filter):
    field_class = SlugListField


@extend_schema_field(OpenApiTypes.STR)
class SlugChoiceFilter(filters.ModelChoiceFilter):
    """One vocabulary item, named by its slug."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, to_field_name="slug", **kwargs)


class ExerciseFilter(filters.FilterSet):
    muscle = SlugChoiceFilter(
        queryset=Muscle.objects.all(),
        method="filter_muscle",
        help_text="Muscle slug. Matches primary muscles; with `muscle_role=any`, secondary ones too.",
    )
    muscle_role = StrictChoiceFilter(
        choices=[("primary", "primary"), ("any", "any")],
        method="filter_nothing",
        help_text="Which muscle links `muscle` matches: `primary` (default) or `any`.",
    )
    region = SlugChoiceFilter(
        field_name="body_region", queryset=BodyRegion.objects.all(), help_text="Body-region slug."
    )
    difficulty = StrictChoiceFilter(choices=choices.Difficulty.choices)
    technique = StrictChoiceFilter(choices=choices.Technique.choices)
    laterality = StrictChoiceFilter(choices=choices.Laterality.choices)
    position = StrictChoiceFilter(choices=choices.Position.choices)
    assistance = StrictChoiceFilter(choices=choices.Assistance.choices)
    goal = StrictChoiceFilter(
        choices=choices.Goal.choices, method="filter_goal", help_text="Exercises with a dose for this goal."
    )
    use_case = StrictChoiceFilter(choices=choices.UseCase.choices, method="filter_use_case")
    equipment_available = SlugListFilter(
        queryset=Equipment.objects.all(),
        method="filter_equipment_available",
        help_text=(
            "Comma-separated equipment slugs the user has (e.g. `strap,mat`). Returns the exercises whose "
            "required equipment is all in this list; a partner counts as equipment (`partner`)."
        ),
    )

    class Meta:
        model = Exercise
        fields: list[str] = []

    def filter_nothing(self, queryset, name, value: str):
        return queryset  # read by filter_muscle

    def filter_muscle(self, queryset, name, muscle):
        links = ExerciseMuscle.objects.filter(exercise=OuterRef("pk"), muscle=muscle)
        if self.form.cleaned_data.get("muscle_role") != "any":
            links = links.filter(role=choices.MuscleRole.PRIMARY)
        return queryset.filter(Exists(links))

    def filter_goal(self, queryset, name, goal):
        return queryset.filter(Exists(Dose.objects.filter(exercise=OuterRef("pk"), goal=goal)))

    def filter_use_case(self, queryset, name, use_case):
        return queryset.filter(Exists(ExerciseUseCase.objects.filter(exercise=OuterRef("pk"), use_case=use_case)))

    def filter_equipment_available(self, queryset, name, slugs):
        missing = ExerciseEquipment.objects.filter(exercise=OuterRef("pk"), required=True).exclude(
            equipment__slug__in=slugs
        )
        return queryset.exclude(Exists(missing))

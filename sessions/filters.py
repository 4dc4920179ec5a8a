"""Filters of a user's session list."""

from django.db.models import Exists, OuterRef, Q
from django_filters import rest_framework as filters

from stretchapi.filters import StrictBooleanFilter, StrictIsoDateTimeFilter

from .models import Hold, StretchSession


class SessionFilter(filters.FilterSet):
    started_after = StrictIsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", help_text="Sessions started at or after this time."
    )
    started_before = StrictIsoDateTimeFilter(
        field_name="started_at", lookup_expr="lt", help_text="Sessions started before this time."
    )
    exercise = filters.CharFilter(method="filter_exercise", help_text="Sessions with a hold of this exercise (slug).")
    flagged = StrictBooleanFilter(
        method="filter_flagged", help_text="Sessions with (true) or without (false) any safety flag."
    )
    updated_since = StrictIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        help_text="Delta sync: sessions changed after this time, oldest change first, deleted ones as tombstones.",
    )

    class Meta:
        model = StretchSession
        fields: list[str] = []

    def filter_exercise(self, queryset, name, slug: str):
        return queryset.filter(Exists(Hold.objects.filter(session=OuterRef("pk"), exercise__slug=slug)))

    def filter_flagged(self, queryset, name, flagged: bool):
        condition = Q(has_stop_event=True) | Q(holds_above_target__gt=0) | Q(holds_outside_dose__gt=0)
        return queryset.filter(condition) if flagged else queryset.exclude(condition)

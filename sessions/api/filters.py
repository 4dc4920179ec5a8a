"""Filters of the sessions API's lists: a user's sessions, a trainer's alert feed."""

from django.db.models import Exists, OuterRef
from django_filters import rest_framework as filters

from sessions.choices import AlertKind
from sessions.models import Alert, Hold, StretchSession
from sessions.rules.safety import FLAGGED
from stretchapi.filters import IdFilter, StrictBooleanFilter, StrictChoiceFilter, StrictIsoDateTimeFilter


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
        return queryset.filter(FLAGGED) if flagged else queryset.exclude(FLAGGED)


class AlertFilter(filters.FilterSet):
    acknowledged = StrictBooleanFilter(field_name="acknowledged_at", lookup_expr="isnull", exclude=True)
    client = IdFilter(field_name="client_id")
    kind = StrictChoiceFilter(choices=AlertKind.choices)
    since = StrictIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = Alert
        fields: list[str] = []

"""Filters of the sessions API's lists: a user's sessions, a trainer's alert feed (per reason and per session)."""

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


class AlertGroupFilter(filters.FilterSet):
    """Filters of `alerts.selectors.trainer_alert_groups`: they pick sessions, and a picked session
    shows all its reasons."""

    acknowledged = StrictBooleanFilter(
        method="filter_acknowledged",
        help_text="Sessions whose reasons are all acknowledged (true), or that have an open reason (false).",
    )
    client = IdFilter(field_name="owner_id", help_text="Sessions of this client.")
    kind = StrictChoiceFilter(
        choices=AlertKind.choices, method="filter_kind", help_text="Sessions with a reason of this kind."
    )
    since = StrictIsoDateTimeFilter(
        field_name="latest_reason_at", lookup_expr="gte", help_text="Sessions with a reason at or after this time."
    )

    class Meta:
        model = StretchSession
        fields: list[str] = []

    def filter_acknowledged(self, queryset, name, acknowledged: bool):
        return queryset.filter(reasons_open=0) if acknowledged else queryset.filter(reasons_open__gt=0)

    def filter_kind(self, queryset, name, kind: str):
        return queryset.filter(Exists(Alert.objects.filter(session=OuterRef("pk"), kind=kind)))

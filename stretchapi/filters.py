"""Query-string filters that refuse what they cannot read.

django-filter and DRF are lenient: `?flagged=maybe` is read as "no filter",
`?goal=` as "no filter", `?ordering=nonsense` as the default order, and a
number filter on an id reads `1.5` as 1. These versions make each of those a
400 that names the parameter, so a typo in a phone app shows up as an error
instead of a silently different answer.

They live outside the API package because the FilterSets using them are
shared with the admin.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter

from stretchapi.inputs import MAX_ID, InputError, parse_id, parse_moment


class NotBlankMixin:
    """A parameter sent with no value (`?goal=`) is refused; one left out filters nothing."""

    def clean(self, value):
        if value == "":
            raise ValidationError("Give a value, or leave the parameter out.", code="blank")
        return super().clean(value)


class StrictChoiceField(NotBlankMixin, filters.ChoiceFilter.field_class):
    pass


class StrictChoiceFilter(filters.ChoiceFilter):
    field_class = StrictChoiceField


class StrictBooleanField(NotBlankMixin, forms.Field):
    """`true` or `false`, as the schema spells booleans; `yes`, `1` or `maybe` are refused."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", "false"):
            return value == "true"
        raise ValidationError("Use true or false.", code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # DRF's BooleanWidget reads anything unknown as "no filter"; the raw text goes to the field instead.
        super().__init__(*args, **{**kwargs, "widget": forms.TextInput})


class StrictIsoDateTimeField(NotBlankMixin, filters.IsoDateTimeFilter.field_class):
    """An ISO 8601 time with its offset, within years 2000–2100, handed on in UTC (`stretchapi.inputs.parse_moment`).

    Python takes UTC offsets up to ±23:59 but PostgreSQL only up to ±15:59, so
    the offset is resolved here; a time outside the range is refused.
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_moment(value)
        except InputError as exc:
            raise ValidationError(exc.message, code=exc.code) from exc


class StrictIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = StrictIsoDateTimeField


class IdField(NotBlankMixin, forms.IntegerField):
    """A row's id, read by `stretchapi.inputs.parse_id`: ASCII digits, from 1 to MAX_ID."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_id(str(value))
        except InputError as exc:
            raise ValidationError(exc.message, code=exc.code) from exc


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """The id of a row: a whole number that fits a 64-bit primary key."""

    field_class = IdField


class StrictOrderingFilter(OrderingFilter):
    """One ordering term from the view's `ordering_fields`, optionally reversed with `-`; anything else is a 400."""

    def _terms(self, view) -> list[str]:
        fields = [field if isinstance(field, str) else field[0] for field in view.ordering_fields]
        return [term for field in fields for term in (field, f"-{field}")]

    def get_ordering(self, request, queryset, view):
        term = request.query_params.get(self.ordering_param)
        if term is None:
            return self.get_default_ordering(view)
        if term not in self._terms(view):
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        exceptions.ErrorDetail(f"Use one of: {', '.join(self._terms(view))}.", code="invalid_choice")
                    ]
                }
            )
        return [term]

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by one field; `-` in front reverses it.",
                "schema": {"type": "string", "enum": self._terms(view)},
            }
        ]

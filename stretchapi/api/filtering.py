"""Filter backends run only when the request can change what they answer.

DRF runs every filter backend of a view on every list request. django-filter's
backend builds its filter set, its filters and its form each time, even when
the query string names none of them: on the plain catalog list that was a
quarter of the CPU, on a page of sessions about a tenth. `SkipsIdleFilters`
runs a backend only when it could answer anything but the queryset as it is.
"""

from __future__ import annotations

import functools

from django import forms
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.filters import OrderingFilter, SearchFilter


@functools.cache
def _unbound_form(filterset_class: type[filters.FilterSet]) -> forms.Form:
    return filterset_class(queryset=filterset_class._meta.model.objects.none()).form


def reads_any(filterset_class: type[filters.FilterSet], data) -> bool:
    """Whether the query string `data` gives any filter of `filterset_class` a value, blank or not,
    as the filter set's own form reads it (each field's widget says whether its value was left out).

    When it gives none, the filter set has nothing to check and nothing to narrow.
    """
    form = _unbound_form(filterset_class)
    return any(
        not field.widget.value_omitted_from_data(data, {}, form.add_prefix(name)) for name, field in form.fields.items()
    )


class SkipsIdleFilters:
    """A view mixin: each of the view's `filter_backends` runs only when it may change the queryset."""

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        for backend in self.filter_backends:
            if self.filter_may_change(backend, queryset):
                queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def filter_may_change(self, backend: type, queryset: QuerySet) -> bool:
        """Whether `backend` can answer anything but `queryset` as it is, given this request's query string.

        A backend is skipped only when it provably changes nothing: the filter set when none of its
        filters is given a value, blank or not (it would check nothing and narrow nothing); search
        without its parameter; ordering without its parameter when the default is the order
        `queryset` already has.
        """
        params = self.request.query_params
        if issubclass(backend, DjangoFilterBackend):
            filterset_class = backend().get_filterset_class(self, queryset)
            return filterset_class is not None and reads_any(filterset_class, params)
        if issubclass(backend, SearchFilter):
            return backend.search_param in params
        if issubclass(backend, OrderingFilter):
            query = queryset.query
            current = query.order_by or (query.get_meta().ordering if query.default_ordering else ())
            return backend.ordering_param in params or list(backend().get_default_ordering(self)) != list(current)
        return True  # a backend not known here always runs

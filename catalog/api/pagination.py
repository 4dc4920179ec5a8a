"""The exercise list's pages: the page and the count in one query."""

from __future__ import annotations

from django.core.paginator import Paginator

from catalog import selectors
from stretchapi.api.pagination import PageNumberPagination


class CountingPaginator(Paginator):
    """Django's paginator over a values queryset, reading a page and the count together
    (`selectors.page_with_count`): where it would ask the count first, then the page, it asks once.

    A page past the end holds no row to carry the count: Django's own reading then decides
    (a 404 beyond the first page), with the count asked apart.
    """

    def page(self, number):
        if self.orphans or not isinstance(number, int) or number < 1:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows, count = selectors.page_with_count(self.object_list, offset=bottom, limit=self.per_page)
        self.count = count  # the cached property, filled from the page's own query
        if not rows:
            return super().page(number)
        return self._get_page(rows, number, self)


class ExerciseListPagination(PageNumberPagination):
    django_paginator_class = CountingPaginator

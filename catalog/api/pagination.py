"""The exercise list's pages: the page and the count in one query."""

from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator

from catalog import selectors
from stretchapi.api.pagination import PageNumberPagination


class CountingPaginator(Paginator):
    """Django's paginator over a values queryset, reading a page and the count together
    (`selectors.page_with_count`): where it would ask the count, then the page, it asks once.

    It answers as Django's own reading would: an empty first page is a page of nothing (or
    EmptyPage when `allow_empty_first_page` is off); a page past the end is EmptyPage, which DRF
    makes a 404, without asking the count.
    """

    def page(self, number):
        if self.orphans or not isinstance(number, int) or number < 1:
            return super().page(number)
        rows, count = selectors.page_with_count(
            self.object_list, offset=(number - 1) * self.per_page, limit=self.per_page
        )
        if not rows and not (number == 1 and self.allow_empty_first_page):
            raise EmptyPage(self.error_messages["no_results"])  # past the last page, whatever the count
        self.count = count  # Django's cached property, from the page's own query (0 for an empty first page)
        return self._get_page(rows, number, self)


class ExerciseListPagination(PageNumberPagination):
    django_paginator_class = CountingPaginator

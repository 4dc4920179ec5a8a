"""The exercise list's short paths answer exactly what the long ones do.

The plain list skips the filter set, search and ordering (they would change
nothing) and reads its page with SQL compiled once; any list reads its page
and its count in one query. Each is held here to the path it shortens: the
filter set built for every request, every filter backend run, and Django's
paginator asking the count apart.
"""

import re
from datetime import UTC, datetime

import pytest
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import QueryDict

from catalog import selectors
from catalog.api.filters import ExerciseFilter
from catalog.api.pagination import ExerciseListPagination
from catalog.api.views import ExerciseViewSet
from stretchapi.api.filtering import reads_any
from tests.factories import exercise_factory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/exercises/"

QUERIES = [
    "",
    "page_size=100",
    "page=2&page_size=5",
    "page=5&page_size=5",  # the last page, shorter
    "page=6&page_size=5",  # past the end: 404
    "page=2",  # the last page, of three rows
    "page=3",  # past the end
    "unknown=1&page_size=7",
    "ordering=-name&page=2&page_size=4",
    "ordering=slug",
    "ordering=nonsense",
    "search=hamstring&page_size=5",
    "search=",
    "search=no-such-words",
    "muscle=biceps-femoris&page=2&page_size=3",
    "muscle_role=any&muscle=gastrocnemius",
    "equipment_available=strap,mat&ordering=-slug",
    "use_case=warm_up&search=leg",
    "goal=",
    "goal=bogus",
    "muscle=no-such-muscle",
    "region=posterior-thigh&page=9",
    "page=0",
    "page_size=abc",
]


@pytest.fixture
def more_exercises():
    """Two more pages' worth, one of them retired (never listed)."""
    for _ in range(4):
        exercise_factory()
    exercise_factory(retired_at=datetime(2026, 1, 1, tzinfo=UTC))


def answers(api_client) -> dict[str, tuple]:
    def answer(query: str) -> tuple:
        response = api_client.get(f"{LIST}?{query}")
        body = re.sub(rb'"request_id":"[0-9a-f]+"', b"", response.content)
        return response.status_code, body, response.get("ETag")

    return {query: answer(query) for query in QUERIES}


def test_the_short_paths_answer_what_every_backend_and_a_counted_paginator_answer(
    api_client, more_exercises, monkeypatch
):
    short = answers(api_client)

    monkeypatch.setattr(ExerciseViewSet, "filter_may_change", lambda self, backend, queryset: True)
    monkeypatch.setattr(ExerciseListPagination, "django_paginator_class", Paginator)
    for cache in caches.all():
        cache.clear()  # the same answers again, not the kept ones
    long = answers(api_client)

    assert short == long
    statuses = {query: status for query, (status, _, _) in short.items()}
    assert statuses[""] == statuses["muscle=biceps-femoris&page=2&page_size=3"] == 200
    assert statuses["page=6&page_size=5"] == statuses["page=3"] == 404
    assert statuses["goal="] == statuses["ordering=nonsense"] == 400
    assert b'"count":23' in short[""][1]  # 19 in the catalog, 4 more, the retired one left out


@pytest.mark.parametrize(
    "query", ["", "page=3&page_size=2&unknown=1", "search=stretch", "ordering=-slug", "cursor=abc", "format=json"]
)
def test_without_a_parameter_of_its_own_the_filter_set_narrows_nothing(query):
    listed = selectors.exercise_list_values()
    filter_set = ExerciseFilter(data=QueryDict(query), queryset=listed)

    assert not reads_any(ExerciseFilter, QueryDict(query))
    assert filter_set.is_valid()
    assert list(filter_set.qs) == list(listed)


@pytest.mark.parametrize("name", sorted(ExerciseFilter.base_filters))
@pytest.mark.parametrize("value", ["", "anything"])
def test_every_filter_of_the_set_is_read_when_its_parameter_is_sent(name, value):
    assert reads_any(ExerciseFilter, QueryDict(f"page=2&{name}={value}"))


def test_the_plain_list_keeps_the_order_the_ordering_filter_would_give():
    assert ExerciseViewSet.ordering == ["name"] == list(selectors.exercise_list_values().query.get_meta().ordering)


@pytest.mark.parametrize(("offset", "limit"), [(0, 5), (5, 5), (20, 5), (0, 100), (23, 5), (40, 5)])
def test_a_page_and_its_count_in_one_query_agree_with_a_slice_and_a_count(
    more_exercises, offset, limit, django_assert_num_queries
):
    whole = selectors.exercise_list_values()
    narrowed = whole.filter(difficulty="beginner").order_by("-slug")
    for rows in (whole, narrowed):
        expected = list(rows[offset : offset + limit]), rows.count()
        with django_assert_num_queries(1):
            page, count = selectors.page_with_count(rows, offset=offset, limit=limit)
        assert page == expected[0]
        # an empty page past the first carries no count: all a paginator needs is that it is past the end
        assert count == (expected[1] if page or offset == 0 else None)


def test_the_whole_list_mark_does_not_survive_a_derived_queryset():
    whole = selectors.exercise_list_values()

    assert whole.whole_list
    assert not hasattr(whole.filter(difficulty="beginner"), "whole_list")
    assert not hasattr(whole.order_by("name"), "whole_list")
    assert not hasattr(whole.all(), "whole_list")


def test_a_distinct_list_is_counted_apart(django_assert_num_queries):
    rows = selectors.exercise_list_values().filter(muscle_links__role="secondary").distinct()

    with django_assert_num_queries(2):
        page, count = selectors.page_with_count(rows, offset=0, limit=100)

    assert count == rows.count() == len(page) == len({row["slug"] for row in page})


@pytest.mark.parametrize(
    ("query", "queries"),
    [
        ({}, 2),  # the version; the page with its count
        ({"page": 2, "page_size": 5}, 2),
        ({"search": "hamstring", "ordering": "-name"}, 2),
        ({"muscle": "biceps-femoris"}, 3),  # and the muscle's slug, checked
        ({"page": 9}, 2),  # past the end: the page query finds no row
        ({"search": "no-such-words"}, 2),  # an empty first page
    ],
)
def test_list_queries(api_client, settings, django_assert_num_queries, query, queries):
    settings.CATALOG_VERSION_CACHE_SECONDS = 0  # the version is read each time, as with the catalog cache off

    with django_assert_num_queries(queries):
        response = api_client.get(LIST, query)

    assert response.status_code == (404 if "page" in query and query["page"] == 9 else 200)

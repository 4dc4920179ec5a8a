"""Catalog reads answered from the cache keyed on the catalog version, and how an edit reaches them."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches

from catalog.models import CatalogVersion, Exercise
from catalog.selectors import VERSION_KEY
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

LIST = "/api/v1/exercises/"
READS = [
    LIST,
    f"{LIST}?page_size=5&ordering=-name",
    f"{LIST}pnf-hamstring-stretch/",
    f"{LIST}leg-swings/plan/?goal=mobility_warm_up",
    "/api/v1/muscles/",
]


@pytest.fixture
def as_editor(make_user):
    editor = make_user("editor@example.com", role="trainer")
    editor.groups.add(Group.objects.get(name="Catalog editors"))
    return bearer_client(editor)


@pytest.mark.parametrize("path", READS)
def test_a_repeated_read_is_answered_from_the_cache_without_a_query(api_client, path, django_assert_num_queries):
    first = api_client.get(path)

    with django_assert_num_queries(0):
        again = api_client.get(path)

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Type"] == "application/json"
    assert again["Cache-Control"] == "public, no-cache"


@pytest.mark.parametrize("path", READS)
def test_a_revalidation_costs_no_query_while_the_version_is_remembered(api_client, path, django_assert_num_queries):
    etag = api_client.get(path)["ETag"]

    with django_assert_num_queries(0):
        response = api_client.get(path, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


@pytest.mark.parametrize("page_size", [5, 100])
def test_without_the_version_memory_a_cached_read_or_revalidation_costs_one_query(
    api_client, settings, django_assert_num_queries, page_size
):
    settings.CATALOG_VERSION_CACHE_SECONDS = 0
    first = api_client.get(LIST, {"page_size": page_size})

    with django_assert_num_queries(1):  # the version
        again = api_client.get(LIST, {"page_size": page_size})
    with django_assert_num_queries(1):
        revalidated = api_client.get(LIST, {"page_size": page_size}, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.content == first.content
    assert revalidated.status_code == 304


def test_an_api_edit_shows_in_the_list_and_the_detail_at_once(api_client, as_editor):
    detail = f"{LIST}leg-swings/"
    old_list, old_detail = api_client.get(LIST, {"page_size": 100}), api_client.get(detail)

    edited = as_editor.patch(
        detail, {"summary": "Swing one leg like a pendulum."}, format="json", HTTP_IF_MATCH=old_detail["ETag"]
    )
    new_list = api_client.get(LIST, {"page_size": 100}, HTTP_IF_NONE_MATCH=old_list["ETag"])
    new_detail = api_client.get(detail, HTTP_IF_NONE_MATCH=old_detail["ETag"])

    assert edited.status_code == 200
    assert new_list.status_code == new_detail.status_code == 200
    summaries = {item["slug"]: item["summary"] for item in new_list.json()["results"]}
    assert summaries["leg-swings"] == "Swing one leg like a pendulum."
    assert new_detail.json()["summary"] == "Swing one leg like a pendulum."
    assert new_detail["ETag"] == edited["ETag"]
    assert new_list["ETag"] != old_list["ETag"]


def test_a_retired_exercise_leaves_the_cached_list_at_once(api_client, as_editor):
    before = api_client.get(LIST, {"page_size": 100}).json()["results"]

    as_editor.post(f"{LIST}leg-swings/retire/")
    after = api_client.get(LIST, {"page_size": 100}).json()["results"]

    assert "leg-swings" in {item["slug"] for item in before}
    assert {item["slug"] for item in after} == {item["slug"] for item in before} - {"leg-swings"}


def test_an_edit_from_another_process_shows_once_the_remembered_version_expires(api_client):
    etag = api_client.get(LIST)["ETag"]
    # What another process's edit leaves here: new rows and version, and this process's memory untouched.
    Exercise.objects.filter(slug="leg-swings").update(summary="Edited elsewhere.")
    CatalogVersion.objects.filter(id=1).update(number=CatalogVersion.objects.get(id=1).number + 1)

    within_the_bound = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    caches["catalog"].delete(VERSION_KEY)  # what CATALOG_VERSION_CACHE_SECONDS later brings
    after_it = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    listed = api_client.get(LIST, {"page_size": 100}).json()["results"]

    assert within_the_bound.status_code == 304
    assert after_it.status_code == 200
    assert after_it["ETag"] != etag
    assert {item["slug"]: item["summary"] for item in listed}["leg-swings"] == "Edited elsewhere."


def test_with_the_version_memory_off_an_edit_from_another_process_shows_at_once(api_client, settings):
    settings.CATALOG_VERSION_CACHE_SECONDS = 0
    etag = api_client.get(LIST)["ETag"]

    CatalogVersion.objects.filter(id=1).update(number=CatalogVersion.objects.get(id=1).number + 1)
    response = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_each_host_gets_its_own_links(api_client):
    api_client.get(LIST, {"page_size": 5}, HTTP_HOST="localhost")

    response = api_client.get(LIST, {"page_size": 5}, HTTP_HOST="127.0.0.1")

    assert response.json()["next"].startswith("http://127.0.0.1/")


def test_the_browsable_api_is_not_served_the_cached_json(api_client):
    api_client.get(LIST, HTTP_ACCEPT="application/json")

    response = api_client.get(LIST, HTTP_ACCEPT="text/html")

    assert response["Content-Type"].startswith("text/html")


def test_an_error_is_not_kept(api_client, django_assert_num_queries):
    assert api_client.get(f"{LIST}no-such-stretch/").status_code == 404

    with django_assert_num_queries(1):  # looked up again
        again = api_client.get(f"{LIST}no-such-stretch/")

    assert again.status_code == 404
    assert again["Content-Type"] == "application/problem+json"


# Before the view: catalog/api/middleware.py ---------------------------------------------


def without_vary(response) -> dict:
    return {name: value for name, value in response.items() if name != "Vary"}


def answered_by_the_view(response) -> bool:
    return hasattr(response, "response_cache_key")  # what the view marks on every catalog read it answers


@pytest.mark.parametrize("path", READS)
def test_an_anonymous_repeat_is_answered_before_the_view_as_the_view_answered(api_client, path, make_user):
    signed_in = bearer_client(make_user("reader@example.com"))
    first = api_client.get(path)

    again = api_client.get(path)
    through_the_view = signed_in.get(path)

    assert answered_by_the_view(first)
    assert not answered_by_the_view(again)
    assert answered_by_the_view(through_the_view)
    assert again.content == first.content == through_the_view.content
    assert dict(again.items()) == dict(first.items())
    assert without_vary(through_the_view) == without_vary(first)  # signed in: no Vary: Cookie


def test_an_anonymous_revalidation_is_answered_before_the_view(api_client, django_assert_num_queries):
    etag = api_client.get(LIST)["ETag"]

    with django_assert_num_queries(0):
        response = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert not answered_by_the_view(response)
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, no-cache"
    assert response.content == b""


def test_revalidations_alone_reach_the_answer_before_the_view(api_client, make_user):
    etag = bearer_client(make_user("reader@example.com")).get(LIST)["ETag"]  # kept, by a signed-in read

    first = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    second = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)

    assert first.status_code == second.status_code == 304
    assert answered_by_the_view(first)
    assert not answered_by_the_view(second)


def test_a_bad_token_is_refused_even_when_the_answer_is_kept(api_client):
    api_client.get(LIST)
    api_client.get(LIST)

    response = api_client.get(LIST, HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 401


def test_each_accept_header_is_kept_apart(api_client):
    api_client.get(LIST, HTTP_ACCEPT="application/json")

    response = api_client.get(LIST, HTTP_ACCEPT="text/html")

    assert response["Content-Type"].startswith("text/html")
